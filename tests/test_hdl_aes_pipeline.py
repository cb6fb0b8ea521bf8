# amaranth: UnusedElaboratable=no
"""AESPipeline in the Amaranth simulator against FIPS-197 known answers and `cryptography`.

Expected values come from outside the code under test: FIPS-197 (Appendix C, §4.2, §5.1.1,
§5.2, written out here from the document) and `cryptography`'s AES-ECB for random data.
(The first line stops Amaranth warning about the components the validation test makes fail.)
"""

import random
import re

import pytest
from amaranth.back import verilog
from amaranth.hdl import Module, Signal
from amaranth.sim import Simulator
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from stream_tb import run_stream

from hdl.aes_pipeline import AESPipeline
from hdl.aes_sbox import (
    RCON,
    SBOX,
    gf_mul,
    hdl_sbox_composite_in,
    hdl_sbox_composite_out,
    sbox_composite,
    xtime,
)
from hdl.packing import pack_bytes, unpack_bytes

# FIPS-197 Appendix C: plaintext shared by C.1 (AES-128) and C.3 (AES-256).
FIPS_PLAINTEXT = bytes.fromhex("00112233445566778899aabbccddeeff")
FIPS_C1_KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
FIPS_C1_OUTPUT = bytes.fromhex("69c4e0d86a7b0430d8cdb78070b4c55a")
FIPS_C3_KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
FIPS_C3_OUTPUT = bytes.fromhex("8ea2b7ca516745bfeafc49904b496089")


def aes_ecb(key: bytes, block: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def pipeline_input(key: bytes, block: bytes, aes256: bool, user: int = 0) -> dict:
    return {
        "block": pack_bytes(block),
        "key": pack_bytes(key.ljust(32, b"\0")),
        "aes256": int(aes256),
        "user": user,
    }


# FIPS-197 constants, written from the document.


def test_sbox_matches_fips197_examples():
    # §5.1.1 worked example: SubBytes maps {53} to {ed}; Figure 7 corners and a few entries.
    assert SBOX[0x53] == 0xED
    assert SBOX[0x00] == 0x63
    assert SBOX[0x01] == 0x7C
    assert SBOX[0x10] == 0xCA
    assert SBOX[0x7F] == 0xD2
    assert SBOX[0x80] == 0xCD
    assert SBOX[0xFF] == 0x16
    assert sorted(SBOX) == list(range(256))


def test_composite_sbox_hardware_matches_table():
    """The tower-field S-box halves, chained combinationally, give SBOX for all 256 inputs."""
    x, y = Signal(8), Signal(8)
    m = Module()
    m.d.comb += y.eq(hdl_sbox_composite_out(hdl_sbox_composite_in(x)))
    got = []

    async def tb(ctx):
        for v in range(256):
            ctx.set(x, v)
            got.append(ctx.get(y))

    sim = Simulator(m)
    sim.add_testbench(tb)
    sim.run()
    assert got == list(SBOX)
    assert [sbox_composite(v) for v in range(256)] == list(SBOX)


def test_sbox_halves():
    """The logic S-box halves are the table's two halves; only logic ROMs are split."""
    from amaranth.hdl import Fragment

    from hdl.aes_sbox import sbox_memory

    halves = [sbox_memory(block_ram=False, half=h) for h in (0, 1)]
    for rom in halves:
        Fragment.get(rom, None)  # elaborated: not "created but never used"
    assert [rom.init[j] for rom in halves for j in range(128)] == list(SBOX)
    with pytest.raises(ValueError, match="half"):
        sbox_memory(block_ram=True, half=0)
    with pytest.raises(ValueError, match="half"):
        sbox_memory(block_ram=False, half=2)


def test_field_and_rcon_match_fips197():
    assert gf_mul(0x57, 0x83) == 0xC1  # §4.2
    assert gf_mul(0x57, 0x13) == 0xFE  # §4.2.1
    assert [xtime(v) for v in (0x57, 0xAE, 0x47, 0x8E)] == [0xAE, 0x47, 0x8E, 0x07]  # §4.2.1
    # Rcon[1..10] first bytes (§5.2, Appendix A.1 key expansion).
    assert list(RCON[1:11]) == [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1B, 0x36]


# Known answers through the hardware.

# (stages_per_round, sbox): the default of each stage count, and LUT S-boxes with two stages.
CONFIGS = [(1, None), (2, None), (2, "logic"), (3, None)]
CONFIG_IDS = ["spr1", "spr2-block", "spr2-logic", "spr3-block"]
configs = pytest.mark.parametrize(("stages_per_round", "sbox"), CONFIGS, ids=CONFIG_IDS)


@pytest.mark.parametrize(
    ("stages_per_round", "sbox"),
    [*CONFIGS, (3, "composite"), (3, "logic")],
    ids=[*CONFIG_IDS, "spr3-composite", "spr3-logic"],
)
def test_fips197_appendix_c(stages_per_round, sbox):
    dut = AESPipeline(stages_per_round=stages_per_round, sbox=sbox)
    inputs = [
        pipeline_input(FIPS_C1_KEY, FIPS_PLAINTEXT, aes256=False),
        pipeline_input(FIPS_C3_KEY, FIPS_PLAINTEXT, aes256=True),
        # AES-128 must ignore key bytes 16..31.
        pipeline_input(FIPS_C1_KEY + bytes(range(0xF0, 0x100)), FIPS_PLAINTEXT, aes256=False),
    ]
    _, outputs = run_stream(dut, inputs, rng=random.Random(1))
    got = [unpack_bytes(p.block, 16) for p, _ in outputs]
    assert got == [FIPS_C1_OUTPUT, FIPS_C3_OUTPUT, FIPS_C1_OUTPUT]


def random_inputs(rng, count, user_width):
    """Alternating AES-128/AES-256, a fresh random key and block every item."""
    items = []
    for n in range(count):
        aes256 = n % 2 == 1
        key = rng.randbytes(32)  # AES-128 gets 16 random bytes it must ignore
        block = rng.randbytes(16)
        expected = aes_ecb(key if aes256 else key[:16], block)
        items.append((pipeline_input(key, block, aes256, n % (1 << user_width)), expected))
    return items


@configs
def test_back_to_back_latency(stages_per_round, sbox):
    """Unstalled: one block per cycle, key and size changing every cycle, exact latency."""
    rng = random.Random(100 + stages_per_round + 10 * (sbox == "logic"))
    dut = AESPipeline(stages_per_round=stages_per_round, user_width=8, sbox=sbox)
    assert dut.LATENCY == 2 + 14 * stages_per_round
    items = random_inputs(rng, 48, user_width=8)
    accepted, outputs = run_stream(dut, [i for i, _ in items], rng=rng)
    assert accepted == list(range(len(items))), "input not accepted every cycle"
    assert [c for _, c in outputs] == [c + dut.LATENCY for c in accepted]
    assert [unpack_bytes(p.block, 16) for p, _ in outputs] == [e for _, e in items]
    assert [p.user for p, _ in outputs] == [i["user"] for i, _ in items]


@configs
def test_random_idle_and_backpressure(stages_per_round, sbox):
    """Idle input cycles and o.ready toggling: order, sideband, no loss or duplication."""
    rng = random.Random(200 + stages_per_round + 10 * (sbox == "logic"))
    dut = AESPipeline(stages_per_round=stages_per_round, user_width=7, sbox=sbox)
    items = random_inputs(rng, 80, user_width=7)
    accepted, outputs = run_stream(dut, [i for i, _ in items], rng=rng, idle=0.3, ready=0.6)
    assert len(outputs) == len(items)
    assert [unpack_bytes(p.block, 16) for p, _ in outputs] == [e for _, e in items]
    assert [p.user for p, _ in outputs] == [i["user"] for i, _ in items]
    for (_, c_out), c_in in zip(outputs, accepted, strict=True):
        assert c_out - c_in >= dut.LATENCY


# Elaboration.


@configs
def test_converts_to_verilog(stages_per_round, sbox):
    dut = AESPipeline(stages_per_round=stages_per_round, user_width=3, sbox=sbox)
    default = "logic" if stages_per_round == 1 else "block"
    assert dut.sbox == (sbox or default)
    text = verilog.convert(dut, name="aes_pipeline")
    assert "module aes_pipeline" in text
    assert ('rom_style = "block"' in text) == (dut.sbox == "block")
    assert ('rom_style = "logic"' in text) == (dut.sbox == "logic")
    assert ("rom_style" in text) == (dut.sbox != "composite")
    # Logic S-boxes: every state byte and key-step address byte that feeds a lookup (14 rounds
    # x 16, 14 steps x 4) has a second register for the upper halves, with an init value that
    # keeps yosys from merging it into the first.
    copies = re.findall(r"reg \[7:0\] \w+_(?:s|ka)h\d+ = 8'h7f;", text)
    assert len(copies) == (14 * 16 + 14 * 4 if dut.sbox == "logic" else 0)


def test_defaults_unchanged():
    """Without ``sbox``: block RAM with two stages; latencies as documented (the key path
    runs one stage ahead of the data: input register, key step 1, then 14 rounds)."""
    assert AESPipeline().sbox == "block"
    assert AESPipeline().LATENCY == 30
    assert AESPipeline(stages_per_round=1).sbox == "logic"
    assert AESPipeline(stages_per_round=1).LATENCY == 16
    assert AESPipeline(stages_per_round=2, sbox="logic").LATENCY == 30
    assert AESPipeline(stages_per_round=3).sbox == "block"
    assert AESPipeline(stages_per_round=3).LATENCY == 44


def test_parameter_validation():
    with pytest.raises(ValueError, match="stages_per_round"):
        AESPipeline(stages_per_round=4)
    with pytest.raises(ValueError, match="stages_per_round"):
        AESPipeline(stages_per_round=0)
    with pytest.raises(TypeError, match="stages_per_round"):
        AESPipeline(stages_per_round="2")
    with pytest.raises(TypeError, match="stages_per_round"):
        AESPipeline(stages_per_round=True)
    with pytest.raises(ValueError, match="user_width"):
        AESPipeline(user_width=-1)
    with pytest.raises(TypeError, match="user_width"):
        AESPipeline(user_width=1.0)
    with pytest.raises(ValueError, match="sbox"):
        AESPipeline(sbox="lut")
    with pytest.raises(ValueError, match="sbox"):
        AESPipeline(sbox="Logic")
    with pytest.raises(ValueError, match="sbox"):
        AESPipeline(stages_per_round=1, sbox="block")  # block RAM reads are registered
    with pytest.raises(TypeError, match="sbox"):
        AESPipeline(sbox=True)
    with pytest.raises(TypeError):
        AESPipeline(2)  # keyword-only


@pytest.mark.parametrize("stages_per_round", [1, 2])
def test_composite_sboxes_need_three_stages(stages_per_round):
    with pytest.raises(ValueError, match="composite"):
        AESPipeline(stages_per_round=stages_per_round, sbox="composite")


# flow="credit": no pipeline enable, output FIFO, i.ready from registers only.


@pytest.mark.parametrize(
    ("stages_per_round", "sbox"),
    [(1, "logic"), (2, "block")],
    ids=["spr1-logic", "spr2-block"],
)
def test_credit_fips197_appendix_c(stages_per_round, sbox):
    dut = AESPipeline(stages_per_round=stages_per_round, sbox=sbox, flow="credit")
    inputs = [
        pipeline_input(FIPS_C1_KEY, FIPS_PLAINTEXT, aes256=False),
        pipeline_input(FIPS_C3_KEY, FIPS_PLAINTEXT, aes256=True),
        pipeline_input(FIPS_C1_KEY + bytes(range(0xF0, 0x100)), FIPS_PLAINTEXT, aes256=False),
    ]
    _, outputs = run_stream(dut, inputs, rng=random.Random(3), ready_from_registers=True)
    got = [unpack_bytes(p.block, 16) for p, _ in outputs]
    assert got == [FIPS_C1_OUTPUT, FIPS_C3_OUTPUT, FIPS_C1_OUTPUT]


@pytest.mark.parametrize(
    ("stages_per_round", "sbox"),
    [(1, "logic"), (2, "block")],  # spr2: FIFO_DEPTH == OUTPUT_LATENCY + 2, no credit to spare
    ids=["spr1-logic", "spr2-block"],
)
def test_credit_full_rate_latency(stages_per_round, sbox):
    """o.ready high: one block per cycle with no bubble, OUTPUT_LATENCY = LATENCY + 2."""
    rng = random.Random(300)
    dut = AESPipeline(stages_per_round=stages_per_round, sbox=sbox, user_width=8, flow="credit")
    assert dut.OUTPUT_LATENCY == dut.LATENCY + 2
    assert dut.FIFO_DEPTH >= dut.OUTPUT_LATENCY + 2
    items = random_inputs(rng, 2 * dut.FIFO_DEPTH, user_width=8)
    accepted, outputs = run_stream(dut, [i for i, _ in items], rng=rng, ready_from_registers=True)
    assert accepted == list(range(len(items))), "input not accepted every cycle"
    assert [c for _, c in outputs] == [c + dut.OUTPUT_LATENCY for c in accepted]
    assert [unpack_bytes(p.block, 16) for p, _ in outputs] == [e for _, e in items]
    assert [p.user for p, _ in outputs] == [i["user"] for i, _ in items]


def test_credit_random_idle_and_backpressure():
    """Idle input, o.ready toggling, and a long o.ready-low stretch (worst case for the FIFO):
    order, sideband, nothing lost or duplicated, i.ready never follows o.ready."""
    rng = random.Random(301)
    dut = AESPipeline(stages_per_round=1, user_width=7, flow="credit")
    items = random_inputs(rng, 140, user_width=7)

    def ready(cycle):  # random, then 120 cycles of full backpressure, then random again
        return 0.0 if 40 <= cycle < 160 else 0.5

    accepted, outputs = run_stream(
        dut, [i for i, _ in items], rng=rng, idle=0.2, ready=ready, ready_from_registers=True
    )
    assert len(outputs) == len(items)
    assert [unpack_bytes(p.block, 16) for p, _ in outputs] == [e for _, e in items]
    assert [p.user for p, _ in outputs] == [i["user"] for i, _ in items]
    for (_, c_out), c_in in zip(outputs, accepted, strict=True):
        assert c_out - c_in >= dut.OUTPUT_LATENCY
    # During the stall the core takes exactly as many blocks as its FIFO holds, then stops:
    # all of them came out above, so the FIFO neither overflowed nor dropped any.
    out_before = sum(1 for _, c in outputs if c < 40)
    in_stall = sum(1 for c in accepted if c < 160)
    assert in_stall - out_before == dut.FIFO_DEPTH


def test_stall_flow_ready_follows_o_ready():
    """The check above does detect a combinational o.ready -> i.ready path (default flow)."""
    dut = AESPipeline(stages_per_round=1)
    inputs = [pipeline_input(FIPS_C1_KEY, FIPS_PLAINTEXT, aes256=False)] * 20
    with pytest.raises(AssertionError, match="i.ready follows o.ready"):
        run_stream(dut, inputs, rng=random.Random(4), ready_from_registers=True)


def test_credit_converts_to_verilog():
    dut = AESPipeline(stages_per_round=2, user_width=3, flow="credit")
    text = verilog.convert(dut, name="aes_pipeline")
    assert "module aes_pipeline" in text
    assert 'rom_style = "block"' in text


def test_flow_validation():
    assert AESPipeline().flow == "stall"
    assert AESPipeline().FIFO_DEPTH == 0
    assert AESPipeline().OUTPUT_LATENCY == AESPipeline().LATENCY
    for spr in (1, 2, 3):
        dut = AESPipeline(stages_per_round=spr, flow="credit")
        assert dut.LATENCY == 2 + 14 * spr
        assert dut.OUTPUT_LATENCY == dut.LATENCY + 2
        assert dut.FIFO_DEPTH >= dut.OUTPUT_LATENCY + 2  # full rate needs this many credits
    with pytest.raises(ValueError, match="flow"):
        AESPipeline(flow="credits")
    with pytest.raises(TypeError, match="flow"):
        AESPipeline(flow=None)
