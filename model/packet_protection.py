"""QUIC packet protection primitives, as the kernel Tx path applies them (spec §4).

Small public functions the hardware tests reuse for intermediate values:

* :func:`decode_packet_number` - RFC 9000 A.3 with the kernel's u64 arithmetic,
* :func:`make_nonce` - IV XOR the packet number (12-byte big-endian),
* :func:`aead_encrypt` / :func:`aead_decrypt` - AES-128/256-GCM, AES-128-CCM (16-byte tag,
  RFC 9001-correct: the patch's CCM is broken, see ``model/DIVERGENCES.md``), ChaCha20-Poly1305,
* :func:`header_protection_mask` - AES-ECB or ChaCha20 (RFC 9001 §5.4.3/§5.4.4), 5 bytes,
* :func:`apply_header_protection` (short header) and :func:`apply_header_protection_at`
  (any header, given the packet-number offset; long headers use mask 0x0F),
* :func:`protect_short_header_packet` (one segment, what the kernel does per GSO segment) and
  :func:`protect_short_header_packet_steps` (the same with every intermediate value),
* :func:`gcm_hash_subkey` - ``H = AES-ECB(key, 0^16)`` for the hardware key install.

``cipher`` arguments accept a TLS_CIPHER_* number, a trace name ("aes-128-gcm", ...) or a
:class:`model.uapi.CipherSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from .uapi import (
    QUIC_HP_MASK_SIZE,
    QUIC_HP_SAMPLE_SIZE,
    QUIC_NONCE_SIZE,
    QUIC_TAG_SIZE,
    CipherSpec,
    cipher_spec,
)

U64_MASK = (1 << 64) - 1
PN_MAX_LEN = 4
SHORT_HEADER_MASK = 0x1F
LONG_HEADER_MASK = 0x0F


class PacketTooShortError(ValueError):
    """A segment the model refuses to protect (the socket turns it into -EINVAL)."""


# --- packet numbers ---------------------------------------------------------------------------


def decode_packet_number(expected: int, truncated: int, pn_nbits: int) -> int:
    """The kernel's ``quic_unpack_pkt_num``: RFC 9000 Appendix A.3 with ``expected`` used as is.

    ``expected`` is ``next_pkt_num`` from the ancillary data (no +1). Arithmetic is u64 like the
    kernel's; for ``expected < 2**62`` (every valid QUIC packet number) the result equals the
    RFC's pseudocode.
    """
    if pn_nbits not in (8, 16, 24, 32):
        raise ValueError(f"pn_nbits must be 8, 16, 24 or 32, got {pn_nbits}")
    if not 0 <= expected <= U64_MASK:
        raise ValueError("expected must be a u64")
    win = 1 << pn_nbits
    if not 0 <= truncated < win:
        raise ValueError(f"truncated packet number {truncated} does not fit in {pn_nbits} bits")
    hwin = win >> 1
    mask = win - 1
    cand = (expected & ~mask & U64_MASK) | truncated
    if expected > hwin and cand <= expected - hwin and cand < (1 << 62) - win:
        return cand + win
    if cand > ((expected + hwin) & U64_MASK) and cand >= win:
        return cand - win
    return cand


def truncate_packet_number(pn: int, pn_len: int) -> bytes:
    """The low ``pn_len`` bytes of ``pn``, big-endian (what the header carries)."""
    if pn_len not in (1, 2, 3, 4):
        raise ValueError("pn_len must be 1..4")
    return (pn & ((1 << (8 * pn_len)) - 1)).to_bytes(pn_len, "big")


def make_nonce(iv: bytes, pn: int) -> bytes:
    """``IV XOR pn`` with ``pn`` as a 12-byte big-endian integer (RFC 9001 §5.3)."""
    iv = bytes(iv)
    if len(iv) != QUIC_NONCE_SIZE:
        raise ValueError(f"IV must be {QUIC_NONCE_SIZE} bytes, got {len(iv)}")
    if not 0 <= pn <= U64_MASK:
        raise ValueError("packet number must be a u64")
    return (int.from_bytes(iv, "big") ^ pn).to_bytes(QUIC_NONCE_SIZE, "big")


# --- AEAD ---------------------------------------------------------------------------------


def _aead(cipher: CipherSpec, key: bytes):
    if len(key) != cipher.key_size:
        raise ValueError(f"{cipher.name} key must be {cipher.key_size} bytes, got {len(key)}")
    if cipher.aead == "aes-gcm":
        return AESGCM(key)
    if cipher.aead == "aes-ccm":
        return AESCCM(key, tag_length=QUIC_TAG_SIZE)
    return ChaCha20Poly1305(key)


def aead_encrypt(cipher, key: bytes, nonce: bytes, aad: bytes, plaintext: bytes) -> bytes:
    """Ciphertext followed by the 16-byte tag."""
    c = cipher_spec(cipher)
    return _aead(c, bytes(key)).encrypt(bytes(nonce), bytes(plaintext), bytes(aad))


def aead_decrypt(cipher, key: bytes, nonce: bytes, aad: bytes, ciphertext: bytes) -> bytes:
    """Inverse of :func:`aead_encrypt` (raises ``cryptography.exceptions.InvalidTag``)."""
    c = cipher_spec(cipher)
    return _aead(c, bytes(key)).decrypt(bytes(nonce), bytes(ciphertext), bytes(aad))


def gcm_hash_subkey(key: bytes) -> bytes:
    """GHASH subkey ``H = AES-ECB(key, 0^128)`` (SP 800-38D), 16 bytes, AES-128 or AES-256."""
    key = bytes(key)
    if len(key) not in (16, 32):
        raise ValueError("AES key must be 16 or 32 bytes")
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(bytes(16)) + enc.finalize()


# --- header protection ---------------------------------------------------------------------


def header_protection_mask(cipher, hp_key: bytes, sample: bytes) -> bytes:
    """The 5-byte mask: AES-ECB(hp_key, sample)[0:5], or ChaCha20 with counter = LE32(sample[0:4])
    and nonce = sample[4:16] over 5 zero bytes (RFC 9001 §5.4.3, §5.4.4)."""
    c = cipher_spec(cipher)
    hp_key = bytes(hp_key)
    sample = bytes(sample)
    if len(sample) != QUIC_HP_SAMPLE_SIZE:
        raise ValueError(f"sample must be {QUIC_HP_SAMPLE_SIZE} bytes, got {len(sample)}")
    if len(hp_key) != c.key_size:
        raise ValueError(f"{c.name} header key must be {c.key_size} bytes, got {len(hp_key)}")
    if c.hp == "chacha20":
        # cryptography's 16-byte ChaCha20 nonce is exactly counter (LE32) || nonce (12 bytes).
        enc = Cipher(algorithms.ChaCha20(hp_key, sample), mode=None).encryptor()
        return enc.update(bytes(QUIC_HP_MASK_SIZE))
    enc = Cipher(algorithms.AES(hp_key), modes.ECB()).encryptor()
    return enc.update(sample)[:QUIC_HP_MASK_SIZE]


def short_header_pn_offset(dcid_len: int) -> int:
    """Offset of the packet number in a short header: ``1 + dcid_len``."""
    return 1 + dcid_len


def sample_offset(pn_offset: int) -> int:
    """Offset of the 16-byte sample: ``pn_offset + 4`` (RFC 9001 §5.4.2).

    In the kernel's terms, ``H + 4 - pn_len`` with ``H`` the header length.
    """
    return pn_offset + PN_MAX_LEN


def header_sample(packet: bytes, pn_offset: int) -> bytes:
    """The 16 sample bytes of a protected-payload packet (ValueError if it is too short)."""
    start = sample_offset(pn_offset)
    if start + QUIC_HP_SAMPLE_SIZE > len(packet):
        raise PacketTooShortError(
            f"packet of {len(packet)} bytes is too short for the 16-byte sample at {start}"
        )
    return bytes(packet[start : start + QUIC_HP_SAMPLE_SIZE])


def min_short_packet_len(dcid_len: int, pn_len: int) -> int:
    """Smallest plaintext segment the sample allows: header + max(0, 4 - pn_len) payload bytes."""
    return 1 + dcid_len + pn_len + max(0, PN_MAX_LEN - pn_len)


def apply_header_protection_at(packet: bytes, pn_offset: int, mask: bytes) -> bytes:
    """XOR the mask into the first byte (0x0F long header, 0x1F short) and the packet number.

    ``pn_len`` is read from the first byte as given (the *unprotected* one when protecting).
    """
    buf = bytearray(packet)
    mask = bytes(mask)
    if len(mask) < QUIC_HP_MASK_SIZE:
        raise ValueError("mask must be 5 bytes")
    pn_len = (buf[0] & 0x03) + 1
    if pn_offset + pn_len > len(buf):
        raise PacketTooShortError("packet shorter than its packet number")
    buf[0] ^= mask[0] & (LONG_HEADER_MASK if buf[0] & 0x80 else SHORT_HEADER_MASK)
    for i in range(pn_len):
        buf[pn_offset + i] ^= mask[1 + i]
    return bytes(buf)


def apply_header_protection(packet: bytes, dcid_len: int, mask: bytes) -> bytes:
    """Short-header protection as the kernel applies it (``quic_protect_header``).

    ``packet[0] ^= mask[0] & 0x1F``; ``packet[1+dcid_len+i] ^= mask[1+i]`` for ``i < pn_len``,
    with ``pn_len = (packet[0] & 3) + 1`` from the unprotected first byte.
    """
    buf = bytearray(packet)
    mask = bytes(mask)
    pn_len = (buf[0] & 0x03) + 1
    pn_offset = 1 + dcid_len
    if pn_offset + pn_len > len(buf):
        raise PacketTooShortError("packet shorter than its header")
    buf[0] ^= mask[0] & SHORT_HEADER_MASK
    for i in range(pn_len):
        buf[pn_offset + i] ^= mask[1 + i]
    return bytes(buf)


# --- one short-header packet ------------------------------------------------------------------


@dataclass(frozen=True)
class PacketProtectionSteps:
    """Every intermediate value of protecting one segment (for hardware tests)."""

    header: bytes  # seg[0:H], the AAD
    pn_len: int
    truncated_pn: int
    packet_number: int  # decoded with next_pkt_num as the anchor
    nonce: bytes
    payload: bytes  # seg[H:], the AEAD plaintext
    ciphertext: bytes  # AEAD output without the tag
    tag: bytes
    sample: bytes
    mask: bytes
    packet: bytes  # the protected segment: header (protected) + ciphertext + tag


def protect_short_header_packet_steps(
    cipher,
    key: bytes,
    iv: bytes,
    hp_key: bytes,
    segment: bytes,
    dcid_len: int,
    next_pkt_num: int,
) -> PacketProtectionSteps:
    """Protect one plaintext short-header segment exactly as the kernel does per GSO segment.

    ``pn_len`` comes from ``segment[0] & 3``; the truncated PN is decoded against
    ``next_pkt_num``. Raises :class:`PacketTooShortError` when the segment is shorter than its
    header (the kernel's -EINVAL in v4) or too short for the 16-byte header-protection sample
    (RFC 9001 §5.4.2; the kernel reads past the packet there, the model refuses: a documented
    divergence).
    """
    c = cipher_spec(cipher)
    segment = bytes(segment)
    if not segment:
        raise PacketTooShortError("empty segment")
    pn_len = (segment[0] & 0x03) + 1
    pn_offset = 1 + dcid_len
    hlen = pn_offset + pn_len
    if len(segment) < hlen:
        raise PacketTooShortError(
            f"segment of {len(segment)} bytes is shorter than its {hlen}-byte header "
            f"(1 + dcid_len {dcid_len} + pn_len {pn_len})"
        )
    payload_len = len(segment) - hlen
    if pn_len + payload_len < PN_MAX_LEN:
        raise PacketTooShortError(
            f"segment of {len(segment)} bytes is too short for the 16-byte header-protection "
            f"sample: pn_len ({pn_len}) + payload ({payload_len}) must be >= 4 "
            "(RFC 9001 section 5.4.2); the kernel would sample bytes past the packet"
        )
    header = segment[:hlen]
    truncated = int.from_bytes(segment[pn_offset:hlen], "big")
    pn = decode_packet_number(next_pkt_num, truncated, 8 * pn_len)
    nonce = make_nonce(iv, pn)
    sealed = aead_encrypt(c, key, nonce, header, segment[hlen:])
    out = header + sealed
    sample = header_sample(out, pn_offset)
    mask = header_protection_mask(c, hp_key, sample)
    packet = apply_header_protection(out, dcid_len, mask)
    return PacketProtectionSteps(
        header=header,
        pn_len=pn_len,
        truncated_pn=truncated,
        packet_number=pn,
        nonce=nonce,
        payload=segment[hlen:],
        ciphertext=sealed[:-QUIC_TAG_SIZE],
        tag=sealed[-QUIC_TAG_SIZE:],
        sample=sample,
        mask=mask,
        packet=packet,
    )


def protect_short_header_packet(
    cipher,
    key: bytes,
    iv: bytes,
    hp_key: bytes,
    segment: bytes,
    dcid_len: int,
    next_pkt_num: int,
) -> bytes:
    """The protected segment (``len(segment) + 16`` bytes); see
    :func:`protect_short_header_packet_steps`."""
    return protect_short_header_packet_steps(
        cipher, key, iv, hp_key, segment, dcid_len, next_pkt_num
    ).packet
