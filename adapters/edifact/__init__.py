"""edifact: UN/EDIFACT with retail trading partners and 3PL warehouses (syntax 1-4, UNOA-UNOY, D96A/D01B...).

Capabilities
  file_parser    interchanges in (bytes, several per file): ORDERS -> Order (BGM 1225 9 original, 5 replace ->
                 a newer revision, 1/3 -> Cancellation), ORDCHG -> OrderChange (LIN 1229 1 add, 2 delete,
                 3 change; QTY+21 the new ordered quantity), INVRPT -> StockLevel, DESADV -> Shipment,
                 CONTRL / APERAK about what the hub sent -> ReceivedAck. One Envelope per interchange (key
                 edifact:<UNB 0004>:<0007>:<0010>:<0020>) with its documents and the CONTRL to send; a resent
                 interchange gets CONTRL UCI 4 code 26 when the partner gets CONTRL. CONTRL is never answered.
  order_sink     ORDERS to a 3PL ("order_release": BGM 1004 = hub order id, which its DESADV RFF+ON echoes;
                 LIN 1082 = the order line number; RFF+CR the channel's order number).
  shipment_sink  DESADV ("shipment"), INVOIC ("invoice"), ORDRSP ("order_ack"), echoing the partner's LIN item
                 numbers, PIA ids, units and prices from the order's attributes.edi.
  stock_sink     INVRPT ("stock": QTY+145, one SKU per message).
  ack_sink       CONTRL ("ack": the Acknowledgment's content.segments in a fresh interchange).
  Every message the sinks render is checked against its definition (mappings/edifact) before it is
  written; one that breaks it is a MappingError, never sent.

Connection
  Bytes come from the hub's file transports; sinks write `<hub_home>/outbound/<connection>/<kind>-<key>.edi`
  atomically, encoded for the partner's syntax identifier. Partners are the hub's partner profiles
  (mappings/partners/*.yaml and `hub partners`), looked up by UNB 0004 (and 0007 when the profile gives a
  qualifier); no credentials. Numbering: scope edifact:<partner>, counter interchange (UNB 0020 = UNH 0062).

Options (EdifactConfig)
  hub_id            the hub's EDIFACT identity, ID or ID:QUAL (default HUB): the UNB recipient it accepts
                    (anything else is refused, wrong_receiver; the qualifier is checked when given) and the
                    UNB sender of what it writes.
  partner           partner profile to address when an outbound body names none.
  default_currency  when neither CUX nor the profile's currency names one (default EUR).
  timezone          IANA zone for DTM dates without an offset (default UTC).
  contrl            send CONTRL at all (default true).
  partner_profiles  extra profile YAML files or folders this connection knows besides the hub's directory.

CONTRL policy (profile `ack`)
  contrl    a CONTRL for every interchange (UCI 7, UCM 4 per rejected message; UCI 4 when rejected whole).
  (unset)   a CONTRL only when something is rejected, or when the UNB asks (0031 = 1).
  none      a CONTRL only when the UNB asks (0031 = 1).
  A duplicate interchange gets CONTRL UCI 4 code 26 when the partner would get a CONTRL for it anyway
  (profile `contrl` or UNB 0031 = 1); otherwise nothing is sent and the duplicate is only reported.

Partner profile keys honoured
  sku_qualifier         which id is the hub SKU: default the LIN item number (7140); SA, IN, BP, EN... pick the
                        LIN or PIA id with that 7143 type. Outbound LIN items use it (default SA) unless the
                        order's echo has the partner's own LIN number.
  overrides.sku_fallback        types tried after sku_qualifier.
  overrides.ORDERS.ship_to      NAD 3035 codes read as ship-to, in order (default [DP, ST]).
  overrides.default_country     country for a NAD without 3207.
  overrides.locations           {LOC/NAD id or name: node code} for INVRPT and DESADV; else the partner's name.
  overrides.INVRPT.quantity     QTY 6063 read as on hand, in order (default ["145"]).
  overrides.INVRPT.send_quantity  QTY 6063 of the INVRPT the hub sends (default 145).
  overrides.<TYPE>.association  UNH S009 0057 association code of a message we send (EAN008...).
  edifact_version / edifact_syntax / edifact_delimiters / test: UNH directory, UNB 0001:0002, UNA, UNB 0035.
  Units: PartnerProfile.units converts quantities (prices divide by the factor, to 4 places).

Limits
  The reader streams (memory: one message plus the mapped documents of one interchange). An interchange from
  an unknown sender or to another recipient fails the whole raw message (unknown_partner, wrong_receiver),
  as do segments outside any interchange (no_interchange). A message that breaks its definition or does not
  map is rejected alone (UCM 4, with UCS/UCD) and reported in the envelope's errors; an interchange with a
  bad UNE or UNZ, or cut short, is rejected whole (UCI 4), nothing kept.
  DTM formats read: 101, 102, 201, 203, 204, 205, 718. ORDCHG lines are named by their LIN 1082 number.
  An order_release needs a hub order id of at most 35 characters (BGM 1004 in D96A).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.edi.manifest import edi_adapter, lazy_exports

if TYPE_CHECKING:
    from hub.plugins.manifest import Adapter

# The manifest is built on first access (PEP 562), so that importing the syntax layer alone
# (adapters.edifact.tokenizer / envelope / writer, as the bench and the fuzz tests do) does not
# import the mappings, the sinks and the hub's partner store.
_EXPORTS = {
    "EdifactConfig": "adapters.edifact.config",
    "EdifactParser": "adapters.edifact.parser",
    "UnknownPartner": "adapters.edifact.parser",
    "WrongReceiver": "adapters.edifact.parser",
    "NoInterchange": "adapters.edifact.parser",
    "EdifactOrderSink": "adapters.edifact.sinks",
    "EdifactShipmentSink": "adapters.edifact.sinks",
    "EdifactStockSink": "adapters.edifact.sinks",
    "EdifactAckSink": "adapters.edifact.sinks",
}


def _manifest() -> Adapter:
    from adapters.edifact.config import EdifactConfig
    from adapters.edifact.parser import EdifactParser
    from adapters.edifact.sinks import EdifactAckSink, EdifactOrderSink, EdifactShipmentSink, EdifactStockSink

    return edi_adapter(
        "edifact",
        __doc__ or "",
        EdifactConfig,
        (EdifactParser, EdifactOrderSink, EdifactShipmentSink, EdifactStockSink, EdifactAckSink),
    )


__getattr__ = lazy_exports(__name__, _EXPORTS, _manifest)

__all__ = ["ADAPTER", *_EXPORTS]
