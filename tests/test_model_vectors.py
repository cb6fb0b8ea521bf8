"""Every known-answer vector of spec §7, through sendmsg and through the primitives.

Independent cross-checks: the RFC 9001 Initial keys are derived here with HKDF (RFC 9001 A.1,
written in this file from ``cryptography``), and the long-header packets are also protected by
aioquic's ``CryptoPair``.
"""

import errno

import pytest
from aioquic.quic.crypto import CryptoPair
from aioquic.quic.packet import QuicProtocolVersion
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from model import QuicTxSocket, packet_protection, vectors
from model.errors import KernelError
from model.uapi import (
    SOL_UDP,
    UDP_QUIC_ADD_TX_CONNECTION,
    UDP_SEGMENT,
    QuicConnectionInfo,
    quic_ancdata,
)

DST = ("10.0.0.2", 4433)


def _socket_with(vec, key_gen=0, dst=DST):
    s = QuicTxSocket(attach_ulp=True)
    info = QuicConnectionInfo.build(
        vec.cipher, vec.dcid, dst[0], dst[1], key=vec.key, iv=vec.iv, hp=vec.hp, key_gen=key_gen
    )
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, info.pack())
    return s


# --- kernel selftests ---------------------------------------------------------------------------


def test_kernel_aes_gcm_vector_gso_by_cmsg_wins_over_setsockopt():
    vec = vectors.KERNEL_AES_128_GCM
    s = _socket_with(vec)
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 26)  # would split the 37 bytes if it won
    n = s.sendmsg([vec.plaintext], quic_ancdata(vec.next_pkt_num, 8, gso_size=1200), 0, DST)
    assert n == 37
    assert [d.data for d in s.sent] == [vec.protected]
    assert len(vec.protected) == 53
    assert not s.sent[0].bypass and s.sent[0].dst.as_tuple() == DST


def test_kernel_aes_gcm_vector_gso_by_setsockopt_only():
    vec = vectors.KERNEL_AES_128_GCM
    s = _socket_with(vec)
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 1200)
    assert s.sendmsg([vec.plaintext], quic_ancdata(vec.next_pkt_num, 8), 0, DST) == 37
    assert [d.data for d in s.sent] == [vec.protected]


def test_kernel_aes_gcm_vector_setsockopt_26_alone_splits_differently():
    # Without the cmsg, gso 26 means 10-byte plaintext packets: the vector is not what comes out.
    vec = vectors.KERNEL_AES_128_GCM
    s = _socket_with(vec)
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 26)
    with pytest.raises(KernelError) as exc:
        s.sendmsg([vec.plaintext], quic_ancdata(vec.next_pkt_num, 8), 0, DST)
    assert exc.value.errno == errno.EINVAL  # a 10-byte segment is shorter than its header


def test_kernel_aes_gcm_vector_steps():
    vec = vectors.KERNEL_AES_128_GCM
    steps = packet_protection.protect_short_header_packet_steps(
        vec.cipher, vec.key, vec.iv, vec.hp, vec.plaintext, 8, vec.next_pkt_num
    )
    assert steps.packet_number == vec.packet_number == 0x0D65CA
    assert steps.pn_len == 1 and steps.truncated_pn == 0xCA
    assert steps.header == vec.plaintext[:10]
    assert steps.packet == vec.protected


@pytest.mark.parametrize("gso", [None, 1200])
def test_kernel_chacha20_vector(gso):
    vec = vectors.KERNEL_CHACHA20_POLY1305
    s = _socket_with(vec)
    n = s.sendmsg([vec.plaintext], quic_ancdata(vec.next_pkt_num, 0, gso_size=gso), 0, DST)
    assert n == 5
    assert [d.data for d in s.sent] == [vec.protected]


def test_rfc9369_a5_is_the_chacha20_selftest_vector():
    vec = vectors.KERNEL_CHACHA20_POLY1305
    steps = packet_protection.protect_short_header_packet_steps(
        vec.cipher, vec.key, vec.iv, vec.hp, vec.plaintext, 0, vec.next_pkt_num
    )
    assert steps.packet_number == 654360564
    assert steps.sample == vectors.RFC9369_A5_SAMPLE
    assert steps.mask == vectors.RFC9369_A5_MASK
    assert steps.packet == bytes.fromhex("5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba")


# --- RFC 9001 A.5 -------------------------------------------------------------------------------


def test_rfc9001_a5_chacha20_short_header_primitives():
    vec = vectors.RFC9001_A5
    nonce = packet_protection.make_nonce(vec.iv, vec.packet_number)
    sealed = packet_protection.aead_encrypt(vec.cipher, vec.key, nonce, vec.plaintext[:4], b"\x01")
    unprotected = vec.plaintext[:4] + sealed
    sample = packet_protection.header_sample(unprotected, 1)
    assert sample == vectors.RFC9001_A5_SAMPLE
    mask = packet_protection.header_protection_mask(vec.cipher, vec.hp, sample)
    assert mask == vectors.RFC9001_A5_MASK
    assert packet_protection.apply_header_protection(unprotected, 0, mask) == vec.protected


def test_rfc9001_a5_through_sendmsg():
    vec = vectors.RFC9001_A5
    s = _socket_with(vec)
    assert s.sendmsg([vec.plaintext], quic_ancdata(vec.next_pkt_num, 0), 0, DST) == 5
    assert s.sent[0].data == vec.protected


# --- RFC 9001 A.1-A.3 (long headers) ------------------------------------------------------------


def _hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    h = hmac.HMAC(salt, hashes.SHA256())
    h.update(ikm)
    return h.finalize()


def _hkdf_expand_label(secret: bytes, label: str, length: int) -> bytes:
    full = b"tls13 " + label.encode()
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + b"\x00"
    return HKDFExpand(hashes.SHA256(), length, info).derive(secret)


def _initial_keys(side: str):
    initial = _hkdf_extract(vectors.RFC9001_INITIAL_SALT, vectors.RFC9001_INITIAL_DCID)
    secret = _hkdf_expand_label(initial, f"{side} in", 32)
    return (
        _hkdf_expand_label(secret, "quic key", 16),
        _hkdf_expand_label(secret, "quic iv", 12),
        _hkdf_expand_label(secret, "quic hp", 16),
    )


def test_rfc9001_a1_initial_keys():
    assert _initial_keys("client") == (
        vectors.RFC9001_CLIENT_KEY,
        vectors.RFC9001_CLIENT_IV,
        vectors.RFC9001_CLIENT_HP,
    )
    assert _initial_keys("server") == (
        vectors.RFC9001_SERVER_KEY,
        vectors.RFC9001_SERVER_IV,
        vectors.RFC9001_SERVER_HP,
    )


def _protect_long(key, iv, hp, header, payload, pn, pn_offset):
    nonce = packet_protection.make_nonce(iv, pn)
    sealed = packet_protection.aead_encrypt("aes-128-gcm", key, nonce, header, payload)
    unprotected = header + sealed
    sample = packet_protection.header_sample(unprotected, pn_offset)
    mask = packet_protection.header_protection_mask("aes-128-gcm", hp, sample)
    return sample, mask, packet_protection.apply_header_protection_at(unprotected, pn_offset, mask)


def _aioquic_initial(is_client, header, payload, pn):
    pair = CryptoPair()
    pair.setup_initial(
        cid=vectors.RFC9001_INITIAL_DCID, is_client=is_client, version=QuicProtocolVersion.VERSION_1
    )
    return pair.encrypt_packet(header, payload, pn)


def test_rfc9001_a2_client_initial():
    key, iv, hp = _initial_keys("client")
    assert len(vectors.RFC9001_A2_PAYLOAD) == 1162
    sample, mask, packet = _protect_long(
        key,
        iv,
        hp,
        vectors.RFC9001_A2_HEADER,
        vectors.RFC9001_A2_PAYLOAD,
        vectors.RFC9001_A2_PACKET_NUMBER,
        vectors.RFC9001_A2_PN_OFFSET,
    )
    assert sample == vectors.RFC9001_A2_SAMPLE
    assert mask == vectors.RFC9001_A2_MASK
    assert len(packet) == 1200
    assert packet.startswith(vectors.RFC9001_A2_PROTECTED_HEADER + vectors.RFC9001_A2_SAMPLE)
    assert packet.endswith(vectors.RFC9001_A2_TAG)
    assert packet == _aioquic_initial(
        True, vectors.RFC9001_A2_HEADER, vectors.RFC9001_A2_PAYLOAD, 2
    )


def test_rfc9001_a3_server_initial():
    key, iv, hp = _initial_keys("server")
    _, _, packet = _protect_long(
        key,
        iv,
        hp,
        vectors.RFC9001_A3_HEADER,
        vectors.RFC9001_A3_PAYLOAD,
        vectors.RFC9001_A3_PACKET_NUMBER,
        vectors.RFC9001_A3_PN_OFFSET,
    )
    assert len(packet) == 135
    assert packet.startswith(
        bytes.fromhex(
            "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a5816b6394100"
        )
    )
    assert packet == vectors.RFC9001_A3_PROTECTED
    assert packet == _aioquic_initial(
        False, vectors.RFC9001_A3_HEADER, vectors.RFC9001_A3_PAYLOAD, 1
    )


def test_long_headers_are_bypassed_by_the_socket():
    # The kernel only encrypts 1-RTT short headers: an Initial goes out unchanged.
    vec = vectors.KERNEL_AES_128_GCM
    s = _socket_with(vec)
    pkt = vectors.RFC9001_A3_HEADER + vectors.RFC9001_A3_PAYLOAD
    assert s.sendmsg([pkt], quic_ancdata(0, 8), 0, DST) == len(pkt)
    assert s.sent[0].data == pkt and s.sent[0].bypass
    assert s.counters.tx_sw_error == 0


# --- the 9000-byte GSO selftest -----------------------------------------------------------------


def _gso_buffer(dcid: bytes) -> bytes:
    buf = bytearray(9000)
    for off in range(0, 9000, 1184):
        hdr = b"\x40" + dcid + b"\xca"
        buf[off : off + len(hdr)] = hdr
    return bytes(buf)


def test_kernel_gso_selftest_9000_bytes_two_iovecs_two_flows():
    s = QuicTxSocket(attach_ulp=True)
    dcids = [bytes.fromhex("086bbf8882b91249"), bytes.fromhex("0102030405060708")]
    for dcid in dcids:
        info = QuicConnectionInfo.build(
            "aes-128-gcm", dcid, *DST, key=bytes(16), iv=bytes(12), hp=bytes(16)
        )
        s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, info.pack())
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 1200)
    outs = []
    for dcid in dcids:
        plain = _gso_buffer(dcid)
        before = len(s.sent)
        n = s.sendmsg([plain[:4500], plain[4500:]], quic_ancdata(0x0D65C9, 8), 0, DST)
        assert n == 9000
        grams = [d.data for d in s.sent[before:]]
        assert [len(g) for g in grams] == [1200] * 7 + [728]
        for k, g in enumerate(grams):
            seg = plain[k * 1184 : (k + 1) * 1184]
            assert g[1:9] == dcid  # DCID bytes unchanged
            assert g[10:-16] != seg[10:]  # ciphertext differs from plaintext
            # and it is this segment, protected alone with the same anchor
            assert g == packet_protection.protect_short_header_packet(
                "aes-128-gcm", bytes(16), bytes(12), bytes(16), seg, 8, 0x0D65C9
            )
        outs.append(grams)
    assert all(a != b for a, b in zip(outs[0], outs[1], strict=True))  # flows differ
    assert s.counters.tx_sw_error == 0


def test_key_phase_one_against_a_key_gen_zero_flow_fails():
    vec = vectors.KERNEL_AES_128_GCM
    s = _socket_with(vec, key_gen=0)
    pkt = bytes([0x44]) + vec.plaintext[1:]
    with pytest.raises(KernelError) as exc:
        s.sendmsg([pkt], quic_ancdata(vec.next_pkt_num, 8), 0, DST)
    assert exc.value.errno == errno.EINVAL and "key phase" in str(exc.value)
    assert s.sent == [] and s.counters.tx_sw_error == 1
    s2 = _socket_with(vec, key_gen=1)
    assert s2.sendmsg([pkt], quic_ancdata(vec.next_pkt_num, 8), 0, DST) == len(pkt)
