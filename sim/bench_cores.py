"""Core benchmark (``make bench-cores``): AESGCM throughput and latency on Verilator.

For payloads of 64, 256 and 1,200 bytes with a QUIC-like 11-byte AAD (the short header), a
new random key on every packet, packets back to back with no idles and no backpressure:

- **cycles per packet** in steady state (interval between successive tag beats, first quarter
  of the run skipped), against the engine floor ``P + 2`` AES slots (``P`` payload blocks, plus
  ``E(K, J0)`` and the header-protection mask; `/work/shared/spec/engine-notes.md`) and against
  the core's own slot count ``P + max(ceil(AAD/16), 1)`` (``docs/hdl-interfaces.md``);
- **sustained blocks per cycle** (payload blocks / cycles per packet) and bytes per cycle;
- **latency** of a packet sent alone into the idle core, from its first input beat accepted
  (``cmd`` or ``i``, whichever first) to its first output beat and to its tag beat.

Every output is also checked against ``cryptography``. Results go to ``build/bench/cores.json``
and a table on stdout (and ``build/bench/cores.png`` when matplotlib is installed; it is not a
dependency). Run: ``python -m sim.bench_cores [--packets N] [--sizes 64,256,1200]``.

This module is also the cocotb test module of the benchmark (`bench`).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import cocotb

from sim.verilog import BUILD

BENCH_DIR = BUILD / "bench"
AAD_BYTES = 11
SIZES = (64, 256, 1200)


def blocks(n: int) -> int:
    return -(-n // 16)


def summarize(
    payload: int,
    aad: int,
    first_in: list[int],
    first_out: list[int],
    tags: list[int],
    *,
    isolated: tuple[int, int, int] | None = None,
) -> dict:
    """Figures of one back-to-back run (cycle numbers of each packet's first input accepted,
    first output beat and tag beat) and of one isolated packet ``(first_in, first_out, tag)``.
    """
    n = len(tags)
    if n < 2 or len(first_in) != n or len(first_out) != n:
        raise ValueError("need the same number (>= 2) of first_in, first_out and tag cycles")
    p = blocks(payload)
    skip = n // 4  # pipeline fill
    cpp = (tags[-1] - tags[skip]) / (n - 1 - skip)
    floor = p + 2
    slots = p + max(blocks(aad), 1)
    out = {
        "payload_bytes": payload,
        "aad_bytes": aad,
        "packets": n,
        "payload_blocks": p,
        "floor_cycles": floor,
        "core_aes_slots": slots,
        "cycles_per_packet": round(cpp, 3),
        "vs_floor": round(cpp / floor, 4),
        "vs_core_slots": round(cpp / slots, 4),
        "payload_blocks_per_cycle": round(p / cpp, 4),
        "aes_slots_per_cycle": round(slots / cpp, 4),
        "payload_bytes_per_cycle": round(payload / cpp, 3),
        "loaded_latency_first_out_median": statistics.median(
            o - i for i, o in zip(first_in, first_out, strict=True)
        ),
    }
    if isolated is not None:
        t_in, t_out, t_tag = isolated
        out["latency_first_out"] = t_out - t_in
        out["latency_tag"] = t_tag - t_in
    return out


# --------------------------------------------------------------------------------------------
# cocotb side
# --------------------------------------------------------------------------------------------


@cocotb.test()
async def bench(dut):
    """Run every (payload size, key size) case; write the figures to ``$BENCH_OUT``."""
    from hdl.aes_gcm import AESGCM
    from sim.cocotb_runner import (
        Sink,
        Source,
        design_under_test,
        env_int,
        env_seed,
        log_seed,
        reset_dut,
        run_streams,
    )
    from sim.tb_aes_gcm import GcmStreams, Packet, check_outputs, output_beats

    seed = env_seed()
    rng = random.Random(seed)
    count = env_int("BENCH_PACKETS", 100)
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "64,256,1200").split(",")]
    log_seed(dut, seed, packets=count, sizes=sizes)
    streams = GcmStreams(design_under_test(AESGCM))
    cmd, data, out = Source(dut, "cmd"), Source(dut, "i"), Sink(dut, "o")
    await reset_dut(dut, [cmd, data, out])
    results = []

    async def run(packets: list[Packet]) -> tuple[list[int], list[int], list[int]]:
        cmd.accepted.clear()
        data.accepted.clear()
        out.items.clear()
        out.cycles.clear()
        for pkt in packets:
            streams.send(pkt, rng, cmd, data)
        total = sum(output_beats(p) for p in packets)
        # cycle numbers restart at 1 with every run_streams call
        await run_streams(
            dut, [cmd, data], [out], lambda: len(out.items) >= total, 100 * total + 1000
        )
        check_outputs(streams, packets, out.items, seed)
        first_in, first_out, tags = [], [], []
        di = oi = 0
        for k, pkt in enumerate(packets):
            n_in = blocks(len(pkt.aad)) + blocks(len(pkt.pt))
            t_in = [cmd.accepted[k]] + ([data.accepted[di]] if n_in else [])
            first_in.append(min(t_in))
            di += n_in
            first_out.append(out.cycles[oi])
            oi += output_beats(pkt)
            tags.append(out.cycles[oi - 1])
        return first_in, first_out, tags

    for size in sizes:
        for keylen in (16, 32):

            def packet(size=size, keylen=keylen) -> Packet:
                return Packet(
                    rng.randbytes(keylen),
                    rng.randbytes(12),
                    rng.randbytes(AAD_BYTES),
                    rng.randbytes(size),
                )

            alone = await run([packet()])
            isolated = (alone[0][0], alone[1][0], alone[2][0])
            fi, fo, tg = await run([packet() for _ in range(count)])
            figures = summarize(size, AAD_BYTES, fi, fo, tg, isolated=isolated)
            figures["key_bits"] = 8 * keylen
            dut._log.info("%s", figures)
            results.append(figures)

    path = os.environ.get("BENCH_OUT")
    if path:
        Path(path).write_text(json.dumps(results, indent=2) + "\n")


# --------------------------------------------------------------------------------------------
# Host side
# --------------------------------------------------------------------------------------------

COLUMNS = [
    ("payload_bytes", "payload B"),
    ("key_bits", "key"),
    ("payload_blocks", "P"),
    ("floor_cycles", "floor P+2"),
    ("core_aes_slots", "core slots"),
    ("cycles_per_packet", "cycles/pkt"),
    ("vs_floor", "x floor"),
    ("payload_blocks_per_cycle", "blocks/cycle"),
    ("payload_bytes_per_cycle", "B/cycle"),
    ("latency_first_out", "lat first out"),
    ("latency_tag", "lat tag"),
]


def table(results: list[dict]) -> str:
    rows = [[h for _, h in COLUMNS]] + [[str(r.get(k, "")) for k, _ in COLUMNS] for r in results]
    widths = [max(len(row[c]) for row in rows) for c in range(len(COLUMNS))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def plot(results: list[dict], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for bits in sorted({r["key_bits"] for r in results}):
        rs = [r for r in results if r["key_bits"] == bits]
        ax.plot([r["payload_bytes"] for r in rs], [r["vs_floor"] for r in rs], "o-", label=bits)
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xlabel("payload bytes (AAD 11 B)")
    ax.set_ylabel("cycles per packet / (P + 2)")
    ax.legend(title="key bits")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


def aes_gcm_factory() -> functools.partial:
    from hdl.aes_gcm import AESGCM

    return functools.partial(AESGCM, stages_per_round=2, ghash_lanes=4)


def main(argv: list[str] | None = None) -> int:
    from sim.cocotb_runner import run_cocotb

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=100, help="packets per case (default 100)")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="payload sizes, bytes")
    ap.add_argument("--sim", default="verilator", choices=("verilator", "icarus"))
    ap.add_argument("--out", type=Path, default=BENCH_DIR / "cores.json")
    args = ap.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    run = run_cocotb(
        args.sim,
        aes_gcm_factory(),
        "aes_gcm_spr2_l4",
        "sim.bench_cores",
        extra_env={
            "BENCH_OUT": args.out.resolve(),
            "BENCH_PACKETS": args.packets,
            "BENCH_SIZES": args.sizes,
        },
    )
    results = json.loads(args.out.read_text())
    print(f"AESGCM(stages_per_round=2, ghash_lanes=4) on {args.sim}, AAD {AAD_BYTES} B, new key")
    print("every packet, back to back; cycles/pkt in steady state, latency of a lone packet:\n")
    print(table(results))
    print(f"\n{args.out} ({time.monotonic() - t0:.0f} s, log {run.log})")
    png = args.out.with_suffix(".png")
    if plot(results, png):
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
