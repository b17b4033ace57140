"""The GraphQL Admin API documents the adapter sends (one place, so tests and the simulator see the same text)."""

from __future__ import annotations

ORDER_FIELDS = """
  id name email createdAt updatedAt cancelledAt cancelReason currencyCode displayFinancialStatus taxesIncluded
  customer { id firstName lastName email }
  shippingAddress { ...HubAddress }
  billingAddress { ...HubAddress }
  taxLines { title rate priceSet { shopMoney { amount currencyCode } } }
  totalTaxSet { shopMoney { amount currencyCode } }
  totalDiscountsSet { shopMoney { amount currencyCode } }
  discountCodes
  shippingLines(first: 20) { nodes { title code originalPriceSet { shopMoney { amount currencyCode } } } }
  lineItems(first: 250) {
    pageInfo { hasNextPage }
    nodes {
      id sku name quantity
      variant { id }
      originalUnitPriceSet { shopMoney { amount currencyCode } }
      discountAllocations { allocatedAmountSet { shopMoney { amount currencyCode } } }
      taxLines { title rate priceSet { shopMoney { amount currencyCode } } }
    }
  }
"""

ORDERS = (
    """query HubOrders($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    edges { cursor node {"""
    + ORDER_FIELDS
    + """} }
    pageInfo { hasNextPage endCursor }
  }
}
fragment HubAddress on MailingAddress {
  name firstName lastName company address1 address2 city province provinceCode zip countryCodeV2 phone
}"""
)

FULFILLMENT_ORDERS = """query HubFulfillmentOrders($id: ID!) {
  order(id: $id) {
    id
    fulfillmentOrders(first: 50) {
      nodes {
        id status
        lineItems(first: 250) { nodes { id remainingQuantity lineItem { id sku } } }
      }
    }
  }
}"""

FULFILLMENT_CREATE = """mutation HubFulfillmentCreate($fulfillment: FulfillmentInput!, $message: String) {
  fulfillmentCreate(fulfillment: $fulfillment, message: $message) {
    fulfillment { id status }
    userErrors { field message }
  }
}"""

ORDER_CANCEL = """mutation HubOrderCancel($orderId: ID!, $reason: OrderCancelReason!,
    $refundMethod: OrderCancelRefundMethodInput!, $restock: Boolean!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refundMethod: $refundMethod, restock: $restock,
      notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}"""

ORDER_CANCEL_LEGACY = """mutation HubOrderCancel($orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!,
    $restock: Boolean!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refund: $refund, restock: $restock,
      notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}"""
"""Before 2025-07 orderCancel took `refund: Boolean!` instead of `refundMethod`."""

ORDER_CANCELLED = """query HubOrderCancelled($id: ID!) {
  order(id: $id) { id cancelledAt }
}"""

VARIANT_LEVEL = """query HubVariantLevel($query: String!, $locationId: ID!) {
  productVariants(first: 5, query: $query) {
    nodes {
      id sku
      inventoryItem {
        id
        inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } }
      }
    }
  }
}"""

SET_QUANTITIES = """mutation HubSetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}"""

SET_QUANTITIES_NO_KEY = """mutation HubSetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}"""
"""Before 2026-01 the @idempotent directive did not exist."""
