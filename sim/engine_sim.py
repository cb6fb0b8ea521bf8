"""Run job lists through the engine in a simulator (host side of ``sim/tb_engine.py``)."""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hdl.axi_top import QuicTxEngineAXI
from sim.cocotb_runner import SIM_BUILD, run_cocotb
from sim.engine_io import Completion, EngineParams, KeyWrite, SendJob

SIMULATORS = ("icarus", "verilator")


@dataclass
class EngineRun:
    """What came out of one simulation."""

    completions: list[Completion]
    datagrams: list[tuple[bytes, bool]]  # (bytes, bypass)
    counters: dict[str, int]
    first_cycle: int
    last_cycle: int
    seconds: float
    raw: dict = field(repr=False)

    @property
    def cycles(self) -> int:
        return max(0, self.last_cycle - self.first_cycle)


def design_name(params: EngineParams) -> str:
    p = params
    return (
        f"quic_tx_engine_e{p.entries}_l{p.ghash_lanes}_s{p.stages_per_round}"
        f"_b{p.n_buffers}_m{p.max_datagram}"
    )


def design_factory(params: EngineParams):
    return functools.partial(QuicTxEngineAXI, **params.as_kwargs())


def run_engine(
    ops: list[KeyWrite | SendJob | str],
    *,
    sim: str = "icarus",
    params: EngineParams | None = None,
    seed: int = 1,
    idle_prob: float = 0.0,
    backpressure_prob: float = 0.0,
    waves: bool = False,
    label: str = "jobs",
    max_idle_cycles: int = 20000,
    progress: Callable[[int, int, int], None] | None = None,
) -> EngineRun:
    """Play ``ops`` (key writes, sends, and ``"reset"``) through the engine on ``sim``.

    ``progress(done_sends, total_sends, cycles)`` is called about once a second while the
    simulator runs (the bench writes a progress file that is polled here).
    """
    if sim not in SIMULATORS:
        raise ValueError(f"unknown simulator {sim!r}: choose one of {', '.join(SIMULATORS)}")
    params = params or EngineParams()
    encoded = []
    for op in ops:
        if isinstance(op, KeyWrite):
            encoded.append({"op": "ctl", "bits": f"{op.bits(params):x}"})
        elif isinstance(op, SendJob):
            encoded.append({"op": "send", "desc": f"{op.bits(params):x}", "data": op.data.hex()})
        elif op == "reset":
            encoded.append({"op": "reset"})
        else:
            raise TypeError(f"not an engine op: {op!r}")
    jobs = {
        "seed": seed,
        "idle_prob": idle_prob,
        "backpressure_prob": backpressure_prob,
        "max_idle_cycles": max_idle_cycles,
        "ops": encoded,
    }
    text = json.dumps(jobs)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    job_dir = SIM_BUILD / "jobs"
    job_dir.mkdir(parents=True, exist_ok=True)
    job_file = job_dir / f"{label}_{digest}.json"
    result_file = job_dir / f"{label}_{digest}.results.json"
    job_file.write_text(text)
    result_file.unlink(missing_ok=True)
    progress_file = job_dir / f"{label}_{digest}.progress"
    progress_file.unlink(missing_ok=True)

    def simulate():
        return run_cocotb(
            sim,
            design_factory(params),
            design_name(params),
            "sim.tb_engine",
            testcase="play_jobs",
            extra_env={
                "TB_JOBS": job_file,
                "TB_RESULTS": result_file,
                "TB_SEED": seed,
                "TB_PROGRESS": progress_file,
            },
            waves=waves,
        )

    if progress is None:
        run = simulate()
    else:
        outcome: dict = {}

        def worker():
            try:
                outcome["run"] = simulate()
            except BaseException as exc:  # handed to the caller's thread below
                outcome["error"] = exc

        thread = threading.Thread(target=worker, name="engine-sim", daemon=True)
        thread.start()
        last = None
        while thread.is_alive():
            thread.join(1.0)
            try:
                done, total, cycles = map(int, progress_file.read_text().split())
            except (OSError, ValueError):
                continue
            if (done, cycles) != last:
                last = (done, cycles)
                progress(done, total, cycles)
        if "error" in outcome:
            raise outcome["error"]
        run = outcome["run"]
    raw = json.loads(Path(result_file).read_text())
    return EngineRun(
        completions=[Completion.from_bits(c) for c in raw["completions"]],
        datagrams=[(bytes.fromhex(d["data"]), d["bypass"]) for d in raw["datagrams"]],
        counters=raw["counters"],
        first_cycle=raw["first_cycle"],
        last_cycle=raw["last_cycle"],
        seconds=run.seconds,
        raw=raw,
    )
