"""Every EDIFACT file of the shared corpus is read, or rejected with the right code; never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.edifact.envelope import InterchangeEnd, Message, Stray, read_interchanges
from adapters.edifact.schema import validate_message
from hub.errors import HubError

# file -> per message "TYPE:codes" (message structure + content; ok = accepted) and per interchange "UNZ:codes"
# (any code rejects it whole). Reasons for the rejections, from the files:
# - 13 on UNZ: the interchange has no UNZ (kramp, huge_file2, pydifact-order*), or a UNB lacks elements (edinet aperak)
# - 28 on UNZ: UNZ reference differs from UNB's (daxaholic-*, wikipedia_de, edinet ordrsp)
# - 29: UNT / UNZ counts that do not match (iftmin, invoic-iftmin, huge_file2: BGM repeated without UNH, 35)
# - 21: UNOA/UNOB files with lower case letters or "<" placeholders outside the repertoire
# - 17: message types the hub has no definition for (IFTMIN, PAORES) or directory "X:XX"
# - 13 on a message: no BGM (ballerina 3rd message), no UNB at all (edifactrs-*), mandatory data missing
# - 12/37/39: BGM 1001 "Z12" on an ORDRSP, non-numeric amounts ("TEST", "1020A", "$1.179"), too long values
EXPECTED = {
    "ballerina-orders-d03a-batch.edi": "ORDERS:ok ORDERS:ok ORDERS:13 UNZ:ok",
    "ballerina-orders-d96a-kramp.edi": "ORDERS:13 UNZ:13",
    "chemaclass-iftmin-release-char.edi": "IFTMIN:17 IFTMIN:17,29 UNZ:ok",
    "daxaholic-orders-d96a-hash-terminator.edi": "ORDERS:ok UNZ:28",
    "daxaholic-orders-d96a-no-una.edi": "ORDERS:ok UNZ:28",
    "daxaholic-orders-d96a-release-equals.edi": "ORDERS:ok UNZ:28",
    "edifactrs-orders-d96a-bare.edi": "ORDERS:13",
    "edifactrs-orders-d96a-malformed.edi": "stray:BGM ORDERS:13,29",
    "edinet-aperak-d96a.edi": "UNZ:13 APERAK:ok UNZ:13,28",
    "edinet-invoic-d01b.edi": "INVOIC:13,28,29,37 UNZ:ok",
    "edinet-invoic-iftmin-d96a.edi": "IFTMIN:17,29 INVOIC:13,28,29 IFTMIN:17,29 INVOIC:13,28,29 UNZ:29",
    "edinet-ordrsp-d10a-formatted.edi": "ORDRSP:12,28,29 UNZ:28",
    "edinet-ordrsp-d10a.edi": "ORDRSP:12,28,29 UNZ:28",
    "pydifact-huge_file2.edi": "ORDERS:29,35 UNZ:13",
    "pydifact-invoice1.edi": "INVOIC:ok UNZ:ok",
    "pydifact-invoice_with_colon_at_end.edi": "INVOIC:ok UNZ:ok",
    "pydifact-messages-v3-aperak.edi": "APERAK:21,29 UNZ:ok",
    "pydifact-messages-v3-aperak_rejected.edi": "APERAK:21,29 UNZ:ok",
    "pydifact-messages-v4-aperak.edi": "APERAK:21,29 UNZ:ok",
    "pydifact-messages-v4-aperak_rejected.edi": "APERAK:21,29 UNZ:ok",
    "pydifact-order.edi": "ORDERS:ok UNZ:13",
    "pydifact-order2.edi": "ORDERS:ok UNZ:13",
    "pydifact-wikipedia_de.edi": "ORDERS:ok UNZ:28",
    "pydifact-wikipedia_en.edi": "PAORES:17 UNZ:ok",
    "staedi-invoic-d93a-comma.edi": "INVOIC:21 UNZ:ok",
    "staedi-invoic-d97b-bad.edi": "INVOIC:21,35,37,39 UNZ:ok",
    "staedi-invoic-d97b-una-custom.edi": "INVOIC:ok UNZ:ok",
    "staedi-invoic-d97b-wrapped-15.edi": "INVOIC:ok UNZ:ok",
    "staedi-invoic-d97b.edi": "INVOIC:21 UNZ:ok",
    "staedi-orders-d96b-ung.edi": "ORDERS:29 UNZ:ok",
    "vscodeedi-desadv-d07a-eight-messages.edi": "DESADV:ok DESADV:ok DESADV:ok UNZ:ok "
    + "DESADV:ok DESADV:ok DESADV:ok DESADV:ok DESADV:ok UNZ:ok",
    "vscodeedi-desadv-d07a.edi": "DESADV:ok DESADV:ok UNZ:ok",
    "vscodeedi-orders-d96a-ean008.edi": "ORDERS:21 UNZ:21",
    "vscodeedi-orders-d96a-syntax4.edi": "ORDERS:ok UNZ:ok",
    "vscodeedi-orders-d97a-release-bang.edi": "ORDERS:ok UNZ:ok",
    "vscodeedi-orders-invalid-version.edi": "ORDERS:17 UNZ:21",
    "vscodeedi-two-interchanges-orders-desadv-d96a.edi": "ORDERS:ok DESADV:ok UNZ:21 ORDERS:ok UNZ:21",
}


def summary(data: bytes) -> str:
    out: list[str] = []
    try:
        for event in read_interchanges(data):
            if isinstance(event, Message):
                codes = {p.code for p in event.problems} | {p.code for p in validate_message(event)}
                out.append(f"{event.type}:{','.join(sorted(codes, key=int)) or 'ok'}")
            elif isinstance(event, InterchangeEnd):
                out.append(f"UNZ:{','.join(sorted({p.code for p in event.problems}, key=int)) or 'ok'}")
            elif isinstance(event, Stray) and event.interchange is None:
                out.append(f"stray:{event.segment.tag}")
    except HubError as error:
        out.append(f"error:{error.code}")
    return " ".join(out)


def test_every_corpus_file_is_listed(corpus: Path) -> None:
    assert sorted(p.name for p in (corpus / "edifact").glob("*.edi")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(corpus: Path, name: str) -> None:
    path = corpus / "edifact" / name
    if not path.exists():
        pytest.skip(f"{name} is not in the corpus")
    assert summary(path.read_bytes()) == EXPECTED[name]
