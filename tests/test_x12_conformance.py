"""The x12 adapter passes the conformance kit every adapter inherits.

Two EDI facts the kit's record check does not know yet (see the class docstring): a parser puts its
documents in per-interchange envelopes, and an EDI document's source is the partner that sent it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import select

from adapters.x12 import ADAPTER
from adapters.x12.parser import X12Parser, folded
from hub.plugins.capabilities import Capability
from hub.plugins.messages import ParseResult, RawMessage
from hub.store.db import read_only
from hub.store.tables import outbox
from hub.testing import checks
from hub.testing.conformance import AdapterConformance
from hub.testing.harness import temporary_hub

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x12"
PARTNER_OF_FILE = {"acme": "acme-retail", "bolt": "bolt-3pl"}


class _FoldingParser(X12Parser):
    """The x12 parser as the pipeline sees a new interchange: envelope contents folded into the result."""

    def parse(self, message: RawMessage) -> ParseResult:
        return folded(super().parse(message))


FOLDED = dataclasses.replace(
    ADAPTER,
    implementations=tuple(
        _FoldingParser if impl.capability == Capability.FILE_PARSER else impl for impl in ADAPTER.implementations
    ),
)


class TestX12Conformance(AdapterConformance):
    """The kit, with the record check run on folded envelopes, per trading partner (source = partner)."""

    adapter = ADAPTER
    # The kit's connection context carries no partner directory: the connection names the profiles itself.
    valid_options = {"partner_profiles": [str(FIXTURES / "partners")], "hub_id": "ZZ:HUB"}
    invalid_options = {"hub_id": "HUB-WITHOUT-QUALIFIER"}
    fixtures_dir = FIXTURES
    fixture_pattern = "[0-9]*.edi"  # 850-, 860-, 846-, 945-, 944-, 997-, 999-: the good files
    malformed_fixtures = [FIXTURES / n for n in ("not-x12.edi", "unknown-sender.edi", "wrong-receiver.edi")]

    def test_records_validate_and_carry_the_channel(self, tmp_path: Path) -> None:
        by_partner: dict[str, list[checks.Fixture]] = {}
        for fixture in self.good_fixtures():
            by_partner.setdefault(PARTNER_OF_FILE[fixture.name.split("-")[1]], []).append(fixture)
        assert sorted(by_partner) == ["acme-retail", "bolt-3pl"]
        for partner, fixtures in by_partner.items():
            checks.check_records(FOLDED, self.valid_options, fixtures, tmp_path / partner, channel=partner)

    def test_replay_adds_no_rows(self, tmp_path: Path) -> None:
        """The kit's replay check, except for what X12 requires on a resent interchange: each replayed
        fixture comes back a duplicate and adds nothing but its TA1 (R, note 025) to the outbox."""
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
        grown = {k: (first[k], v) for k, v in again.items() if v != first.get(k)}
        assert grown == {
            "outbox": (first["outbox"], first["outbox"] + len(fixtures)),
            "sent_envelopes": (first["sent_envelopes"], first["sent_envelopes"] + len(fixtures)),
        }
        duplicates = [b for b in bodies if b.get("kind") == "TA1" and b.get("code") == "025"]
        assert len(duplicates) == len(fixtures) and all(b["status"] == "rejected" for b in duplicates)
