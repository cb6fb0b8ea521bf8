"""``python -m model replay TRACE.jsonl [-o RESULT.jsonl] [--report]`` and
``python -m model compare A.jsonl B.jsonl``.

``replay`` validates the whole trace first (a malformed line stops everything: message on
stderr naming the line and the field, exit status 2), then replays it through the golden model.
The result file goes to ``-o``; without ``-o`` it goes to stdout unless ``--report`` is given,
which prints the human report instead. ``compare`` prints every difference (ignoring ``extra``)
and exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .trace import TraceError, compare_results, format_report, load_trace, replay, write_results


def _replay(args: argparse.Namespace) -> int:
    try:
        ops = load_trace(args.trace)
    except TraceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot read trace: {exc}", file=sys.stderr)
        return 2
    result = replay(ops)
    records = [r.to_json() for r in result.results]
    if args.output:
        write_results(args.output, records, result.quic_stat)
    elif not args.report:
        write_results(sys.stdout, records, result.quic_stat)
    if args.report:
        sys.stdout.write(format_report(result, str(args.trace)))
        if args.output:
            print(f"  results written to {args.output}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    try:
        a = Path(args.a).read_text(encoding="utf-8").splitlines()
        b = Path(args.b).read_text(encoding="utf-8").splitlines()
        mismatches = compare_results(a, b)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for m in mismatches:
        print(m)
    if mismatches:
        print(f"{len(mismatches)} difference(s) between {args.a} and {args.b}")
        return 1
    print(f"{args.a} and {args.b} match")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m model", description="Golden model of the kernel QUIC Tx crypto path."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("replay", help="replay a JSONL trace through the model")
    p.add_argument("trace", type=Path)
    p.add_argument("-o", "--output", type=Path, help="write the result file here")
    p.add_argument("--report", action="store_true", help="print a human-readable report")
    p.set_defaults(func=_replay)
    c = sub.add_parser("compare", help="compare two result files (ignores 'extra')")
    c.add_argument("a")
    c.add_argument("b")
    c.set_defaults(func=_compare)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
