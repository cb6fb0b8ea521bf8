"""cocotb testbench: `hdl.aes_pipeline.AESPipeline` against ``cryptography`` AES-ECB.

Every block has a new random key and a random key size (AES-128 or AES-256), so key agility
is exercised on every cycle; ``user`` carries the block index to check order. Parameters
(environment, see `sim.cocotb_runner`):

- ``TB_SEED``: random seed (logged); ``TB_BLOCKS``: blocks per test.
- ``TB_IDLE`` / ``TB_BACKPRESSURE``: probability of starting an idle burst on the input /
  a not-ready burst on the output (``random_traffic`` only).
- ``TB_DESIGN_KWARGS``: the ``AESPipeline`` parameters of the build (JSON).
"""

from __future__ import annotations

import random

import cocotb
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hdl.aes_pipeline import AESPipeline
from hdl.packing import pack_bytes, unpack_bytes
from sim.cocotb_runner import (
    Pauses,
    Sink,
    Source,
    check_full_rate,
    design_kwargs,
    design_under_test,
    env_float,
    env_int,
    env_seed,
    log_seed,
    reset_dut,
    run_streams,
    stream_struct,
)

# FIPS-197 Appendix C.1 / C.3: the first blocks of every run.
FIPS_PT = bytes.fromhex("00112233445566778899aabbccddeeff")
FIPS_KEY256 = bytes(range(32))


def aes_ecb(key: bytes, block: bytes) -> bytes:
    """Independent truth: one AES block with ``cryptography``."""
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def make_blocks(rng: random.Random, count: int) -> list[tuple[bytes, bytes, bool]]:
    """``(block, key, aes256)`` triples: the FIPS-197 examples, then random ones."""
    items = [(FIPS_PT, FIPS_KEY256[:16], False), (FIPS_PT, FIPS_KEY256, True)]
    items += [(bytes(16), bytes(16), False), (b"\xff" * 16, b"\xff" * 32, True)]
    while len(items) < count:
        aes256 = rng.random() < 0.5
        key = rng.randbytes(32 if aes256 else 16)
        items.append((rng.randbytes(16), key, aes256))
    return items[:count]


async def check_pipeline(dut, *, idle: float, backpressure: float, full_rate: bool) -> None:
    seed = env_seed()
    count = env_int("TB_BLOCKS", 200)
    kwargs = design_kwargs()
    core = design_under_test(AESPipeline)
    log_seed(dut, seed, blocks=count, idle=idle, backpressure=backpressure, **kwargs)
    rng = random.Random(seed)
    i_fmt, o_fmt = stream_struct(core, "i"), stream_struct(core, "o")
    user_mask = (1 << core.user_width) - 1

    src = Source(dut, "i", Pauses(rng, idle, 6), junk=rng)
    snk = Sink(dut, "o", Pauses(rng, backpressure, 6))
    await reset_dut(dut, [src, snk])

    items = make_blocks(rng, count)
    for n, (block, key, aes256) in enumerate(items):
        src.send(
            i_fmt.pack(
                {
                    "block": pack_bytes(block),
                    # AES-128 ignores key bytes 16..31: fill them with junk to prove it.
                    "key": pack_bytes(key if aes256 else key + rng.randbytes(16)),
                    "aes256": int(aes256),
                    "user": n & user_mask,
                }
            )
        )
    cycles = await run_streams(
        dut, [src], [snk], lambda: len(snk.items) >= count, max_cycles=40 * count + 1000
    )

    for n, ((block, key, aes256), raw) in enumerate(zip(items, snk.items, strict=True)):
        out = o_fmt.unpack(raw)
        got = unpack_bytes(out["block"], 16)
        want = aes_ecb(key, block)
        assert got == want, (
            f"block {n}: AES-{256 if aes256 else 128} key={key.hex()} pt={block.hex()}: "
            f"got {got.hex()} want {want.hex()} (TB_SEED={seed})"
        )
        assert out["user"] == n & user_mask, f"block {n}: user {out['user']} (order broken)"

    assert len(snk.cycles) == count
    if full_rate:
        check_full_rate(src, snk, core.OUTPUT_LATENCY, "block")
    dut._log.info("%d blocks in %d cycles, all equal to cryptography AES-ECB", count, cycles)


@cocotb.test()
async def full_rate(dut):
    """Back-to-back blocks, no stalls: one block per cycle, latency exactly ``OUTPUT_LATENCY``
    (``LATENCY``, plus the output FIFO's 2 cycles with ``flow="credit"``)."""
    await check_pipeline(dut, idle=0.0, backpressure=0.0, full_rate=True)


@cocotb.test()
async def random_traffic(dut):
    """Random idle cycles on the input and random backpressure on the output."""
    await check_pipeline(
        dut,
        idle=env_float("TB_IDLE", 0.2),
        backpressure=env_float("TB_BACKPRESSURE", 0.25),
        full_rate=False,
    )
