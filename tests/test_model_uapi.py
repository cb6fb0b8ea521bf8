"""uapi: constants (spec §1), struct layouts of both ABIs (spec §2), cmsg and sockaddr codecs.

Offsets and sizes below are written from the spec's tables, independently of the constants in
``model/uapi.py``: each struct is built from distinctive field values and the packed bytes are
read back at the table's offsets.
"""

import random
import struct

import pytest

from model import uapi
from model.uapi import (
    QuicConnectionInfo,
    QuicConnectionInfoKey,
    QuicConnectionInfoKeyRFCv2,
    QuicConnectionInfoRFCv2,
    QuicTxAncillaryData,
)

# --- §1 ----------------------------------------------------------------------------------------


def test_constants_match_spec_table():
    expected = {
        "SOL_UDP": 17,
        "IPPROTO_UDP": 17,
        "UDP_SEGMENT": 103,
        "UDP_ULP": 105,
        "UDP_QUIC_ADD_TX_CONNECTION": 106,
        "UDP_QUIC_DEL_TX_CONNECTION": 107,
        "UDP_QUIC_ENCRYPT": 108,
        "QUIC_MAX_CONNECTION_ID_SIZE": 20,
        "QUIC_BYPASS_ENCRYPTION": 0x01,
        "QUIC_MAX_SHORT_HEADER_SIZE": 25,
        "QUIC_MAX_GSO_FRAGS": 16,
        "QUIC_MAX_IOVEC_SEGMENTS": 8,
        "QUIC_MAX_PLAIN_PAGES": 16,
        "QUIC_TAG_SIZE": 16,
        "QUIC_NONCE_SIZE": 12,
        "TLS_CIPHER_AES_GCM_128": 51,
        "TLS_CIPHER_AES_GCM_256": 52,
        "TLS_CIPHER_AES_CCM_128": 53,
        "TLS_CIPHER_CHACHA20_POLY1305": 54,
    }
    for name, value in expected.items():
        assert getattr(uapi, name) == value, name
    assert uapi.QUIC_ULP_NAME == "quic-crypto"


@pytest.mark.parametrize(
    ("name", "number", "key_size", "hp"),
    [
        ("aes-128-gcm", 51, 16, "aes-ecb"),
        ("aes-256-gcm", 52, 32, "aes-ecb"),
        ("aes-128-ccm", 53, 16, "aes-ecb"),
        ("chacha20-poly1305", 54, 32, "chacha20"),
    ],
)
def test_cipher_table(name, number, key_size, hp):
    spec = uapi.cipher_spec(name)
    assert uapi.cipher_spec(number) is spec
    assert uapi.cipher_spec(spec) is spec
    assert (spec.cipher_type, spec.key_size, spec.hp) == (number, key_size, hp)


def test_unknown_ciphers_are_rejected():
    for bad in (0, 50, 55, 0xFFFF):
        with pytest.raises(ValueError):
            uapi.cipher_spec(bad)
    with pytest.raises(ValueError, match="unknown cipher"):
        uapi.cipher_spec("aes-128-gsm")
    with pytest.raises(TypeError):
        uapi.cipher_spec(1.5)


# --- §2 struct quic_tx_ancillary_data ------------------------------------------------------------


def test_ancillary_data_layout():
    anc = QuicTxAncillaryData(next_pkt_num=0x0102030405060708, flags=0xA5, dst_conn_id_length=0x14)
    raw = anc.pack()
    assert len(raw) == 16
    assert raw[0:8] == bytes.fromhex("0807060504030201")  # u64, host (little-endian) order
    assert raw[8] == 0xA5
    assert raw[9] == 0x14
    assert raw[10:16] == bytes(6)
    assert QuicTxAncillaryData.unpack(raw) == anc
    assert anc.conn_id_length == 0x14


def test_ancillary_data_keeps_padding():
    raw = bytes(range(16))
    assert QuicTxAncillaryData.unpack(raw).pack() == raw
    with pytest.raises(ValueError):
        QuicTxAncillaryData.unpack(bytes(15))
    with pytest.raises(ValueError):
        QuicTxAncillaryData(next_pkt_num=1 << 64)


# --- §2 generation C ---------------------------------------------------------------------------

V4_KEY_OFFSETS = {"dst_conn_id": 0, "dst_conn_id_length": 20, "addr": 24, "udp_port": 40}
V4_INFO_OFFSETS = {"cipher_type": 0, "key": 4, "conn_payload_key_gen": 48, "union": 49}
# header_key, payload_key, payload_iv offsets inside the union, per cipher (spec §2 table).
UNION_OFFSETS = {
    "aes-128-gcm": (0, 16, 32),
    "aes-128-ccm": (0, 16, 32),
    "aes-256-gcm": (0, 32, 64),
    "chacha20-poly1305": (0, 32, 64),
}


def test_v4_key_layout():
    dcid = bytes(range(0xD0, 0xD8))
    key = QuicConnectionInfoKey.build(dcid, "2001:db8::42", 0x1234)
    raw = key.pack()
    assert len(raw) == 44
    o = V4_KEY_OFFSETS
    assert raw[o["dst_conn_id"] : o["dst_conn_id"] + 8] == dcid  # left-aligned
    assert raw[o["dst_conn_id"] + 8 : 20] == bytes(12)
    assert raw[o["dst_conn_id_length"]] == 8
    assert raw[21:24] == bytes(3)  # padding
    assert raw[o["addr"] : o["addr"] + 16] == bytes.fromhex("20010db8000000000000000000000042")
    assert raw[o["udp_port"] : o["udp_port"] + 2] == b"\x12\x34"  # big-endian
    assert raw[42:44] == bytes(2)  # padding


def test_v4_key_ipv4_address_in_first_four_bytes():
    raw = QuicConnectionInfoKey.build(b"\x01", "10.0.0.2", 4433).pack()
    assert raw[24:28] == bytes([10, 0, 0, 2])
    assert raw[28:40] == bytes(12)
    assert raw[40:42] == (4433).to_bytes(2, "big")


@pytest.mark.parametrize("cipher", sorted(UNION_OFFSETS))
def test_v4_info_layout(cipher):
    spec = uapi.cipher_spec(cipher)
    n = spec.key_size
    key, hp, iv = bytes([0x11] * n), bytes([0x22] * n), bytes(range(0x30, 0x3C))
    dcid = bytes.fromhex("086bbf8882b91249")
    info = QuicConnectionInfo.build(
        cipher, dcid, "10.0.0.2", 4433, key=key, iv=iv, hp=hp, key_gen=1
    )
    raw = info.pack()
    assert len(raw) == 128
    o = V4_INFO_OFFSETS
    assert raw[o["cipher_type"] : o["cipher_type"] + 2] == spec.cipher_type.to_bytes(2, "little")
    assert raw[2:4] == bytes(2)
    assert (
        raw[o["key"] : o["key"] + 44] == QuicConnectionInfoKey.build(dcid, "10.0.0.2", 4433).pack()
    )
    assert raw[o["conn_payload_key_gen"]] == 1
    hp_off, key_off, iv_off = (o["union"] + x for x in UNION_OFFSETS[cipher])
    assert raw[hp_off : hp_off + n] == hp
    assert raw[key_off : key_off + n] == key
    # Quirk 1: 12 IV bytes at payload_iv, even where the array is declared 8 bytes.
    assert raw[iv_off : iv_off + 12] == iv
    assert raw[125:128] == bytes(3)
    back = QuicConnectionInfo.unpack(raw)
    assert back == info
    assert (back.header_key, back.payload_key, back.payload_iv) == (hp, key, iv)


def test_chacha_iv_ends_the_union():
    info = QuicConnectionInfo.build(
        "chacha20-poly1305", b"", "::1", 1, key=bytes(32), iv=b"\xff" * 12, hp=bytes(32)
    )
    raw = info.pack()
    assert raw[49 + 64 : 49 + 76] == b"\xff" * 12
    assert 49 + 76 == 125


# --- §2 generation A/B (RFC v2) ---------------------------------------------------------------


def test_rfc_v2_layout():
    dcid = bytes.fromhex("0102030405")
    key = QuicConnectionInfoKeyRFCv2.build(dcid)
    raw_key = key.pack()
    assert len(raw_key) == 21
    assert raw_key[:5] == dcid and raw_key[5:20] == bytes(15) and raw_key[20] == 5
    info = QuicConnectionInfoRFCv2.build(
        "aes-128-gcm", dcid, key=b"\x11" * 16, iv=bytes(range(12)), hp=b"\x22" * 16
    )
    raw = info.pack()
    assert len(raw) == 100
    assert raw[0:2] == (51).to_bytes(2, "little")
    assert raw[2:23] == raw_key  # key at 2, no padding
    assert raw[23:39] == b"\x22" * 16  # union at 23: header_key
    assert raw[39:55] == b"\x11" * 16  # payload_key
    assert raw[55:67] == bytes(range(12))  # payload_iv (12 bytes)
    assert raw[99:100] == b"\0"  # one byte of tail padding
    assert QuicConnectionInfoRFCv2.unpack(raw) == info


def test_connection_info_class_by_abi():
    assert uapi.connection_info_class("v4").SIZE == 128
    assert uapi.connection_info_class("rfc_v2").SIZE == 100
    with pytest.raises(ValueError):
        uapi.connection_info_class("v3")


@pytest.mark.parametrize(
    "cls",
    [
        QuicConnectionInfo,
        QuicConnectionInfoRFCv2,
        QuicConnectionInfoKey,
        QuicConnectionInfoKeyRFCv2,
        QuicTxAncillaryData,
    ],
)
def test_random_bytes_round_trip_including_padding(cls):
    rng = random.Random(cls.__name__)
    for _ in range(200):
        raw = rng.randbytes(cls.SIZE)
        assert cls.unpack(raw).pack() == raw
    with pytest.raises(ValueError):
        cls.unpack(bytes(cls.SIZE + 1))


def test_build_rejects_bad_fields():
    with pytest.raises(ValueError):
        QuicConnectionInfoKey.build(bytes(21), "10.0.0.1", 1)
    with pytest.raises(ValueError):
        QuicConnectionInfo.build(
            "aes-128-gcm", b"", "10.0.0.1", 1, key=bytes(15), iv=bytes(12), hp=bytes(16)
        )
    with pytest.raises(ValueError):
        QuicConnectionInfo.build(
            "aes-128-gcm", b"", "10.0.0.1", 1, key=bytes(16), iv=bytes(8), hp=bytes(16)
        )
    with pytest.raises(ValueError):
        QuicConnectionInfoKey(udp_port=65536)
    with pytest.raises(ValueError):
        _ = QuicConnectionInfo(cipher_type=7).payload_key  # unknown cipher: no key layout


def test_v4_mapped_helpers():
    mapped = bytes(10) + b"\xff\xff" + bytes([10, 0, 0, 2])
    assert uapi.is_v4_mapped(mapped)
    assert uapi.normalize_v4_mapped(mapped) == bytes([10, 0, 0, 2]) + bytes(12)
    other = bytes.fromhex("20010db8000000000000000000000001")
    assert uapi.normalize_v4_mapped(other) == other


# --- cmsg ---------------------------------------------------------------------------------------


def test_cmsg_sizes():
    assert uapi.cmsg_len(16) == 32  # CMSG_LEN(sizeof(struct quic_tx_ancillary_data))
    assert uapi.cmsg_len(2) == 18  # CMSG_LEN(sizeof(u16))
    assert uapi.cmsg_space(16) == 32
    assert uapi.cmsg_space(2) == 24


def test_build_control_layout():
    control = uapi.build_control(uapi.quic_ancdata(0x0D65C9, 8, 0, gso_size=1200))
    assert len(control) == 32 + 24
    cmsg_len, level, type_ = struct.unpack_from("<Qii", control, 0)
    assert (cmsg_len, level, type_) == (32, 17, 108)
    assert control[16:32] == QuicTxAncillaryData(0x0D65C9, 0, 8).pack()
    cmsg_len, level, type_ = struct.unpack_from("<Qii", control, 32)
    assert (cmsg_len, level, type_) == (18, 17, 103)
    assert control[48:50] == (1200).to_bytes(2, "little")
    assert control[50:56] == bytes(6)  # padded to 8


def test_parse_control_round_trip():
    items = [(17, 108, bytes(range(16))), (0, 1, b"abc"), (17, 103, b"\xb0\x04")]
    control = uapi.build_control(items)
    assert uapi.parse_control(control) == items
    walked = uapi.walk_control(control)
    assert [c.offset for c in walked] == [0, 32, 56]
    assert [c.cmsg_len for c in walked] == [32, 19, 18]


def test_walk_control_kernel_rules():
    assert uapi.walk_control(b"") == []
    assert uapi.walk_control(bytes(15)) == []  # shorter than a header: no cmsg at all
    good = uapi.pack_cmsg(17, 103, b"\x01\x02")
    assert len(uapi.walk_control(good + bytes(8))) == 1  # trailing < 16 bytes ignored
    with pytest.raises(uapi.CmsgError):
        uapi.walk_control(uapi.pack_cmsg(17, 103, b"", length=8))  # cmsg_len < sizeof(cmsghdr)
    with pytest.raises(uapi.CmsgError):
        uapi.walk_control(uapi.pack_cmsg(17, 103, b"\x01\x02", length=64))  # past the buffer
    with pytest.raises(TypeError):
        uapi.build_control([(17, 103)])


# --- sockaddr -----------------------------------------------------------------------------------


def test_sockaddr_layouts():
    sin = uapi.pack_sockaddr("10.0.0.2", 4433)
    assert sin == b"\x02\x00" + (4433).to_bytes(2, "big") + bytes([10, 0, 0, 2]) + bytes(8)
    sin6 = uapi.pack_sockaddr("2001:db8::1", 443, 7, 3)
    assert len(sin6) == 28
    assert sin6[0:2] == (10).to_bytes(2, "little")
    assert sin6[2:4] == (443).to_bytes(2, "big")
    assert sin6[4:8] == (7).to_bytes(4, "big")
    assert sin6[8:24] == bytes.fromhex("20010db8000000000000000000000001")
    assert sin6[24:28] == (3).to_bytes(4, "little")
    assert uapi.sockaddr_from_address(("10.0.0.2", 4433)) == sin
    assert uapi.sockaddr_from_address(b"\x01\x02") == b"\x01\x02"
    with pytest.raises(ValueError):
        uapi.sockaddr_from_address(("localhost", 1))
    with pytest.raises(TypeError):
        uapi.sockaddr_from_address("10.0.0.2:1")
