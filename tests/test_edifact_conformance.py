"""The edifact adapter passes the conformance kit every adapter inherits.

EDI facts the kit is told about: documents carry the partner that sent them as their source, and a resent
interchange is answered (CONTRL UCI 4, code 26) only for partners that get CONTRL for it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from adapters.edifact import ADAPTER
from adapters.edifact.envelope import Message, read_interchanges
from adapters.edifact.schema import validate_message
from hub.plugins.capabilities import Capability
from hub.plugins.messages import OutboundMessage
from hub.store.db import read_only
from hub.store.tables import outbox
from hub.testing import checks
from hub.testing.conformance import AdapterConformance
from hub.testing.harness import temporary_hub

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "edifact"
PARTNER_OF_FILE = {"nordmart": "nordmart-retail", "berg": "berg-supplier", "delta": "delta-3pl"}
GOOD_PREFIXES = ("orders-", "ordchg-", "desadv-", "invrpt-", "contrl-", "aperak-")
# Resent, these are answered: their partner gets CONTRL (profile ack contrl, or UNB 0031 = 1); a CONTRL never is.
ANSWERED_WHEN_RESENT = {
    "aperak-nordmart-answer.edi",
    "ordchg-nordmart-po-7001.edi",
    "orders-d01b-berg-po-8801.edi",
    "orders-d96a-nordmart-po-7001.edi",
}


def partner_of(name: str) -> str:
    return next(partner for key, partner in PARTNER_OF_FILE.items() if f"-{key}-" in name)


class TestEdifactConformance(AdapterConformance):
    """The kit, with the good fixtures picked by name and the source of each document its partner."""

    adapter = ADAPTER
    # The kit's connection context carries no partner directory: the connection names the profiles itself.
    valid_options = {"partner_profiles": [str(FIXTURES / "partners")], "hub_id": "HUB"}
    invalid_options = {"hub_id": ":14"}
    fixtures_dir = FIXTURES
    fixture_pattern = "*.edi"
    malformed_fixtures = [FIXTURES / n for n in ("not-edifact.edi", "unknown-sender.edi", "wrong-recipient.edi")]

    def good_fixtures(self) -> list[checks.Fixture]:
        """In the order a partner would send them: orders, their change, the 3PL's despatch and stock, then the
        retailer's answers (CONTRL, APERAK) naming the interchange references the hub drew first (CONTRL 1, 2)."""
        good = [f for f in super().good_fixtures() if f.name.startswith(GOOD_PREFIXES)]
        return sorted(
            good, key=lambda f: (next(i for i, p in enumerate(GOOD_PREFIXES) if f.name.startswith(p)), f.name)
        )

    def expected_source(self, fixture: checks.Fixture) -> str | None:
        return partner_of(fixture.name)

    def test_good_fixtures_cover_every_message_and_partner(self) -> None:
        names = [f.name for f in self.good_fixtures()]
        assert len(names) == 7 and {partner_of(n) for n in names} == set(PARTNER_OF_FILE.values())

    def test_replay_adds_no_rows(self, tmp_path: Path) -> None:
        """The kit's replay check, except for what EDIFACT requires of a resent interchange: it comes back a
        duplicate and adds nothing but, for a partner that gets CONTRL, a CONTRL with UCI 4 code 26."""
        fixtures = self.good_fixtures()
        with temporary_hub(ADAPTER, self.valid_options, tmp_path) as hub:
            for fixture in fixtures:
                report = checks.ingest(hub, ADAPTER, fixture)
                assert report.status != "rejected", (fixture.name, report.errors)
            first = hub.counts()
            for fixture in fixtures:
                assert checks.ingest(hub, ADAPTER, fixture).status == "duplicate", fixture.name
            again = hub.counts()
            with read_only(hub.ctx.engine) as conn:
                bodies = [r.body for r in conn.execute(select(outbox.c.body))]
        answered = len(ANSWERED_WHEN_RESENT)
        grown = {k: (first[k], v) for k, v in again.items() if v != first.get(k)}
        assert grown == {
            "outbox": (first["outbox"], first["outbox"] + answered),
            "sent_envelopes": (first["sent_envelopes"], first["sent_envelopes"] + answered),
        }
        duplicates = [b for b in bodies if b.get("kind") == "CONTRL" and b.get("code") == "26"]
        assert len(duplicates) == answered and all(b["status"] == "rejected" for b in duplicates)


def test_orders_then_despatch_answer_with_ordrsp_contrl_and_desadv(tmp_path: Path) -> None:
    """Through the hub: the retailer's ORDERS and the 3PL's DESADV queue an ORDRSP, a CONTRL and a DESADV to
    the retailer, each of which the edifact sinks render into a valid interchange echoing the PO."""
    options = {"partner_profiles": [str(FIXTURES / "partners")]}
    with temporary_hub(ADAPTER, options, tmp_path) as hub:
        for name in ("orders-d96a-nordmart-po-7001.edi", "desadv-delta-po-7001.edi"):
            report = checks.ingest(hub, ADAPTER, checks.Fixture.read(FIXTURES / name))
            assert report.status == "accepted", (name, report.errors)
        with read_only(hub.ctx.engine) as conn:
            rows = list(conn.execute(select(outbox)))
            (record,) = hub.ctx.connections(conn)
        sinks = {
            kind: hub.ctx.capability(record, capability)
            for kind, capability in (
                ("order_ack", Capability.SHIPMENT_SINK),
                ("shipment", Capability.SHIPMENT_SINK),
                ("ack", Capability.ACK_SINK),
            )
        }
    assert sorted(r.kind for r in rows) == ["ack", "order_ack", "shipment"]
    for row in rows:
        message = OutboundMessage(
            id=row.id,
            kind=row.kind,
            connection=row.connection,
            idempotency_key=row.idempotency_key,
            body=row.body,
            created_at=row.created_at,
            control_numbers=row.control_numbers or {"interchange": 9},
        )
        text = sinks[row.kind].render(message)
        (read,) = [e for e in read_interchanges(text.encode("latin-1")) if isinstance(e, Message)]
        assert read.problems == [] and validate_message(read) == []
        assert read.type == {"order_ack": "ORDRSP", "shipment": "DESADV", "ack": "CONTRL"}[row.kind]
        assert read.interchange is not None and read.interchange.recipient_id == "5412345000013"
        if row.kind != "ack":
            assert "RFF+ON:PO7001'" in text
