"""Seeded generators of realistic EDI test files for bench/edi.py: X12 850 interchanges and EDIFACT ORDERS D96A."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

X12_SENDER = ("ZZ", "BENCHBUYER")
X12_RECEIVER = ("ZZ", "HUB")
EDIFACT_SENDER = "5412345000013"
EDIFACT_RECEIVER = "4012345000009"
SETS_PER_GROUP = 100
MESSAGES_PER_INTERCHANGE = 100

_STORES = ["NORTHGATE", "RIVERSIDE", "LAKEVIEW", "HILLCREST", "OAK PARK", "DOWNTOWN", "WESTFIELD", "BAYSHORE"]
_STREETS = ["COMMERCE DRIVE", "INDUSTRIAL PKWY", "MAIN STREET", "HARBOR BLVD", "LOGISTICS WAY", "ELM AVENUE"]
_CITIES = [
    ("COLUMBUS", "OH", "43215"),
    ("DAYTON", "OH", "45402"),
    ("AUSTIN", "TX", "78701"),
    ("DENVER", "CO", "80202"),
    ("ATLANTA", "GA", "30303"),
    ("PORTLAND", "OR", "97205"),
    ("RALEIGH", "NC", "27601"),
    ("MADISON", "WI", "53703"),
]
_PRODUCTS = [
    "BLUE MUG 12OZ",
    "RED MUG 12OZ CASE OF 12",
    "TEAPOT 1L",
    "STEEL WATER BOTTLE 750ML",
    "COTTON TEA TOWEL 2PK",
    "BAMBOO CUTTING BOARD",
    "CHEF KNIFE 8IN",
    "CAST IRON SKILLET 10IN",
    "GLASS STORAGE JAR 1L",
    "ESPRESSO CUP SET OF 4",
]
_UNITS = ["EA", "EA", "EA", "CA", "BX"]
_CITIES_EU = [("GENT", "9000", "BE"), ("ROERMOND", "6040", "NL"), ("KOELN", "50667", "DE"), ("LILLE", "59000", "FR")]


def _upc(rng: random.Random) -> str:
    digits = [rng.randrange(10) for _ in range(11)]
    check = (10 - (sum(digits[0::2]) * 3 + sum(digits[1::2])) % 10) % 10
    return "".join(map(str, digits)) + str(check)


def _gtin13(rng: random.Random) -> str:
    digits = [rng.randrange(10) for _ in range(12)]
    check = (10 - (sum(digits[1::2]) * 3 + sum(digits[0::2])) % 10) % 10
    return "".join(map(str, digits)) + str(check)


def _price(rng: random.Random) -> str:
    return f"{rng.randrange(99, 25000) / 100:.2f}"


# -- X12 ------------------------------------------------------------------------------------------------------


def x12_850(rng: random.Random, control: str, po_number: int, day: date) -> list[str]:
    """One 850 (ST..SE) as segment strings without terminators."""
    city, state, postal = rng.choice(_CITIES)
    store = rng.randrange(1, 900)
    body = [
        f"BEG*00*SA*{po_number}**{day:%Y%m%d}",
        "CUR*BY*USD",
        f"REF*DP*{rng.randrange(1, 99):03d}",
        f"DTM*002*{day + timedelta(days=rng.randrange(3, 21)):%Y%m%d}",
        f"N1*ST*{rng.choice(_STORES)} STORE {store:04d}*92*{store:04d}",
        f"N3*{rng.randrange(10, 9999)} {rng.choice(_STREETS)}",
        f"N4*{city}*{state}*{postal}*US",
        "N1*BY*BENCH RETAIL INC*92*BENCH",
    ]
    lines = rng.randrange(1, 8)
    for line in range(1, lines + 1):
        quantity, unit, sku = rng.randrange(1, 120), rng.choice(_UNITS), rng.randrange(1000, 99999)
        body.append(f"PO1*{line}*{quantity}*{unit}*{_price(rng)}*PE*VP*SKU-{sku}*UP*{_upc(rng)}")
        body.append(f"PID*F****{rng.choice(_PRODUCTS)}")
    body.append(f"CTT*{lines}")
    return [f"ST*850*{control}", *body, f"SE*{len(body) + 2}*{control}"]


def x12_interchange(rng: random.Random, number: int, sets: int = SETS_PER_GROUP) -> str:
    """One interchange (ISA..IEA) with one PO group of `sets` 850s, '~' + LF terminated."""
    day = date(2024, 1, 1) + timedelta(days=number % 365)
    isa13 = f"{number:09d}"
    (sq, sid), (rq, rid) = X12_SENDER, X12_RECEIVER
    rows = [
        f"ISA*00*          *00*          *{sq}*{sid:<15}*{rq}*{rid:<15}*{day:%y%m%d}*1030*U*00401*{isa13}*0*P*>",
        f"GS*PO*{sid}*{rid}*{day:%Y%m%d}*1030*{number}*X*004010",
    ]
    for index in range(1, sets + 1):
        rows += x12_850(rng, f"{index:04d}", 4_500_000_000 + number * sets + index, day)
    rows += [f"GE*{sets}*{number}", f"IEA*1*{isa13}"]
    return "~\n".join(rows) + "~\n"


def x12_single_interchange(rng: random.Random, target: int) -> Iterator[str]:
    """Text pieces of ONE interchange with one group of 850s of about `target` bytes in total."""
    day = date(2024, 5, 1)
    (sq, sid), (rq, rid) = X12_SENDER, X12_RECEIVER
    yield f"ISA*00*          *00*          *{sq}*{sid:<15}*{rq}*{rid:<15}*240501*1030*U*00401*000000001*0*P*>~\n"
    yield f"GS*PO*{sid}*{rid}*20240501*1030*1*X*004010~\n"
    written, sets = 0, 0
    while written < target:
        sets += 1
        text = "~\n".join(x12_850(rng, f"{sets % 1_000_000_000:09d}", 4_500_000_000 + sets, day)) + "~\n"
        written += len(text)
        yield text
    yield f"GE*{sets}*1~\nIEA*1*000000001~\n"


# -- EDIFACT --------------------------------------------------------------------------------------------------


def edifact_orders(rng: random.Random, reference: int) -> list[str]:
    """One ORDERS D96A message (UNH..UNT) as segment strings without terminators."""
    day = date(2024, 1, 1) + timedelta(days=reference % 365)
    city, postal, country = rng.choice(_CITIES_EU)
    body = [
        f"BGM+220+PO{reference}+9",
        f"DTM+137:{day:%Y%m%d}:102",
        f"DTM+2:{day + timedelta(days=rng.randrange(3, 21)):%Y%m%d}:102",
        f"NAD+BY+{EDIFACT_SENDER}::9",
        f"NAD+DP+{_gtin13(rng)}::9++{rng.choice(_STORES)}+{rng.randrange(1, 300)} HAVENSTRAAT"
        f"+{city}++{postal}+{country}",
        f"NAD+SU+{EDIFACT_RECEIVER}::9",
        "CUX+2:EUR:9",
    ]
    lines = rng.randrange(1, 8)
    for line in range(1, lines + 1):
        body += [
            f"LIN+{line}++{_gtin13(rng)}:EN",
            f"PIA+1+SKU-{rng.randrange(1000, 99999)}:SA",
            f"QTY+21:{rng.randrange(1, 120)}:{rng.choice(['PCE', 'PCE', 'CT'])}",
            f"PRI+AAA:{_price(rng)}",
        ]
    body += ["UNS+S", f"CNT+2:{lines}"]
    return [f"UNH+{reference}+ORDERS:D:96A:UN:EAN008", *body, f"UNT+{len(body) + 2}+{reference}"]


def edifact_interchange(rng: random.Random, number: int, messages: int = MESSAGES_PER_INTERCHANGE) -> str:
    """UNA + one interchange (UNB..UNZ) of `messages` ORDERS, "'" + LF terminated."""
    rows = [f"UNB+UNOC:3+{EDIFACT_SENDER}:14+{EDIFACT_RECEIVER}:14+240501:1030+{number}"]
    for index in range(1, messages + 1):
        rows += edifact_orders(rng, number * messages + index)
    rows.append(f"UNZ+{messages}+{number}")
    return "UNA:+.? '\n" + "'\n".join(rows) + "'\n"


# -- files ------------------------------------------------------------------------------------------------------


def write_file(path: Path, target_bytes: int, seed: int, standard: str) -> int:
    """Write interchanges of `standard` ("x12" / "edifact") to `path` until it holds `target_bytes`; its size."""
    rng = random.Random(seed)
    make = x12_interchange if standard == "x12" else edifact_interchange
    size, number = 0, 0
    with path.open("w", encoding="ascii", newline="") as out:
        while size < target_bytes:
            number += 1
            text = make(rng, number)
            out.write(text)
            size += len(text)
    return size


def write_single_interchange(path: Path, target_bytes: int, seed: int) -> int:
    """Write one X12 interchange of about `target_bytes` to `path`; its size."""
    size = 0
    with path.open("w", encoding="ascii", newline="") as out:
        for piece in x12_single_interchange(random.Random(seed), target_bytes):
            out.write(piece)
            size += len(piece)
    return size


def prefix_file(source: Path, target: Path, limit: int, end_tag: bytes) -> int:
    """Copy whole interchanges of `source` (each ending with a segment starting `end_tag`) up to ~`limit` bytes."""
    data = source.read_bytes()
    if len(data) <= limit:
        target.write_bytes(data)
        return len(data)
    cut = data.find(b"\n" + end_tag, limit)
    cut = len(data) if cut < 0 else data.find(b"\n", cut + 1) + 1
    target.write_bytes(data[:cut])
    return cut
