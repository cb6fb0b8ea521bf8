"""The public packet-protection primitives the hardware tests reuse."""

import pytest
from cryptography.exceptions import InvalidTag

from model import packet_protection as pp
from model import vectors


def test_gcm_hash_subkey():
    # AES-128(0^128, 0^128) and AES-256(0^256, 0^128): the well-known zero-key blocks.
    assert pp.gcm_hash_subkey(bytes(16)).hex() == "66e94bd4ef8a2c3b884cfa59ca342b2e"
    assert pp.gcm_hash_subkey(bytes(32)).hex() == "dc95c078a2408989ad48a21492842087"
    with pytest.raises(ValueError):
        pp.gcm_hash_subkey(bytes(24 - 1))


def test_offsets():
    assert pp.short_header_pn_offset(8) == 9
    assert pp.sample_offset(9) == 13
    assert pp.sample_offset(pp.short_header_pn_offset(0)) == 5
    assert pp.min_short_packet_len(0, 1) == 5
    assert pp.min_short_packet_len(20, 4) == 25


def test_steps_expose_every_intermediate_value():
    vec = vectors.KERNEL_AES_128_GCM
    st = pp.protect_short_header_packet_steps(
        vec.cipher, vec.key, vec.iv, vec.hp, vec.plaintext, 8, vec.next_pkt_num
    )
    assert st.nonce == pp.make_nonce(vec.iv, 0x0D65CA)
    assert st.ciphertext + st.tag == pp.aead_encrypt(
        vec.cipher, vec.key, st.nonce, st.header, st.payload
    )
    assert st.sample == (st.header + st.ciphertext + st.tag)[13:29]
    assert st.mask == pp.header_protection_mask(vec.cipher, vec.hp, st.sample)
    assert st.packet[10:] == st.ciphertext + st.tag
    assert pp.aead_decrypt(vec.cipher, vec.key, st.nonce, st.header, st.packet[10:]) == st.payload
    with pytest.raises(InvalidTag):
        pp.aead_decrypt(vec.cipher, vec.key, st.nonce, b"x" + st.header, st.packet[10:])


def test_header_protection_helpers():
    mask = bytes.fromhex("ffffffffff")
    short = bytes.fromhex("41aabb0102") + bytes(20)
    out = pp.apply_header_protection(short, 2, mask)
    assert out[0] == 0x41 ^ 0x1F and out[3:5] == b"\xfe\xfd" and out[5:] == short[5:]
    assert pp.apply_header_protection_at(short, 3, mask) == out
    long_hdr = bytes([0xC1]) + bytes(30)
    assert pp.apply_header_protection_at(long_hdr, 18, mask)[0] == 0xC1 ^ 0x0F
    with pytest.raises(ValueError):
        pp.apply_header_protection(b"\x43\x00", 0, mask)
    with pytest.raises(ValueError):
        pp.header_sample(bytes(20), 1)
    assert pp.header_sample(bytes(range(21)), 1) == bytes(range(5, 21))


def test_mask_argument_checks():
    with pytest.raises(ValueError):
        pp.header_protection_mask("aes-128-gcm", bytes(16), bytes(15))
    with pytest.raises(ValueError):
        pp.header_protection_mask("aes-256-gcm", bytes(16), bytes(16))
    with pytest.raises(ValueError):
        pp.aead_encrypt("chacha20-poly1305", bytes(16), bytes(12), b"", b"")
    assert len(pp.header_protection_mask(54, bytes(32), bytes(16))) == 5


def test_truncate_packet_number():
    assert pp.truncate_packet_number(0x2700BFF4, 3) == bytes.fromhex("00bff4")
    with pytest.raises(ValueError):
        pp.truncate_packet_number(1, 5)
