"""Products catalogue: CSV and YAML imports (all rows or none, errors with file/line/column), upserts, the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from hub.allocation.profiles import load_products
from hub.catalog import (
    ProductFileError,
    ProductRow,
    get_product,
    import_products,
    list_products,
    parse_attribute,
    read_products,
    upsert_products,
)
from hub.errors import RecordError
from hub.store.db import read_only
from hub.store.tables import products

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "network" / "products.csv"
HAZMAT = {"GAS-CARTRIDGE", "LIGHTER-FLUID", "PERFUME-50ML", "EBIKE-BATTERY", "AEROSOL-PAINT"}
OVERSIZE = {"LAMP-FLOOR", "RUG-200X300", "BIKE-CITY"}
HEADER = "sku,description,weight_kg,length_cm,width_cm,height_cm,hazmat\n"


def count(engine: Engine, tenant: str = "t1") -> int:
    with read_only(engine) as conn:
        return conn.execute(select(func.count()).select_from(products).where(products.c.tenant == tenant)).scalar_one()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_fixture_catalogue_imports_cleanly(engine: Engine) -> None:
    rows = import_products(engine, "t1", FIXTURE)
    assert len(rows) == 20 and len({r.sku for r in rows}) == 20
    with read_only(engine) as conn:
        known = load_products(conn, "t1", [r.sku for r in rows] + ["NOT-IN-CATALOGUE"])
    assert set(known) == {r.sku for r in rows}
    assert {sku for sku, p in known.items() if p.attributes.get("hazmat") is True} == HAZMAT
    assert {sku for sku, p in known.items() if p.attributes.get("oversize") is True} == OVERSIZE
    mug = known["MUG-WHT"]
    assert (mug.weight_kg, mug.length_cm, mug.width_cm, mug.height_cm) == (
        Decimal("0.35"),
        Decimal("12"),
        Decimal("9"),
        Decimal("10"),
    )
    assert mug.attributes == {"hazmat": False, "fragile": True, "oversize": False, "category": "kitchen"}
    assert mug.description == "Mug, white, 330 ml"
    assert known["STICKER-PACK"].height_cm == Decimal("0.5")
    # the demo's SKUs are all in the catalogue
    demo = {line.split(",")[1] for line in (REPO / "fixtures/demo/stock.csv").read_text().splitlines()[1:]}
    assert demo <= set(known)


def test_reimport_replaces_measures_and_attributes_and_tenants_are_separate(engine: Engine, tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", HEADER + "MUG,Mug,0.35,12,9,10,yes\nCUP,Cup,0.2,,,,no\n")
    import_products(engine, "t1", first)
    second = write(tmp_path, "b.csv", "sku,weight_kg,fragile\nMUG,0.4,true\n")
    import_products(engine, "t1", second)
    import_products(engine, "t2", first)
    with read_only(engine) as conn:
        mug = get_product(conn, "t1", "MUG")
        listed = list_products(conn, "t1")
        other = get_product(conn, "t2", "MUG")
    assert mug is not None and other is not None
    assert (mug["weight_kg"], mug["length_cm"], mug["description"]) == ("0.4", None, None)
    assert mug["attributes"] == {"fragile": True}  # replaced, not merged: the file is the truth for the SKU
    assert [p["sku"] for p in listed] == ["CUP", "MUG"]
    assert listed[0]["attributes"] == {"hazmat": False} and listed[0]["length_cm"] is None
    assert other["attributes"] == {"hazmat": True} and other["weight_kg"] == "0.35"


def test_upsert_products_from_code(engine: Engine) -> None:
    rows = [ProductRow("A", weight_kg=Decimal("1.5"), attributes={"hazmat": True}), ProductRow("B")]
    with engine.begin() as conn:
        assert upsert_products(conn, "t1", rows) == 2
        assert upsert_products(conn, "t1", []) == 0
    with read_only(engine) as conn:
        found = load_products(conn, "t1", ["A", "B"])
    assert found["A"].weight_kg == Decimal("1.5") and found["A"].attributes == {"hazmat": True}
    assert found["B"].weight_kg is None and found["B"].attributes == {}


def test_yaml_catalogue(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "products.yaml",
        """\
- sku: "00123"
  description: Leading zeros kept
  weight_kg: 2.50
  length_cm: 30
  attributes: {Hazmat: yes, voltage: 230, rating: 4.20, colour: red, note: null}
- sku: LAMP
  weight_kg: "6.5"
  attributes: {oversize: true, fragile: false}
""",
    )
    rows = import_products(engine, "t1", path)
    assert [(r.sku, r.line) for r in rows] == [("00123", 1), ("LAMP", 6)]
    with read_only(engine) as conn:
        found = load_products(conn, "t1", ["00123", "LAMP"])
    assert found["00123"].weight_kg == Decimal("2.5") and found["00123"].length_cm == Decimal(30)
    # numbers are kept as text exactly as written; yes/no and true/false are booleans; null is left out
    assert found["00123"].attributes == {"hazmat": True, "voltage": "230", "rating": "4.20", "colour": "red"}
    assert found["LAMP"].attributes == {"oversize": True, "fragile": False}


@pytest.mark.parametrize(
    ("raw", "value"),
    [("true", True), ("YES", True), (" no ", False), ("False", False), ("", None), ("12.50", "12.50"), ("x", "x")],
)
def test_attribute_values(raw: str, value: object) -> None:
    assert parse_attribute(raw) == value


@pytest.mark.parametrize(
    ("body", "line", "column", "words"),
    [
        ("A,a,1,1,1,1,no\nB,b,-2,1,1,1,no\n", 3, "weight_kg", "0 or more"),
        ("A,a,1.23456,1,1,1,no\n", 2, "weight_kg", "more than 4 decimal places"),
        ("A,a,1,0,1,1,no\n", 2, "length_cm", "more than 0"),
        ("A,a,1,1,1.005,1,no\n", 2, "width_cm", "2 decimal places"),
        ("A,a,1,1,1,tall,no\n", 2, "height_cm", "not a number"),
        ("A,a,1,1,1,1,no\n,b,1,1,1,1,no\n", 3, "sku", "empty"),
        ("A,a,1,1,1,1,no\nB,b,1,1,1,1,no\nA,c,1,1,1,1,no\n", 4, "sku", "already on line 2"),
        ("A,a,1,1,1,1,no,extra\n", 2, None, "8 values for 7 columns"),
        ("A,a,NaN,1,1,1,no\n", 2, "weight_kg", "not a number"),
    ],
)
def test_bad_csv_rows_name_file_line_and_column_and_write_nothing(
    engine: Engine, tmp_path: Path, body: str, line: int, column: str | None, words: str
) -> None:
    path = write(tmp_path, "bad.csv", HEADER + body)
    with pytest.raises(ProductFileError) as caught:
        import_products(engine, "t1", path)
    error = caught.value
    assert isinstance(error, RecordError)
    assert (error.location.file, error.location.line, error.location.field) == (str(path), line, column)
    assert words in str(error) and str(path) in str(error)
    assert count(engine) == 0


def test_bad_headers(tmp_path: Path) -> None:
    with pytest.raises(ProductFileError, match="must name at least sku") as caught:
        read_products(write(tmp_path, "nosku.csv", "code,weight_kg\nA,1\n"))
    assert caught.value.location.line == 1
    with pytest.raises(ProductFileError, match="'hazmat' is named by two columns") as caught:
        read_products(write(tmp_path, "twice.csv", "sku,hazmat,Hazmat\nA,yes,no\n"))
    assert caught.value.location.field == "Hazmat"
    with pytest.raises(ProductFileError, match=r"expected a \.csv, \.yaml or \.yml"):
        read_products(write(tmp_path, "products.txt", "sku\nA\n"))


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("- sku: A\n  weight_kg: 1\n- sku: B\n  weight: 2\n", 4, "weight", "unknown key"),
        ("- sku: A\n- description: no sku\n", 2, "sku", "required key is missing"),
        ("- sku: 123\n", 1, "sku", "quoted text"),
        ("- sku: A\n  weight_kg: heavy\n", 2, "weight_kg", "not a number"),
        ("- sku: A\n  weight_kg: true\n", 2, "weight_kg", "not a number"),
        ("- sku: A\n  attributes: [hazmat]\n", 2, "attributes", "mapping"),
        ("- sku: A\n  attributes: {sizes: [S, M]}\n", 2, "attributes.sizes", "list or mapping"),
        ("- sku: A\n- sku: A\n", 2, "sku", "already on line 1"),
        ("- sku: A\n- just text\n", 2, "[1]", "mapping"),
        ("sku: A\n", 1, None, "list of products"),
        ("- sku: A\n  weight_kg: [1\n", 3, None, "invalid YAML"),
    ],
)
def test_bad_yaml_rows_name_file_line_and_key(
    engine: Engine, tmp_path: Path, text: str, line: int, column: str | None, words: str
) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ProductFileError) as caught:
        import_products(engine, "t1", path)
    error = caught.value
    assert (error.location.file, error.location.line, error.location.field) == (str(path), line, column)
    assert words in str(error)
    assert count(engine) == 0


# --- CLI ---------------------------------------------------------------------------------------------------


def test_cli_products_import_list_show(cli, tmp_path: Path) -> None:
    imported = json.loads(cli("products", "import", FIXTURE, "--json").stdout)
    assert imported["products"] == 20 and "BIKE-CITY" in imported["skus"]
    listed = json.loads(cli("products", "list", "--json").stdout)["products"]
    assert len(listed) == 20 and listed == sorted(listed, key=lambda p: p["sku"])
    shown = json.loads(cli("products", "show", "GAS-CARTRIDGE", "--json").stdout)
    assert shown["weight_kg"] == "0.38" and shown["attributes"]["hazmat"] is True
    assert shown["attributes"]["category"] == "outdoor"
    human = cli("products", "show", "BIKE-CITY").stdout
    assert "145x25x75 cm" in human and "oversize=true" in human
    assert "EBIKE-BATTERY" in cli("products", "list").stdout
    missing = cli("products", "show", "NOPE", code=1)
    assert "no product with SKU 'NOPE'" in missing.output

    bad = write(tmp_path, "bad.csv", HEADER + "NEW,x,1,1,1,1,no\nZ,z,-1,1,1,1,no\n")
    failed = cli("products", "import", bad, code=1)
    assert "bad.csv line 3: weight_kg" in failed.output
    cli("products", "show", "NEW", code=1)  # the good row before the bad one was not written either
    cli("products", "import", tmp_path / "absent.csv", code=2)
