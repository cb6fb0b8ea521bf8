"""Engine throughput benchmark: ``make bench`` (Verilator; not part of ``make test``).

Back-to-back sends on many connections (a new key on every packet), no idles, no
backpressure, one packet per send, for several packet sizes, then GSO batches of 1,200-byte
datagrams. For each: bytes per cycle, cycles per packet against the per-packet floor
(``P + 2`` AES slots, ``A + P + 1`` GHASH slots: ``shared/spec/engine-notes.md``) and the
latency from a send's descriptor to its first datagram beat. Every output is also checked
against the golden model, so a fast wrong answer cannot pass as a result.

Writes ``build/bench/engine.json``, prints a table and, when matplotlib is installed, plots
``build/bench/engine.png``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from model.packet_protection import protect_short_header_packet
from sim.engine_io import EngineParams, KeyWrite, SendJob
from sim.engine_sim import run_engine

OUT = Path(__file__).resolve().parents[1] / "build" / "bench"
DCID = 8
PN_LEN = 2
HEADER = 1 + DCID + PN_LEN  # 11 bytes of AAD: one block


def _packet(rng: random.Random, size: int) -> bytes:
    return bytes([0x40 | (PN_LEN - 1)]) + rng.randbytes(size - 1)


def floor_cycles(datagram: int) -> tuple[int, int]:
    """(AES slots, GHASH slots) per datagram of ``datagram`` bytes on the wire."""
    payload = datagram - 16 - HEADER
    p = -(-payload // 16)
    a = -(-HEADER // 16)
    return p + 2, a + p + 1


def measure(
    sim: str, sizes: list[int], packets: int, gso_batch: int, seed: int, n_buffers: int = 16
) -> dict:
    rng = random.Random(seed)
    params = EngineParams(n_buffers=n_buffers)
    connections = 16
    keys = []
    ops: list = []
    for index in range(connections):
        cipher = "aes-256-gcm" if index % 2 else "aes-128-gcm"
        n = 32 if index % 2 else 16
        kw = KeyWrite.add(index, cipher, 0, rng.randbytes(n), rng.randbytes(12), rng.randbytes(n))
        keys.append((cipher, kw))
        ops.append(kw)
    cases = []
    for size in sizes:  # datagram size on the wire
        sends = []
        for k in range(packets):
            index = k % connections
            sends.append(
                SendJob(index, rng.randrange(1 << 40), DCID, 0, False, _packet(rng, size - 16))
            )
        cases.append({"name": f"{size} B", "datagram": size, "sends": sends, "gso": False})
    if gso_batch:
        sends = []
        for k in range(max(1, packets // gso_batch)):
            data = b"".join(_packet(rng, 1184) for _ in range(gso_batch))
            sends.append(SendJob(k % connections, rng.randrange(1 << 40), DCID, 1200, False, data))
        cases.append(
            {"name": f"GSO {gso_batch}x1200 B", "datagram": 1200, "sends": sends, "gso": True}
        )
    results = []
    for case in cases:
        t0 = time.monotonic()
        run = run_engine(
            ops + case["sends"],
            sim=sim,
            params=params,
            seed=seed,
            label=f"bench_{case['datagram']}_{'gso' if case['gso'] else 'pkt'}",
            max_idle_cycles=200000,
        )
        wall = time.monotonic() - t0
        expected = []
        for job in case["sends"]:
            cipher, kw = keys[job.index]
            p = job.gso - 16 if job.gso else len(job.data)
            for i in range(0, len(job.data), p):
                expected.append(
                    protect_short_header_packet(
                        cipher,
                        kw.key,
                        kw.iv,
                        kw.hp_key,
                        job.data[i : i + p],
                        DCID,
                        job.next_pkt_num,
                    )
                )
        got = [d for d, _ in run.datagrams]
        if got != expected:
            raise SystemExit(f"{case['name']}: engine output differs from the model")
        # Steady state: from the first datagram's end to the last one's.
        ends = run.raw["dgram_cycles"]
        n = len(ends)
        steady = (ends[-1] - ends[0]) / (n - 1) if n > 1 else float("nan")
        out_bytes = sum(len(d) for d in got)
        aes_floor, ghash_floor = floor_cycles(case["datagram"])
        first_beat_latency = ends[0] - run.raw["desc_cycles"][0]
        results.append(
            {
                "case": case["name"],
                "datagram_bytes": case["datagram"],
                "datagrams": n,
                "bytes_per_cycle": out_bytes / max(1, run.cycles),
                "steady_cycles_per_datagram": steady,
                "steady_bytes_per_cycle": case["datagram"] / steady if steady else 0.0,
                "floor_aes_slots": aes_floor,
                "floor_ghash_slots": ghash_floor,
                "overhead_cycles_vs_floor": steady - max(aes_floor, ghash_floor),
                "latency_desc_to_last_beat_of_first_datagram": first_beat_latency,
                "total_cycles": run.cycles,
                "wall_seconds": wall,
            }
        )
        print(
            f"  {case['name']:<16} {n:>4} datagrams, {steady:6.1f} cycles/datagram "
            f"(floor {max(aes_floor, ghash_floor)}), {case['datagram'] / steady:5.2f} B/cycle",
            file=sys.stderr,
            flush=True,
        )
    return {"simulator": sim, "params": params.as_kwargs(), "seed": seed, "cases": results}


def _table(report: dict) -> str:
    head = (
        f"{'case':<16} {'dgrams':>6} {'cyc/dgram':>9} {'floor':>5} {'over':>5} "
        f"{'B/cycle':>7} {'latency':>7}"
    )
    lines = [head, "-" * len(head)]
    for r in report["cases"]:
        floor = max(r["floor_aes_slots"], r["floor_ghash_slots"])
        lines.append(
            f"{r['case']:<16} {r['datagrams']:>6} {r['steady_cycles_per_datagram']:>9.1f} "
            f"{floor:>5} {r['overhead_cycles_vs_floor']:>5.1f} {r['steady_bytes_per_cycle']:>7.2f} "
            f"{r['latency_desc_to_last_beat_of_first_datagram']:>7}"
        )
    return "\n".join(lines)


def _plot(report: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    cases = [r for r in report["cases"] if not r["case"].startswith("GSO")]
    x = [r["datagram_bytes"] for r in cases]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(x, [r["steady_bytes_per_cycle"] for r in cases], "o-", label="engine")
    ax.plot(
        x,
        [
            d / max(*[v for v in [r["floor_aes_slots"], r["floor_ghash_slots"]]])
            for d, r in zip(x, cases, strict=True)
        ],
        "s--",
        label="per-packet floor",
    )
    ax.axhline(16, color="grey", lw=0.8, ls=":", label="16 B/cycle (one lane)")
    ax.set_xlabel("datagram bytes (back to back, new key every packet)")
    ax.set_ylabel("bytes per cycle")
    ax.set_title("QUIC Tx engine throughput (Verilator)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.bench_engine", description=__doc__)
    parser.add_argument("--sim", default="verilator", choices=("icarus", "verilator"))
    parser.add_argument("--sizes", default="64,128,256,512,1200,1500")
    parser.add_argument("--packets", type=int, default=48)
    parser.add_argument("--gso-batch", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--n-buffers", type=int, default=EngineParams.n_buffers, choices=(2, 4, 8, 16)
    )
    parser.add_argument("-o", "--output", default=str(OUT / "engine.json"), help="figures file")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    for s in sizes:
        if s < HEADER + 16 + 4 or s > 2048:
            parser.error(f"datagram size {s} out of range {HEADER + 20}..2048")
    print(
        f"[bench] engine on {args.sim}: {len(sizes)} sizes x {args.packets} packets",
        file=sys.stderr,
    )
    report = measure(args.sim, sizes, args.packets, args.gso_batch, args.seed, args.n_buffers)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(_table(report))
    print(f"figures: {out}")
    if _plot(report, out.with_suffix(".png")):
        print(f"plot: {out.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
