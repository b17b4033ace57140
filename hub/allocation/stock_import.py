"""Stock snapshot files (CSV with columns node,sku,on_hand): checked whole, then imported in one transaction.

An import is a partial snapshot of every node it names (SKUs it does not mention are left as they are),
reconciled by `hub.stock.snapshots.apply_snapshot`: drift recorded, freshness confirmed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import Connection, Engine

from hub.errors import Location, RecordError
from hub.model.ids import utcnow
from hub.stock.snapshots import SnapshotReport, apply_snapshot

COLUMNS = ("node", "sku", "on_hand")


class StockFileError(RecordError):
    """A stock file row that cannot be imported; nothing from the file is written."""

    code = "stock_file_error"


@dataclass(frozen=True)
class StockRow:
    line: int
    node: str
    sku: str
    on_hand: Decimal


def read_stock_csv(path: Path, *, node: str | None = None) -> list[StockRow]:
    """Parse and check every row; raise StockFileError naming the file, line and column of the first problem.

    With `node` (a count of one node), the node column may be left out; where present it must name that node.
    A node and SKU given twice is refused.
    """
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StockFileError(f"{name} is not UTF-8 text: {exc.reason}", location=Location(file=name)) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    required = COLUMNS if node is None else COLUMNS[1:]
    missing = [c for c in required if c not in header]
    if missing:
        expected = ",".join(required)
        raise StockFileError(
            f"{name} line 1: missing column(s) {', '.join(missing)}; expected a header {expected}",
            location=Location(file=name, line=1),
        )
    rows: list[StockRow] = []
    seen: dict[tuple[str, str], int] = {}
    for raw in reader:
        line = reader.line_num
        values = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        if not any(values.values()):
            continue
        if node is not None:
            if values.get("node") not in (None, "", node):
                raise StockFileError(
                    f"{name} line {line}: node {values['node']!r} in a count of node {node!r}",
                    location=Location(file=name, line=line, field="node"),
                )
            values["node"] = node
        for column in ("node", "sku"):
            if not values.get(column):
                raise StockFileError(
                    f"{name} line {line}: {column} is empty", location=Location(file=name, line=line, field=column)
                )
        try:
            on_hand = Decimal(values.get("on_hand", ""))
        except InvalidOperation:
            on_hand = Decimal("NaN")
        if not on_hand.is_finite() or on_hand < 0:
            raise StockFileError(
                f"{name} line {line}: on_hand {values.get('on_hand')!r} is not a number of 0 or more",
                location=Location(file=name, line=line, field="on_hand"),
            )
        key = (values["node"], values["sku"])
        if key in seen:
            raise StockFileError(
                f"{name} line {line}: {key[1]} at {key[0]} is already counted on line {seen[key]}",
                location=Location(file=name, line=line, field="sku"),
            )
        seen[key] = line
        rows.append(StockRow(line, values["node"], values["sku"], on_hand))
    return rows


def apply_stock_rows(
    conn: Connection, tenant: str, rows: Sequence[StockRow], *, reference: str, as_of: datetime | None = None
) -> list[SnapshotReport]:
    """Each node's rows as a partial snapshot of that node (nodes are created as needed), in node order."""
    as_of = as_of or utcnow()
    by_node: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        by_node.setdefault(row.node, {})[row.sku] = row.on_hand
    return [
        apply_snapshot(conn, tenant, node, counts, as_of=as_of, reference=reference, full=False)
        for node, counts in sorted(by_node.items())
    ]


def import_stock_csv(engine: Engine, tenant: str, path: Path) -> list[StockRow]:
    """Set on-hand from the file (nodes are created as needed); all rows or none."""
    rows = read_stock_csv(path)
    with engine.begin() as conn:
        apply_stock_rows(conn, tenant, rows, reference=f"import:{path.name}")
    return rows
