"""``python -m sim``: replay a trace through the driver and the simulated engine.

``python -m sim replay TRACE.jsonl --sim icarus|verilator [-o RESULT.jsonl]`` writes the result
file of ``shared/spec/trace-format.md`` (what ``python -m model replay`` writes).

``python -m sim compare TRACE.jsonl --sim ...`` (what ``make sim`` runs) replays the trace
through the golden model *and* the engine, compares the two result files, prints a report
(sends, datagrams, bytes, ``mismatches: N``, errors by reason, cycles, bytes per cycle),
writes it and both result files to ``build/sim/`` and exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from model.trace import TraceError, compare_results, load_trace, replay, write_results
from sim.engine_io import EngineParams

BUILD = Path(__file__).resolve().parents[1] / "build" / "sim"


def _progress(message: str) -> None:
    print(f"[sim] {message}", file=sys.stderr, flush=True)


def _show_progress(done: int, total: int, cycles: int) -> None:
    _progress(f"engine: {done}/{total} sends done, {cycles} cycles")


def _engine_report(report, model_result, mismatches, trace: str, sim: str, wall: dict) -> str:
    from model.trace import format_report

    run = report.run
    results = report.result.results
    sends = [r for r in results if r.op == "send"]
    ok = [r for r in sends if r.errno is None]
    datagrams = [d for r in ok for d in (r.datagrams or [])]
    out_bytes = sum(len(d) for d in datagrams)
    lines = [
        f"QUIC Tx offload: {trace} through the golden model and the engine ({sim})",
        f"  sends        {len(sends)}: {report.hw_sends} to the engine encrypted, "
        f"{report.bypass_sends} engine bypass, {report.fallback_sends} software fallback "
        "(ciphers the engine lacks)",
        f"  datagrams    {len(datagrams)}, {out_bytes} bytes",
        f"  mismatches: {len(mismatches)}",
    ]
    errors: dict[str, int] = {}
    for r in results:
        if r.errno is not None:
            errors[r.errno] = errors.get(r.errno, 0) + 1
    lines.append(
        "  errors       "
        + (", ".join(f"{k} {v}" for k, v in sorted(errors.items())) if errors else "none")
        + (
            "  (engine drops: "
            + ", ".join(f"{k} {v}" for k, v in sorted(report.hw_errors.items()))
            + ")"
            if report.hw_errors
            else ""
        )
    )
    if run is not None:
        engine_bytes = sum(len(d) for d, _ in run.datagrams)
        bpc = engine_bytes / run.cycles if run.cycles else 0.0
        lines += [
            f"  engine       {len(run.completions)} descriptors, {len(run.datagrams)} datagrams, "
            f"{engine_bytes} bytes in {run.cycles} cycles: {bpc:.2f} bytes/cycle",
            "  counters     " + ", ".join(f"{k}={v}" for k, v in run.counters.items()),
        ]
    lines.append("  wall time    " + ", ".join(f"{k} {v:.1f} s" for k, v in wall.items()))
    for m in mismatches[:20]:
        lines.append(f"  MISMATCH {m}")
    text = "\n".join(lines) + "\n\n" + format_report(model_result, trace)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("replay", "compare"):
        p = sub.add_parser(name)
        p.add_argument("trace")
        p.add_argument("--sim", choices=("icarus", "verilator"), default="icarus")
        p.add_argument("-o", "--output", help="result file (default build/sim/<trace>.<sim>.jsonl)")
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--idle", type=float, default=0.0, help="input idle probability")
        p.add_argument("--backpressure", type=float, default=0.0, help="output stall probability")
        p.add_argument("--waves", action="store_true", help="write a waveform (build/sim/...)")
    args = parser.parse_args(argv)

    from sim.driver import OffloadDriver

    try:
        ops = load_trace(args.trace)
    except (TraceError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stem = Path(args.trace).stem
    BUILD.mkdir(parents=True, exist_ok=True)
    out = Path(args.output) if args.output else BUILD / f"{stem}.{args.sim}.jsonl"
    driver = OffloadDriver(
        sim=args.sim,
        params=EngineParams(),
        seed=args.seed,
        idle_prob=args.idle,
        backpressure_prob=args.backpressure,
        waves=args.waves,
    )
    wall = {}
    _progress(f"{len(ops)} ops from {args.trace}; building and running the engine on {args.sim}")
    t0 = time.monotonic()
    report = driver.replay(ops, label=stem, progress=_show_progress)
    wall[f"engine ({args.sim}, incl. build)"] = time.monotonic() - t0
    engine_lines = report.result.lines()
    with open(out, "w") as f:
        f.write("".join(line + "\n" for line in engine_lines))
    _progress(f"engine result: {out}")
    if args.cmd == "replay":
        return 0

    t0 = time.monotonic()
    model_result = replay(ops)
    wall["model"] = time.monotonic() - t0
    model_out = BUILD / f"{stem}.model.jsonl"
    write_results(model_out, [r.to_json() for r in model_result.results], model_result.quic_stat)
    mismatches = compare_results(model_result.lines(), engine_lines)
    text = _engine_report(report, model_result, mismatches, args.trace, args.sim, wall)
    report_file = BUILD / f"{stem}.{args.sim}.report.txt"
    report_file.write_text(text)
    print(text, end="")
    print(f"report: {report_file}\nmodel result: {model_out}\nengine result: {out}")
    if args.waves:
        dumps = sorted(BUILD.glob(f"{args.sim}/*_waves/*.[fv][sc][td]"))
        for dump in dumps:
            print(f"waveform: {dump}")
        if not dumps:
            print(f"waveform: none found under {BUILD / args.sim}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
