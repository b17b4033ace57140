"""Coverage-guided fuzzing of the X12 and EDIFACT parsers with atheris (libFuzzer): run as a script.

`python tests/fuzz/edi_atheris.py x12|edifact CORPUS_DIR [libFuzzer flags]`. Any exception other than the
hub's typed errors is a crash: libFuzzer stops, writes the input to `-artifact_prefix`, and exits non-zero.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import atheris

from hub.errors import HubError
from hub.partners.directory import PartnerDirectory
from hub.partners.store import load_file
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import RawMessage
from hub.store import tables  # noqa: F401  (loaded uninstrumented: only the adapters' code is traced)

with atheris.instrument_imports(include=["adapters"]):
    from adapters.edifact.config import EdifactConfig
    from adapters.edifact.parser import EdifactParser
    from adapters.x12.config import X12Config
    from adapters.x12.parser import X12Parser

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _parser(standard: str) -> object:
    profiles = [load_file(p) for p in sorted((FIXTURES / standard / "partners").glob("*.yaml"))]
    context = ConnectionContext(connection="fuzz", channel="fuzz", partners=PartnerDirectory(profiles))
    if standard == "x12":
        return X12Parser(X12Config(), context)
    return EdifactParser(EdifactConfig(), context)


def main() -> None:
    standard = sys.argv.pop(1)
    parser = _parser(standard)

    def one_input(data: bytes) -> None:
        with contextlib.suppress(HubError):  # a typed, located refusal is the expected outcome for most mutations
            parser.parse(RawMessage(body=data, connection="fuzz", filename="fuzz.edi"))  # type: ignore[attr-defined]

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
