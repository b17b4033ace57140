"""The X12 parser: envelopes, 997 vs 999 per partner, a bad set rejected alone (AK5 R, AK9 P), a bad group
(AK9 R), a bad interchange (TA1), unknown sender / wrong receiver, received acks, and the acks rendered."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pyx12.params
import pyx12.x12n_document

from adapters.x12 import ADAPTER, UnknownPartner, WrongReceiver
from adapters.x12.config import X12Config
from adapters.x12.envelope import GroupEnd, InterchangeEnd, InterchangeStart, TransactionSet, read_interchanges
from adapters.x12.parser import folded
from adapters.x12.schema import validate_set
from adapters.x12.sinks import X12AckSink
from hub.errors import ConfigError, DecodeError, HubError
from hub.model import Acknowledgment, AckStatus, Order, ReceivedAck
from hub.partners.directory import PartnerDirectory
from hub.partners.profile import PartnerProfile
from hub.partners.store import load_file
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage, ParseResult, RawMessage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x12"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "x12"
ACME = load_file(FIXTURES / "partners" / "acme-retail.yaml")
BOLT = load_file(FIXTURES / "partners" / "bolt-3pl.yaml")


def parse(
    data: bytes | str,
    *,
    config: X12Config | None = None,
    partners: list[PartnerProfile] | None = None,
    name: str = "in.edi",
) -> ParseResult:
    context = ConnectionContext(connection="edi", channel="edi", partners=PartnerDirectory(partners or [ACME, BOLT]))
    parser = ADAPTER.build(Capability.FILE_PARSER, config or X12Config(), context)
    body = data.encode() if isinstance(data, str) else data
    raw = parser.parse(RawMessage(body=body, connection="edi", filename=name))
    assert raw.documents == raw.acks == raw.errors == []  # all in the envelopes, for the pipeline to fold
    flat = folded(raw)  # what the pipeline sees of new interchanges
    flat.envelopes = raw.envelopes
    return flat


def fixture(name: str, **kw: object) -> ParseResult:
    return parse((FIXTURES / name).read_bytes(), name=name, **kw)  # type: ignore[arg-type]


def interchange(
    body: list[str],
    *,
    sender: str = "ACMERETAIL",
    ack: str = "0",
    version: str = "00401",
    gs08: str = "004010",
    fid: str = "PO",
    set_id: str = "850",
    st03: str = "",
) -> str:
    rep = "U" if version < "00402" else "^"
    st = f"ST*{set_id}*0001" + (f"*{st03}" if st03 else "")
    return "\n".join(
        [
            f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*HUB            *240501*1030*{rep}*{version}"
            f"*000000321*{ack}*P*>~",
            f"GS*{fid}*{sender}*HUB*20240501*1030*321*X*{gs08}~",
            f"{st}~",
            *[f"{row}~" for row in body],
            f"SE*{len(body) + 2}*0001~",
            "GE*1*321~",
            "IEA*1*000000321~",
        ]
    )


PO = ["BEG*00*SA*PO-1**20240501", "N1*ST*STORE*92*0001", "N4*DAYTON*OH*45402", "PO1*1*2*EA*3*PE*VP*A-1"]


# -- accepted interchanges -------------------------------------------------------------------------------------


def test_850_envelope_documents_and_997() -> None:
    result = fixture("850-acme-three-lines.edi")
    assert result.format == "x12" and len(result.envelopes) == 1 and result.errors == []
    envelope = result.envelopes[0]
    assert envelope.key == "x12:ZZ:ACMERETAIL:ZZ:HUB:000000101"
    (order,) = envelope.documents
    assert isinstance(order, Order) and order.external_id == "4500017001" and result.documents == [order]
    assert envelope.errors == []
    (ack,) = envelope.acks
    assert isinstance(ack, Acknowledgment) and result.acks == [ack]
    assert (ack.kind, ack.partner, ack.status, ack.acknowledged_id) == ("997", "acme-retail", AckStatus.ACCEPTED, "101")
    assert ack.content["segments"] == [
        ["AK1", "PO", "101"],
        ["AK2", "850", "0001"],
        ["AK5", "A"],
        ["AK9", "A", "1", "1", "1"],
    ]
    (duplicate,) = envelope.on_duplicate
    assert duplicate.kind == "TA1" and duplicate.content["segments"][0][4:] == ["R", "025"]


def test_005010_partner_gets_999_and_override_to_997() -> None:
    (ack,) = fixture("846-bolt-inventory.edi").acks
    assert ack.kind == "999" and ack.content["segments"][0] == ["AK1", "IB", "501", "005010"]
    assert ["IK5", "A"] in ack.content["segments"]
    (ack,) = fixture("846-bolt-inventory.edi", partners=[BOLT.model_copy(update={"ack": "997"})]).acks
    assert ack.kind == "997" and ["AK5", "A"] in ack.content["segments"]
    assert fixture("846-bolt-inventory.edi", partners=[BOLT.model_copy(update={"ack": "none"})]).acks == []
    assert fixture("846-bolt-inventory.edi", config=X12Config(functional_acks=False)).acks == []


def test_ta1_when_requested_or_always() -> None:
    requested = parse(interchange(PO, ack="1")).acks
    assert [a.kind for a in requested] == ["TA1", "997"]
    assert requested[0].content["segments"] == [["TA1", "000000321", "240501", "1030", "A", "000"]]
    assert [a.kind for a in parse(interchange(PO), config=X12Config(ta1="always")).acks] == ["TA1", "997"]


# -- rejections -------------------------------------------------------------------------------------------------


def test_bad_set_rejected_alone_good_sets_go_through() -> None:
    result = fixture("reject-bad-set-among-good.edi")
    assert [d.external_id for d in result.documents] == ["4500017010", "4500017012"]  # type: ignore[attr-defined]
    (error,) = result.errors
    assert (error.code, error.location.segment, error.location.field) == ("5", "BEG", "BEG03")
    assert error.location.position == 19 and error.location.file == "reject-bad-set-among-good.edi"
    ta1, fa = result.acks
    assert ta1.kind == "TA1" and ta1.status == AckStatus.ACCEPTED  # ISA14 asked for it
    segments = fa.content["segments"]
    assert ["AK2", "850", "0002"] in segments and ["AK5", "R", "5"] in segments
    assert ["AK3", "BEG", "2", "", "8"] in segments and ["AK4", "3", "324", "1"] in segments
    assert segments[-1] == ["AK9", "P", "3", "3", "2"]
    assert fa.status == AckStatus.ACCEPTED_WITH_ERRORS


def test_mapping_error_rejects_the_set_with_its_segment() -> None:
    result = parse(interchange(["BEG*00*SA*PO-1**20240501", "PO1*1*2*EA*3*PE*VP*A-1"]))
    assert result.documents == []
    (error,) = result.errors
    assert (error.code, error.location.segment) == ("missing_ship_to", "N1")
    segments = result.acks[0].content["segments"]
    assert ["AK5", "R", "5"] in segments and any(s[:2] == ["AK3", "N1"] and s[-1] == "3" for s in segments)
    assert segments[-1] == ["AK9", "R", "1", "1", "0"]


def test_unsupported_set_is_rejected_with_code_1() -> None:
    body = ["BAK*00*AC*PO-1*20240501"]
    result = parse(interchange(body, fid="PR", set_id="855"))
    assert result.documents == [] and result.errors[0].code == "1"
    assert ["AK5", "R", "1"] in result.acks[0].content["segments"]


def test_group_with_bad_ge_is_rejected_whole() -> None:
    result = fixture("reject-group-bad-ge-count.edi")
    assert result.documents == []
    assert [e.code for e in result.errors] == ["5"] and result.errors[0].location.segment == "GE"
    (ack,) = result.acks
    assert ack.status == AckStatus.REJECTED and ack.content["segments"][-1] == ["AK9", "R", "3", "2", "0", "5"]


@pytest.mark.parametrize(("name", "code"), [("reject-truncated.edi", "023"), ("reject-iea-mismatch.edi", "001")])
def test_bad_interchange_is_rejected_whole_with_ta1(name: str, code: str) -> None:
    result = fixture(name)
    assert result.documents == []
    (ta1,) = result.acks
    assert ta1.kind == "TA1" and ta1.status == AckStatus.REJECTED and ta1.code == code
    assert ta1.content["segments"][0][4:] == ["R", code]
    assert result.errors and result.errors[0].code == code


def test_unknown_sender_and_wrong_receiver_refuse_the_message() -> None:
    with pytest.raises(UnknownPartner) as unknown:
        fixture("unknown-sender.edi")
    assert unknown.value.code == "unknown_partner" and unknown.value.location.field == "ISA06"
    assert "ZZ:STRANGER" in unknown.value.message
    with pytest.raises(WrongReceiver) as wrong:
        fixture("wrong-receiver.edi")
    assert wrong.value.code == "wrong_receiver" and wrong.value.location.field == "ISA08"
    other_hub = fixture("wrong-receiver.edi", config=X12Config(hub_id="ZZ:OTHERHUB"))
    assert [d.external_id for d in other_hub.documents] == ["4500017060"]  # type: ignore[attr-defined]
    with pytest.raises(DecodeError):
        fixture("not-x12.edi")


def test_duplicate_pair_shares_the_envelope_key() -> None:
    first, resent = fixture("dup-interchange-first.edi"), fixture("dup-interchange-resent.edi")
    assert first.envelopes[0].key == resent.envelopes[0].key
    assert resent.envelopes[0].on_duplicate[0].code == "025"


def test_several_interchanges_in_one_file() -> None:
    text = (FIXTURES / "850-acme-three-lines.edi").read_text() + (FIXTURES / "846-bolt-inventory.edi").read_text()
    result = parse(text)
    assert [e.key.split(":")[2] for e in result.envelopes] == ["ACMERETAIL", "BOLT3PL"]
    assert [a.kind for a in result.acks] == ["997", "999"]


# -- received acknowledgments ------------------------------------------------------------------------------------


def test_received_acks_are_documents_and_never_acknowledged() -> None:
    result = fixture("997-acme-answer.edi")
    (ack,) = result.documents
    assert isinstance(ack, ReceivedAck) and (ack.counter, ack.control_number) == ("group", "2")
    assert result.acks == []
    result = fixture("999-bolt-answer.edi")
    kinds = sorted((d.kind, d.counter, d.control_number) for d in result.documents)  # type: ignore[attr-defined]
    assert kinds == [("999", "group", "3"), ("TA1", "interchange", "2")]
    requested = parse(interchange(["AK1*SH*17", "AK9*A*1*1*1"], ack="1", fid="FA", set_id="997"))
    assert requested.acks == [] and len(requested.documents) == 1


# -- rendered acknowledgments -----------------------------------------------------------------------------------


def ack_message(ack: Acknowledgment) -> OutboundMessage:
    return OutboundMessage(
        id="out_9",
        kind="ack",
        connection="edi",
        idempotency_key=f"ack:{ack.kind}:{ack.acknowledged_id}",
        body=ack.model_dump(mode="json"),
        created_at=datetime(2024, 5, 6, 8, 0, tzinfo=UTC),
        control_numbers={"interchange": 5} if ack.kind == "TA1" else {"interchange": 5, "group": 9},
    )


def ack_sink(tmp_path: Path) -> X12AckSink:
    context = ConnectionContext(
        connection="edi", channel="edi", hub_home=tmp_path, partners=PartnerDirectory([ACME, BOLT])
    )
    return X12AckSink(X12Config(), context)


def test_rendered_acks_reread_cleanly(tmp_path: Path) -> None:
    sink = ack_sink(tmp_path)
    for name in ("reject-bad-set-among-good.edi", "846-bolt-inventory.edi", "reject-truncated.edi"):
        for ack in fixture(name).acks:
            text = sink.render(ack_message(ack))
            events = list(read_interchanges(text.encode()))
            ends = [e for e in events if isinstance(e, GroupEnd | InterchangeEnd)]
            assert ends and all(not e.problems for e in ends)
            for ts in (e for e in events if isinstance(e, TransactionSet)):
                assert ts.set_id == ack.kind and validate_set(ts) == []
            if ack.kind == "TA1":
                assert sink.numbering(ack_message(ack)).counters == ("interchange",)  # type: ignore[union-attr]
                assert "\nIEA*0*000000005~" in text and "GS*" not in text


@pytest.mark.parametrize(
    ("sender", "version", "gs08", "fid", "set_id", "st03", "kind"),
    [
        ("ACMERETAIL", "00401", "004010X098A1", "HC", "837", "", "997"),
        ("BOLT3PL", "00501", "005010X220A1", "BE", "834", "005010X220A1", "999"),
    ],
)
def test_acks_validate_against_pyx12_maps(
    tmp_path: Path, sender: str, version: str, gs08: str, fid: str, set_id: str, st03: str, kind: str
) -> None:
    """pyx12's 997/999 maps are HIPAA ones (AK101 limited to health-care groups), so the oracle sees our ack of
    a health-care set the hub does not take in (AK5/IK5 R 1)."""
    result = parse(
        interchange(["BGN*00*1*20240501"], sender=sender, version=version, gs08=gs08, fid=fid, set_id=set_id, st03=st03)
    )
    (ack,) = result.acks
    assert ack.kind == kind and ack.status == AckStatus.REJECTED
    text = ack_sink(tmp_path).render(ack_message(ack))
    assert pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), io.StringIO(), None)


def test_ack_without_segments_is_refused(tmp_path: Path) -> None:
    (ack,) = fixture("850-acme-three-lines.edi").acks
    broken = ack.model_copy(update={"content": {}})
    with pytest.raises(HubError) as caught:
        ack_sink(tmp_path).render(ack_message(broken))
    assert caught.value.location.field == "content.segments"
    unknown = ack.model_copy(update={"partner": "nobody"})
    with pytest.raises(ConfigError):
        ack_sink(tmp_path).render(ack_message(unknown))


# -- robustness ---------------------------------------------------------------------------------------------------


def test_every_corpus_file_parses_or_is_refused_with_a_hub_error() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent: the third-party X12 samples are not here")
    parsed = 0
    for path in sorted(CORPUS.glob("*.edi")):
        body = path.read_bytes()
        partners: dict[tuple[str, str], PartnerProfile] = {}
        receiver = "ZZ:HUB"
        try:
            for event in read_interchanges(body, filename=path.name):
                if isinstance(event, InterchangeStart):
                    ic = event.interchange
                    if ic.sender_qualifier and ic.sender_id and len(ic.sender_qualifier) <= 2:
                        partners.setdefault(
                            (ic.sender_qualifier, ic.sender_id),
                            PartnerProfile(
                                name=f"p{len(partners)}",
                                x12={"qualifier": ic.sender_qualifier, "id": ic.sender_id[:15]},
                            ),
                        )
                    if ic.receiver_qualifier and ic.receiver_id:
                        receiver = f"{ic.receiver_qualifier}:{ic.receiver_id}"
        except HubError:
            pass
        try:
            config = X12Config(hub_id=receiver)
        except Exception:
            config = X12Config()
        try:
            result = parse(body, config=config, partners=list(partners.values()), name=path.name)
        except HubError:
            continue
        parsed += 1
        for envelope in result.envelopes:
            assert envelope.key.startswith("x12:")
    assert parsed >= 30
