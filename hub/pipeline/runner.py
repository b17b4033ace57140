"""The pipeline runner: claim inbox messages, decode and map, dedup, store, allocate, queue outbound.

One batch is one transaction: a worker killed at any point leaves every message either
fully processed or untouched and claimable again. Parsing is pure and happens first; a
message that fails to parse is kept, failed, with its typed error and step. An unexpected
error rolls the batch back and the messages are retried one by one, so one poison
message cannot hold up the others.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError

from hub.allocation.allocator import Allocator
from hub.allocation.followups import decision_exceptions, keep_promise
from hub.allocation.ledger import apply_reservations, load_levels
from hub.context import HubContext
from hub.errors import DecodeError, HubError, RecordError, TransientError
from hub.model.order import Order
from hub.outbox.enqueue import enqueue
from hub.pipeline.acks import send_acks
from hub.pipeline.batch_sizing import sqlite_sizer
from hub.pipeline.documents import OTHER_DOCUMENTS, Applying, apply_documents
from hub.pipeline.envelopes import Opened, open_envelopes, release_envelopes
from hub.pipeline.inbox import InboxStatus, claim, failure_fields, mark_done, to_raw_message
from hub.pipeline.order_acks import order_acks
from hub.pipeline.orders import DeferToNextBatch, OrderBatch, Planned, StoredDocument, Writes
from hub.plugins.capabilities import Capability
from hub.plugins.messages import ParseResult
from hub.stock.publish import availability_updates
from hub.store.connections import ConnectionRecord
from hub.store.tables import order_lines

log = logging.getLogger(__name__)

TRANSPORT_CAPABILITY = {"webhook": Capability.WEBHOOK_RECEIVER, "poll": Capability.POLLER}


@dataclass
class Outcome:
    message_id: str
    status: InboxStatus
    format: str | None = None
    documents: list[StoredDocument] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    failure: dict[str, Any] | None = None

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": self.message_id,
            "status": self.status,
            "format": self.format,
            "result": {"documents": [d.as_dict() for d in self.documents], "errors": self.errors, "acks": self.acks},
        }
        if self.failure:
            row.update(self.failure)
        return row


@dataclass
class Applied:
    """What a message's documents other than orders came to: stored, per-document errors, or the failure."""

    stored: list[StoredDocument] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    failure: RecordError | None = None


class UnsupportedDocument(RecordError):
    code = "unsupported_document"


def _is_retryable_db_error(exc: DBAPIError) -> bool:
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    # serialization failure, deadlock, lock not available; and a unique violation, which here means a
    # concurrent worker stored the same order first (the retry sees it and dedups or amends).
    if code in {"40001", "40P01", "55P03", "23505"}:
        return True
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


BATCH_SIZE = 50


class Pipeline:
    """Processes inbox messages for one tenant."""

    def __init__(self, ctx: HubContext, allocator: Allocator | None = None, *, batch_size: int | None = None) -> None:
        self.ctx = ctx
        self.allocator = allocator or Allocator.for_hub(ctx.environ, ctx.home)
        self.batch_size = batch_size or BATCH_SIZE
        # On SQLite a batch holds the only write lock, which the webhook intake waits for: sized by time, not count.
        self.sizer = None if batch_size else sqlite_sizer(ctx.engine, BATCH_SIZE)

    # -- entry points -------------------------------------------------------------------------------
    def run_once(self, *, limit: int | None = None, ids: Sequence[str] | None = None) -> list[Outcome]:
        """Process one batch of received messages (or exactly `ids`); returns their outcomes."""
        if limit is None and ids is None and self.sizer is not None:
            began = time.perf_counter()
            outcomes = self._run(self.sizer.next_size(), None)
            self.sizer.record(time.perf_counter() - began, len(outcomes))
            return outcomes
        return self._run(limit or self.batch_size, ids)

    def _run(self, limit: int, ids: Sequence[str] | None) -> list[Outcome]:
        for attempt in range(8):
            try:
                return self._batch(limit, ids)
            except (DBAPIError, TransientError) as exc:
                if (isinstance(exc, DBAPIError) and not _is_retryable_db_error(exc)) or attempt == 7:
                    raise
                time.sleep(min(0.05 * 2**attempt, 1.0) * (0.5 + random.random()))
            except _PoisonInBatch as poison:
                if len(poison.ids) <= 1:
                    return self._fail_alone(poison)
                outcomes: list[Outcome] = []
                for message_id in poison.ids:
                    outcomes += self.run_once(limit=1, ids=[message_id])
                return outcomes
        return []

    def drain(self, *, max_batches: int | None = None) -> list[Outcome]:
        """Process until no received message is left."""
        outcomes: list[Outcome] = []
        batches = 0
        while max_batches is None or batches < max_batches:
            got = self.run_once()
            if not got:
                break
            outcomes += got
            batches += 1
        return outcomes

    # -- one batch ----------------------------------------------------------------------------------
    def _batch(self, limit: int, ids: Sequence[str] | None) -> list[Outcome]:
        with self.ctx.engine.begin() as conn:
            rows = claim(conn, limit=limit, ids=ids, tenant=self.ctx.tenant)
            if not rows:
                return []
            connections = {c.name: c for c in self.ctx.connections(conn)}
            parsed = [(row, self._parse(row, connections)) for row in rows]
            opened: dict[str, Opened] = {}
            for row, result in parsed:
                if isinstance(result, ParseResult):
                    opened[row.id] = open_envelopes(conn, self.ctx.tenant, row.id, result)
            batch = OrderBatch(conn, self.ctx.tenant)
            batch.load_known(
                [d for _, r in parsed if isinstance(r, ParseResult) for d in r.documents if isinstance(d, Order)]
            )
            outcomes: list[Outcome] = []
            plans: list[tuple[Any, ParseResult, list[Planned]]] = []
            for row, result in parsed:
                if isinstance(result, Outcome):
                    outcomes.append(result)
                    continue
                try:
                    plans.append((row, result, batch.plan(row.id, row.connection, self._orders_of(result))))
                except DeferToNextBatch:
                    continue  # stays received; the next batch takes it after this one commits
                except RecordError as exc:
                    outcome = Outcome(row.id, InboxStatus.FAILED, result.format, failure=failure_fields("store", exc))
                    outcome.acks = send_acks(conn, self.ctx, connections, row, result.acks)
                    outcomes.append(outcome)
            try:
                batch.claim_keys()
                skus = batch.skus()
                view = load_levels(conn, self.ctx.tenant, skus)
                session = self.allocator.begin(conn, self.ctx.tenant, skus)
                writes = Writes()
                batch.store(view, session, writes)
                writes.flush(conn)
                session.write_load(conn, self.ctx.tenant)
                for order_id, order, allocation, _ in writes.decided:
                    decision_exceptions(conn, self.ctx.tenant, order_id, allocation)
                    keep_promise(conn, self.ctx.tenant, order_id, order, allocation, self.allocator.calendars)
                writes.outgoing += order_acks(self.ctx, writes.decided, connections)
                others = {row.id: self._apply_others(conn, row, result, writes) for row, result, _ in plans}
                nodes = [n.code for n in session.context.nodes]
                in_view = writes.touched_skus & set(skus)
                writes.outgoing += availability_updates(
                    conn, self.ctx, in_view, view=view, node_codes=nodes, connections=connections.values()
                )
                # SKUs only shipments or movements touched are not in the batch's view: read them as written
                writes.outgoing += availability_updates(
                    conn, self.ctx, writes.touched_skus - in_view, node_codes=nodes, connections=connections.values()
                )
                enqueue(conn, self.ctx.tenant, writes.outgoing)
                for row, result, planned in plans:
                    outcome = self._outcome(row, result, planned, others[row.id], opened.get(row.id))
                    outcome.acks = send_acks(conn, self.ctx, connections, row, result.acks)
                    outcomes.append(outcome)
                release_envelopes(conn, [o.message_id for o in outcomes if o.status == InboxStatus.FAILED])
                mark_done(conn, [o.row() for o in outcomes])
                # Last, so the stock rows are locked only from here to the commit.
                apply_reservations(conn, self.ctx.tenant, view)
            except (DBAPIError, TransientError):
                raise
            except Exception as exc:
                raise _PoisonInBatch([r.id for r in rows], exc) from exc
            return outcomes

    def _apply_others(self, conn: Any, row: Any, result: ParseResult, writes: Writes) -> Applied:
        """Apply the message's documents other than orders in a savepoint: all of them, or none and the error."""
        docs = [d for d in result.documents if not isinstance(d, Order)]
        if not docs:
            return Applied()
        applying = Applying(conn, self.ctx, self.allocator, row.id, row.connection)
        savepoint = conn.begin_nested()
        try:
            stored, errors = apply_documents(applying, docs)
        except RecordError as exc:
            savepoint.rollback()
            return Applied(failure=exc)
        savepoint.commit()
        writes.outgoing += applying.outgoing
        writes.touched_skus |= applying.touched_skus
        for order_id in applying.changed_orders:
            writes.touched_skus |= set(
                conn.execute(select(order_lines.c.sku).where(order_lines.c.order_id == order_id)).scalars()
            )
        return Applied(stored, errors)

    def _orders_of(self, result: ParseResult) -> list[Order]:
        docs: list[Order] = []
        for doc in result.documents:
            if not isinstance(doc, (Order, *OTHER_DOCUMENTS)):
                raise UnsupportedDocument(f"{type(doc).__name__} documents are not handled by the pipeline yet")
            tenant = getattr(doc, "tenant", self.ctx.tenant)
            if tenant != self.ctx.tenant:
                name = getattr(doc, "external_id", None) or type(doc).__name__
                raise RecordError(
                    f"{doc.doc_type} {name} is for tenant {tenant!r}, the connection belongs to {self.ctx.tenant!r}",
                    code="wrong_tenant",
                )
            if isinstance(doc, Order):
                docs.append(doc)
        return docs

    @staticmethod
    def _outcome(
        row: Any, result: ParseResult, planned: list[Planned], others: Applied, opened: Opened | None
    ) -> Outcome:
        stored = [p.stored() for p in planned] + others.stored
        errors = [e.as_dict() for e in result.errors] + others.errors
        if others.failure is not None and not planned:
            return Outcome(
                row.id, InboxStatus.FAILED, result.format, [], errors, failure=failure_fields("store", others.failure)
            )
        if others.failure is not None:
            errors.append(others.failure.as_dict())
        if not stored and result.errors:
            # Nothing in the message could be used (every set or message rejected, or the interchange itself).
            return Outcome(
                row.id,
                InboxStatus.FAILED,
                result.format,
                [],
                errors,
                failure=failure_fields("decode", result.errors[0]),
            )
        new = any(d.outcome not in {"duplicate", "stale"} for d in stored)
        if opened is not None and opened.duplicates and not opened.new:
            status = InboxStatus.DUPLICATE
        else:
            status = InboxStatus.PROCESSED if new or not stored else InboxStatus.DUPLICATE
        return Outcome(row.id, status, result.format, stored, errors)

    def _parse(self, row: Any, connections: dict[str, ConnectionRecord]) -> ParseResult | Outcome:
        try:
            record = connections.get(row.connection)
            if record is None:
                raise RecordError(
                    f"message arrived for unknown connection {row.connection!r}", code="unknown_connection"
                )
            capability = TRANSPORT_CAPABILITY.get(row.transport, Capability.FILE_PARSER)
            parser = self.ctx.capability(record, capability)
            if capability is Capability.WEBHOOK_RECEIVER:
                try:  # again on every run, so a replayed forgery is still refused
                    parser.verify(dict(row.headers or {}), bytes(row.body))
                except HubError as exc:
                    return Outcome(row.id, InboxStatus.FAILED, failure=failure_fields("verify", exc))
            return parser.parse(to_raw_message(row))
        except DecodeError as exc:
            return Outcome(row.id, InboxStatus.FAILED, failure=failure_fields("decode", exc))
        except HubError as exc:
            return Outcome(row.id, InboxStatus.FAILED, failure=failure_fields("map", exc))
        except Exception as exc:  # an adapter bug must not lose the message either
            log.exception("parser of connection %s crashed on message %s", row.connection, row.id)
            return Outcome(row.id, InboxStatus.FAILED, failure=failure_fields("decode", exc))

    def _fail_alone(self, poison: _PoisonInBatch) -> list[Outcome]:
        message_id = poison.ids[0]
        log.error("message %s failed inside the pipeline: %r", message_id, poison.error)
        outcome = Outcome(message_id, InboxStatus.FAILED, failure=failure_fields("store", poison.error))
        with self.ctx.engine.begin() as conn:
            mark_done(conn, [outcome.row()])
        return [outcome]


class _PoisonInBatch(Exception):
    def __init__(self, ids: list[str], error: BaseException) -> None:
        super().__init__(str(error))
        self.ids = ids
        self.error = error
