# amaranth: UnusedElaboratable=no
"""AESGCM core against the GCM spec's test cases and ``cryptography``'s AESGCM.

Truth: McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Test Cases 2, 3, 4
(AES-128) and 14, 15, 16 (AES-256), 96-bit IVs, written out below; random packets against
``cryptography`` (ciphertext = AESGCM.encrypt minus its last 16 bytes, tag = those bytes).
H^1..H^lanes for the command come from ``gf128.h_powers`` on H = AES-ECB(K, 0^128) computed
with ``cryptography`` (inputs only: every expected value is from the spec or ``cryptography``).
"""

import random

import pytest
from amaranth.back import verilog
from amaranth.sim import Simulator
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM as RefAESGCM

from hdl.aes_gcm import AESGCM
from hdl.gf128 import h_powers
from hdl.packing import pack_bytes, unpack_bytes

_K3 = "feffe9928665731c6d6a8f9467308308"
_IV3 = "cafebabefacedbaddecaf888"
_P3 = (
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
)
_P4 = _P3[:120]
_A4 = "feedfacedeadbeeffeedfacedeadbeefabaddad2"

#: (name, K, IV, A, P, C, T) from the GCM specification's test cases.
MCGREW_VIEGA = [
    (
        "TC2",
        "00" * 16,
        "00" * 12,
        "",
        "00" * 16,
        "0388dace60b6a392f328c2b971b2fe78",
        "ab6e47d42cec13bdf53a67b21257bddf",
    ),
    (
        "TC3",
        _K3,
        _IV3,
        "",
        _P3,
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
        "4d5c2af327cd64a62cf35abd2ba6fab4",
    ),
    (
        "TC4",
        _K3,
        _IV3,
        _A4,
        _P4,
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        "5bc94fbc3221a5db94fae95ae7121a47",
    ),
    (
        "TC14",
        "00" * 32,
        "00" * 12,
        "",
        "00" * 16,
        "cea7403d4d606b6e074ec5d3baf39d18",
        "d0d1c8a799996bf0265b98b5d48ab919",
    ),
    (
        "TC15",
        _K3 * 2,
        _IV3,
        "",
        _P3,
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
        "b094dac5d93471bdec1a502270e3cc6c",
    ),
    (
        "TC16",
        _K3 * 2,
        _IV3,
        _A4,
        _P4,
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
        "76fc6ece0f4e1768cddf8853bb2d551b",
    ),
]


def _blocks(n_bytes: int) -> int:
    return -(-n_bytes // 16)


def _beats(data: bytes, rng: random.Random) -> list[bytes]:
    """16-byte beats of ``data``, the unused bytes of the last one random junk."""
    return [
        data[k : k + 16] + rng.randbytes(16 - len(data[k : k + 16]))
        for k in range(0, len(data), 16)
    ]


def _cmd(pkt, lanes, rng):
    key, iv, aad, pt = pkt
    h = Cipher(algorithms.AES(key), modes.ECB()).encryptor().update(bytes(16))
    return {
        "key": pack_bytes(key if len(key) == 32 else key + rng.randbytes(16)),  # 16..31 ignored
        "aes256": int(len(key) == 32),
        "iv": pack_bytes(iv),
        "h_powers": [pack_bytes(p) for p in h_powers(h, lanes)],
        "aad_len": len(aad),
        "pt_len": len(pt),
    }


async def _send(ctx, port, payloads, rng, idle_p):
    for payload in payloads:
        while rng.random() < idle_p:
            ctx.set(port.valid, 0)
            await ctx.tick()
        ctx.set(port.payload, payload)
        ctx.set(port.valid, 1)
        while True:
            _, _, ready = await ctx.tick().sample(port.ready)
            if ready:
                break
    ctx.set(port.valid, 0)


def _simulate(
    dut,
    packets,
    *,
    seed,
    idle_p=0.0,
    ready_p=1.1,
    max_cycles=20000,
    hp=None,
    hp_out=None,
    hp_after_packet=False,
):
    """Run ``packets`` (key, iv, aad, pt) through ``dut``.

    Returns ``(beats, slots)``: output beats as (cycle, data, tag, last), and AES slots entering
    the pipeline as (cycle, is_first_slot_of_a_packet). ``hp``: header-protection requests
    (hp_key, sample, user) sent on ``hp_i`` next to the packets; their responses are appended
    to ``hp_out`` as (cycle, mask, user); with ``hp_after_packet`` request ``n`` is offered
    only once packet ``n`` has started, as the engine's assembler does.
    """
    rng = random.Random(seed)
    lanes = dut.ghash_lanes
    cmds = [_cmd(p, lanes, rng) for p in packets]
    beats_in = []
    for _, _, aad, pt in packets:
        group = _beats(aad, rng) + _beats(pt, rng)
        beats_in += [
            {"data": pack_bytes(b), "last": int(n == len(group) - 1)} for n, b in enumerate(group)
        ]
    n_out = sum(_blocks(len(p[3])) + 1 for p in packets)
    beats, slots = [], []
    aes_i = dut._aes.i  # the pipeline's input, to count AES slots
    j0_bit = dut._user["j0"].offset

    async def cmd_tb(ctx):
        await _send(ctx, dut.cmd, cmds, random.Random(seed + 1), idle_p)

    async def data_tb(ctx):
        await _send(ctx, dut.i, beats_in, random.Random(seed + 2), idle_p)

    hp = hp or []
    hp_reqs = [
        {
            "sample": pack_bytes(sample),
            "hp_key": pack_bytes(key.ljust(32, b"\xa5")),  # 16..31 ignored for AES-128
            "aes256": int(len(key) == 32),
            "user": user,
        }
        for key, sample, user in hp
    ]

    async def hp_tb(ctx):
        if not hp_after_packet:
            await _send(ctx, dut.hp_i, hp_reqs, random.Random(seed + 4), idle_p)
            return
        for n, req in enumerate(hp_reqs):  # request n once packet n's first slot is in
            while sum(first for _, first in slots) <= n:
                await ctx.tick()
            await _send(ctx, dut.hp_i, [req], random.Random(seed + 4), idle_p)

    async def hp_out_tb(ctx):
        cycle = 0
        ctx.set(dut.hp_o.ready, 1)
        while cycle < max_cycles:
            _, _, valid, resp = await ctx.tick().sample(dut.hp_o.valid, dut.hp_o.payload)
            if valid:
                hp_out.append((cycle, unpack_bytes(resp.mask, 5), resp.user))
            cycle += 1

    async def out_tb(ctx):
        orng = random.Random(seed + 3)
        cycle = 0
        while (len(beats) < n_out or len(hp_out or []) < len(hp)) and cycle < max_cycles:
            ctx.set(dut.o.ready, orng.random() < ready_p)
            _, _, ov, ordy, o, av, ardy, user = await ctx.tick().sample(
                dut.o.valid,
                dut.o.ready,
                dut.o.payload,
                aes_i.valid,
                aes_i.ready,
                aes_i.payload.user,
            )
            if ov and ordy:
                beats.append((cycle, unpack_bytes(o.data, 16), o.tag, o.last))
            if av and ardy:
                slots.append((cycle, (user >> j0_bit) & 1))
            cycle += 1

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(cmd_tb)
    sim.add_testbench(data_tb)
    sim.add_testbench(out_tb)
    if hp:
        sim.add_testbench(hp_tb)
        sim.add_testbench(hp_out_tb, background=True)
    sim.run()
    assert len(beats) == n_out, f"only {len(beats)} of {n_out} output beats"
    return beats, slots


def _check(packets, beats, expected=None):
    """Ciphertext beats (zero padding) then the tag beat, per packet; returns tag cycles."""
    pos, tag_cycles = 0, []
    for n, (key, iv, aad, pt) in enumerate(packets):
        sealed = RefAESGCM(key).encrypt(iv, pt, aad)
        ct, tag = sealed[:-16], sealed[-16:]
        if expected is not None:
            assert (ct, tag) == expected[n], f"packet {n}: cryptography disagrees with the spec"
        for b in range(_blocks(len(pt))):
            _, got, is_tag, last = beats[pos]
            pos += 1
            assert (is_tag, last) == (0, 0), f"packet {n} beat {b}: tag/last set"
            assert got == ct[16 * b : 16 * b + 16].ljust(16, b"\0"), f"packet {n} beat {b}"
        cycle, got, is_tag, last = beats[pos]
        pos += 1
        assert (is_tag, last) == (1, 1), f"packet {n}: no tag beat"
        assert got == tag, f"packet {n}: tag {got.hex()} want {tag.hex()}"
        tag_cycles.append(cycle)
    assert pos == len(beats)
    return tag_cycles


def _check_slots(packets, slots):
    """AES slots per packet = max(ceil(aad/16), 1) + ceil(pt/16), J0 in each first slot."""
    starts = [k for k, (_, first) in enumerate(slots) if first] + [len(slots)]
    counts = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert starts[0] == 0
    assert counts == [max(_blocks(len(a)), 1) + _blocks(len(p)) for _, _, a, p in packets]


def _random_packets(rng, count, max_aad=40, max_pt=200):
    corners = [(0, 0), (0, 1), (1, 0), (16, 16), (15, 17), (17, 0), (0, 33)]
    packets = []
    for n in range(count):
        aad_len, pt_len = (
            corners[n]
            if n < len(corners)
            else (
                rng.randint(0, max_aad),
                rng.randint(0, max_pt),
            )
        )
        key = rng.randbytes(rng.choice((16, 32)))
        packets.append((key, rng.randbytes(12), rng.randbytes(aad_len), rng.randbytes(pt_len)))
    return packets


def test_mcgrew_viega_test_cases():
    packets, expected = [], []
    for _, k, iv, a, p, c, t in MCGREW_VIEGA:
        packets.append(tuple(bytes.fromhex(x) for x in (k, iv, a, p)))
        expected.append((bytes.fromhex(c), bytes.fromhex(t)))
    dut = AESGCM()
    beats, slots = _simulate(dut, packets, seed=1)
    _check(packets, beats, expected)
    _check_slots(packets, slots)


def test_random_packets_idles_and_backpressure():
    rng = random.Random(2)
    packets = _random_packets(rng, 16)
    beats, slots = _simulate(AESGCM(), packets, seed=2, idle_p=0.3, ready_p=0.6)
    _check(packets, beats)
    _check_slots(packets, slots)


@pytest.mark.parametrize(("lanes", "karatsuba"), [(1, 1), (2, 1), (2, 2), (4, 0)])
def test_other_lanes_and_one_stage_per_round(lanes, karatsuba):
    rng = random.Random(10 + lanes)
    packets = _random_packets(rng, 9, max_pt=70)
    flow = "stall" if lanes == 2 else "credit"
    dut = AESGCM(stages_per_round=1, ghash_lanes=lanes, ghash_karatsuba=karatsuba, aes_flow=flow)
    beats, slots = _simulate(dut, packets, seed=10 + lanes, idle_p=0.2, ready_p=0.7)
    _check(packets, beats)
    _check_slots(packets, slots)


@pytest.mark.parametrize("aes_flow", ["credit", "stall"])
def test_back_to_back_at_the_ghash_floor(aes_flow):
    """Always-valid input, always-ready output, a new key every packet: consecutive tags are
    exactly A + P + 1 cycles apart (the GHASH floor), so no bubble between packets; and the
    documented latencies hold."""
    rng = random.Random(4)
    sizes = [(11, 64), (11, 256), (0, 0), (11, 1173), (0, 48), (20, 0), (25, 100), (0, 0)]
    packets = [
        (rng.randbytes(16 if n % 2 else 32), rng.randbytes(12), rng.randbytes(a), rng.randbytes(p))
        for n, (a, p) in enumerate(sizes)
    ]
    dut = AESGCM(aes_flow=aes_flow)
    beats, slots = _simulate(dut, packets, seed=4)
    tag_cycles = _check(packets, beats)
    _check_slots(packets, slots)
    for n in range(1, len(packets)):
        _, _, aad, pt = packets[n]
        floor = _blocks(len(aad)) + _blocks(len(pt)) + 1
        assert tag_cycles[n] - tag_cycles[n - 1] == floor, f"packet {n}"
    # A lone packet (11-byte AAD: slot 0 = J0 + AAD, then plaintext slots): latencies.
    beats, slots = _simulate(AESGCM(aes_flow=aes_flow), packets[:1], seed=5)
    assert beats[-1][0] - slots[-1][0] == dut.LATENCY
    assert beats[0][0] - slots[1][0] == dut.CT_LATENCY


def _hp_mask(key: bytes, sample: bytes) -> bytes:
    return Cipher(algorithms.AES(key), modes.ECB()).encryptor().update(sample)[:5]


def test_header_protection_shares_the_pipeline():
    """Masks from the shared pipeline against ``cryptography``'s AES-ECB, in request order,
    interleaved with random GCM packets under idles and backpressure; the GCM output is
    unchanged by them."""
    rng = random.Random(21)
    packets = _random_packets(rng, 12)
    hp = [(rng.randbytes(rng.choice((16, 32))), rng.randbytes(16), n % 8) for n in range(20)]
    hp_out = []
    dut = AESGCM(hp_user_width=3)
    beats, _ = _simulate(dut, packets, seed=21, idle_p=0.3, ready_p=0.6, hp=hp, hp_out=hp_out)
    _check(packets, beats)
    assert [(m, u) for _, m, u in hp_out] == [(_hp_mask(k, s), u) for k, s, u in hp]


def test_one_mask_per_packet_costs_no_cycle():
    """Back to back at full rate with one header-protection request per packet: the masks take
    the length blocks' cycles, so tags stay exactly A + P + 1 cycles apart (P + 2 AES slots a
    packet), and a mask is valid one AES latency after its slot, at most one packet late."""
    rng = random.Random(22)
    sizes = [(11, 64), (11, 256), (9, 16), (11, 1173), (25, 48), (20, 0), (25, 100), (3, 20)]
    packets = [
        (rng.randbytes(16 if n % 2 else 32), rng.randbytes(12), rng.randbytes(a), rng.randbytes(p))
        for n, (a, p) in enumerate(sizes)
    ]
    hp = [(rng.randbytes(32 if n % 2 else 16), rng.randbytes(16), n) for n in range(len(sizes))]
    hp_out = []
    dut = AESGCM(hp_user_width=4)
    beats, slots = _simulate(dut, packets, seed=22, hp=hp, hp_out=hp_out, hp_after_packet=True)
    tag_cycles = _check(packets, beats)
    for n in range(1, len(packets)):
        _, _, aad, pt = packets[n]
        floor = _blocks(len(aad)) + _blocks(len(pt)) + 1
        assert tag_cycles[n] - tag_cycles[n - 1] == floor, f"packet {n}"
    assert [(m, u) for _, m, u in hp_out] == [(_hp_mask(k, s), u) for k, s, u in hp]
    # Every request waited for a packet boundary at most: mask n is out before tag n + 1.
    assert all(hp_out[n][0] < tag_cycles[n] for n in range(len(packets)))


def test_parameter_validation():
    with pytest.raises(ValueError, match="ghash_lanes"):
        AESGCM(ghash_lanes=3)
    with pytest.raises(TypeError, match="ghash_lanes"):
        AESGCM(ghash_lanes="4")
    with pytest.raises(ValueError, match="stages_per_round"):
        AESGCM(stages_per_round=3)
    with pytest.raises(ValueError, match="ghash_karatsuba"):
        AESGCM(ghash_karatsuba=3)
    with pytest.raises(TypeError, match="ghash_karatsuba"):
        AESGCM(ghash_karatsuba=True)
    with pytest.raises(TypeError):
        AESGCM(2, 4)
    with pytest.raises(ValueError, match="hp_user_width"):
        AESGCM(hp_user_width=129)
    with pytest.raises(ValueError, match="aes_flow"):
        AESGCM(aes_flow="none")


def test_verilog_conversion():
    text = verilog.convert(AESGCM(stages_per_round=2, ghash_lanes=4), name="aes_gcm")
    assert "module aes_gcm" in text
