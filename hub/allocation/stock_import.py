"""Stock snapshot files (CSV with columns node,sku,on_hand): checked whole, then imported in one transaction."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import Engine

from hub.allocation.ledger import set_on_hand
from hub.errors import Location, RecordError

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


def read_stock_csv(path: Path) -> list[StockRow]:
    """Parse and check every row; raise StockFileError naming the file, line and column of the first problem."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StockFileError(f"{name} is not UTF-8 text: {exc.reason}", location=Location(file=name)) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise StockFileError(
            f"{name} line 1: missing column(s) {', '.join(missing)}; expected a header node,sku,on_hand",
            location=Location(file=name, line=1),
        )
    rows: list[StockRow] = []
    for raw in reader:
        line = reader.line_num
        values = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        if not any(values.values()):
            continue
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
        rows.append(StockRow(line, values["node"], values["sku"], on_hand))
    return rows


def import_stock_csv(engine: Engine, tenant: str, path: Path) -> list[StockRow]:
    """Set on-hand from the file (nodes are created as needed); all rows or none."""
    rows = read_stock_csv(path)
    with engine.begin() as conn:
        for row in rows:
            set_on_hand(conn, tenant, row.node, row.sku, row.on_hand, reference=f"import:{path.name}")
    return rows
