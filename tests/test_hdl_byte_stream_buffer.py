# amaranth: UnusedElaboratable=no
"""ByteStreamBuffer against a Python deque: random pushes of 1..16 bytes, random pops.

(The first line stops Amaranth warning about the buffers the validation test makes fail.)
"""

import random

from amaranth.sim import Simulator

from hdl.byte_stream_buffer import ByteStreamBuffer
from hdl.packing import pack_bytes, unpack_bytes


def _run(seed: int, n_bytes: int, pop_bias: float):
    rng = random.Random(seed)
    source = bytes(rng.randrange(256) for _ in range(n_bytes))
    dut = ByteStreamBuffer()
    received = bytearray()

    async def producer(ctx):
        pos = 0
        while pos < len(source):
            n = min(rng.randint(1, 16), len(source) - pos)
            ctx.set(dut.i.payload.data, pack_bytes(source[pos : pos + n].ljust(16, b"\xee")))
            ctx.set(dut.i.payload.n_bytes, n)
            ctx.set(dut.i.valid, rng.random() < 0.8)
            while True:
                valid = ctx.get(dut.i.valid)
                ready = ctx.get(dut.i.ready)
                await ctx.tick()
                if valid and ready:
                    break
                ctx.set(dut.i.valid, rng.random() < 0.8)
            pos += n
        ctx.set(dut.i.valid, 0)

    async def consumer(ctx):
        idle = 0
        while len(received) < len(source) and idle < 2000:
            level = ctx.get(dut.level)
            window = unpack_bytes(ctx.get(dut.window), 16)
            n = rng.randint(0, min(16, level)) if rng.random() < pop_bias else 0
            ctx.set(dut.pop, n)
            received.extend(window[:n])
            await ctx.tick()
            idle = idle + 1 if n == 0 else 0
        ctx.set(dut.pop, 0)

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(producer)
    sim.add_testbench(consumer)
    sim.run()
    return source, bytes(received)


def test_random_push_pop_preserves_bytes():
    for seed, pop_bias in ((1, 0.9), (2, 0.5), (3, 1.0)):
        source, received = _run(seed, 600, pop_bias)
        assert received == source, f"seed {seed}"


def test_full_rate_when_popping_16():
    """Full 16-byte beats in and 16-byte pops out sustain one beat per cycle."""
    dut = ByteStreamBuffer()
    beats = [bytes(range(16 * k, 16 * k + 16)) for k in range(12)]
    out = bytearray()
    cycles = 0

    async def tb(ctx):
        nonlocal cycles
        k = 0
        while len(out) < 16 * len(beats):
            if k < len(beats):
                ctx.set(dut.i.payload.data, pack_bytes(beats[k]))
                ctx.set(dut.i.payload.n_bytes, 16)
                ctx.set(dut.i.valid, 1)
            else:
                ctx.set(dut.i.valid, 0)
            level = ctx.get(dut.level)
            pop = 16 if level >= 16 else 0
            ctx.set(dut.pop, pop)
            out.extend(unpack_bytes(ctx.get(dut.window), 16)[:pop])
            if k < len(beats) and ctx.get(dut.i.ready):
                k += 1
            await ctx.tick()
            cycles += 1

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(tb)
    sim.run()
    assert bytes(out) == b"".join(beats)
    assert cycles <= len(beats) + 2


def test_word_pops_pack_messages_into_words():
    """``pops="words"`` as the datagram assembler uses it: messages pushed in beats of 1..16
    bytes while full words are popped, then drained (16-byte pops, then the short rest in a
    cycle with no push). Every message must come out as its 16-byte words and a short tail."""
    rng = random.Random(9)
    messages = [rng.randbytes(rng.randint(1, 100)) for _ in range(40)]
    dut = ByteStreamBuffer(pops="words")
    words = []

    async def tb(ctx):
        for msg in messages:
            pos, draining = 0, False
            while True:
                level = ctx.get(dut.level)
                window = unpack_bytes(ctx.get(dut.window), 16)
                if level >= 16:
                    pop = 16
                elif draining and level:
                    pop = level
                else:
                    pop = 0
                push = not draining and rng.random() < 0.8
                n = min(rng.randint(1, 16), len(msg) - pos)
                ctx.set(dut.i.valid, push)
                ctx.set(dut.i.payload.data, pack_bytes(msg[pos : pos + n].ljust(16, b"\xee")))
                ctx.set(dut.i.payload.n_bytes, n)
                ctx.set(dut.pop, pop)
                if pop:
                    words.append(window[:pop])
                accepted = push and ctx.get(dut.i.ready)
                await ctx.tick()
                if draining and level == pop:
                    break  # no push this cycle and every byte popped
                if accepted:
                    pos += n
                    draining = pos == len(msg)
            ctx.set(dut.i.valid, 0)
            ctx.set(dut.pop, 0)

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(tb)
    sim.run()
    expected = [msg[k : k + 16] for msg in messages for k in range(0, len(msg), 16)]
    assert words == expected


def test_pops_parameter_is_checked():
    import pytest

    with pytest.raises(ValueError, match="pops"):
        ByteStreamBuffer(pops="bytes")
    with pytest.raises(TypeError):
        ByteStreamBuffer("words")  # keyword-only
