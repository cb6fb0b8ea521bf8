# amaranth: UnusedElaboratable=no
"""GHASH core against an independent bit-serial GHASH (SP 800-38D §6.3 Algorithm 1, §6.4).

The expected hashes and the H powers fed to the core come from the textbook algorithm written
below, not from ``hdl/gf128.py``.
"""

import random

import pytest
from amaranth.back import verilog
from amaranth.sim import Simulator
from references import alg1_mul

from hdl.ghash import GHASH
from hdl.packing import pack_bytes, unpack_bytes

_alg1_mul = alg1_mul  # SP 800-38D Algorithm 1, bit-serial (tests/references.py)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(p ^ q for p, q in zip(a, b, strict=True))


def _ghash(h: bytes, blocks: list[bytes]) -> bytes:
    """SP 800-38D §6.4: Y_i = (Y_{i-1} xor X_i) • H."""
    y = bytes(16)
    for x in blocks:
        y = _alg1_mul(_xor(y, x), h)
    return y


def _powers(h: bytes, n: int) -> list[bytes]:
    out = [h]
    while len(out) < n:
        out.append(_alg1_mul(out[-1], h))
    return out


def _run(dut, packets, rng, idle_p, ready_p, max_cycles=20000):
    """Drive ``packets`` (list of (h, blocks)) into ``dut``; return (hashes, accept cycles)."""
    lanes = dut.lanes
    got, accepted = [], []
    cycle = [0]

    async def producer(ctx):
        for h, blocks in packets:
            hp = [pack_bytes(p) for p in _powers(h, lanes)]
            for k, blk in enumerate(blocks):
                while rng.random() < idle_p:
                    ctx.set(dut.i.valid, 0)
                    await ctx.tick()
                ctx.set(
                    dut.i.payload,
                    {
                        "block": pack_bytes(blk),
                        "h_powers": hp,
                        "first": int(k == 0),
                        "remaining": len(blocks) - 1 - k,
                    },
                )
                ctx.set(dut.i.valid, 1)
                while True:
                    _, _, ready = await ctx.tick().sample(dut.i.ready)
                    if ready:
                        break
        ctx.set(dut.i.valid, 0)

    async def consumer(ctx):
        while len(got) < len(packets) and cycle[0] < max_cycles:
            ctx.set(dut.o.ready, rng.random() < ready_p)
            _, _, valid, ready, hsh, ivalid, iready = await ctx.tick().sample(
                dut.o.valid, dut.o.ready, dut.o.payload.hash, dut.i.valid, dut.i.ready
            )
            if ivalid and iready:
                accepted.append(cycle[0])
            if valid and ready:
                got.append(unpack_bytes(hsh, 16))
            cycle[0] += 1

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(producer)
    sim.add_testbench(consumer)
    sim.run()
    return got, accepted, cycle[0]


def _random_packets(rng, count, max_blocks=40):
    packets = []
    for _ in range(count):
        h = rng.randbytes(16)
        n = rng.randint(1, max_blocks)
        packets.append((h, [rng.randbytes(16) for _ in range(n)]))
    return packets


@pytest.mark.parametrize("karatsuba", [0, 1, 2])
@pytest.mark.parametrize("lanes", [1, 2, 4])
def test_random_packets_with_idles_and_backpressure(lanes, karatsuba):
    rng = random.Random(100 + lanes)
    # Short packets (fewer blocks than lanes) exercise the lanes a packet leaves unused.
    packets = _random_packets(rng, 10) + _random_packets(rng, 6, max_blocks=3)
    rng.shuffle(packets)
    dut = GHASH(lanes=lanes, karatsuba=karatsuba)
    got, _, _ = _run(dut, packets, rng, idle_p=0.25, ready_p=0.6)
    assert got == [_ghash(h, blocks) for h, blocks in packets]


@pytest.mark.parametrize("lanes", [1, 4])
def test_one_block_per_cycle_back_to_back(lanes):
    """Always-valid input, always-ready output: a block every cycle, no bubble between packets."""
    rng = random.Random(7)
    packets = _random_packets(rng, 8, max_blocks=12) + [(rng.randbytes(16), [bytes(16)])] * 3
    dut = GHASH(lanes=lanes)
    got, accepted, _ = _run(dut, packets, rng, idle_p=0.0, ready_p=1.1)
    total = sum(len(b) for _, b in packets)
    assert got == [_ghash(h, blocks) for h, blocks in packets]
    assert accepted == list(range(accepted[0], accepted[0] + total))


def test_latency_attribute():
    """The last hash is valid LATENCY cycles after the packet's last block is accepted."""
    rng = random.Random(3)
    packets = _random_packets(rng, 1, max_blocks=9)
    for lanes, karatsuba in ((1, 1), (2, 1), (4, 1), (4, 0), (4, 2), (1, 2)):
        dut = GHASH(lanes=lanes, karatsuba=karatsuba)
        assert dut.LATENCY == lanes + 2
        got, accepted, cycles = _run(dut, packets, rng, idle_p=0.0, ready_p=1.1)
        assert got == [_ghash(*packets[0])]
        # The consumer stops in the cycle the hash is taken (cycle index cycles - 1).
        assert cycles - 1 - accepted[-1] == dut.LATENCY


def test_parameter_validation():
    with pytest.raises(TypeError):
        GHASH(lanes="4")
    with pytest.raises(ValueError):
        GHASH(lanes=3)
    with pytest.raises(TypeError):
        GHASH(4)
    with pytest.raises(TypeError, match="karatsuba"):
        GHASH(lanes=4, karatsuba=True)
    with pytest.raises(ValueError, match="karatsuba"):
        GHASH(lanes=4, karatsuba=3)


def test_verilog_conversion():
    text = verilog.convert(GHASH(lanes=4), name="ghash")
    assert "module ghash" in text
