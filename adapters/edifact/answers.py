"""The CONTRL acknowledgments the parser asks the hub to send, as hub Acknowledgment documents: one per
received interchange, its content built by adapters.edifact.contrl (UCI, UCM per message, UCS/UCD for
what was wrong), rendered later by the ack sink inside an interchange with a freshly drawn reference.

UCI action codes (ISO 9735 0083): 7 = this level acknowledged, lower levels acknowledged unless explicitly
rejected (the interchange with its good messages; rejected ones get UCM 4), 4 = this level and all lower
levels rejected (a bad UNZ, a truncated interchange, a duplicate: code 26), 8 = received only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from adapters.edifact import contrl as contrl_syntax
from adapters.edifact.envelope import Interchange, Message
from adapters.edifact.inbound.values import envelope_moment
from adapters.edifact.syntax import DUPLICATE_DETECTED, SyntaxProblem
from hub.model import Acknowledgment, AckStatus
from hub.model.ids import DEFAULT_TENANT
from hub.partners.profile import PartnerProfile

REJECTED = "4"
ACKNOWLEDGED = "7"


def contrl(
    interchange: Interchange,
    messages: Sequence[tuple[Message, list[SyntaxProblem]]],
    problems: Sequence[SyntaxProblem],
    partner: PartnerProfile,
    *,
    tenant: str = DEFAULT_TENANT,
) -> Acknowledgment:
    """The CONTRL answering one interchange: UCI 4 with the first problem when `problems` reject it whole,
    else UCI 7 with a UCM 4 per message with problems. Status: rejected when the interchange or every
    message is, accepted_with_errors when some are, else accepted."""
    content: dict[str, Any] = contrl_syntax.contrl_content(interchange, list(messages), list(problems))
    action = str(content.get("action") or (REJECTED if problems else ACKNOWLEDGED))
    rejected_messages = [(m, p) for m, p in messages if p]
    errors = [p.message for p in problems]
    errors += [f"{m.type} {m.reference}: {p[0].message}" for m, p in rejected_messages]
    if action == REJECTED or (messages and len(rejected_messages) == len(messages)):
        status = AckStatus.REJECTED
    elif rejected_messages:
        status = AckStatus.ACCEPTED_WITH_ERRORS
    else:
        status = AckStatus.ACCEPTED
    first = problems[0] if problems else (rejected_messages[0][1][0] if rejected_messages else None)
    return Acknowledgment(
        tenant=tenant,
        source=partner.name,
        acknowledged_id=interchange.control_reference,
        status=status,
        code=first.code if first is not None else None,
        errors=errors,
        created_at=envelope_moment(interchange.date, interchange.time, UTC),
        kind="CONTRL",
        partner=partner.name,
        content=content,
    )


def duplicate(interchange: Interchange, partner: PartnerProfile, *, tenant: str = DEFAULT_TENANT) -> Acknowledgment:
    """The CONTRL sent when the interchange was received before: UCI action 4, code 26 (duplicate detected)."""
    problem = SyntaxProblem(
        code=DUPLICATE_DETECTED,
        message=f"interchange {interchange.control_reference} was received before (duplicate UNB reference)",
        level="interchange",
        segment="UNB",
        position=1,
        element=5,
        value=interchange.control_reference,
    )
    return contrl(interchange, [], [problem], partner, tenant=tenant)
