"""`hub partners add|list|show|remove` and `hub shipments list`: profiles from the command line and from files."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x12"


def test_add_list_show_remove(cli) -> None:
    cli("partners", "add", "acme", "--x12", "ZZ:ACME", "--ack", "999", "--sku-qualifier", "bp")
    cli("partners", "add", "euro", "--edifact", "5412345000013:14", "--ack", "contrl", "--edifact-version", "D01B")
    listed = json.loads(cli("partners", "list", "--json").stdout)["partners"]
    stored = {p["name"]: p for p in listed if p["origin"] == "stored"}
    assert stored["acme"]["x12"] == "ZZ:ACME" and stored["acme"]["ack"] == "999"
    assert stored["acme"]["sku_qualifier"] == "BP"
    assert stored["euro"]["edifact"] == "5412345000013:14" and stored["euro"]["edifact_version"] == "D01B"
    # the examples shipped in mappings/partners are listed too, marked as files
    assert {"example-retailer", "example-3pl"} <= {p["name"] for p in listed if p["origin"] == "file"}
    shown = json.loads(cli("partners", "show", "euro", "--json").stdout)["partner"]
    assert shown["ack"] == "contrl"
    table = cli("partners", "list").stdout
    assert "acme" in table and "ZZ:ACME" in table
    cli("partners", "remove", "acme")
    assert "acme" not in {p["name"] for p in json.loads(cli("partners", "list", "--json").stdout)["partners"]}
    assert "no stored partner" in cli("partners", "remove", "acme", code=1).output


def test_add_refuses_bad_input_with_a_clear_message(cli) -> None:
    assert "at least one identifier" in cli("partners", "add", "nobody", code=2).output
    assert "choose one of" in cli("partners", "add", "x", "--x12", "ZZ:X", "--ack", "998", code=2).output
    assert "sku_qualifier" in cli("partners", "add", "x", "--x12", "ZZ:X", "--sku-qualifier", "QQ", code=2).output
    assert "x12" in cli("partners", "add", "x", "--x12", "NOQUALIFIER", code=2).output
    cli("partners", "add", "one", "--x12", "ZZ:SAME")
    clash = cli("partners", "add", "two", "--x12", "ZZ:SAME", code=None)
    assert clash.exit_code != 0 and "already has X12 identity" in clash.output
    assert "exists" in cli("partners", "add", "one", "--x12", "ZZ:OTHER", code=1).output
    cli("partners", "add", "one", "--x12", "ZZ:OTHER", "--replace")


def test_shipments_list_shows_carrier_tracking_and_lines(cli, tmp_path: Path) -> None:
    for path in sorted((FIXTURES / "partners").glob("*.yaml")):
        cli("partners", "add", path.stem, *_identity(path))
    cli("connections", "add", "acme", "--adapter", "x12", "--option", "partner=acme-retail")
    cli("connections", "add", "bolt", "--adapter", "x12", "--option", "partner=bolt-3pl")
    cli("nodes", "add", "DAL1", "--connection", "bolt")
    stock = tmp_path / "stock.csv"
    stock.write_text("node,sku,on_hand\nDAL1,SKU-1001,100\nDAL1,SKU-1002,100\nDAL1,SKU-1003,100\n")
    cli("stock", "import", stock)
    cli("ingest", str(FIXTURES / "850-acme-three-lines.edi"), "--source", "acme")
    # the 3PL's 945 answers PO 4500017001: SKU-1003 shipped 8 of 10
    cli("ingest", str(FIXTURES / "945-bolt-shipping.edi"), "--source", "bolt")
    [shipment] = json.loads(cli("shipments", "list", "--json").stdout)["shipments"]
    assert shipment["order_external_id"] == "4500017001" and shipment["carrier"] == "UPSN"
    assert shipment["tracking_numbers"] == ["1Z999AA10123456784", "1Z999AA10123456791"]
    assert {ln["sku"]: ln["quantity"] for ln in shipment["lines"]}["SKU-1003"] == "8"
    shown = json.loads(cli("orders", "show", "4500017001", "--json").stdout)
    assert shown["status"] == "partially_shipped" and shown["shipments"][0]["id"] == shipment["id"]
    assert "1Z999AA10123456784" in cli("shipments", "list").stdout
    assert "UPSN" in cli("orders", "show", "4500017001").stdout


def _identity(path: Path) -> list[str]:
    text = path.read_text()
    qualifier = text.split("qualifier: ")[1].split()[0]
    ident = text.split("  id: ")[1].split()[0]
    return ["--x12", f"{qualifier}:{ident}"]
