"""The acknowledgments the parser asks the hub to send, as hub Acknowledgment documents: a 997/999 per
received group and TA1s per interchange, their content built by adapters.x12.acks (rendered later by the
ack sink inside an envelope with freshly drawn control numbers)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time
from typing import Any, Protocol

from adapters.x12 import acks
from adapters.x12.envelope import Group, GroupEnd, Interchange, TransactionSet
from adapters.x12.inbound.values import parse_date, parse_time
from adapters.x12.problems import InterchangeProblem, SetProblem
from hub.model import Acknowledgment, AckStatus
from hub.model.ids import DEFAULT_TENANT
from hub.partners.profile import PartnerProfile

STATUS = {
    "A": AckStatus.ACCEPTED,
    "E": AckStatus.ACCEPTED_WITH_ERRORS,
    "P": AckStatus.ACCEPTED_WITH_ERRORS,
    "R": AckStatus.REJECTED,
}


class SetAnswer(Protocol):
    """What the parser kept of a set: its ST (as a one-segment TransactionSet) and its problems."""

    header: TransactionSet
    problems: list[SetProblem]


def functional_ack(
    kind: str,
    group: Group,
    sets: Sequence[SetAnswer],
    end: GroupEnd,
    partner: PartnerProfile,
    *,
    tenant: str = DEFAULT_TENANT,
) -> Acknowledgment:
    """The 997 or 999 answering one received group (AK2 per set with problems, AK9 with the counts)."""
    results = [acks.SetResult.of(s.header, s.problems) for s in sets]
    content: dict[str, Any] = acks.functional_ack(kind, group, results, end.problems, end.set_count)  # type: ignore[arg-type]
    version = acks.ACK_VERSION_999 if kind == "999" else group.version[:6]
    outcome = acks.group_outcome(results, end.problems, end.set_count)
    errors = [f"group {group.functional_id} {group.control_number}: {p.message}" for p in end.problems]
    errors += [f"set {r.set_id} {r.control_number}: {p.message}" for r in results for p in r.problems if p.rejects]
    return Acknowledgment(
        tenant=tenant,
        source=partner.name,
        acknowledged_id=group.control_number,
        status=STATUS[outcome.status],
        code=outcome.codes[0] if outcome.codes else None,
        errors=errors,
        created_at=interchange_moment(group.interchange),
        kind=kind,
        partner=partner.name,
        content=content | {"version": version},
    )


def ta1(
    interchange: Interchange,
    partner: PartnerProfile,
    problems: Iterable[InterchangeProblem] = (),
    *,
    duplicate: bool = False,
    tenant: str = DEFAULT_TENANT,
) -> Acknowledgment:
    """The TA1 answering one interchange: A 000, E/R with the first problem's note code, or R 025 (duplicate)."""
    listed = list(problems)
    content = acks.ta1(interchange, listed, duplicate=duplicate)
    status, code = content["segments"][0][4], content["segments"][0][5]
    errors = ["duplicate interchange control number"] if duplicate else [p.message for p in listed]
    return Acknowledgment(
        tenant=tenant,
        source=partner.name,
        acknowledged_id=interchange.control_number,
        status=STATUS[status],
        code=code,
        errors=errors,
        created_at=interchange_moment(interchange),
        kind="TA1",
        partner=partner.name,
        content=content,
    )


def interchange_moment(interchange: Interchange) -> datetime:
    """ISA09/ISA10 as a UTC datetime (deterministic: a replayed message yields the same acknowledgments)."""
    day = parse_date(interchange.date) or datetime(2000, 1, 1).date()
    return datetime.combine(day, parse_time(interchange.time) or time(0), tzinfo=UTC)
