"""EDI throughput benchmark: X12 and EDIFACT MB/s for a split floor, the hub's tokenizer and parse+map, and peers.

    python bench/edi.py [--mb 50] [--edifact-mb 50] [--peers-mb 5] [--rss-gb 0] [--seed 7] [--profile]

Every measurement runs in its own child process (multiprocessing, spawn) and reports its own peak RSS
(resource.getrusage ru_maxrss), so the figures do not mix. Files are generated, seeded, in a temporary folder.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing as mp
import pstats
import resource
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.edi_x12 import (  # the repository root goes on sys.path first
    EDIFACT_RECEIVER,
    EDIFACT_SENDER,
    X12_RECEIVER,
    X12_SENDER,
    prefix_file,
    write_file,
    write_single_interchange,
)

MB = 1_000_000
TOKENIZE_TARGET = 0.5  # hub tokenizer >= 0.5 x the split floor
PEER_TARGET = 10.0  # hub parse+map >= 10 x pyx12 / pydifact


@dataclass(frozen=True)
class Figure:
    """One measurement: what was read, how long it took, what it counted, the child's peak RSS."""

    stage: str
    size: int
    seconds: float
    count: int
    unit: str
    rss_mb: float
    note: str = ""

    @property
    def mb_s(self) -> float:
        return self.size / MB / self.seconds if self.seconds else float("inf")


# -- stages (each runs in a fresh child process) ----------------------------------------------------------------


Run = Callable[[], tuple[int, str]]  # the timed part of a stage: (how many, of what)


def _x12_floor(path: Path) -> Run:
    return lambda: _split_x12(path)


def _split_x12(path: Path) -> tuple[int, str]:
    data = path.read_bytes()
    count = 0
    for segment in data.split(b"~"):
        segment.split(b"*")
        count += 1
    return count, "segments"


def _x12_tokenize(path: Path) -> Run:
    from adapters.x12.tokenizer import iter_segments

    def run() -> tuple[int, str]:
        with path.open("rb") as stream:
            return sum(1 for _ in iter_segments(stream)), "segments"

    return run


def _x12_parser():  # type: ignore[no-untyped-def]
    from adapters.x12 import ADAPTER
    from adapters.x12.config import X12Config
    from hub.partners.directory import PartnerDirectory
    from hub.partners.profile import PartnerProfile
    from hub.plugins.capabilities import Capability
    from hub.plugins.manifest import ConnectionContext

    partner = PartnerProfile(
        name="bench-buyer", x12={"qualifier": X12_SENDER[0], "id": X12_SENDER[1]}, x12_version="004010", ack="997"
    )
    context = ConnectionContext(connection="edi", channel="edi", partners=PartnerDirectory([partner]))
    config = X12Config(hub_id=":".join(X12_RECEIVER))
    return ADAPTER.build(Capability.FILE_PARSER, config, context)


def _x12_parse(path: Path) -> Run:
    from hub.model import Order
    from hub.plugins.messages import RawMessage

    parser = _x12_parser()
    _warm_up(parser)

    def run() -> tuple[int, str]:
        result = parser.parse(RawMessage(body=path.read_bytes(), connection="edi", filename=path.name))
        errors = sum(len(e.errors) for e in result.envelopes)
        if errors:
            raise RuntimeError(f"the generated X12 file has {errors} errors: {result.envelopes[0].errors[:3]}")
        return sum(isinstance(d, Order) for e in result.envelopes for d in e.documents), "orders"

    return run


def _warm_up(parser) -> None:  # type: ignore[no-untyped-def]
    """Load the set definitions and the model schemas before the clock starts (one small interchange)."""
    import random

    from bench.edi_x12 import x12_interchange
    from hub.plugins.messages import RawMessage

    parser.parse(RawMessage(body=x12_interchange(random.Random(0), 1, 1).encode(), connection="edi"))


def _x12_stream(path: Path) -> Run:
    """The parse path over a file stream, one interchange's documents at a time (for --rss-gb)."""
    from hub.model import Order

    parser = _x12_parser()
    _warm_up(parser)

    def run() -> tuple[int, str]:
        count = 0
        with path.open("rb") as stream:
            for envelope in parser.iter_envelopes(stream, name=path.name):
                if envelope.errors:
                    raise RuntimeError(f"errors in the generated file: {envelope.errors[:3]}")
                count += sum(isinstance(d, Order) for d in envelope.documents)
        return count, "orders"

    return run


def _x12_syntax_stream(path: Path) -> Run:
    """Tokenizer + envelope + set validation over a file stream (one interchange of any size)."""
    from adapters.x12.envelope import TransactionSet, read_interchanges
    from adapters.x12.schema import validate_set

    def run() -> tuple[int, str]:
        count = 0
        with path.open("rb") as stream:
            for event in read_interchanges(stream, filename=path.name):
                if isinstance(event, TransactionSet):
                    if event.problems or validate_set(event):
                        raise RuntimeError(f"set {event.control_number} of the generated file is invalid")
                    count += 1
        return count, "sets"

    return run


def _pyx12(path: Path) -> Run:
    import pyx12.x12file

    def run() -> tuple[int, str]:
        with path.open(encoding="ascii") as text:
            return sum(1 for _ in pyx12.x12file.X12Reader(text)), "segments"

    return run


def _edifact_floor(path: Path) -> Run:
    return lambda: _split_edifact(path)


def _split_edifact(path: Path) -> tuple[int, str]:
    data = path.read_bytes()
    count = 0
    for segment in data.split(b"'"):
        for element in segment.split(b"+"):
            element.split(b":")
        count += 1
    return count, "segments"


def _edifact_tokenize(path: Path) -> Run:
    from adapters.edifact.tokenizer import iter_segments

    def run() -> tuple[int, str]:
        with path.open("rb") as stream:
            return sum(1 for _ in iter_segments(stream)), "segments"

    return run


def _edifact_parse(path: Path) -> Run:
    from adapters.edifact import ADAPTER  # type: ignore[attr-defined]
    from hub.model import Order
    from hub.partners.directory import PartnerDirectory
    from hub.partners.profile import PartnerProfile
    from hub.plugins.capabilities import Capability
    from hub.plugins.manifest import ConnectionContext
    from hub.plugins.messages import RawMessage

    partner = PartnerProfile(name="bench-buyer", edifact={"id": EDIFACT_SENDER, "qualifier": "14"})
    context = ConnectionContext(connection="edi", channel="edi", partners=PartnerDirectory([partner]))
    parser = ADAPTER.build(Capability.FILE_PARSER, ADAPTER.config(hub_id=f"{EDIFACT_RECEIVER}:14"), context)

    def run() -> tuple[int, str]:
        result = parser.parse(RawMessage(body=path.read_bytes(), connection="edi", filename=path.name))
        errors = [error for envelope in result.envelopes for error in envelope.errors] + result.errors
        if errors:
            raise RuntimeError(f"the generated EDIFACT file has {len(errors)} errors: {errors[:3]}")
        documents = [d for e in result.envelopes for d in e.documents] or result.documents
        return sum(isinstance(d, Order) for d in documents), "orders"

    return run


def _pydifact(path: Path) -> Run:
    from pydifact.segmentcollection import Interchange

    warnings.simplefilter("ignore")

    def run() -> tuple[int, str]:
        text = path.read_text(encoding="latin-1")
        count = 0
        for chunk in text.split("UNA:+.? '")[1:]:  # one Interchange per UNB..UNZ, as pydifact reads them
            count += sum(1 for _ in Interchange.from_str("UNA:+.? '" + chunk).get_messages())
        return count, "messages"

    return run


STAGES: dict[str, Callable[[Path], Run]] = {
    "x12 floor (bytes.split ~ *)": _x12_floor,
    "x12 hub tokenizer": _x12_tokenize,
    "x12 hub parse+validate+map": _x12_parse,
    "x12 hub parse (streamed)": _x12_stream,
    "x12 hub syntax (streamed)": _x12_syntax_stream,
    "x12 pyx12 X12Reader": _pyx12,
    "edifact floor (bytes.split ' + :)": _edifact_floor,
    "edifact hub tokenizer": _edifact_tokenize,
    "edifact hub parse+map": _edifact_parse,
    "edifact pydifact Interchange": _pydifact,
}


def _child(stage: str, path: str, profile: str | None, out: mp.Queue) -> None:  # type: ignore[type-arg]
    try:
        work = STAGES[stage](Path(path))  # set-up (imports, warm-up) is not timed
        profiler = cProfile.Profile() if profile else None
        start = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        count, unit = work()
        if profiler is not None:
            profiler.disable()
        seconds = time.perf_counter() - start
        if profiler is not None and profile:
            profiler.dump_stats(profile)
        out.put(("ok", seconds, count, unit, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    except Exception as exc:  # reported as "not available" by the parent
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def measure(stage: str, path: Path, *, note: str = "", profile_dir: Path | None = None) -> Figure | str:
    """Run `stage` on `path` in a fresh spawned process; its Figure, or the error text."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    profile = str(profile_dir / (stage.split(" (")[0].replace(" ", "_") + ".prof")) if profile_dir else None
    process = context.Process(target=_child, args=(stage, str(path), profile, queue))
    process.start()
    reply = queue.get()
    process.join()
    if reply[0] != "ok":
        return reply[1]
    _, seconds, count, unit, rss = reply
    figure = Figure(stage, path.stat().st_size, seconds, count, unit, rss, note)
    print(_row(figure), flush=True)
    if profile:
        stats = pstats.Stats(profile, stream=(buffer := io.StringIO()))
        stats.sort_stats("tottime").print_stats(12)
        print("\n".join("      " + line for line in buffer.getvalue().splitlines()[6:]), flush=True)
    return figure


def _row(figure: Figure) -> str:
    return (
        f"  {figure.stage:<36} {figure.size / MB:8.1f} MB {figure.seconds:8.2f} s {figure.mb_s:8.2f} MB/s "
        f"{figure.count:>10,} {figure.unit:<9} peak RSS {figure.rss_mb:7.0f} MB  {figure.note}"
    )


def _ratio(label: str, ours: Figure | str, theirs: Figure | str, target: float) -> None:
    if isinstance(ours, str) or isinstance(theirs, str):
        print(f"  {label:<44} n/a")
        return
    ratio = ours.mb_s / theirs.mb_s
    verdict = "meets" if ratio >= target else "MISSES"
    print(f"  {label:<44} {ratio:7.2f}x  (target >= {target:g}x: {verdict})")


def _show_unavailable(stage: str, result: Figure | str) -> None:
    if isinstance(result, str):
        print(f"  {stage:<36} not available ({result})", flush=True)


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="hub-bench-edi-") as tmp:
        folder = Path(tmp)
        profile_dir = folder if args.profile else None
        run_stage = lambda stage, path, note="": measure(stage, path, note=note, profile_dir=profile_dir)  # noqa: E731
        if args.mb > 0:
            x12 = folder / "orders-850.x12"
            size = write_file(x12, int(args.mb * MB), args.seed, "x12")
            peers = folder / "orders-850-peers.x12"
            peer_size = prefix_file(x12, peers, int(args.peers_mb * MB), b"IEA*")
            note = f"first {peer_size / MB:.1f} MB of the file" if peer_size < size else ""
            print(f"X12: {size / MB:.1f} MB of 850s (ISA 00401, '~' + LF, 100 sets per interchange), seed {args.seed}")
            floor = run_stage("x12 floor (bytes.split ~ *)", x12)
            tokenize = run_stage("x12 hub tokenizer", x12)
            parse = run_stage("x12 hub parse+validate+map", x12)
            pyx12 = run_stage("x12 pyx12 X12Reader", peers, note)
            for stage, result in (("x12 hub tokenizer", tokenize), ("x12 hub parse", parse), ("x12 pyx12", pyx12)):
                _show_unavailable(stage, result)
            _ratio("x12 hub tokenizer / floor", tokenize, floor, TOKENIZE_TARGET)
            _ratio("x12 hub parse+validate+map / pyx12 reader", parse, pyx12, PEER_TARGET)
        if args.edifact_mb > 0:
            edifact = folder / "orders-d96a.edi"
            size = write_file(edifact, int(args.edifact_mb * MB), args.seed, "edifact")
            peers = folder / "orders-d96a-peers.edi"
            peer_size = prefix_file(edifact, peers, int(args.peers_mb * MB), b"UNZ+")
            note = f"first {peer_size / MB:.1f} MB of the file" if peer_size < size else ""
            print(f'EDIFACT: {size / MB:.1f} MB of ORDERS D96A (UNA, "\'" + LF, 100 messages per interchange)')
            floor = run_stage("edifact floor (bytes.split ' + :)", edifact)
            tokenize = run_stage("edifact hub tokenizer", edifact)
            parse = run_stage("edifact hub parse+map", edifact)
            peer = run_stage("edifact pydifact Interchange", peers, note)
            for stage, result in (("edifact hub tokenizer", tokenize), ("edifact hub parse+map", parse)):
                _show_unavailable(stage, result)
            _show_unavailable("edifact pydifact", peer)
            _ratio("edifact hub tokenizer / floor", tokenize, floor, TOKENIZE_TARGET)
            _ratio("edifact hub parse+map / pydifact", parse, peer, PEER_TARGET)
        if args.rss_gb > 0:
            _rss_run(folder, args, run_stage)


def _rss_run(folder: Path, args: argparse.Namespace, run_stage: Callable[..., Figure | str]) -> None:
    target = int(args.rss_gb * 1000 * MB)
    single = folder / "one-interchange.x12"
    size = write_single_interchange(single, target, args.seed)
    print(f"X12 memory: one interchange of {size / MB:,.0f} MB streamed from its file (target peak RSS < 256 MB)")
    syntax = run_stage("x12 hub syntax (streamed)", single)
    _show_unavailable("x12 hub syntax (streamed)", syntax)
    single.unlink()
    many = folder / "many-interchanges.x12"
    size = write_file(many, target, args.seed, "x12")
    print(f"X12 memory: {size / MB:,.0f} MB of 100-set interchanges through X12Parser.iter_envelopes")
    stream = run_stage("x12 hub parse (streamed)", many)
    _show_unavailable("x12 hub parse (streamed)", stream)
    for figure in (syntax, stream):
        if not isinstance(figure, str):
            verdict = "meets" if figure.rss_mb < 256 else "MISSES"
            print(f"  {figure.stage:<44} peak RSS {figure.rss_mb:.0f} MB ({verdict} < 256 MB)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50, help="size of the generated X12 850 file (0 skips X12)")
    parser.add_argument("--edifact-mb", type=float, default=50, help="size of the EDIFACT ORDERS file (0 skips)")
    parser.add_argument("--peers-mb", type=float, default=5, help="pyx12 / pydifact read only this much of the file")
    parser.add_argument("--rss-gb", type=float, default=0, help="stream this many GB of X12 and report peak RSS")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile every stage, print the top functions")
    args = parser.parse_args(argv)
    run(args)


if __name__ == "__main__":
    main()
