"""Packet-number decoding against RFC 9000 Appendix A.3 (pseudocode written here), nonces."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.packet_protection import decode_packet_number, make_nonce, truncate_packet_number

PN_BITS = st.sampled_from([8, 16, 24, 32])


def rfc9000_decode(largest_pn: int, truncated_pn: int, pn_nbits: int) -> int:
    """RFC 9000, Appendix A.3, transcribed."""
    expected_pn = largest_pn + 1
    pn_win = 1 << pn_nbits
    pn_hwin = pn_win // 2
    pn_mask = pn_win - 1
    candidate_pn = (expected_pn & ~pn_mask) | truncated_pn
    if candidate_pn <= expected_pn - pn_hwin and candidate_pn < (1 << 62) - pn_win:
        return candidate_pn + pn_win
    if candidate_pn > expected_pn + pn_hwin and candidate_pn >= pn_win:
        return candidate_pn - pn_win
    return candidate_pn


@given(expected=st.integers(0, (1 << 62) - 1), bits=PN_BITS, data=st.data())
def test_decode_matches_rfc9000_with_next_pkt_num_as_expected(expected, bits, data):
    truncated = data.draw(st.integers(0, (1 << bits) - 1))
    # The kernel uses next_pkt_num as the RFC's expected_pn (largest_pn + 1), no +1 of its own.
    assert decode_packet_number(expected, truncated, bits) == rfc9000_decode(
        expected - 1, truncated, bits
    )


@given(expected=st.integers(0, (1 << 62) - (1 << 33)), bits=PN_BITS, data=st.data())
def test_truncate_then_decode_round_trips_near_expected(expected, bits, data):
    hwin = 1 << (bits - 1)
    pn = data.draw(st.integers(max(0, expected - hwin + 1), expected + hwin))
    truncated = int.from_bytes(truncate_packet_number(pn, bits // 8), "big")
    assert decode_packet_number(expected, truncated, bits) == pn


def test_rfc9000_a3_example():
    # RFC 9000 A.3: largest 0xa82f30ea, truncated 0x9b32 on 16 bits -> 0xa82f9b32.
    assert decode_packet_number(0xA82F30EA + 1, 0x9B32, 16) == 0xA82F9B32


def test_kernel_selftest_anchor_is_not_incremented():
    assert decode_packet_number(0x0D65C9, 0xCA, 8) == 0x0D65CA
    assert decode_packet_number(0x2700BFF5, 0x00BFF4, 24) == 0x2700BFF4


def test_u64_arithmetic_like_the_kernel_near_two_to_the_64():
    # expected + hwin wraps in the kernel's u64: the second branch fires, unlike Python ints.
    expected = (1 << 64) - 1
    assert decode_packet_number(expected, 0, 8) == (1 << 64) - 512
    assert rfc9000_decode(expected - 1, 0, 8) == (1 << 64) - 256


def test_decode_argument_checks():
    with pytest.raises(ValueError):
        decode_packet_number(0, 0, 12)
    with pytest.raises(ValueError):
        decode_packet_number(0, 256, 8)
    with pytest.raises(ValueError):
        decode_packet_number(1 << 64, 0, 8)


def kernel_nonce(iv: bytes, pn: int) -> bytes:
    """quic_construct_ietf_nonce, transcribed: XOR pn bytes into the IV from the end."""
    nonce = bytearray(12)
    i = 11
    while i >= 0 and pn:
        nonce[i] = iv[i] ^ (pn & 0xFF)
        i -= 1
        pn >>= 8
    while i >= 0:
        nonce[i] = iv[i]
        i -= 1
    return bytes(nonce)


@given(iv=st.binary(min_size=12, max_size=12), pn=st.integers(0, (1 << 64) - 1))
def test_nonce_is_iv_xor_big_endian_pn(iv, pn):
    assert make_nonce(iv, pn) == kernel_nonce(iv, pn)


def test_nonce_argument_checks():
    with pytest.raises(ValueError):
        make_nonce(bytes(8), 1)
    with pytest.raises(ValueError):
        make_nonce(bytes(12), -1)
