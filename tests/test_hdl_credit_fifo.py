# amaranth: UnusedElaboratable=no
"""CreditFIFO against a Python queue: a writer that keeps the credit contract, random reads."""

import random

import pytest
from amaranth.sim import Simulator

from hdl.credit_fifo import CreditFIFO


def _run(dut, *, writes, write_p, read_p, seed, max_cycles=20000):
    """A writer holding ``dut.depth`` credits (a read returns one, one cycle later, like
    AESPipeline's) writes ``writes`` random items when it has a credit and ``write_p`` says
    so; the reader takes with probability ``read_p`` (a number, or a function of the cycle).
    Returns ``(written, read, max_held)``: ``(cycle, value)`` lists and the most items ever
    held. Also checks that ``r`` holds still while stalled."""
    rng = random.Random(seed)
    written, read = [], []
    held = {"max": 0}

    async def tb(ctx):
        credits_used, returned = 0, 0
        stalled = None
        for cycle in range(max_cycles):
            if len(read) == writes:
                return
            credits_used -= returned
            write = len(written) < writes and credits_used < dut.depth
            write = write and rng.random() < write_p
            value = rng.getrandbits(dut.width)
            ctx.set(dut.w.valid, write)
            ctx.set(dut.w.payload, value)
            p = read_p(cycle) if callable(read_p) else read_p
            take = rng.random() < p
            ctx.set(dut.r.ready, take)
            _, _, r_valid, r_payload = await ctx.tick().sample(dut.r.valid, dut.r.payload)
            if stalled is not None:
                assert r_valid and r_payload == stalled, f"cycle {cycle}: r changed in a stall"
            if write:
                written.append((cycle, value))
                credits_used += 1
            returned = int(r_valid and take)
            if returned:
                read.append((cycle, r_payload))
            held["max"] = max(held["max"], len(written) - len(read))
            stalled = r_payload if r_valid and not take else None
        raise AssertionError(f"only {len(read)} of {writes} items read in {max_cycles} cycles")

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(tb)
    sim.run()
    return written, read, held["max"]


@pytest.mark.parametrize(("width", "depth"), [(8, 2), (13, 5), (130, 49)])
def test_order_no_loss_under_random_flow(width, depth):
    dut = CreditFIFO(width=width, depth=depth)
    written, read, _ = _run(dut, writes=400, write_p=0.7, read_p=0.5, seed=depth)
    assert [v for _, v in read] == [v for _, v in written]


@pytest.mark.parametrize("depth", [2, 17, 49])
def test_holds_depth_items_while_reads_stop(depth):
    """With the reader stopped for a long while, the writer fills all ``depth`` credits and
    every item still comes out, in order."""
    dut = CreditFIFO(width=16, depth=depth)
    written, read, max_held = _run(
        dut, writes=3 * depth, write_p=1.0, read_p=lambda c: 0.0 if c < 4 * depth else 1.0,
        seed=1,
    )  # fmt: skip
    assert max_held == depth
    assert [v for _, v in read] == [v for _, v in written]


def test_latency_two_and_full_rate():
    """Written every cycle, read every cycle: each item out exactly 2 cycles after its write."""
    dut = CreditFIFO(width=32, depth=9)
    written, read, _ = _run(dut, writes=100, write_p=1.0, read_p=1.0, seed=3)
    assert [c for c, _ in written] == list(range(100))
    assert [c for c, _ in read] == [c + 2 for c, _ in written]


def test_parameter_validation():
    with pytest.raises(ValueError, match="depth"):
        CreditFIFO(width=8, depth=1)
    with pytest.raises(ValueError, match="width"):
        CreditFIFO(width=0, depth=4)
    with pytest.raises(TypeError, match="depth"):
        CreditFIFO(width=8, depth=4.0)
    with pytest.raises(TypeError, match="width"):
        CreditFIFO(width=True, depth=4)


def test_memory_is_distributed_ram():
    """The memory asks for LUT RAM: block RAM is for the S-boxes (see the module)."""
    from amaranth.back import verilog

    dut = CreditFIFO(width=40, depth=17)
    ports = [dut.w.payload, dut.w.valid, dut.r.payload, dut.r.valid, dut.r.ready]  # w.ready: 1
    text = verilog.convert(dut, name="credit_fifo", ports=ports)
    assert 'ram_style = "distributed"' in text
