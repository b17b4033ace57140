"""Idempotency keys claimed many at once (claim_keys), alone (claim_key) and both mixed, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, select

from hub.store.db import read_only
from hub.store.dedup import claim_key, claim_keys
from hub.store.tables import dedup_keys

Claim = tuple[str, str, str, str]


def claim(key: str, n: int | str) -> Claim:
    """A claim of `key` by document doc-n in message msg-n."""
    return key, "order", f"doc-{n}", f"msg-{n}"


def held(engine: Engine) -> dict[str, tuple[str, str, str, str]]:
    """Every stored key: (tenant, doc type, document id, message id)."""
    d = dedup_keys.c
    with read_only(engine) as conn:
        rows = conn.execute(select(d.dedup_key, d.tenant, d.doc_type, d.document_id, d.message_id)).all()
    return {r.dedup_key: (r.tenant, r.doc_type, r.document_id, r.message_id) for r in rows}


@contextmanager
def statements(conn: Connection) -> Iterator[list[str]]:
    """The SQL sent on `conn` while the block runs (one entry per cursor execution)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(conn, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(conn, "before_cursor_execute", record)


def test_fresh_keys_are_claimed_by_the_caller_with_one_insert_and_no_read(engine: Engine) -> None:
    claims = [claim(f"k{i}", i) for i in range(25)]
    with engine.begin() as conn, statements(conn) as sent:
        holders = claim_keys(conn, "t1", claims)
    assert holders == {f"k{i}": (f"doc-{i}", f"msg-{i}") for i in range(25)}
    assert sent == ["INSERT"]  # one multi-row statement; nobody else held a key, so nothing is read back
    assert held(engine) == {f"k{i}": ("t1", "order", f"doc-{i}", f"msg-{i}") for i in range(25)}


def test_keys_taken_before_keep_their_holder(engine: Engine) -> None:
    with engine.begin() as conn:
        claim_keys(conn, "t1", [claim("a", 1), claim("b", 2)])
    with engine.begin() as conn, statements(conn) as sent:
        holders = claim_keys(conn, "t1", [claim("b", 20), claim("c", 30), claim("a", 10)])
    assert holders == {"a": ("doc-1", "msg-1"), "b": ("doc-2", "msg-2"), "c": ("doc-30", "msg-30")}
    assert sent.count("INSERT") == 1 and 1 <= sent.count("SELECT") <= 2  # only the taken keys are read
    stored = held(engine)
    assert stored["a"] == ("t1", "order", "doc-1", "msg-1")
    assert stored["b"] == ("t1", "order", "doc-2", "msg-2")
    assert stored["c"] == ("t1", "order", "doc-30", "msg-30")


def test_a_repeated_key_within_one_call_goes_to_its_first_claim(engine: Engine) -> None:
    with engine.begin() as conn:
        holders = claim_keys(conn, "t1", [claim("dup", "a"), claim("x", "x"), claim("dup", "b"), claim("dup", "c")])
    assert holders == {"dup": ("doc-a", "msg-a"), "x": ("doc-x", "msg-x")}
    assert held(engine)["dup"] == ("t1", "order", "doc-a", "msg-a")
    assert len(held(engine)) == 2


def test_a_repeated_key_taken_before_keeps_the_earlier_holder(engine: Engine) -> None:
    with engine.begin() as conn:
        claim_keys(conn, "t1", [claim("dup", "old")])
    with engine.begin() as conn:
        holders = claim_keys(conn, "t1", [claim("dup", "a"), claim("dup", "b")])
    assert holders == {"dup": ("doc-old", "msg-old")}


@pytest.mark.parametrize("empty", [[], ()])
def test_no_claims_answer_empty_without_touching_the_database(empty: list[Claim] | tuple[Claim, ...]) -> None:
    class Untouchable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"claim_keys used the connection ({name}) for no claims")

    assert claim_keys(Untouchable(), "t1", empty) == {}  # type: ignore[arg-type]


def test_claim_key_and_claim_keys_see_each_others_holders(engine: Engine) -> None:
    with engine.begin() as conn:
        assert claim_key(conn, "t1", "single", "order", "doc-s", "msg-s") == ("doc-s", "msg-s")
        # in the same transaction, not yet committed: the batch sees the single claim
        assert claim_keys(conn, "t1", [claim("single", 1), claim("batch", 2)]) == {
            "single": ("doc-s", "msg-s"),
            "batch": ("doc-2", "msg-2"),
        }
    with engine.begin() as conn:
        assert claim_key(conn, "t1", "batch", "order", "doc-late", "msg-late") == ("doc-2", "msg-2")
        assert claim_key(conn, "t1", "fresh", "order", "doc-f", "msg-f") == ("doc-f", "msg-f")
        assert claim_keys(conn, "t1", [claim("fresh", 9)]) == {"fresh": ("doc-f", "msg-f")}
    assert {k: v[3] for k, v in held(engine).items()} == {"single": "msg-s", "batch": "msg-2", "fresh": "msg-f"}


def test_claims_rolled_back_are_not_held(engine: Engine) -> None:
    """The intake retries a failed batch's deliveries one by one: the failed batch's claims must be gone."""
    with pytest.raises(RuntimeError), engine.begin() as conn:
        assert claim_keys(conn, "t1", [claim("r", "lost")]) == {"r": ("doc-lost", "msg-lost")}
        raise RuntimeError("the batch failed after claiming")
    with engine.begin() as conn:
        assert claim_keys(conn, "t1", [claim("r", "retry")]) == {"r": ("doc-retry", "msg-retry")}


def test_many_keys_in_one_call_with_some_taken_before(engine: Engine) -> None:
    """More rows than one multi-row VALUES statement carries: every key still gets its right holder."""
    with engine.begin() as conn:
        claim_keys(conn, "t1", [claim(f"m{i}", f"old{i}") for i in range(0, 1500, 100)])
    claims = [claim(f"m{i}", i) for i in range(1500)]
    with engine.begin() as conn:
        holders = claim_keys(conn, "t1", claims)
    assert len(holders) == 1500
    for i in range(1500):
        expected = (f"doc-old{i}", f"msg-old{i}") if i % 100 == 0 else (f"doc-{i}", f"msg-{i}")
        assert holders[f"m{i}"] == expected, i
    assert len(held(engine)) == 1500
