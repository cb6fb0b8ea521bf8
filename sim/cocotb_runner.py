"""Build-once-per-configuration cocotb runs (Icarus, Verilator) and the testbench helpers.

Host side (pytest, ``sim/bench_cores.py``)
    ``run_cocotb(sim, factory, name, test_module, ...)`` generates ``build/verilog/<name>.v``
    (`sim.verilog.generate`), builds it once per (simulator, name, waves) per process in
    ``build/sim/<sim>/<name>``, runs the cocotb ``test_module`` and raises `CocotbFailure` when a
    cocotb test fails or the simulator dies, inside and outside pytest (``runner.test()`` alone
    only fails under pytest). Parameters reach testbenches as environment variables
    (``extra_env``; values are turned into strings).

Simulator side (the ``sim/tb_*.py`` modules, running inside the simulator)
    `Struct` packs/unpacks Amaranth layouts into the flattened ``<port>__payload`` integers,
    `Pauses` draws random idle/backpressure bursts, `Source`/`Sink` drive and watch valid/ready
    streams, and `run_streams` clocks them all from one coroutine (one ``RisingEdge`` and one
    ``ReadOnly`` per cycle: cheaper than a task per port on Verilator).
"""

from __future__ import annotations

import functools
import json
import os
import random
import shutil
import time
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.toolchain import ensure_simulator
from sim.verilog import BUILD, generate

SIM_BUILD = BUILD / "sim"
TIMESCALE = ("1ns", "1ps")
CLOCK_NS = 10
# C++ optimisation of Verilator models. Measured on the 2-stage AES pipeline (9 MB of C++, 2
# loaded cores): -Os (the default) 93 s CPU to build, ~11k cycles/s under cocotb; -O1 54 s;
# -O0 24 s CPU, ~6k cycles/s. cocotb's Python dominates the per-cycle cost, so -O0 wins for
# test-sized runs.
VERILATOR_MAKE_VARS = "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"

# --------------------------------------------------------------------------------------------
# Host side
# --------------------------------------------------------------------------------------------


class CocotbFailure(AssertionError):
    """A cocotb run failed: failing tests, no results, or a crashed simulator/build."""


@dataclass
class Build:
    sim: str
    name: str
    runner: Any  # cocotb_tools.runner.Runner
    build_dir: Path
    verilog: Path
    waves: bool
    seconds: float  # wall time of generate + build in this process


@dataclass
class CocotbRun:
    sim: str
    name: str
    results_xml: Path
    log: Path
    tests: int
    failed: int
    seconds: float


_BUILDS: dict[tuple[str, str, bool], Build] = {}


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text[-lines:])


def build(sim: str, factory: Callable[[], object], name: str, *, waves: bool = False) -> Build:
    """Generate and build design ``name`` for ``sim`` once per process; later calls reuse it.

    Rebuilds in an existing build directory are incremental (Icarus compares file times,
    Verilator skips identical inputs and ``make`` recompiles nothing). ``waves`` (or
    ``$WAVES=1``) builds a separate tracing model: ``<build_dir>/<name>.fst`` on Icarus,
    ``dump.vcd`` on Verilator.
    """
    waves = waves or os.environ.get("WAVES", "").strip().lower() in ("1", "true", "yes")
    key = (sim, name, waves)
    if key in _BUILDS:
        return _BUILDS[key]
    from cocotb_tools.runner import get_runner

    ensure_simulator(sim)
    t0 = time.monotonic()
    verilog = generate(name, factory)
    build_dir = SIM_BUILD / sim / (f"{name}_waves" if waves else name)
    build_dir.mkdir(parents=True, exist_ok=True)
    runner = get_runner(sim)
    build_args: list[str] = []
    make_vars = ""
    if sim == "icarus":
        # Verilog-2005 semantics: the runner asks for -g2012, where Icarus runs declaration
        # initialisers (`reg x = 0;`) as static initialisation with no event at time 0. The
        # Verilog from yosys relies on that event to run every `always @*` block once
        # (its `$auto$verilog_backend...dump_module` trigger reg): under -g2012 a block whose
        # inputs never change keeps X forever (seen on AESGCM: `takes_beat`, `i.ready`).
        build_args = ["-g2005"]
    sources = [verilog]
    runner_waves = waves
    if sim == "icarus" and waves:
        # cocotb's own dump module is SystemVerilog (`string`): use a Verilog-2005 one.
        # test(waves=True) then passes vvp's `-fst`, so this writes <build_dir>/<name>.fst.
        dump = build_dir / "waves_dump.v"
        dump.write_text(
            "module waves_dump();\n"
            f'  initial begin $dumpfile("{build_dir / name}.fst"); $dumpvars(0, {name}); end\n'
            "endmodule\n"
        )
        sources.append(dump)
        build_args += ["-s", "waves_dump"]
        runner_waves = False
    if sim == "verilator":
        # Amaranth's output trips style warnings (WIDTH*, UNUSED*) that are not bugs.
        build_args = ["-Wno-fatal", "-Wno-lint", "-Wno-style"]
        make_vars = VERILATOR_MAKE_VARS
        stamp = build_dir / "make-vars.txt"
        if stamp.exists() and stamp.read_text() != make_vars:
            shutil.rmtree(build_dir)  # precompiled headers of other flags are invalid
            build_dir.mkdir(parents=True)
        stamp.write_text(make_vars)
    log = build_dir / "build.log"
    saved = os.environ.get("MAKEFLAGS")
    saved_waves = os.environ.pop("WAVES", None)  # it would override runner_waves
    try:
        if make_vars:  # the runner copies os.environ when build() starts
            os.environ["MAKEFLAGS"] = f"{saved or ''} {make_vars}".strip()
        runner.build(
            sources=sources,
            hdl_toplevel=name,
            build_dir=build_dir,
            build_args=build_args,
            timescale=TIMESCALE,
            waves=runner_waves,
            log_file=log,
        )
    except (RuntimeError, SystemExit) as exc:
        raise CocotbFailure(
            f"{sim} build of {name} failed ({exc}); log {log}:\n{_tail(log)}"
        ) from None
    finally:
        if saved is None:
            os.environ.pop("MAKEFLAGS", None)
        else:
            os.environ["MAKEFLAGS"] = saved
        if saved_waves is not None:
            os.environ["WAVES"] = saved_waves
    result = Build(sim, name, runner, build_dir, verilog, waves, time.monotonic() - t0)
    _BUILDS[key] = result
    return result


def _failures(results_xml: Path) -> list[str]:
    out = []
    try:
        root = ET.parse(results_xml).getroot()
    except (OSError, ET.ParseError):
        return out
    for case in root.iter("testcase"):
        for tag in ("failure", "error"):
            for node in case.findall(tag):
                msg = (node.get("message") or node.text or "").strip()
                out.append(f"{case.get('name')}: {tag}: {msg[:500]}")
    return out


def run_cocotb(
    sim: str,
    top_component_factory: Callable[[], object],
    name: str,
    test_module: str,
    testcase: str | Iterable[str] | None = None,
    extra_env: Mapping[str, object] | None = None,
    waves: bool = False,
    seed: int | None = None,
) -> CocotbRun:
    """Build (once) and run ``test_module`` on design ``name``; raise `CocotbFailure` on failure.

    ``testcase`` selects cocotb test function(s) by name; ``extra_env`` values are passed to the
    testbench as strings; ``seed`` becomes ``COCOTB_RANDOM_SEED``. The simulator's output goes
    to ``<build_dir>/<label>.log``; its tail is in the exception message on failure.
    """
    from cocotb_tools.check_results import get_results

    b = build(sim, top_component_factory, name, waves=waves)
    waves = b.waves  # $WAVES=1 also turns them on
    if testcase is None:
        label = test_module.rsplit(".", 1)[-1]
    elif isinstance(testcase, str):
        label = testcase
    else:
        testcase = list(testcase)
        label = "+".join(testcase)
    results_dir = b.build_dir / "results"
    results_dir.mkdir(exist_ok=True)
    results_xml = results_dir / f"{label}.xml"
    log = b.build_dir / f"{label}.log"
    env = {k: str(v) for k, v in (extra_env or {}).items()}
    env.setdefault("COCOTB_ANSI_OUTPUT", "0")
    env.setdefault("TB_SEED", str(env_seed()))  # the caller's $TB_SEED, else a fresh one
    if isinstance(top_component_factory, functools.partial) and not top_component_factory.args:
        # Testbenches rebuild the (unelaborated) component from these to read its layouts.
        env.setdefault("TB_DESIGN_KWARGS", json.dumps(top_component_factory.keywords))
    t0 = time.monotonic()
    crashed = None
    try:
        b.runner.test(
            test_module=test_module,
            hdl_toplevel=b.name,
            testcase=testcase,
            extra_env=env,
            waves=waves,
            seed=seed,
            results_xml=str(results_xml),  # absolute: also accepted under pytest
            timescale=TIMESCALE,
            log_file=log,
        )
    except SystemExit as exc:  # under pytest the runner exits on failing tests
        crashed = f"simulator/runner exit status {exc.code}"
    except RuntimeError as exc:
        crashed = str(exc)
    seconds = time.monotonic() - t0
    where = f"{sim} {name} {test_module}" + (f" [{label}]" if testcase else "")
    where += f" TB_SEED={env['TB_SEED']}"
    try:
        tests, failed = get_results(results_xml)
    except RuntimeError:
        raise CocotbFailure(
            f"{where}: no results ({crashed or 'simulation ended abnormally'}); log {log}:\n"
            f"{_tail(log)}"
        ) from None
    if failed or tests == 0 or crashed:
        details = "\n".join(_failures(results_xml)) or crashed or "no tests ran"
        raise CocotbFailure(
            f"{where}: {failed} of {tests} cocotb tests failed\n{details}\nlog {log}:\n{_tail(log)}"
        )
    return CocotbRun(sim, name, results_xml, log, tests, failed, seconds)


# --------------------------------------------------------------------------------------------
# Simulator side: helpers for the cocotb test modules
# --------------------------------------------------------------------------------------------


def env_int(name: str, default: int) -> int:
    """Integer testbench parameter from the environment."""
    value = os.environ.get(name, "")
    return int(value, 0) if value.strip() else default


def env_float(name: str, default: float) -> float:
    """Float testbench parameter from the environment."""
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


def design_kwargs() -> dict[str, Any]:
    """Keyword arguments of the design under test (``$TB_DESIGN_KWARGS``, set by `run_cocotb`
    when the factory is a ``functools.partial``)."""
    return json.loads(os.environ.get("TB_DESIGN_KWARGS", "") or "{}")


def env_seed(name: str = "TB_SEED") -> int:
    """The testbench seed: ``$TB_SEED`` if set, else a fresh random one (always logged)."""
    value = os.environ.get(name, "").strip()
    return int(value, 0) if value else random.SystemRandom().randrange(1 << 32)


class Struct:
    """Pack/unpack an Amaranth shape (StructLayout / ArrayLayout / plain width) to an integer.

    Struct values are dicts (missing fields are zero), arrays are sequences, plain fields ints.
    """

    def __init__(self, shape: Any):
        from amaranth.hdl import Shape
        from amaranth.lib import data

        self.shape = shape
        if isinstance(shape, data.StructLayout):
            self.kind = "struct"
            self.fields = {name: (f.offset, Struct(f.shape)) for name, f in shape}
            self.width = shape.size
        elif isinstance(shape, data.ArrayLayout):
            self.kind = "array"
            self.elem = Struct(shape.elem_shape)
            self.length = shape.length
            self.width = shape.size
        else:
            self.kind = "int"
            self.width = Shape.cast(shape).width

    def pack(self, value: Any) -> int:
        if self.kind == "int":
            value = int(value)
            if not 0 <= value < (1 << self.width):
                raise ValueError(f"{value:#x} does not fit in {self.width} bits")
            return value
        if self.kind == "array":
            if len(value) != self.length:
                raise ValueError(f"expected {self.length} elements, got {len(value)}")
            return sum(self.elem.pack(v) << (i * self.elem.width) for i, v in enumerate(value))
        unknown = set(value) - set(self.fields)
        if unknown:
            raise KeyError(f"unknown fields {sorted(unknown)}")
        return sum(s.pack(value[n]) << off for n, (off, s) in self.fields.items() if n in value)

    def unpack(self, value: int) -> Any:
        if self.kind == "int":
            return value & ((1 << self.width) - 1)
        if self.kind == "array":
            w = self.elem.width
            return [self.elem.unpack(value >> (i * w)) for i in range(self.length)]
        return {n: s.unpack(value >> off) for n, (off, s) in self.fields.items()}


def design_under_test(component_class: Callable[..., Any]) -> Any:
    """The (unelaborated) component of the build, rebuilt from ``$TB_DESIGN_KWARGS``.

    Only its port layouts and constants (``LATENCY``) are read, so Amaranth's "created but never
    used" warning is silenced in the simulator process.
    """
    import warnings

    from amaranth.hdl import UnusedElaboratable

    warnings.filterwarnings("ignore", category=UnusedElaboratable)
    return component_class(**design_kwargs())


def stream_struct(component: Any, port: str) -> Struct:
    """`Struct` of the payload of stream ``port`` of an Amaranth component (not elaborated)."""
    member = component.signature.members[port]
    return Struct(member.signature.members["payload"].shape)


class Pauses:
    """Random idle bursts: each free cycle starts a pause with ``prob``, 1..``max_len`` long.

    ``prob=0`` never pauses (full rate).
    """

    def __init__(self, rng: random.Random, prob: float = 0.0, max_len: int = 4):
        self.rng, self.prob, self.max_len = rng, prob, max_len
        self.left = 0

    def pause(self) -> bool:
        if self.left:
            self.left -= 1
            return True
        if self.prob and self.rng.random() < self.prob:
            self.left = self.rng.randint(1, self.max_len) - 1
            return True
        return False


class Source:
    """Drives stream ``<prefix>__{valid,ready,payload}`` from a queue of payload integers.

    ``valid`` stays high until the transfer; ``pauses`` only inserts idles between items.
    With ``junk`` (an RNG), the payload carries random bits whenever ``valid`` is low, so a
    core that looks at an invalid payload shows it. ``accepted`` gets the cycle number of each
    transfer.
    """

    def __init__(
        self,
        dut: Any,
        prefix: str,
        pauses: Pauses | None = None,
        junk: random.Random | None = None,
    ):
        self.valid = getattr(dut, f"{prefix}__valid")
        self.ready = getattr(dut, f"{prefix}__ready")
        self.payload = getattr(dut, f"{prefix}__payload")
        self.width = len(self.payload)
        self.pauses = pauses
        self.junk = junk
        self.queue: deque[int] = deque()
        self.accepted: list[int] = []
        self._active = False
        self._valid_out = 0

    def reset(self) -> None:
        self.valid.value = 0
        self.payload.value = 0  # never leave an input undriven (Z/X in Icarus)
        self._valid_out = 0

    def send(self, payload: int) -> None:
        self.queue.append(payload)

    @property
    def idle(self) -> bool:
        return not self.queue and not self._active

    def drive(self) -> None:
        if not self._active:
            valid = 0
            if self.queue and not (self.pauses and self.pauses.pause()):
                self.payload.value = self.queue[0]
                self._active = True
                valid = 1
            elif self.junk is not None:
                self.payload.value = self.junk.getrandbits(self.width)
            if valid != self._valid_out:
                self.valid.value = valid
                self._valid_out = valid

    def sample(self, cycle: int) -> None:
        if self._active and self.ready.value:
            self.queue.popleft()
            self._active = False
            self.accepted.append(cycle)


class Sink:
    """Accepts stream ``<prefix>__*`` with random backpressure; collects payload integers."""

    def __init__(self, dut: Any, prefix: str, pauses: Pauses | None = None):
        self.valid = getattr(dut, f"{prefix}__valid")
        self.ready = getattr(dut, f"{prefix}__ready")
        self.payload = getattr(dut, f"{prefix}__payload")
        self.pauses = pauses
        self.items: list[int] = []
        self.cycles: list[int] = []
        self._ready_out = 0

    def reset(self) -> None:
        self.ready.value = 0
        self._ready_out = 0

    def drive(self) -> None:
        ready = 0 if (self.pauses and self.pauses.pause()) else 1
        if ready != self._ready_out:
            self.ready.value = ready
            self._ready_out = ready

    def sample(self, cycle: int) -> None:
        if self._ready_out and self.valid.value:
            self.items.append(self.payload.value.to_unsigned())
            self.cycles.append(cycle)


async def reset_dut(dut: Any, ports: Iterable[Source | Sink], cycles: int = 3) -> None:
    """Drive every input, then start the clock (10 ns, low first) and hold ``rst`` for
    ``cycles`` cycles with all ports idle.

    Inputs are driven before the first rising edge: an edge at time 0 with undriven (Z) inputs
    would load X into Amaranth's reset-less registers in Icarus (``?:`` merges X), and that X
    would then leak into control logic that 2-state simulators never show.
    """
    from cocotb.clock import Clock
    from cocotb.triggers import RisingEdge, Timer

    dut.rst.value = 1
    for p in ports:
        p.reset()
    dut.clk.value = 0
    await Timer(1, unit="ns")
    Clock(dut.clk, CLOCK_NS, unit="ns").start(start_high=False)
    for _ in range(cycles):
        await RisingEdge(dut.clk)
    dut.rst.value = 0


async def run_streams(
    dut: Any,
    sources: list[Source],
    sinks: list[Sink],
    done: Callable[[], bool],
    max_cycles: int,
    on_cycle: Callable[[int], None] | None = None,
) -> int:
    """Clock ``sources``/``sinks`` until ``done()``; return the number of cycles run.

    Cycle ``c`` starts at a rising edge: ports drive, then settle (``ReadOnly``) and record the
    handshakes that complete at edge ``c + 1``. ``on_cycle(c)`` runs after sampling (e.g. to
    queue more stimulus). Raises ``AssertionError`` after ``max_cycles`` (deadlock guard).
    """
    from cocotb.triggers import ReadOnly, RisingEdge

    edge, settle = RisingEdge(dut.clk), ReadOnly()
    cycle = 0
    while not done():
        await edge
        cycle += 1
        if cycle > max_cycles:
            pending = {
                **{f"source {s.payload._name}": len(s.queue) for s in sources},
                **{f"sink {k.payload._name}": len(k.items) for k in sinks},
            }
            raise AssertionError(f"no completion after {max_cycles} cycles: {pending}")
        for s in sources:
            s.drive()
        for k in sinks:
            k.drive()
        await settle
        for s in sources:
            s.sample(cycle)
        for k in sinks:
            k.sample(cycle)
        if on_cycle is not None:
            on_cycle(cycle)
    await edge  # leave the ReadOnly phase so callers may write again
    return cycle


def check_full_rate(source: Source, sink: Sink, latency: int, what: str = "item") -> None:
    """Unstalled pipeline checks: every item out exactly ``latency`` cycles after it went in,
    and one item out per cycle."""
    lat = {o - i for i, o in zip(source.accepted, sink.cycles, strict=True)}
    assert lat == {latency}, f"latency {sorted(lat)} != {latency}"
    span = sink.cycles[-1] - sink.cycles[0] + 1
    assert span == len(sink.cycles), (
        f"{len(sink.cycles)} {what}s took {span} output cycles (expected one per cycle)"
    )


def log_seed(dut: Any, seed: int, **params: object) -> None:
    """Log the seed (and parameters) so any run can be replayed with ``TB_SEED``."""
    extra = " ".join(f"{k}={v}" for k, v in params.items())
    dut._log.info("TB_SEED=%d %s", seed, extra)
