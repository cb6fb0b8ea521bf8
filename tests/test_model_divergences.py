"""The model's deliberate divergences from the patch (model/DIVERGENCES.md), each pinned down."""

import errno

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from model import Counters, QuicTxSocket, packet_protection, vectors
from model.errors import KernelError
from model.packet_protection import PacketTooShortError, min_short_packet_len
from model.uapi import (
    SOL_UDP,
    UDP_QUIC_ADD_TX_CONNECTION,
    UDP_SEGMENT,
    QuicConnectionInfo,
    QuicConnectionInfoRFCv2,
    quic_ancdata,
)

DST = ("10.0.0.2", 4433)
DCID = bytes.fromhex("086bbf8882b91249")


def _sock(cipher="aes-128-gcm", size=16, **kw):
    s = QuicTxSocket(attach_ulp=True, **kw)
    info = QuicConnectionInfo.build(
        cipher, DCID, *DST, key=b"\x01" * size, iv=b"\x02" * 12, hp=b"\x03" * size
    )
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, info.pack())
    return s


# 1. AES-128-CCM is RFC 9001-correct -----------------------------------------------------------


def test_ccm_is_rfc9001_aead_aes_128_ccm():
    s = _sock("aes-128-ccm")
    header = b"\x41" + DCID + b"\x12\x34"
    payload = bytes(range(64))
    s.sendmsg([header + payload], quic_ancdata(0x1200, 8), 0, DST)
    out = s.sent[0].data
    assert len(out) == len(header) + len(payload) + 16  # 16-byte tag
    pn = 0x1234
    nonce = (int.from_bytes(b"\x02" * 12, "big") ^ pn).to_bytes(12, "big")
    sealed = AESCCM(b"\x01" * 16, tag_length=16).encrypt(nonce, payload, header)
    assert out[len(header) :] == sealed  # header protection only touches the header
    assert AESCCM(b"\x01" * 16, tag_length=16).decrypt(nonce, out[len(header) :], header) == payload


# 2. A segment too short for the header-protection sample is refused ---------------------------


@pytest.mark.parametrize("pn_len", [1, 2, 3, 4])
def test_sample_minimum_is_accepted_and_one_less_is_einval(pn_len):
    s = _sock()
    header = bytes([0x40 | (pn_len - 1)]) + DCID + bytes(pn_len)
    need = max(0, 4 - pn_len)
    assert min_short_packet_len(8, pn_len) == len(header) + need
    assert s.sendmsg([header + bytes(need)], quic_ancdata(0, 8), 0, DST) == len(header) + need
    if need == 0:
        return
    with pytest.raises(KernelError) as exc:
        s.sendmsg([header + bytes(need - 1)], quic_ancdata(0, 8), 0, DST)
    assert exc.value.errno == errno.EINVAL
    assert "header-protection sample" in str(exc.value) and "5.4.2" in str(exc.value)
    assert s.counters.tx_sw_error == 1 and len(s.sent) == 1


def test_short_last_gso_segment_fails_the_whole_send():
    s = _sock()
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 1200)
    first = b"\x40" + DCID + b"\xca" + bytes(1174)
    last = b"\x40" + DCID + b"\xcb" + b"\x00\x00"  # pn_len 1 + 2 payload bytes < 4
    with pytest.raises(KernelError, match="segment 1"):
        s.sendmsg([first + last], quic_ancdata(0, 8), 0, DST)
    assert s.sent == []


def test_primitive_raises_packet_too_short():
    with pytest.raises(PacketTooShortError, match="sample"):
        packet_protection.protect_short_header_packet(
            "aes-128-gcm", bytes(16), bytes(12), bytes(16), b"\x40\x01\x02", 0, 0
        )
    with pytest.raises(PacketTooShortError, match="header"):
        packet_protection.protect_short_header_packet(
            "aes-128-gcm", bytes(16), bytes(12), bytes(16), b"\x43\x01", 0, 0
        )


# 3. close removes the flows (as documented), or not (as the patch) ----------------------------


def test_close_removes_flows_and_decrements_the_gauge():
    ns = Counters()
    s = _sock(counters=ns)
    s.setsockopt(
        SOL_UDP,
        UDP_QUIC_ADD_TX_CONNECTION,
        QuicConnectionInfo.build(
            "aes-128-gcm", b"\x09", *DST, key=bytes(16), iv=bytes(12), hp=bytes(16)
        ).pack(),
    )
    assert ns.as_dict()["QuicCurrTxSw"] == 2
    s.close()
    assert len(s.flows) == 0
    assert ns.as_dict() == {"QuicCurrTxSw": 0, "QuicTxSw": 2, "QuicTxSwError": 0}


def test_patch_behaviour_on_close_is_selectable():
    ns = Counters()
    s = _sock(counters=ns, remove_flows_on_close=False)
    s.close()
    assert ns.as_dict() == {"QuicCurrTxSw": 1, "QuicTxSw": 1, "QuicTxSwError": 0}


# 4. gso == 16 leaves no plaintext room: EINVAL instead of a division by zero -----------------


def test_gso_16_is_einval_and_counted():
    s = _sock()
    with pytest.raises(KernelError) as exc:
        s.sendmsg([b"\x40" + DCID + b"\xca" + bytes(10)], quic_ancdata(0, 8, gso_size=16), 0, DST)
    assert exc.value.errno == errno.EINVAL and "divides by zero" in str(exc.value)
    assert s.counters.tx_sw_error == 1


# 5. The RFC v2 ABI without generation A's ChaCha20 mask bug ------------------------------------


def test_rfc_v2_chacha20_uses_the_correct_mask():
    vec = vectors.KERNEL_CHACHA20_POLY1305
    s = QuicTxSocket("rfc_v2", attach_ulp=True)
    info = QuicConnectionInfoRFCv2.build(vec.cipher, vec.dcid, key=vec.key, iv=vec.iv, hp=vec.hp)
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, info.pack())
    s.sendmsg([vec.plaintext], quic_ancdata(vec.next_pkt_num, 0), 0, DST)
    assert s.sent[0].data == vec.protected
    # Generation A's mask would have been keystream XOR sample[0:5]:
    sample = vectors.RFC9369_A5_SAMPLE
    buggy = Cipher(algorithms.ChaCha20(vec.hp, sample), None).encryptor().update(sample[:5])
    assert buggy != vectors.RFC9369_A5_MASK


def test_rfc_v2_segment_shorter_than_its_header_is_einval():
    s = QuicTxSocket("rfc_v2", attach_ulp=True)
    info = QuicConnectionInfoRFCv2.build(
        "aes-128-gcm", DCID, key=bytes(16), iv=bytes(12), hp=bytes(16)
    )
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, info.pack())
    with pytest.raises(KernelError) as exc:
        s.sendmsg([b"\x43" + DCID + b"\x00"], quic_ancdata(0, 8), 0, DST)  # needs 13 bytes
    assert exc.value.errno == errno.EINVAL
