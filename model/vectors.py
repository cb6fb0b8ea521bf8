"""Known-answer vectors of spec §7, as data (for the model's tests and the hardware's).

Sources: the kernel selftests of the patch (``tools/testing/selftests/net/quic.c``), RFC 9001
Appendix A (QUIC v1 Initial and ChaCha20 packets) and RFC 9369 Appendix A.5 (QUIC v2).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShortHeaderVector:
    """One short-header packet: keys, the plaintext segment, the protected result."""

    name: str
    cipher: str
    dcid: bytes
    key: bytes
    iv: bytes
    hp: bytes
    next_pkt_num: int  # the ancillary-data anchor
    packet_number: int  # what the truncated PN decodes to
    plaintext: bytes  # header + payload, unprotected
    protected: bytes


_h = bytes.fromhex

KERNEL_AES_128_GCM = ShortHeaderVector(
    name="kernel selftest AES-128-GCM",
    cipher="aes-128-gcm",
    dcid=_h("086bbf8882b91249"),
    key=_h("8771ea1dfbbe7a45bbe27ebc0b539499"),
    iv=_h("3aa74672e9836b55da667bda"),
    hp=_h("c98efdf20b648c57b50ab2d221d366a5"),
    next_pkt_num=0x0D65C9,
    packet_number=0x0D65CA,
    plaintext=_h("40086bbf8882b91249ca0280de403940f600010b000f6563686f2030313233343536373839"),
    protected=_h(
        "46086bbf8882b912491c44b841bbcf6e0a2a24fbb47962ea59381a0e501e59ed3f8e7e5a70e42abc2afa2b54"
        "eb89c32cb68c1eab2d"
    ),
)

KERNEL_CHACHA20_POLY1305 = ShortHeaderVector(
    name="kernel selftest ChaCha20-Poly1305 (= RFC 9369 A.5)",
    cipher="chacha20-poly1305",
    dcid=b"",
    key=_h("3bfcddd72bcf02541d7fa0dd1f5f9eeea817e09a6963a0e6c7df0f9a1bab90f2"),
    iv=_h("a6b5bc6ab7dafce30ffff5dd"),
    hp=_h("d659760d2ba434a226fd37b35c69e2da8211d10c4f12538787d65645d5d1b8e2"),
    next_pkt_num=0x2700BFF5,
    packet_number=0x2700BFF4,
    plaintext=_h("4200bff401"),
    protected=_h("5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba"),
)
RFC9369_A5_SAMPLE = _h("e7b6b932bc27d786f4bc2bb20f2162ba")
RFC9369_A5_MASK = _h("97580e32bf")

RFC9001_A5 = ShortHeaderVector(
    name="RFC 9001 A.5 ChaCha20-Poly1305 short header",
    cipher="chacha20-poly1305",
    dcid=b"",
    key=_h("c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8"),
    iv=_h("e0459b3474bdd0e44a41c144"),
    hp=_h("25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4"),
    next_pkt_num=654360564,
    packet_number=654360564,
    plaintext=_h("4200bff401"),
    protected=_h("4cfe4189655e5cd55c41f69080575d7999c25a5bfb"),
)
RFC9001_A5_SAMPLE = _h("5e5cd55c41f69080575d7999c25a5bfb")
RFC9001_A5_MASK = _h("aefefe7d03")

# RFC 9001 A.1: Initial secrets for DCID 8394c8f03e515708, QUIC v1.
RFC9001_INITIAL_SALT = _h("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")
RFC9001_INITIAL_DCID = _h("8394c8f03e515708")
RFC9001_CLIENT_KEY = _h("1f369613dd76d5467730efcbe3b1a22d")
RFC9001_CLIENT_IV = _h("fa044b2f42a3fd3b46fb255c")
RFC9001_CLIENT_HP = _h("9f50449e04a0e810283a1e9933adedd2")
RFC9001_SERVER_KEY = _h("cf3a5331653c364c88f0f379b6067e37")
RFC9001_SERVER_IV = _h("0ac1493ca1905853b0bba03e")
RFC9001_SERVER_HP = _h("c206b8d9b9f0f37644430b490eeaa314")

# RFC 9001 A.2: client Initial, packet number 2, 1162-byte payload (CRYPTO frame + PADDING).
RFC9001_A2_HEADER = _h("c300000001088394c8f03e5157080000449e00000002")
RFC9001_A2_CRYPTO_FRAME = _h(
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff"
)
RFC9001_A2_PAYLOAD = RFC9001_A2_CRYPTO_FRAME + bytes(1162 - len(RFC9001_A2_CRYPTO_FRAME))
RFC9001_A2_PACKET_NUMBER = 2
RFC9001_A2_PN_OFFSET = 18
RFC9001_A2_SAMPLE = _h("d1b1c98dd7689fb8ec11d242b123dc9b")
RFC9001_A2_MASK = _h("437b9aec36")
RFC9001_A2_PROTECTED_HEADER = _h("c000000001088394c8f03e5157080000449e7b9aec34")
RFC9001_A2_TAG = _h("e221af44860018ab0856972e194cd934")  # the packet's last 16 bytes

# RFC 9001 A.3: server Initial, packet number 1, 135 bytes protected.
RFC9001_A3_HEADER = _h("c1000000010008f067a5502a4262b50040750001")
RFC9001_A3_PAYLOAD = _h(
    "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
    "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
    "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
    "020304"
)
RFC9001_A3_PACKET_NUMBER = 1
RFC9001_A3_PN_OFFSET = 18
RFC9001_A3_PROTECTED = _h(
    "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
    "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
    "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
    "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
    "2158407dd074ee"
)
