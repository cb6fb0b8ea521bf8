# amaranth: UnusedElaboratable=no
"""Segmenter + datagram assembler + header protection, with the testbench playing AES-GCM.

The engine's own logic (GSO slicing, PN decode, nonce, key phase, header capture, sample,
mask application, store-and-forward) checked against the golden model's packet protection,
fast, without simulating the AES-GCM core (which has its own tests). The testbench computes
each packet's ciphertext and tag with ``cryptography`` from exactly the key, nonce, AAD and
plaintext the segmenter hands it, so a wrong nonce or AAD shows up as a mismatch.
"""

import random

import pytest
from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.sim import Simulator
from cryptography.hazmat.primitives.ciphers.aead import AESGCM as CryptoAESGCM

from hdl.byte_stream_buffer import ByteStreamBuffer
from hdl.datagram_assembler import DatagramAssembler
from hdl.gso_segmenter import GSOSegmenter, Status
from hdl.hp_mask import HeaderProtectionMask
from hdl.key_table import KeyTable
from hdl.packing import pack_bytes, unpack_bytes
from hdl.quic_tx_engine import QuicTxEngine, connect_fields
from model.packet_protection import protect_short_header_packet
from sim.engine_io import EngineParams, KeyWrite, SendJob

PARAMS = EngineParams(entries=8, ghash_lanes=1, stages_per_round=1, n_buffers=2, max_datagram=2048)


class Datapath(wiring.Component):
    """The engine minus AES-GCM: the GCM ports are the testbench's."""

    def __init__(self):
        self.kt = KeyTable(entries=PARAMS.entries, ghash_lanes=PARAMS.ghash_lanes)
        self.seg = GSOSegmenter(entries=PARAMS.entries, ghash_lanes=PARAMS.ghash_lanes)
        self.asm = DatagramAssembler(n_buffers=PARAMS.n_buffers)
        self.hp = HeaderProtectionMask(stages_per_round=1, user_width=self.asm.buf_bits)
        self.inbuf = ByteStreamBuffer()
        super().__init__({})

    def elaborate(self, platform):
        m = Module()
        m.submodules.kt = kt = self.kt
        m.submodules.seg = seg = self.seg
        m.submodules.asm = asm = self.asm
        m.submodules.hp = hp = self.hp
        m.submodules.inbuf = inbuf = self.inbuf
        m.d.comb += [
            kt.read_addr.eq(seg.kt_addr),
            kt.read_en.eq(seg.kt_en),
            seg.kt_data.eq(kt.read_data),
            seg.window.eq(inbuf.window),
            seg.level.eq(inbuf.level),
            inbuf.pop.eq(seg.pop),
        ]
        wiring.connect(m, seg.seg, asm.seg)
        wiring.connect(m, seg.raw, asm.raw)
        connect_fields(m, asm.hp_req, hp.i)
        connect_fields(m, hp.o, asm.hp_resp)
        return m


async def put(ctx, stream, value):
    ctx.set(stream.payload.as_value(), value)
    ctx.set(stream.valid, 1)
    while True:  # plain ticks: background testbenches may be stopped mid-wait
        ready = ctx.get(stream.ready)
        await ctx.tick()
        if ready:
            break
    ctx.set(stream.valid, 0)


async def get(ctx, stream):
    ctx.set(stream.ready, 1)
    while True:
        valid, payload = ctx.get(stream.valid), ctx.get(stream.payload)
        await ctx.tick()
        if valid:
            break
    ctx.set(stream.ready, 0)
    return payload


def run_datapath(key_writes, sends, *, seed=0, backpressure=0.0):
    dut = Datapath()
    rng = random.Random(seed)
    seg, asm, kt, inbuf = dut.seg, dut.asm, dut.kt, dut.inbuf
    completions, datagrams = [], []
    total_out = {"n": 0}
    done = {"sends": False}

    async def control(ctx):
        for kw in key_writes:
            await put(ctx, kt.write, kw.bits(PARAMS))
        for job in sends:
            await put(ctx, seg.desc, job.bits(PARAMS))
        done["sends"] = True

    async def data(ctx):
        for job in sends:
            for word, n, _last in job.beats():
                ctx.set(inbuf.i.payload.data, word)
                ctx.set(inbuf.i.payload.n_bytes, n)
                await put(ctx, inbuf.i, ctx.get(inbuf.i.payload.as_value()))

    async def gcm(ctx):
        """AES-GCM as the contract says, computed by `cryptography`."""
        while True:
            cmd = await get(ctx, seg.gcm_cmd)
            aad_len, pt_len = int(cmd.aad_len), int(cmd.pt_len)
            key = unpack_bytes(int(cmd.key), 32 if cmd.aes256 else 16)
            nonce = unpack_bytes(int(cmd.iv), 12)
            beats = []
            n_beats = -(-aad_len // 16) + -(-pt_len // 16)
            while len(beats) < n_beats:
                beat = await get(ctx, seg.gcm_data)
                beats.append(unpack_bytes(int(beat.data), 16))
                assert bool(beat.last) == (len(beats) == n_beats)
            a_beats = -(-aad_len // 16)
            aad = b"".join(beats[:a_beats])[:aad_len]
            pt = b"".join(beats[a_beats:])[:pt_len]
            sealed = CryptoAESGCM(key).encrypt(nonce, pt, aad)
            ct, tag = sealed[:-16], sealed[-16:]
            chunks = [ct[i : i + 16] for i in range(0, len(ct), 16)]
            for c in chunks:
                v = asm.ct.payload.shape().const({"data": pack_bytes(c), "tag": 0, "last": 0})
                await put(ctx, asm.ct, v.as_bits())
            v = asm.ct.payload.shape().const({"data": pack_bytes(tag), "tag": 1, "last": 1})
            await put(ctx, asm.ct, v.as_bits())

    async def collect(ctx):
        current = bytearray()
        while True:
            ready = rng.random() >= backpressure
            ctx.set(asm.o.ready, int(ready))
            ctx.set(seg.cpl.ready, 1)
            o_valid, o_pl = ctx.get(asm.o.valid), ctx.get(asm.o.payload)
            c_valid, c_pl = ctx.get(seg.cpl.valid), ctx.get(seg.cpl.payload)
            await ctx.tick()
            if c_valid:
                completions.append((Status(int(c_pl.status)), int(c_pl.datagrams)))
            if o_valid and ready:
                current += unpack_bytes(int(o_pl.data), 16)[: int(o_pl.n_bytes)]
                if o_pl.last:
                    datagrams.append((bytes(current), bool(o_pl.bypass)))
                    current = bytearray()
                    total_out["n"] += 1

    async def watchdog(ctx):
        for _ in range(3000):
            await ctx.tick()
            if (
                done["sends"]
                and len(completions) == len(sends)
                and total_out["n"] == sum(n for _, n in completions)
            ):
                for _ in range(30):
                    await ctx.tick()
                return
        raise AssertionError(f"hang: {completions=} {len(datagrams)=}")

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(control)
    sim.add_testbench(data)
    sim.add_testbench(gcm, background=True)
    sim.add_testbench(collect, background=True)
    sim.add_testbench(watchdog)
    sim.run()
    return completions, datagrams


def _flow(rng, index, aes256, key_phase=0):
    key = rng.randbytes(32 if aes256 else 16)
    iv, hp = rng.randbytes(12), rng.randbytes(32 if aes256 else 16)
    cipher = "aes-256-gcm" if aes256 else "aes-128-gcm"
    return cipher, KeyWrite.add(index, cipher, key_phase, key, iv, hp)


def _packet(rng, dcid, pn_len, size, key_phase=0):
    first = 0x40 | (key_phase << 2) | (pn_len - 1) | (rng.randrange(4) << 3)
    body = rng.randbytes(size - 1 - len(dcid))
    return bytes([first]) + dcid + body


def test_selftest_vector_through_datapath():
    """Spec section 7 kernel selftest (AES-128-GCM), one packet, gso 1200."""
    kw = KeyWrite.add(
        3,
        "aes-128-gcm",
        0,
        bytes.fromhex("8771ea1dfbbe7a45bbe27ebc0b539499"),
        bytes.fromhex("3aa74672e9836b55da667bda"),
        bytes.fromhex("c98efdf20b648c57b50ab2d221d366a5"),
    )
    plain = bytes.fromhex(
        "40086bbf8882b91249ca0280de403940f600010b000f6563686f2030313233343536373839"
    )
    job = SendJob(3, 0x0D65C9, 8, 1200, False, plain)
    completions, datagrams = run_datapath([kw], [job])
    assert completions == [(Status.OK, 1)]
    assert datagrams == [
        (
            bytes.fromhex(
                "46086bbf8882b912491c44b841bbcf6e0a2a24fbb47962ea59381a0e501e59ed3f8e7e5a70e42a"
                "bc2afa2b54eb89c32cb68c1eab2d"
            ),
            False,
        )
    ]


def test_random_gso_batches_match_model():
    rng = random.Random(7)
    flows = {}
    writes = []
    for index in range(4):
        cipher, kw = _flow(rng, index, aes256=index % 2 == 1, key_phase=index // 2 % 2)
        flows[index] = (cipher, kw)
        writes.append(kw)
    sends, expected = [], []
    for _ in range(10):
        index = rng.randrange(4)
        cipher, kw = flows[index]
        dcid = rng.randbytes(rng.randint(0, 20))
        gso = rng.choice([0, rng.randint(len(dcid) + 5 + 16, 200)])
        pkt_plain = (gso - 16) if gso else None
        nseg = rng.randint(1, 3) if gso else 1
        data = b""
        for k in range(nseg):
            size = pkt_plain if (gso and k < nseg - 1) else rng.randint(len(dcid) + 5, 120)
            if gso:
                size = min(size, pkt_plain)
            data += _packet(rng, dcid, rng.randint(1, 4), size, kw.key_phase)
        anchor = rng.randrange(1 << 40)
        job = SendJob(index, anchor, len(dcid), gso, False, data)
        sends.append(job)
        p = (gso - 16) if gso else len(data)
        segs = [data[i : i + p] for i in range(0, len(data), p)]
        expected.append(
            [
                protect_short_header_packet(cipher, kw.key, kw.iv, kw.hp_key, s, len(dcid), anchor)
                for s in segs
            ]
        )
    completions, datagrams = run_datapath(writes, sends, seed=3, backpressure=0.3)
    assert [c for c in completions] == [(Status.OK, len(e)) for e in expected]
    assert [d for d, _ in datagrams] == [d for e in expected for d in e]


def test_key_phase_mismatch_and_bypass_and_no_key():
    rng = random.Random(11)
    _, kw = _flow(rng, 1, aes256=False, key_phase=0)
    bad_phase = SendJob(1, 5, 4, 0, False, _packet(rng, b"abcd", 2, 60, key_phase=1))
    no_key = SendJob(2, 5, 4, 0, False, _packet(rng, b"abcd", 2, 60))
    bypass_data = rng.randbytes(70)
    bypass = SendJob(0, 0, 0, 32, True, bypass_data)
    completions, datagrams = run_datapath([kw], [bad_phase, no_key, bypass])
    assert completions == [(Status.KEY_PHASE, 0), (Status.NO_KEY, 0), (Status.OK, 3)]
    assert datagrams == [
        (bypass_data[:32], True),
        (bypass_data[32:64], True),
        (bypass_data[64:], True),
    ]


def test_engine_parameter_validation():
    """Bad parameters fail at construction, before any part is built, naming the parameter."""
    for kwargs, exc, name in (
        ({"entries": 0}, ValueError, "entries"),
        ({"entries": "8"}, TypeError, "entries"),
        ({"ghash_lanes": 3}, ValueError, "ghash_lanes"),
        ({"ghash_karatsuba": 3}, ValueError, "ghash_karatsuba"),
        ({"ghash_karatsuba": True}, TypeError, "ghash_karatsuba"),
        ({"ghash_lanes": "4"}, TypeError, "ghash_lanes"),
        ({"stages_per_round": 3}, ValueError, "stages_per_round"),
        ({"n_buffers": 3}, ValueError, "n_buffers"),
        ({"max_datagram": 1000}, ValueError, "max_datagram"),
    ):
        with pytest.raises(exc, match=name):
            QuicTxEngine(**kwargs)
