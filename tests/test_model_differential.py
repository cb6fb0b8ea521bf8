"""Differential test: the model's sendmsg output equals an independent implementation's.

GCM and ChaCha20: aioquic's packet protection (``aioquic._crypto.AEAD`` /
``HeaderProtection`` with explicit keys, and aioquic's RFC 9000 packet-number decoding).
AES-128-CCM (aioquic has none): written here directly on ``cryptography``.
Seeded ``random.Random``: every run checks the same ~2,900 packets, all four ciphers, DCID
lengths 0..20, PN lengths 1..4, payloads from the sample's minimum to 1,500 bytes, GSO batches.
"""

import ipaddress
import random

from aioquic._crypto import AEAD, HeaderProtection
from aioquic.quic.packet import decode_packet_number as aioquic_decode
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from model import QuicTxSocket
from model.uapi import (
    SOL_UDP,
    UDP_QUIC_ADD_TX_CONNECTION,
    UDP_QUIC_DEL_TX_CONNECTION,
    UDP_SEGMENT,
    QuicConnectionInfo,
    quic_ancdata,
)

CIPHERS = {
    # name: (key size, aioquic AEAD name, aioquic HP name)
    "aes-128-gcm": (16, b"aes-128-gcm", b"aes-128-ecb"),
    "aes-256-gcm": (32, b"aes-256-gcm", b"aes-256-ecb"),
    "chacha20-poly1305": (32, b"chacha20-poly1305", b"chacha20"),
    "aes-128-ccm": (16, None, None),
}


def reference_protect(cipher, key, iv, hp, header: bytes, payload: bytes, pn: int) -> bytes:
    _, aead_name, hp_name = CIPHERS[cipher]
    if aead_name is not None:
        sealed = AEAD(aead_name, key, iv).encrypt(payload, header, pn)
        return HeaderProtection(hp_name, hp).apply(header, sealed)
    # RFC 9001 §5.3/§5.4 with AEAD_AES_128_CCM (16-byte tag), independently of the model.
    nonce = (int.from_bytes(iv, "big") ^ pn).to_bytes(12, "big")
    sealed = AESCCM(key, tag_length=16).encrypt(nonce, payload, header)
    pn_len = (header[0] & 3) + 1
    sample = sealed[4 - pn_len : 20 - pn_len]
    mask = Cipher(algorithms.AES(hp), modes.ECB()).encryptor().update(sample)
    out = bytearray(header + sealed)
    out[0] ^= mask[0] & 0x1F
    pn_off = len(header) - pn_len
    for i in range(pn_len):
        out[pn_off + i] ^= mask[1 + i]
    return bytes(out)


def _expected_pn(rng):
    kind = rng.randrange(4)
    if kind == 0:
        return rng.randrange(0, 1 << 16)
    if kind == 1:
        return rng.randrange(0, 1 << 32)
    if kind == 2:
        return rng.randrange(0, 1 << 62)
    return rng.choice([0, 1, 127, 128, 255, 256, 65535, (1 << 62) - 1])


def _header(rng, dcid: bytes, pn_len: int, key_phase: int) -> bytes:
    first = 0x40 | (rng.getrandbits(1) << 5) | (rng.getrandbits(2) << 3)
    first |= (key_phase << 2) | (pn_len - 1)
    return bytes([first]) + dcid + rng.randbytes(pn_len)


def _dst(rng, i):
    if rng.getrandbits(1):
        host = str(ipaddress.IPv4Address(rng.getrandbits(32)))
    else:
        host = str(ipaddress.IPv6Address(rng.getrandbits(128)))
    return (host, 1 + i % 65535)


def _add(sock, rng, cipher, dcid, dst, key_gen):
    size = CIPHERS[cipher][0]
    keys = dict(key=rng.randbytes(size), iv=rng.randbytes(12), hp=rng.randbytes(size))
    info = QuicConnectionInfo.build(cipher, dcid, dst[0], dst[1], key_gen=key_gen, **keys)
    sock.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, info.pack())
    return info, keys


def test_2000_single_packets_match_independent_implementations():
    rng = random.Random(20220909)
    sock = QuicTxSocket(attach_ulp=True)
    names = sorted(CIPHERS)
    seen = set()
    for i in range(2000):
        cipher = names[i % 4]
        dcid = rng.randbytes(rng.randint(0, 20))
        pn_len = rng.randint(1, 4)
        key_phase = rng.getrandbits(1)
        dst = _dst(rng, i)
        info, keys = _add(sock, rng, cipher, dcid, dst, key_phase)
        header = _header(rng, dcid, pn_len, key_phase)
        lo = max(0, 4 - pn_len)
        hi = 1500 - len(header)
        plen = rng.randint(lo, lo + 24) if rng.random() < 0.3 else rng.randint(lo, hi)
        payload = rng.randbytes(plen)
        anchor = _expected_pn(rng)
        n = sock.sendmsg([header + payload], quic_ancdata(anchor, len(dcid)), 0, dst)
        assert n == len(header) + plen
        truncated = int.from_bytes(header[-pn_len:], "big")
        pn = aioquic_decode(truncated, 8 * pn_len, anchor)
        expect = reference_protect(cipher, keys["key"], keys["iv"], keys["hp"], header, payload, pn)
        got = sock.sent[-1].data
        assert got == expect, (i, cipher, len(dcid), pn_len, plen)
        sock.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, info.pack())
        seen.add((cipher, len(dcid), pn_len))
    assert len(sock.flows) == 0 and sock.counters.tx_sw_error == 0
    assert {c for c, _, _ in seen} == set(CIPHERS)
    assert {d for _, d, _ in seen} == set(range(21))
    assert {p for _, _, p in seen} == {1, 2, 3, 4}


def test_gso_batches_match_per_segment_independent_protection():
    rng = random.Random(4500)
    sock = QuicTxSocket(attach_ulp=True)
    names = sorted(CIPHERS)
    batches = 0
    while batches < 160:
        cipher = names[batches % 4]
        dcid_len = rng.randint(0, 20)
        dcid = rng.randbytes(dcid_len)
        key_phase = rng.getrandbits(1)
        gso = rng.randint(1 + dcid_len + 4 + 16, 1500)
        plain_pkt = gso - 16
        nseg = rng.randint(2, 13)
        segments = []
        for k in range(nseg):
            pn_len = rng.randint(1, 4)
            # The kernel only checks the first segment: later ones may carry other DCIDs and
            # key-phase bits and are still protected with this flow's keys.
            seg_dcid = dcid if k == 0 or rng.random() < 0.7 else rng.randbytes(dcid_len)
            phase = key_phase if k == 0 else rng.getrandbits(1)
            header = _header(rng, seg_dcid, pn_len, phase)
            if k < nseg - 1:
                size = plain_pkt
            else:
                size = rng.randint(len(header) + max(0, 4 - pn_len), plain_pkt)
            segments.append(header + rng.randbytes(size - len(header)))
        data = b"".join(segments)
        pages = -(-len(data) // 4096)
        if 2 * (pages + nseg + 1) >= 32:
            continue  # would be ENOMEM (tested elsewhere)
        dst = _dst(rng, batches)
        info, keys = _add(sock, rng, cipher, dcid, dst, key_phase)
        cuts = sorted(rng.sample(range(1, len(data)), rng.randint(0, 5)))
        iov = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        anchor = _expected_pn(rng)
        if rng.getrandbits(1):
            sock.setsockopt(SOL_UDP, UDP_SEGMENT, gso)
            anc = quic_ancdata(anchor, dcid_len)
        else:
            sock.setsockopt(SOL_UDP, UDP_SEGMENT, rng.choice([0, 1200, 16]))
            anc = quic_ancdata(anchor, dcid_len, gso_size=gso)
        before = len(sock.sent)
        assert sock.sendmsg(iov, anc, 0, dst) == len(data)
        got = [d.data for d in sock.sent[before:]]
        expect = []
        for seg in segments:
            pn_len = (seg[0] & 3) + 1
            hlen = 1 + dcid_len + pn_len
            pn = aioquic_decode(
                int.from_bytes(seg[hlen - pn_len : hlen], "big"), 8 * pn_len, anchor
            )
            expect.append(
                reference_protect(
                    cipher, keys["key"], keys["iv"], keys["hp"], seg[:hlen], seg[hlen:], pn
                )
            )
        assert got == expect, (batches, cipher, dcid_len, gso, nseg)
        assert [len(g) for g in got[:-1]] == [gso] * (nseg - 1)
        sock.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, info.pack())
        batches += 1
    assert sock.counters.tx_sw_error == 0
