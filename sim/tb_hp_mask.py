"""cocotb testbench: `hdl.hp_mask.HeaderProtectionMask` (RFC 9001 §5.4.3) vs ``cryptography``.

``mask = AES-ECB(hp_key, sample)[0:5]``. The RFC 9001 Appendix A samples come first (their
masks are checked against the RFC text as well), then random samples with random AES-128 and
AES-256 keys, a new key every sample. Parameters: ``TB_SEED``, ``TB_SAMPLES``, ``TB_IDLE``,
``TB_BACKPRESSURE``, ``TB_DESIGN_KWARGS`` (see `sim.cocotb_runner`).
"""

from __future__ import annotations

import random

import cocotb
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hdl.hp_mask import HeaderProtectionMask
from hdl.packing import pack_bytes, unpack_bytes
from sim.cocotb_runner import (
    Pauses,
    Sink,
    Source,
    check_full_rate,
    design_under_test,
    env_float,
    env_int,
    env_seed,
    log_seed,
    reset_dut,
    run_streams,
    stream_struct,
)

# RFC 9001 A.2 (client Initial) and A.3 (server Initial): (hp key, sample, mask).
RFC9001_VECTORS = [
    (
        bytes.fromhex("9f50449e04a0e810283a1e9933adedd2"),
        bytes.fromhex("d1b1c98dd7689fb8ec11d242b123dc9b"),
        bytes.fromhex("437b9aec36"),
    ),
    (
        bytes.fromhex("c206b8d9b9f0f37644430b490eeaa314"),
        bytes.fromhex("2cd0991cd25b0aac406a5816b6394100"),
        bytes.fromhex("2ec0d8356a"),
    ),
]


def hp_mask(hp_key: bytes, sample: bytes) -> bytes:
    """Independent truth: RFC 9001 §5.4.3 with ``cryptography``."""
    enc = Cipher(algorithms.AES(hp_key), modes.ECB()).encryptor()
    return (enc.update(sample) + enc.finalize())[:5]


async def check_masks(dut, *, idle: float, backpressure: float, full_rate: bool) -> None:
    seed = env_seed()
    count = env_int("TB_SAMPLES", 100)
    core = design_under_test(HeaderProtectionMask)
    log_seed(dut, seed, samples=count, idle=idle, backpressure=backpressure)
    rng = random.Random(seed)
    i_fmt, o_fmt = stream_struct(core, "i"), stream_struct(core, "o")
    user_mask = (1 << core.user_width) - 1

    items = [(key, sample, False) for key, sample, _ in RFC9001_VECTORS]
    while len(items) < count:
        aes256 = rng.random() < 0.5
        items.append((rng.randbytes(32 if aes256 else 16), rng.randbytes(16), aes256))

    src = Source(dut, "i", Pauses(rng, idle, 6), junk=rng)
    snk = Sink(dut, "o", Pauses(rng, backpressure, 6))
    await reset_dut(dut, [src, snk])
    for n, (key, sample, aes256) in enumerate(items):
        padded = key if aes256 else key + rng.randbytes(16)  # AES-128 ignores bytes 16..31
        src.send(
            i_fmt.pack(
                {
                    "sample": pack_bytes(sample),
                    "hp_key": pack_bytes(padded),
                    "aes256": int(aes256),
                    "user": n & user_mask,
                }
            )
        )
    await run_streams(
        dut, [src], [snk], lambda: len(snk.items) >= len(items), 40 * len(items) + 1000
    )

    for n, ((key, sample, aes256), raw) in enumerate(zip(items, snk.items, strict=True)):
        out = o_fmt.unpack(raw)
        got = unpack_bytes(out["mask"], 5)
        want = hp_mask(key, sample)
        if n < len(RFC9001_VECTORS):
            assert want == RFC9001_VECTORS[n][2], "cryptography disagrees with RFC 9001"
        assert got == want, (
            f"sample {n}: AES-{256 if aes256 else 128} hp_key={key.hex()} "
            f"sample={sample.hex()}: mask {got.hex()} want {want.hex()} (TB_SEED={seed})"
        )
        assert out["user"] == n & user_mask, f"sample {n}: user {out['user']} (order broken)"
    assert len(snk.cycles) == len(items)
    if full_rate:
        check_full_rate(src, snk, core.LATENCY, "mask")
    dut._log.info("%d masks equal to cryptography (RFC 9001 A.2/A.3 first)", len(items))


@cocotb.test()
async def full_rate(dut):
    """RFC 9001 samples then random ones back to back: one mask per cycle, fixed latency."""
    await check_masks(dut, idle=0.0, backpressure=0.0, full_rate=True)


@cocotb.test()
async def random_traffic(dut):
    """The same with random idle cycles on the input and backpressure on the output."""
    await check_masks(
        dut,
        idle=env_float("TB_IDLE", 0.2),
        backpressure=env_float("TB_BACKPRESSURE", 0.25),
        full_rate=False,
    )
