"""Coverage-guided fuzzing (atheris, libFuzzer) of both EDI parsers from the fixtures: no crash but typed errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "tests" / "fuzz" / "edi_atheris.py"
RUNS = 20_000  # bounded: libFuzzer stops after this many inputs or max_total_time seconds, whichever first


@pytest.mark.parametrize("standard", ["x12", "edifact"])
def test_libfuzzer_finds_no_crash(standard: str, tmp_path: Path) -> None:
    pytest.importorskip("atheris", reason="atheris has no wheel for this platform; hypothesis fuzzing still runs")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in sorted((ROOT / "fixtures" / standard).glob("*.edi")):
        shutil.copy(seed, corpus / seed.name)
    command = [
        sys.executable,
        str(HARNESS),
        standard,
        str(corpus),
        f"-runs={RUNS}",
        "-max_total_time=60",
        "-seed=1",
        f"-artifact_prefix={tmp_path}/",
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    crashes = sorted(p.name for p in tmp_path.glob("crash-*"))
    report = "\n".join(line for line in done.stderr.splitlines() if "Instrumenting" not in line)[-4000:]
    assert done.returncode == 0 and not crashes, f"libFuzzer found a crash ({crashes}):\n{report}"
    assert "Done" in done.stderr  # it ran to its bound, not stopped early
