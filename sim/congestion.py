"""Where a routing run is congested: nextpnr router2 heatmaps summed by design module.

``python -m sim.synth_engine synth --router router2 --pnr-args='--router2-heatmap
build/heat/heat'`` makes router2 write, after every iteration, ``heat_congestion_by_net_N.csv``
(one ``net,overuse`` row per net). Net names carry the Amaranth hierarchy
(``core.engine.gcm.ghash.s0_acc[3]``), so summing by their first components tells which block
the overused wires belong to::

    python -m sim.congestion build/heat/heat_congestion_by_net_3.csv --depth 4
"""

from __future__ import annotations

import argparse
import collections
import csv
import sys
from pathlib import Path


def by_module(rows, depth: int) -> list[tuple[str, int, int]]:
    """``(module, overuse, nets)`` for the ``depth``-component prefixes of the net names,
    largest overuse first. Names with fewer components count under their whole name."""
    if depth < 1:
        raise ValueError(f"depth must be at least 1, not {depth}")
    overuse: collections.Counter = collections.Counter()
    nets: collections.Counter = collections.Counter()
    for name, value in rows:
        key = ".".join(name.split(".")[:depth])
        overuse[key] += value
        nets[key] += 1
    return [(k, v, nets[k]) for k, v in sorted(overuse.items(), key=lambda kv: (-kv[1], kv[0]))]


def read_heatmap(path: Path) -> list[tuple[str, int]]:
    """The ``net,overuse`` rows of a router2 congestion-by-net heatmap."""
    rows = []
    with open(path, newline="") as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            if len(row) != 2:
                raise ValueError(f"{path}:{lineno}: expected 'net,overuse', got {row!r}")
            try:
                value = int(row[1])
            except ValueError:
                msg = f"{path}:{lineno}: overuse is not an integer: {row[1]!r}"
                raise ValueError(msg) from None
            rows.append((row[0], value))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.congestion", description=__doc__)
    parser.add_argument("heatmap", type=Path, help="heat_congestion_by_net_N.csv from router2")
    parser.add_argument("--depth", type=int, default=4, help="name components to group by")
    parser.add_argument("--top", type=int, default=15, help="rows to print")
    args = parser.parse_args(argv)
    try:
        table = by_module(read_heatmap(args.heatmap), args.depth)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    total = sum(v for _, v, _ in table) or 1
    print(f"{'overuse':>8} {'share':>6} {'nets':>6}  module")
    for key, value, count in table[: args.top]:
        print(f"{value:8d} {100 * value / total:5.1f}% {count:6d}  {key}")
    print(f"{sum(v for _, v, _ in table):8d} 100.0% {sum(c for *_, c in table):6d}  (all nets)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
