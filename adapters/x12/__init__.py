"""x12: ANSI X12 EDI with retail trading partners and 3PL warehouses (any ISA12 version 00200-00801).

Capabilities
  file_parser    interchanges in (bytes, several per file): 850 purchase order -> Order (BEG01 01 ->
                 Cancellation, 05 replace -> a newer revision), 860 change -> OrderChange, 846 -> StockLevel,
                 945 and 856 -> Shipment, 944 -> StockMovement receipts, 997/999/TA1 about what the hub sent
                 -> ReceivedAck. One Envelope per interchange (key x12:<ISA05>:<ISA06>:<ISA07>:<ISA08>:<ISA13>)
                 with its documents and the acknowledgments to send: a 997 (004010) or 999 (005010) per group
                 as the partner profile says, a TA1 when ISA14 asks or the interchange has problems; a resent
                 interchange gets TA1 R 025. Acknowledgments are never acknowledged.
  order_sink     940 warehouse shipping order ("order_release"; W05-02 = hub order id, echoed in the 945
                 W06-02) and 943 stock transfer ("transfer"; W06-02 = transfer id, echoed in the 944 W17-04).
  shipment_sink  856 ship notice ("shipment"), 810 invoice ("invoice"), 855 PO acknowledgment ("order_ack"),
                 echoing the partner's PO line ids, units and prices from the order's attributes.edi.
  stock_sink     846 inventory advice ("stock": QTY 33, one SKU per message).
  ack_sink       997 / 999 / TA1 ("ack": the Acknowledgment's content.segments in a fresh envelope).
  Every document the sinks render is checked against its set definition (mappings/x12) before it is
  written; one that breaks it (a value too long for its element...) is a MappingError, never sent.
  Documents, acks and errors are all in ParseResult.envelopes (the pipeline folds in the new ones).

Connection
  Bytes come from the hub's file transports; sinks write `<hub_home>/outbound/<connection>/<kind>-<key>.x12`
  atomically (a transport picks them up). Partners are the hub's partner profiles (mappings/partners/*.yaml
  and `hub partners`), looked up by ISA05/06; no credentials.

Options (X12Config)
  hub_id            the hub's X12 identity, QUAL:ID (default ZZ:HUB): ISA07/08 of what it accepts (anything
                    else is refused, wrong_receiver), ISA05/06 of what it sends.
  partner           partner profile to address when an outbound body names none.
  default_currency  when neither CUR02 nor the profile's currency names one (default USD).
  timezone          IANA zone for X12 dates and times, which carry none (default UTC).
  functional_acks   send 997/999 for received groups (default true; a profile's `ack: none` also stops them).
  ta1               requested (default: TA1 when ISA14 is 1 or the interchange has problems) or always.
  partner_profiles  extra profile YAML files or folders this connection knows besides the hub's directory.

Partner profile keys honoured (PartnerProfile.overrides)
  sku_fallback          qualifiers tried after sku_qualifier (default VP) to pick the hub SKU among a
                        line's product ids (PO106/107..., POC08/09..., LIN02/03..., W12-08/09, W07-04/05);
                        every id is kept in attributes.edi.lines so outbound documents echo them.
  850.ship_to           N101 code of the ship-to loop (default ST; "N1*BT" or "BT").
  default_country       country for an N4 without N404 (default US).
  locations             {N104 id or N102 name: node code} for the location an 846/945/856/944 names;
                        unmapped locations are the partner's name.
  846.quantity          QTY01 qualifiers read as on hand, in order (default ["17", "33"]).
  846.report_type       BIA02 of the 846 the hub sends (default SI).
  940.transportation_method  W66-02 of the 940 the hub sends (default U, private parcel service).
  Units: PartnerProfile.units converts quantities (prices divide by the factor, to 4 places).

Limits
  The reader streams (memory: one transaction set plus the mapped documents of one interchange). An
  interchange from an unknown sender or to another receiver fails the whole message (unknown_partner,
  wrong_receiver). A set that breaks its definition or does not map is rejected alone (AK5/IK5 R, code
  5 with the segment and element) and reported in ParseResult.errors; a group with a bad GE is rejected
  whole (AK9 R); an interchange with a bad IEA or cut short is rejected whole (TA1 R 001 / 023), nothing
  kept. 860 lines are named by their PO1 line number (POC01 must be numeric). The 940's W05-02 holds 22
  characters: a longer hub order id goes in N9*OQ and W05-02 carries the PO number instead (the 945 maps
  back from N9*OQ, else W06-02, else W06-06). Dates are read in
  `timezone`. A replacing 850 (BEG01 05) gets revision = minutes since 2000-01-01 of its GS date/time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.edi.manifest import edi_adapter, lazy_exports

if TYPE_CHECKING:
    from hub.plugins.manifest import Adapter

# The manifest is built on first access (PEP 562), so that importing the syntax layer alone
# (adapters.x12.tokenizer / envelope / writer, as the bench and the fuzz tests do) does not
# import the mappings, the sinks and the hub's partner store.
_EXPORTS = {
    "X12Config": "adapters.x12.config",
    "X12Parser": "adapters.x12.parser",
    "UnknownPartner": "adapters.x12.parser",
    "WrongReceiver": "adapters.x12.parser",
    "X12OrderSink": "adapters.x12.sinks",
    "X12ShipmentSink": "adapters.x12.sinks",
    "X12StockSink": "adapters.x12.sinks",
    "X12AckSink": "adapters.x12.sinks",
}


def _manifest() -> Adapter:
    from adapters.x12.config import X12Config
    from adapters.x12.parser import X12Parser
    from adapters.x12.sinks import X12AckSink, X12OrderSink, X12ShipmentSink, X12StockSink

    return edi_adapter(
        "x12", __doc__ or "", X12Config, (X12Parser, X12OrderSink, X12ShipmentSink, X12StockSink, X12AckSink)
    )


__getattr__ = lazy_exports(__name__, _EXPORTS, _manifest)

__all__ = ["ADAPTER", *_EXPORTS]
