# amaranth: UnusedElaboratable=no
"""Header-protection cores in the Amaranth simulator (RFC 9001 §5.4).

Expected values: RFC 9001 Appendix A.2 bytes written out here from the RFC, `cryptography`'s
AES-ECB for random masks, and a short-header reference implemented independently below.
(The first line stops Amaranth warning about the components the validation test makes fail.)
"""

import random

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from stream_tb import run_stream

from hdl.hp_apply import HeaderProtectionApply
from hdl.hp_mask import HeaderProtectionMask
from hdl.packing import pack_bytes, unpack_bytes

# RFC 9001 Appendix A.2 (client Initial): header protection key, sample, mask.
RFC_A2_HP = bytes.fromhex("9f50449e04a0e810283a1e9933adedd2")
RFC_A2_SAMPLE = bytes.fromhex("d1b1c98dd7689fb8ec11d242b123dc9b")
RFC_A2_MASK = bytes.fromhex("437b9aec36")
# RFC 9001 A.2: unprotected first byte and 4-byte packet number, and their protected forms.
RFC_A2_DCID = bytes.fromhex("8394c8f03e515708")
RFC_A2_FIRST, RFC_A2_PN = 0xC3, bytes.fromhex("00000002")
RFC_A2_FIRST_PROTECTED, RFC_A2_PN_PROTECTED = 0xC0, bytes.fromhex("7b9aec34")

HEADER_BYTES = 25


def aes_ecb(key: bytes, block: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def protect_short_header(header: bytes, dcid_len: int, mask: bytes) -> bytes:
    """Reference for RFC 9001 §5.4.1 on a short header, written from the RFC's pseudocode."""
    out = bytearray(header)
    pn_length = (out[0] & 0x03) + 1
    out[0] ^= mask[0] & 0x1F
    pn_offset = 1 + dcid_len
    for i in range(pn_length):
        out[pn_offset + i] ^= mask[1 + i]
    return bytes(out)


# HeaderProtectionMask


def mask_input(hp_key: bytes, sample: bytes, aes256: bool, user: int = 0) -> dict:
    return {
        "sample": pack_bytes(sample),
        "hp_key": pack_bytes(hp_key.ljust(32, b"\0")),
        "aes256": int(aes256),
        "user": user,
    }


@pytest.mark.parametrize("stages_per_round, sbox", [(1, None), (2, None), (3, "block")])
def test_mask_rfc9001_a2(stages_per_round, sbox):
    """Also the S-box variants an FPGA build of the engine uses for this pipeline."""
    dut = HeaderProtectionMask(stages_per_round=stages_per_round, sbox=sbox)
    assert dut.LATENCY == 2 + 14 * stages_per_round
    accepted, outputs = run_stream(
        dut, [mask_input(RFC_A2_HP, RFC_A2_SAMPLE, aes256=False)], rng=random.Random(3)
    )
    assert [unpack_bytes(p.mask, 5) for p, _ in outputs] == [RFC_A2_MASK]
    assert outputs[0][1] - accepted[0] == dut.LATENCY


@pytest.mark.parametrize("stages_per_round", [1, 2])
def test_mask_random_keys_vs_cryptography(stages_per_round):
    """128- and 256-bit hp keys mixed, new key every sample, with idle and backpressure."""
    rng = random.Random(10 + stages_per_round)
    dut = HeaderProtectionMask(stages_per_round=stages_per_round, user_width=6)
    inputs, expected = [], []
    for n in range(40):
        aes256 = rng.random() < 0.5
        key = rng.randbytes(32)
        sample = rng.randbytes(16)
        inputs.append(mask_input(key, sample, aes256, user=n))
        expected.append((aes_ecb(key if aes256 else key[:16], sample)[:5], n))
    _, outputs = run_stream(dut, inputs, rng=rng, idle=0.25, ready=0.7)
    assert [(unpack_bytes(p.mask, 5), p.user) for p, _ in outputs] == expected


# HeaderProtectionApply


def apply_words(datagram: bytes, dcid_len: int, mask: bytes, protect: bool = True) -> list:
    """The first two 16-byte words of ``datagram`` as :class:`HeaderProtectionApply` inputs."""
    return [
        {
            "data": pack_bytes(datagram[16 * w : 16 * w + 16]),
            "word": w,
            "protect": int(protect),
            "dcid_len": dcid_len,
            "pn_len_m1": datagram[0] & 3,
            "mask": pack_bytes(mask),
        }
        for w in (0, 1)
    ]


def run_apply(cases, rng, **kw):
    """Each case (datagram of 32 bytes, dcid_len, mask, protect) through the core, word by
    word; returns the 32 output bytes of each case."""
    inputs = [word for case in cases for word in apply_words(*case)]
    accepted, outputs = run_stream(HeaderProtectionApply(), inputs, rng=rng, **kw)
    out = b"".join(unpack_bytes(p.data, 16) for p, _ in outputs)
    return accepted, outputs, [out[32 * k : 32 * k + 32] for k in range(len(cases))]


def test_apply_rfc9001_a2_bytes():
    """A.2's first byte and PN through the short-header rule.

    A.2 is a long header (mask & 0x0F on the first byte); the short-header rule (& 0x1F) gives
    the same byte here because 0x43 & 0x1F == 0x43 & 0x0F, and the PN bytes are masked alike.
    """
    datagram = bytes([RFC_A2_FIRST]) + RFC_A2_DCID + RFC_A2_PN
    datagram += bytes(32 - len(datagram))
    _, _, (got,) = run_apply([(datagram, len(RFC_A2_DCID), RFC_A2_MASK)], random.Random(4))
    assert got[0] == RFC_A2_FIRST_PROTECTED
    assert got[1:9] == RFC_A2_DCID
    assert got[9:13] == RFC_A2_PN_PROTECTED
    assert got[13:] == bytes(32 - 13)


def test_apply_all_dcid_and_pn_lengths():
    """dcid_len 0..20 x pn_len 1..4 (random other bytes, PN across the word boundary for long
    DCIDs), back to back then with stalls; ``protect = 0`` passes the words unchanged."""
    rng = random.Random(5)
    cases = []
    for _ in range(2):
        for dcid_len in range(21):
            for pn_len in range(1, 5):
                datagram = bytearray(rng.randbytes(32))
                datagram[0] = (datagram[0] & ~0x03) | (pn_len - 1)
                cases.append((bytes(datagram), dcid_len, rng.randbytes(5), True))
    expected = [
        protect_short_header(d[:HEADER_BYTES], n, mask) + d[HEADER_BYTES:]
        for d, n, mask, _ in cases
    ]
    half = len(cases) // 2
    accepted, outputs, got = run_apply(cases[:half], rng)
    assert got == expected[:half]
    assert [c for _, c in outputs] == [c + HeaderProtectionApply.LATENCY for c in accepted]
    assert accepted == list(range(len(accepted)))

    _, _, got = run_apply(cases[half:], rng, idle=0.3, ready=0.5)
    assert got == expected[half:]

    unprotected = [(d, n, mask, False) for d, n, mask, _ in cases[:20]]
    _, _, got = run_apply(unprotected, rng, idle=0.2, ready=0.7)
    assert got == [d for d, *_ in unprotected]


# Validation


def test_parameter_validation():
    with pytest.raises(ValueError, match="stages_per_round"):
        HeaderProtectionMask(stages_per_round=4)
    with pytest.raises(TypeError, match="stages_per_round"):
        HeaderProtectionMask(stages_per_round=None)
    with pytest.raises(ValueError, match="user_width"):
        HeaderProtectionMask(user_width=-3)
    with pytest.raises(TypeError, match="user_width"):
        HeaderProtectionMask(user_width="8")
    with pytest.raises(TypeError):
        HeaderProtectionMask(2)  # keyword-only
    with pytest.raises(TypeError):
        HeaderProtectionApply(1)  # takes no parameters
