"""cocotb testbench: `hdl.aes_gcm.AESGCM` vs NIST CAVP vectors and ``cryptography`` AESGCM.

Packets go back to back, each with its own key (AES-128 or AES-256), on two streams: ``cmd``
(one per packet: key, aes256, iv, H^1..H^lanes, aad_len, pt_len) and ``i`` (the AAD beats then
the plaintext beats, each group starting on a fresh beat; unused bytes are filled with junk,
which the core must ignore). The output must be the ciphertext beats (unused bytes zero) then
one tag beat (``tag = last = 1``). ``H = AES-ECB(key, 0^128)`` and its powers come from
``hdl.gf128.h_powers``.

Parameters (environment, see `sim.cocotb_runner`): ``TB_SEED``; ``TB_NIST_PER_COMBO`` (NIST
vectors per (key size, PT length, AAD length) group, 0 = all of them); ``TB_PACKETS``,
``TB_MAX_AAD``, ``TB_MAX_PT`` (random packets); ``TB_IDLE``, ``TB_BACKPRESSURE``;
``TB_DESIGN_KWARGS``. `sim/bench_cores.py` reuses `Packet`, `GcmStreams` and `check_outputs`.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

import cocotb
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM as RefAESGCM

from hdl.aes_gcm import AESGCM
from hdl.gf128 import h_powers
from hdl.packing import pack_bytes, unpack_bytes
from sim.cocotb_runner import (
    Pauses,
    Sink,
    Source,
    design_under_test,
    env_float,
    env_int,
    env_seed,
    log_seed,
    reset_dut,
    run_streams,
    stream_struct,
)

NIST_FILES = {128: "gcmEncryptExtIV128.rsp", 256: "gcmEncryptExtIV256.rsp"}


@dataclass
class Packet:
    key: bytes
    iv: bytes
    aad: bytes
    pt: bytes
    label: str = ""
    ct: bytes | None = None  # known answer (NIST), checked against cryptography too
    tag: bytes | None = None

    @property
    def aes256(self) -> bool:
        return len(self.key) == 32

    def expected(self) -> tuple[bytes, bytes]:
        """(ciphertext, tag) from ``cryptography`` (and the NIST answer when there is one)."""
        out = RefAESGCM(self.key).encrypt(self.iv, self.pt, self.aad)
        ct, tag = out[:-16], out[-16:]
        if self.ct is not None:
            assert (ct, tag) == (self.ct, self.tag), f"{self.label}: cryptography != NIST"
        return ct, tag


def load_nist(per_combo: int) -> list[Packet]:
    """NIST CAVP ``gcmEncryptExtIV{128,256}.rsp`` encryption vectors with a 96-bit IV and a
    128-bit tag: the first ``per_combo`` of every (key size, PT length, AAD length) group
    (all when ``per_combo`` is 0)."""
    from cryptography_vectors import open_vector_file

    packets: list[Packet] = []
    for fname in NIST_FILES.values():
        with open_vector_file(os.path.join("ciphers", "AES", "GCM", fname), "r") as f:
            records = _rsp_records(f.read())
        taken: dict[tuple[int, int], int] = {}
        for params, entry in records:
            if params.get("IVlen") != 96 or params.get("Taglen") != 128:
                continue
            combo = (params["PTlen"], params["AADlen"])
            if per_combo and taken.get(combo, 0) >= per_combo:
                continue
            taken[combo] = taken.get(combo, 0) + 1
            packets.append(
                Packet(
                    key=bytes.fromhex(entry["Key"]),
                    iv=bytes.fromhex(entry["IV"]),
                    aad=bytes.fromhex(entry["AAD"]),
                    pt=bytes.fromhex(entry["PT"]),
                    ct=bytes.fromhex(entry["CT"]),
                    tag=bytes.fromhex(entry["Tag"]),
                    label=f"{fname} PTlen={combo[0]} AADlen={combo[1]} Count={entry['Count']}",
                )
            )
        assert taken, f"no IVlen=96/Taglen=128 vectors in {fname}"
    return packets


def _rsp_records(text: str) -> list[tuple[dict[str, int], dict[str, str]]]:
    """``([Section] parameters, entry)`` pairs of a CAVP ``.rsp`` file."""
    records: list[tuple[dict[str, int], dict[str, str]]] = []
    params: dict[str, int] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]") and "=" in line:
            k, v = line[1:-1].split("=")
            params = {**params, k.strip(): int(v)}
        elif "=" in line and not line.startswith("#"):
            k, v = (x.strip() for x in line.split("=", 1))
            if k == "Count":
                records.append((params, {}))
            if records:
                records[-1][1][k] = v
    return [(p, e) for p, e in records if "Tag" in e]


def random_packets(rng: random.Random, count: int, max_aad: int, max_pt: int) -> list[Packet]:
    """Random keys/sizes/IVs; the first ones pin the framing corner cases."""
    corners = [(0, 0), (0, 1), (1, 0), (16, 16), (15, 17), (0, 16), (16, 0), (20, 33)]
    corners = [(a, p) for a, p in corners if a <= max_aad and p <= max_pt]
    packets = []
    for n in range(count):
        if n < len(corners):
            aad_len, pt_len = corners[n]
        else:
            aad_len, pt_len = rng.randint(0, max_aad), rng.randint(0, max_pt)
        key = rng.randbytes(rng.choice((16, 32)))
        packets.append(
            Packet(key, rng.randbytes(12), rng.randbytes(aad_len), rng.randbytes(pt_len), f"#{n}")
        )
    return packets


def _beats(data: bytes, rng: random.Random) -> list[bytes]:
    """16-byte beats of ``data``; the unused bytes of the last one are random junk."""
    out = []
    for off in range(0, len(data), 16):
        chunk = data[off : off + 16]
        out.append(chunk + rng.randbytes(16 - len(chunk)))
    return out


class GcmStreams:
    """Packs packets into the core's ``cmd``/``i`` payloads and reads its ``o`` payloads."""

    def __init__(self, core: AESGCM):
        self.core = core
        self.lanes = core.ghash_lanes if hasattr(core, "ghash_lanes") else 4
        self.cmd_fmt = stream_struct(core, "cmd")
        self.i_fmt = stream_struct(core, "i")
        self.o_fmt = stream_struct(core, "o")

    def cmd(self, pkt: Packet, rng: random.Random) -> int:
        h = Cipher(algorithms.AES(pkt.key), modes.ECB()).encryptor().update(bytes(16))
        key = pkt.key if pkt.aes256 else pkt.key + rng.randbytes(16)  # bytes 16..31 ignored
        return self.cmd_fmt.pack(
            {
                "key": pack_bytes(key),
                "aes256": int(pkt.aes256),
                "iv": pack_bytes(pkt.iv),
                "h_powers": [pack_bytes(p) for p in h_powers(h, self.lanes)],
                "aad_len": len(pkt.aad),
                "pt_len": len(pkt.pt),
            }
        )

    def beats(self, pkt: Packet, rng: random.Random) -> list[int]:
        beats = _beats(pkt.aad, rng) + _beats(pkt.pt, rng)
        return [
            self.i_fmt.pack({"data": pack_bytes(b), "last": int(n == len(beats) - 1)})
            for n, b in enumerate(beats)
        ]

    def send(self, pkt: Packet, rng: random.Random, cmd: Source, data: Source) -> None:
        cmd.send(self.cmd(pkt, rng))
        for beat in self.beats(pkt, rng):
            data.send(beat)


def output_beats(pkt: Packet) -> int:
    """Output beats of a packet: its ciphertext beats and the tag beat."""
    return -(-len(pkt.pt) // 16) + 1


def check_outputs(streams: GcmStreams, packets: list[Packet], items: list[int], seed: int):
    """Check framing, ciphertext (padding zero) and tag of every packet, in order."""
    pos = 0
    for n, pkt in enumerate(packets):
        ct, tag = pkt.expected()
        where = (
            f"packet {n} ({pkt.label}) AES-{256 if pkt.aes256 else 128} key={pkt.key.hex()} "
            f"iv={pkt.iv.hex()} aad={len(pkt.aad)}B pt={len(pkt.pt)}B (TB_SEED={seed})"
        )
        for b in range(-(-len(pkt.pt) // 16)):
            assert pos < len(items), f"{where}: output ended early"
            beat = streams.o_fmt.unpack(items[pos])
            pos += 1
            want = ct[16 * b : 16 * b + 16].ljust(16, b"\0")
            got = unpack_bytes(beat["data"], 16)
            assert (beat["tag"], beat["last"]) == (0, 0), f"{where}: beat {b} flags {beat}"
            assert got == want, f"{where}: ciphertext beat {b}: {got.hex()} want {want.hex()}"
        assert pos < len(items), f"{where}: no tag beat"
        beat = streams.o_fmt.unpack(items[pos])
        pos += 1
        assert (beat["tag"], beat["last"]) == (1, 1), f"{where}: tag beat flags {beat}"
        got = unpack_bytes(beat["data"], 16)
        assert got == tag, f"{where}: tag {got.hex()} want {tag.hex()}"
    assert pos == len(items), f"{len(items) - pos} extra output beats"


async def run_packets(dut, packets: list[Packet], *, idle: float, backpressure: float) -> int:
    """Send ``packets`` back to back (with pauses), check everything, return the cycles."""
    seed = env_seed()
    rng = random.Random(seed)
    streams = GcmStreams(design_under_test(AESGCM))
    log_seed(dut, seed, packets=len(packets), idle=idle, backpressure=backpressure)
    cmd = Source(dut, "cmd", Pauses(rng, idle, 4), junk=rng)
    data = Source(dut, "i", Pauses(rng, idle, 4), junk=rng)
    out = Sink(dut, "o", Pauses(rng, backpressure, 6))
    await reset_dut(dut, [cmd, data, out])
    for pkt in packets:
        streams.send(pkt, rng, cmd, data)
    total = sum(output_beats(p) for p in packets)
    beats_in = sum(-(-len(p.aad) // 16) - (-len(p.pt) // 16) for p in packets)
    limit = 200 + 20 * (total + beats_in + len(packets))
    cycles = await run_streams(dut, [cmd, data], [out], lambda: len(out.items) >= total, limit)
    check_outputs(streams, packets, out.items, seed)
    dut._log.info(
        "%d packets (%d output beats) in %d cycles: all match", len(packets), total, cycles
    )
    return cycles


@cocotb.test()
async def nist_vectors(dut):
    """NIST CAVP 96-bit-IV / 128-bit-tag encryption vectors, AES-128 and AES-256, back to back."""
    packets = load_nist(env_int("TB_NIST_PER_COMBO", 1))
    await run_packets(dut, packets, idle=0.0, backpressure=0.0)


@cocotb.test()
async def random_packets_idle_backpressure(dut):
    """Random lengths, keys and key sizes, back to back, random idles and backpressure."""
    rng = random.Random(env_seed() ^ 0x5EED)
    packets = random_packets(
        rng, env_int("TB_PACKETS", 20), env_int("TB_MAX_AAD", 40), env_int("TB_MAX_PT", 80)
    )
    await run_packets(
        dut,
        packets,
        idle=env_float("TB_IDLE", 0.15),
        backpressure=env_float("TB_BACKPRESSURE", 0.2),
    )
