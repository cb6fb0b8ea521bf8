"""cocotb testbench of the engine's AXI top: plays a job file, records what comes out.

The host (``sim/engine_sim.py``) writes a job file (``$TB_JOBS``): key-table writes and sends
in order, plus optional resets. This bench drives them into ``QuicTxEngineAXI`` —
``s_axis``/``m_axis`` through cocotbext-axi with random idles and backpressure, the
descriptor, control and completion ports directly — and writes ``$TB_RESULTS``: the
completions, the datagrams, the cycle counts and the counters. Deciding what is right is the
host's job (it compares with the golden model); the bench only checks the protocol: no
datagram without a completion to own it, nothing left over, no hang.

Ordering rule (what a driver must do): a key-table write is issued only after every earlier
descriptor was accepted, and later descriptors wait for it; the engine copies an entry when it
accepts a descriptor, so sends already in flight keep their keys.
"""

from __future__ import annotations

import json
import os
import random
import time

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from hdl.tx_counters import COUNTER_NAMES
from sim.cocotb_runner import CLOCK_NS
from sim.engine_io import Completion

COUNTER_PREFIX = "cnt_"


def _pause_generator(rng: random.Random, prob: float, max_len: int = 6):
    while True:
        if prob and rng.random() < prob:
            for _ in range(rng.randint(1, max_len)):
                yield True
        else:
            yield False


class _Port:
    """A valid/ready port with a ``tdata`` bus, driven or sampled once per cycle."""

    def __init__(self, dut, prefix: str):
        self.valid = getattr(dut, f"{prefix}_tvalid")
        self.ready = getattr(dut, f"{prefix}_tready")
        self.data = getattr(dut, f"{prefix}_tdata")


async def _clocked(dut, cycles: int):
    for _ in range(cycles):
        await RisingEdge(dut.clk)


async def _reset(dut, cycles: int = 4):
    dut.rst.value = 1
    await _clocked(dut, cycles)
    dut.rst.value = 0


class EngineBench:
    def __init__(self, dut, jobs: dict):
        self.dut = dut
        self.jobs = jobs
        seed = int(jobs.get("seed", 1))
        self.rng = random.Random(seed)
        idle = float(jobs.get("idle_prob", 0.0))
        bp = float(jobs.get("backpressure_prob", 0.0))
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst)
        self.source.set_pause_generator(_pause_generator(random.Random(seed + 1), idle))
        self.sink.set_pause_generator(_pause_generator(random.Random(seed + 2), bp))
        self.cpl_bp = bp
        self.desc = _Port(dut, "desc")
        self.ctl = _Port(dut, "ctl")
        self.cpl = _Port(dut, "cpl")
        self.cycle = 0
        self.completions: list[int] = []
        self.cpl_cycles: list[int] = []
        self.desc_cycles: list[int] = []
        self.datagrams: list[dict] = []
        self.dgram_cycles: list[int] = []
        self.expected_sends = 0
        self.epoch = 0  # bumped by each reset; results before it are discarded
        self.total_sends = sum(1 for op in jobs["ops"] if op["op"] == "send")
        self.progress_path = os.environ.get("TB_PROGRESS") or None
        self._progress_at = 0.0

    def report_progress(self, force: bool = False) -> None:
        """Completed sends, total sends and cycles to ``$TB_PROGRESS`` (about once a second)
        so the host can show progress on long runs."""
        now = time.monotonic()
        if self.progress_path is None or (not force and now - self._progress_at < 1.0):
            return
        self._progress_at = now
        with open(self.progress_path, "w") as f:
            f.write(f"{len(self.completions)} {self.total_sends} {self.cycle}\n")

    async def count_cycles(self):
        while True:
            await RisingEdge(self.dut.clk)
            self.cycle += 1

    async def handshake(self, port: _Port, value: int):
        port.data.value = value
        port.valid.value = 1
        while True:
            await ReadOnly()
            fire = bool(port.ready.value)
            await RisingEdge(self.dut.clk)
            if fire:
                break
        port.valid.value = 0

    async def collect_completions(self):
        rng = random.Random(self.rng.randrange(1 << 30))
        while True:
            ready = not (self.cpl_bp and rng.random() < self.cpl_bp)
            self.cpl.ready.value = int(ready)
            await ReadOnly()
            if ready and self.cpl.valid.value:
                self.completions.append(int(self.cpl.data.value))
                self.cpl_cycles.append(self.cycle)
                self.report_progress()
            await RisingEdge(self.dut.clk)

    async def collect_datagrams(self):
        while True:
            frame = await self.sink.recv()
            tuser = frame.tuser
            bypass = bool(tuser[-1] if isinstance(tuser, list) and tuser else tuser or 0)
            self.datagrams.append({"data": bytes(frame.tdata).hex(), "bypass": bypass})
            self.dgram_cycles.append(self.cycle)

    def owed_datagrams(self) -> int:
        return sum(Completion.from_bits(c).datagrams for c in self.completions)

    async def drain(self, limit: int):
        """Wait until every send completed and every datagram it owes arrived."""
        start = self.cycle
        while not (
            len(self.completions) == self.expected_sends
            and len(self.datagrams) >= self.owed_datagrams()
        ):
            if self.cycle - start > limit:
                raise AssertionError(
                    f"engine hung: {len(self.completions)}/{self.expected_sends} completions, "
                    f"{len(self.datagrams)}/{self.owed_datagrams()} datagrams after {limit} cycles"
                )
            await RisingEdge(self.dut.clk)
        await _clocked(self.dut, 20)  # anything extra would show up now
        assert len(self.datagrams) == self.owed_datagrams(), (
            f"{len(self.datagrams)} datagrams but completions account for {self.owed_datagrams()}"
        )

    async def run(self):
        dut = self.dut
        Clock(dut.clk, CLOCK_NS, unit="ns").start()
        for port in (self.desc, self.ctl):
            port.valid.value = 0
        self.cpl.ready.value = 0
        dut.s_axis_tuser.value = 0
        await _reset(dut)
        cocotb.start_soon(self.count_cycles())
        cocotb.start_soon(self.collect_completions())
        cocotb.start_soon(self.collect_datagrams())
        limit = int(self.jobs.get("max_idle_cycles", 20000))
        first_cycle = None
        for op in self.jobs["ops"]:
            kind = op["op"]
            if kind == "ctl":
                await self.handshake(self.ctl, int(op["bits"], 16))
            elif kind == "send":
                data = bytes.fromhex(op["data"])
                if first_cycle is None:
                    first_cycle = self.cycle
                await self.source.send(AxiStreamFrame(data))
                self.expected_sends += 1
                await self.handshake(self.desc, int(op["desc"], 16))
                self.desc_cycles.append(self.cycle)
            elif kind == "reset":
                # Reset in the middle of traffic: whatever is in flight is lost; the results
                # so far are discarded and the host replays from a clean state.
                await _clocked(dut, int(op.get("after_cycles", 0)))
                self.source.clear()
                await _reset(dut)
                self.sink.clear()
                self.completions.clear()
                self.datagrams.clear()
                self.cpl_cycles.clear()
                self.dgram_cycles.clear()
                self.desc_cycles.clear()
                self.expected_sends = 0
                self.epoch += 1
                first_cycle = None
            else:
                raise ValueError(f"unknown job op {kind!r}")
        await self.drain(limit)
        self.report_progress(force=True)
        counters = {name: int(getattr(dut, COUNTER_PREFIX + name).value) for name in COUNTER_NAMES}
        last = max(self.dgram_cycles + self.cpl_cycles, default=self.cycle)
        return {
            "completions": self.completions,
            "datagrams": self.datagrams,
            "first_cycle": first_cycle or 0,
            "last_cycle": last,
            "desc_cycles": self.desc_cycles,
            "cpl_cycles": self.cpl_cycles,
            "dgram_cycles": self.dgram_cycles,
            "counters": counters,
            "resets": self.epoch,
        }


@cocotb.test()
async def play_jobs(dut):
    """Play ``$TB_JOBS`` and write ``$TB_RESULTS``."""
    with open(os.environ["TB_JOBS"]) as f:
        jobs = json.load(f)
    dut._log.info("seed=%s ops=%d", jobs.get("seed"), len(jobs["ops"]))
    results = await EngineBench(dut, jobs).run()
    with open(os.environ["TB_RESULTS"], "w") as f:
        json.dump(results, f)
