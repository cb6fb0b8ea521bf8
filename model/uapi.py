"""The user-space ABI of the kernel QUIC Tx path: constants, structs, cmsg and sockaddr codecs.

Everything here is x86_64, little-endian host (spec §1-§2):

* ``struct quic_tx_ancillary_data`` (16 bytes, all generations),
* generation C (net-next v3/v4, the default ABI ``"v4"``): ``struct quic_connection_info_key``
  (44 bytes) and ``struct quic_connection_info`` (128 bytes),
* generation A/B (RFC v2, the seed documents, ABI ``"rfc_v2"``): the 21-byte key and the 100-byte
  connection info.

The dataclasses keep *every* byte of the struct, padding included, because the kernel's flow
table compares the whole key struct with ``memcmp`` (spec §2, quirk 2): ``unpack(raw).pack()``
returns ``raw`` unchanged for any input of the right size. ``build(...)`` makes a clean struct
from fields (zero padding, DCID left-aligned, the 12-byte IV written at ``payload_iv`` even for
the AES ciphers whose array is declared 8 bytes, quirk 1).

The cmsg helpers build and walk control buffers the way the kernel does (``struct cmsghdr`` =
``cmsg_len`` u64, ``cmsg_level`` i32, ``cmsg_type`` i32, then data padded to 8 bytes).
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

# --- §1 constants -------------------------------------------------------------------------

IPPROTO_UDP = 17
SOL_UDP = IPPROTO_UDP
UDP_CORK = 1
UDP_SEGMENT = 103
UDP_GRO = 104
UDP_ULP = 105
UDP_QUIC_ADD_TX_CONNECTION = 106
UDP_QUIC_DEL_TX_CONNECTION = 107
UDP_QUIC_ENCRYPT = 108

QUIC_MAX_CONNECTION_ID_SIZE = 20
QUIC_BYPASS_ENCRYPTION = 0x01
QUIC_ANCILLARY_FLAGS = QUIC_BYPASS_ENCRYPTION
QUIC_MAX_SHORT_HEADER_SIZE = 25
QUIC_MAX_GSO_FRAGS = 16
QUIC_MAX_IOVEC_SEGMENTS = 8
QUIC_MAX_PLAIN_PAGES = 16
QUIC_MAX_SG_ALLOC_ELEMENTS = 32
QUIC_MAX_CIPHER_PAGES_ORDER = 4
QUIC_HDR_MASK_SIZE = 16
QUIC_TAG_SIZE = 16
QUIC_NONCE_SIZE = 12
QUIC_IV_SIZE = 12
QUIC_HP_SAMPLE_SIZE = 16
QUIC_HP_MASK_SIZE = 5
QUIC_ULP_NAME = "quic-crypto"
UDP_ULP_NAME_MAX = 16
UDP_MAX_SEGMENTS = 64
UDP_MAX_PAYLOAD = 0xFFFF
PAGE_SIZE = 4096

TLS_CIPHER_AES_GCM_128 = 51
TLS_CIPHER_AES_GCM_256 = 52
TLS_CIPHER_AES_CCM_128 = 53
TLS_CIPHER_CHACHA20_POLY1305 = 54

AF_UNSPEC = 0
AF_INET = 2
AF_INET6 = 10
MSG_MORE = 0x8000
SOCKADDR_IN_SIZE = 16
SOCKADDR_IN6_SIZE = 28
SIN6_LEN_RFC2133 = 24

ABI_V4 = "v4"
ABI_RFC_V2 = "rfc_v2"
ABIS = (ABI_V4, ABI_RFC_V2)

KEY_MATERIAL_SIZE = 76  # the per-cipher union (ChaCha20: 32 + 32 + 12)


# --- ciphers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CipherSpec:
    """One row of the cipher table (spec §1) and its place in the key-material union."""

    name: str  # trace name, e.g. "aes-128-gcm"
    cipher_type: int  # TLS_CIPHER_* value
    key_size: int  # payload key = header key size
    aead: str  # "aes-gcm", "aes-ccm" or "chacha20-poly1305"
    hp: str  # "aes-ecb" or "chacha20"
    declared_iv_size: int  # size of the payload_iv array in the uapi header (8 or 12)

    @property
    def header_key_offset(self) -> int:
        return 0

    @property
    def payload_key_offset(self) -> int:
        return self.key_size

    @property
    def payload_iv_offset(self) -> int:
        return 2 * self.key_size


CIPHERS: dict[int, CipherSpec] = {
    c.cipher_type: c
    for c in (
        CipherSpec("aes-128-gcm", TLS_CIPHER_AES_GCM_128, 16, "aes-gcm", "aes-ecb", 8),
        CipherSpec("aes-256-gcm", TLS_CIPHER_AES_GCM_256, 32, "aes-gcm", "aes-ecb", 8),
        CipherSpec("aes-128-ccm", TLS_CIPHER_AES_CCM_128, 16, "aes-ccm", "aes-ecb", 8),
        CipherSpec(
            "chacha20-poly1305",
            TLS_CIPHER_CHACHA20_POLY1305,
            32,
            "chacha20-poly1305",
            "chacha20",
            12,
        ),
    )
}
CIPHER_NAMES: dict[str, CipherSpec] = {c.name: c for c in CIPHERS.values()}


def cipher_spec(cipher: int | str | CipherSpec) -> CipherSpec:
    """The :class:`CipherSpec` for a TLS_CIPHER_* number, a trace name or a spec itself."""
    if isinstance(cipher, CipherSpec):
        return cipher
    if isinstance(cipher, str):
        try:
            return CIPHER_NAMES[cipher]
        except KeyError:
            raise ValueError(
                f"unknown cipher {cipher!r} (expected one of {', '.join(CIPHER_NAMES)})"
            ) from None
    if isinstance(cipher, int) and not isinstance(cipher, bool):
        try:
            return CIPHERS[cipher]
        except KeyError:
            raise ValueError(f"unknown cipher_type {cipher}") from None
    raise TypeError(f"cipher must be an int, a name or a CipherSpec, not {type(cipher).__name__}")


# --- small helpers -------------------------------------------------------------------------


def _check_bytes(name: str, value: bytes, size: int) -> bytes:
    value = bytes(value)
    if len(value) != size:
        raise ValueError(f"{name} must be {size} bytes, got {len(value)}")
    return value


def _check_uint(name: str, value: int, bits: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int")
    if not 0 <= value < (1 << bits):
        raise ValueError(f"{name} must fit in u{bits}, got {value}")
    return value


def _check_raw(cls_name: str, raw: bytes, size: int) -> bytes:
    raw = bytes(raw)
    if len(raw) != size:
        raise ValueError(f"{cls_name} is {size} bytes, got {len(raw)}")
    return raw


def address_bytes(addr: str | bytes | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bytes:
    """The 16-byte ``addr`` field of the key: ``in_addr`` + 12 zero bytes, or ``in6_addr``.

    No v4-mapped normalisation here (the kernel does it on ADD/DEL/sendmsg); raw 4- or 16-byte
    values are accepted as they are.
    """
    if isinstance(addr, (bytes, bytearray, memoryview)):
        addr = bytes(addr)
        if len(addr) == 4:
            return addr + bytes(12)
        if len(addr) == 16:
            return addr
        raise ValueError(f"raw address must be 4 or 16 bytes, got {len(addr)}")
    if isinstance(addr, str):
        addr = ipaddress.ip_address(addr)
    if isinstance(addr, ipaddress.IPv4Address):
        return addr.packed + bytes(12)
    if isinstance(addr, ipaddress.IPv6Address):
        return addr.packed
    raise TypeError(f"unsupported address {addr!r}")


def is_v4_mapped(addr16: bytes) -> bool:
    """``::ffff:a.b.c.d`` (the kernel's ``ipv6_addr_v4mapped``)."""
    return len(addr16) == 16 and addr16[:10] == bytes(10) and addr16[10:12] == b"\xff\xff"


def normalize_v4_mapped(addr16: bytes) -> bytes:
    """Rewrite a v4-mapped ``in6_addr`` to the ``in_addr`` form (4 bytes + 12 zero), gen C."""
    if is_v4_mapped(addr16):
        return addr16[12:16] + bytes(12)
    return bytes(addr16)


# --- struct quic_tx_ancillary_data ------------------------------------------------------------


@dataclass
class QuicTxAncillaryData:
    """``struct quic_tx_ancillary_data``: 16 bytes, align 8 (all generations)."""

    next_pkt_num: int = 0
    flags: int = 0
    dst_conn_id_length: int = 0
    padding: bytes = bytes(6)

    SIZE: ClassVar[int] = 16
    OFFSETS: ClassVar[dict[str, int]] = {"next_pkt_num": 0, "flags": 8, "dst_conn_id_length": 9}

    def __post_init__(self) -> None:
        _check_uint("next_pkt_num", self.next_pkt_num, 64)
        _check_uint("flags", self.flags, 8)
        _check_uint("dst_conn_id_length", self.dst_conn_id_length, 8)
        self.padding = _check_bytes("padding", self.padding, 6)

    @property
    def conn_id_length(self) -> int:
        """Generation A/B name of :attr:`dst_conn_id_length`."""
        return self.dst_conn_id_length

    def pack(self) -> bytes:
        return struct.pack(
            "<QBB6s", self.next_pkt_num, self.flags, self.dst_conn_id_length, self.padding
        )

    @classmethod
    def unpack(cls, raw: bytes) -> QuicTxAncillaryData:
        raw = _check_raw("struct quic_tx_ancillary_data", raw, cls.SIZE)
        pn, flags, dcid_len, pad = struct.unpack("<QBB6s", raw)
        return cls(pn, flags, dcid_len, pad)


# --- generation C key and connection info -----------------------------------------------------


@dataclass
class QuicConnectionInfoKey:
    """Generation C ``struct quic_connection_info_key``: 44 bytes, align 4.

    ``dst_conn_id`` is the whole 20-byte array (left-aligned DCID, trailing bytes kept as they
    are), ``addr`` the whole 16-byte union, ``udp_port`` the host-order value (stored big-endian).
    """

    dst_conn_id: bytes = bytes(QUIC_MAX_CONNECTION_ID_SIZE)
    dst_conn_id_length: int = 0
    pad0: bytes = bytes(3)
    addr: bytes = bytes(16)
    udp_port: int = 0
    pad1: bytes = bytes(2)

    SIZE: ClassVar[int] = 44
    OFFSETS: ClassVar[dict[str, int]] = {
        "dst_conn_id": 0,
        "dst_conn_id_length": 20,
        "addr": 24,
        "udp_port": 40,
    }

    def __post_init__(self) -> None:
        self.dst_conn_id = _check_bytes("dst_conn_id", self.dst_conn_id, 20)
        _check_uint("dst_conn_id_length", self.dst_conn_id_length, 8)
        self.pad0 = _check_bytes("pad0", self.pad0, 3)
        self.addr = _check_bytes("addr", self.addr, 16)
        _check_uint("udp_port", self.udp_port, 16)
        self.pad1 = _check_bytes("pad1", self.pad1, 2)

    @classmethod
    def build(cls, dcid: bytes, addr, port: int) -> QuicConnectionInfoKey:
        """A clean key: DCID left-aligned, zero padding, address as given (not normalised)."""
        dcid = bytes(dcid)
        if len(dcid) > QUIC_MAX_CONNECTION_ID_SIZE:
            raise ValueError(f"DCID longer than {QUIC_MAX_CONNECTION_ID_SIZE} bytes")
        return cls(
            dst_conn_id=dcid.ljust(QUIC_MAX_CONNECTION_ID_SIZE, b"\0"),
            dst_conn_id_length=len(dcid),
            addr=address_bytes(addr),
            udp_port=port,
        )

    @property
    def dcid(self) -> bytes:
        return self.dst_conn_id[: min(self.dst_conn_id_length, QUIC_MAX_CONNECTION_ID_SIZE)]

    def pack(self) -> bytes:
        return (
            self.dst_conn_id
            + bytes([self.dst_conn_id_length])
            + self.pad0
            + self.addr
            + self.udp_port.to_bytes(2, "big")
            + self.pad1
        )

    @classmethod
    def unpack(cls, raw: bytes) -> QuicConnectionInfoKey:
        raw = _check_raw("struct quic_connection_info_key (gen C)", raw, cls.SIZE)
        return cls(
            dst_conn_id=raw[0:20],
            dst_conn_id_length=raw[20],
            pad0=raw[21:24],
            addr=raw[24:40],
            udp_port=int.from_bytes(raw[40:42], "big"),
            pad1=raw[42:44],
        )


def _key_material(cipher: CipherSpec, key: bytes, iv: bytes, hp: bytes) -> bytes:
    key = _check_bytes("payload key", key, cipher.key_size)
    hp = _check_bytes("header key", hp, cipher.key_size)
    iv = _check_bytes("payload iv", iv, QUIC_IV_SIZE)
    # Quirk 1: the IV is always 12 bytes at payload_iv, even where the array is declared 8.
    return (hp + key + iv).ljust(KEY_MATERIAL_SIZE, b"\0")


class _KeyMaterialMixin:
    cipher_type: int
    key_material: bytes

    @property
    def cipher(self) -> CipherSpec:
        """The cipher (ValueError when ``cipher_type`` is not one of the four)."""
        return cipher_spec(self.cipher_type)

    @property
    def header_key(self) -> bytes:
        c = self.cipher
        return self.key_material[c.header_key_offset : c.header_key_offset + c.key_size]

    @property
    def payload_key(self) -> bytes:
        c = self.cipher
        return self.key_material[c.payload_key_offset : c.payload_key_offset + c.key_size]

    @property
    def payload_iv(self) -> bytes:
        """The 12 bytes the kernel reads at ``payload_iv`` (quirk 1)."""
        c = self.cipher
        return self.key_material[c.payload_iv_offset : c.payload_iv_offset + QUIC_IV_SIZE]


@dataclass
class QuicConnectionInfo(_KeyMaterialMixin):
    """Generation C ``struct quic_connection_info``: 128 bytes, align 4."""

    cipher_type: int = 0
    pad0: bytes = bytes(2)
    key: QuicConnectionInfoKey = field(default_factory=QuicConnectionInfoKey)
    conn_payload_key_gen: int = 0
    key_material: bytes = bytes(KEY_MATERIAL_SIZE)
    pad_tail: bytes = bytes(3)

    SIZE: ClassVar[int] = 128
    ABI: ClassVar[str] = ABI_V4
    KEY_CLASS: ClassVar[type] = QuicConnectionInfoKey
    OFFSETS: ClassVar[dict[str, int]] = {
        "cipher_type": 0,
        "key": 4,
        "conn_payload_key_gen": 48,
        "key_material": 49,
    }

    def __post_init__(self) -> None:
        _check_uint("cipher_type", self.cipher_type, 16)
        self.pad0 = _check_bytes("pad0", self.pad0, 2)
        if not isinstance(self.key, QuicConnectionInfoKey):
            raise TypeError("key must be a QuicConnectionInfoKey")
        _check_uint("conn_payload_key_gen", self.conn_payload_key_gen, 8)
        self.key_material = _check_bytes("key_material", self.key_material, KEY_MATERIAL_SIZE)
        self.pad_tail = _check_bytes("pad_tail", self.pad_tail, 3)

    @classmethod
    def build(
        cls,
        cipher: int | str | CipherSpec,
        dcid: bytes,
        addr,
        port: int,
        *,
        key: bytes,
        iv: bytes,
        hp: bytes,
        key_gen: int = 0,
    ) -> QuicConnectionInfo:
        c = cipher_spec(cipher)
        return cls(
            cipher_type=c.cipher_type,
            key=QuicConnectionInfoKey.build(dcid, addr, port),
            conn_payload_key_gen=key_gen,
            key_material=_key_material(c, key, iv, hp),
        )

    def pack(self) -> bytes:
        return (
            self.cipher_type.to_bytes(2, "little")
            + self.pad0
            + self.key.pack()
            + bytes([self.conn_payload_key_gen])
            + self.key_material
            + self.pad_tail
        )

    @classmethod
    def unpack(cls, raw: bytes) -> QuicConnectionInfo:
        raw = _check_raw("struct quic_connection_info (gen C)", raw, cls.SIZE)
        return cls(
            cipher_type=int.from_bytes(raw[0:2], "little"),
            pad0=raw[2:4],
            key=QuicConnectionInfoKey.unpack(raw[4:48]),
            conn_payload_key_gen=raw[48],
            key_material=raw[49:125],
            pad_tail=raw[125:128],
        )


# --- generation A/B (RFC v2) key and connection info ------------------------------------------


@dataclass
class QuicConnectionInfoKeyRFCv2:
    """Generation A/B ``struct quic_connection_info_key``: 21 bytes, no padding."""

    conn_id: bytes = bytes(QUIC_MAX_CONNECTION_ID_SIZE)
    conn_id_length: int = 0

    SIZE: ClassVar[int] = 21
    OFFSETS: ClassVar[dict[str, int]] = {"conn_id": 0, "conn_id_length": 20}

    def __post_init__(self) -> None:
        self.conn_id = _check_bytes("conn_id", self.conn_id, 20)
        _check_uint("conn_id_length", self.conn_id_length, 8)

    @classmethod
    def build(cls, dcid: bytes) -> QuicConnectionInfoKeyRFCv2:
        """A clean key, DCID left-aligned (quirk 3: the code, not the seed's doc example)."""
        dcid = bytes(dcid)
        if len(dcid) > QUIC_MAX_CONNECTION_ID_SIZE:
            raise ValueError(f"DCID longer than {QUIC_MAX_CONNECTION_ID_SIZE} bytes")
        return cls(dcid.ljust(QUIC_MAX_CONNECTION_ID_SIZE, b"\0"), len(dcid))

    @property
    def dcid(self) -> bytes:
        return self.conn_id[: min(self.conn_id_length, QUIC_MAX_CONNECTION_ID_SIZE)]

    def pack(self) -> bytes:
        return self.conn_id + bytes([self.conn_id_length])

    @classmethod
    def unpack(cls, raw: bytes) -> QuicConnectionInfoKeyRFCv2:
        raw = _check_raw("struct quic_connection_info_key (RFC v2)", raw, cls.SIZE)
        return cls(raw[0:20], raw[20])


@dataclass
class QuicConnectionInfoRFCv2(_KeyMaterialMixin):
    """Generation A/B ``struct quic_connection_info``: 100 bytes, align 2."""

    cipher_type: int = 0
    key: QuicConnectionInfoKeyRFCv2 = field(default_factory=QuicConnectionInfoKeyRFCv2)
    key_material: bytes = bytes(KEY_MATERIAL_SIZE)
    pad_tail: bytes = bytes(1)

    SIZE: ClassVar[int] = 100
    ABI: ClassVar[str] = ABI_RFC_V2
    KEY_CLASS: ClassVar[type] = QuicConnectionInfoKeyRFCv2
    OFFSETS: ClassVar[dict[str, int]] = {"cipher_type": 0, "key": 2, "key_material": 23}

    def __post_init__(self) -> None:
        _check_uint("cipher_type", self.cipher_type, 16)
        if not isinstance(self.key, QuicConnectionInfoKeyRFCv2):
            raise TypeError("key must be a QuicConnectionInfoKeyRFCv2")
        self.key_material = _check_bytes("key_material", self.key_material, KEY_MATERIAL_SIZE)
        self.pad_tail = _check_bytes("pad_tail", self.pad_tail, 1)

    @classmethod
    def build(
        cls,
        cipher: int | str | CipherSpec,
        dcid: bytes,
        *,
        key: bytes,
        iv: bytes,
        hp: bytes,
    ) -> QuicConnectionInfoRFCv2:
        c = cipher_spec(cipher)
        return cls(
            cipher_type=c.cipher_type,
            key=QuicConnectionInfoKeyRFCv2.build(dcid),
            key_material=_key_material(c, key, iv, hp),
        )

    def pack(self) -> bytes:
        return (
            self.cipher_type.to_bytes(2, "little")
            + self.key.pack()
            + self.key_material
            + self.pad_tail
        )

    @classmethod
    def unpack(cls, raw: bytes) -> QuicConnectionInfoRFCv2:
        raw = _check_raw("struct quic_connection_info (RFC v2)", raw, cls.SIZE)
        return cls(
            cipher_type=int.from_bytes(raw[0:2], "little"),
            key=QuicConnectionInfoKeyRFCv2.unpack(raw[2:23]),
            key_material=raw[23:99],
            pad_tail=raw[99:100],
        )


ConnectionInfo = QuicConnectionInfo | QuicConnectionInfoRFCv2


def connection_info_class(abi: str) -> type[QuicConnectionInfo] | type[QuicConnectionInfoRFCv2]:
    """The ``struct quic_connection_info`` class of an ABI (``"v4"`` or ``"rfc_v2"``)."""
    if abi == ABI_V4:
        return QuicConnectionInfo
    if abi == ABI_RFC_V2:
        return QuicConnectionInfoRFCv2
    raise ValueError(f"unknown ABI {abi!r} (expected one of {', '.join(ABIS)})")


# --- cmsg ---------------------------------------------------------------------------------

CMSGHDR_SIZE = 16  # size_t cmsg_len; int cmsg_level; int cmsg_type


def cmsg_align(n: int) -> int:
    """``CMSG_ALIGN`` on x86_64 (8 bytes)."""
    return (n + 7) & ~7


def cmsg_len(data_len: int) -> int:
    """``CMSG_LEN(n)``: header + data, no trailing padding."""
    return CMSGHDR_SIZE + data_len


def cmsg_space(data_len: int) -> int:
    """``CMSG_SPACE(n)``: header + data padded to 8."""
    return CMSGHDR_SIZE + cmsg_align(data_len)


CMSG_LEN_ENCRYPT = cmsg_len(QuicTxAncillaryData.SIZE)  # 32
CMSG_LEN_SEGMENT = cmsg_len(2)  # 18


def pack_cmsg(level: int, type_: int, data: bytes, *, length: int | None = None) -> bytes:
    """One cmsg: header (``cmsg_len`` = ``length`` or ``CMSG_LEN(len(data))``) + data + pad."""
    data = bytes(data)
    if length is None:
        length = cmsg_len(len(data))
    hdr = struct.pack("<Qii", length, level, type_)
    return hdr + data + bytes(cmsg_align(len(data)) - len(data))


def build_control(ancdata: Iterable[tuple[int, int, bytes]]) -> bytes:
    """A control buffer from ``socket.sendmsg``-style ``(level, type, data)`` tuples."""
    out = bytearray()
    for item in ancdata:
        if not isinstance(item, tuple) or len(item) != 3:
            raise TypeError("ancillary data items must be (level, type, data) tuples")
        level, type_, data = item
        out += pack_cmsg(level, type_, bytes(data))
    return bytes(out)


@dataclass(frozen=True)
class Cmsg:
    """A cmsg as the kernel sees it while walking a control buffer."""

    offset: int
    cmsg_len: int
    level: int
    type: int
    data: bytes


class CmsgError(ValueError):
    """A cmsg failing ``CMSG_OK`` (the kernel's -EINVAL)."""


def walk_control(control: bytes) -> list[Cmsg]:
    """Walk a control buffer like ``for_each_cmsghdr`` + ``CMSG_OK`` (x86_64).

    A header is read while 16 bytes remain; ``cmsg_len`` must be >= 16 and fit in what is left
    (else :class:`CmsgError`); the next header is at ``CMSG_ALIGN(cmsg_len)``. Trailing bytes
    shorter than a header are ignored, as in the kernel.
    """
    control = bytes(control)
    size = len(control)
    out: list[Cmsg] = []
    off = 0
    while off + CMSGHDR_SIZE <= size:
        length, level, type_ = struct.unpack_from("<Qii", control, off)
        if length < CMSGHDR_SIZE or length > size - off:
            raise CmsgError(f"malformed cmsg at offset {off}: cmsg_len {length}")
        out.append(Cmsg(off, length, level, type_, control[off + CMSGHDR_SIZE : off + length]))
        off += cmsg_align(length)
    return out


def parse_control(control: bytes) -> list[tuple[int, int, bytes]]:
    """The ``(level, type, data)`` tuples of a control buffer (inverse of build_control)."""
    return [(c.level, c.type, c.data) for c in walk_control(control)]


def encrypt_cmsg(next_pkt_num: int, dcid_len: int, flags: int = 0) -> tuple[int, int, bytes]:
    """The ``UDP_QUIC_ENCRYPT`` ancillary item for ``sendmsg``."""
    anc = QuicTxAncillaryData(next_pkt_num, flags, dcid_len)
    return (SOL_UDP, UDP_QUIC_ENCRYPT, anc.pack())


def segment_cmsg(gso_size: int) -> tuple[int, int, bytes]:
    """The ``UDP_SEGMENT`` ancillary item (u16, host order)."""
    return (SOL_UDP, UDP_SEGMENT, struct.pack("<H", gso_size))


def quic_ancdata(
    next_pkt_num: int, dcid_len: int, flags: int = 0, gso_size: int | None = None
) -> list[tuple[int, int, bytes]]:
    """``UDP_QUIC_ENCRYPT`` and, when ``gso_size`` is given, ``UDP_SEGMENT``."""
    items = [encrypt_cmsg(next_pkt_num, dcid_len, flags)]
    if gso_size is not None:
        items.append(segment_cmsg(gso_size))
    return items


# --- sockaddr -----------------------------------------------------------------------------


def pack_sockaddr(host: str, port: int, flowinfo: int = 0, scope_id: int = 0) -> bytes:
    """``struct sockaddr_in`` (16 bytes) for an IPv4 literal, else ``sockaddr_in6`` (28)."""
    ip = ipaddress.ip_address(host)
    _check_uint("port", port, 16)
    if isinstance(ip, ipaddress.IPv4Address):
        return struct.pack("<H", AF_INET) + struct.pack(">H", port) + ip.packed + bytes(8)
    return (
        struct.pack("<H", AF_INET6)
        + struct.pack(">H", port)
        + struct.pack(">I", flowinfo)
        + ip.packed
        + struct.pack("<I", scope_id)
    )


def sockaddr_from_address(address) -> bytes:
    """Raw sockaddr bytes from a ``socket``-style address tuple, or raw bytes as they are."""
    if isinstance(address, (bytes, bytearray, memoryview)):
        return bytes(address)
    if isinstance(address, tuple) and len(address) in (2, 4):
        host, port, *rest = address
        if not isinstance(host, str):
            raise TypeError("address host must be a str IP literal")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(f"the model needs an IP literal, not {host!r}") from None
        if not isinstance(port, int) or isinstance(port, bool):
            raise TypeError("address port must be an int")
        if not 0 <= port <= 0xFFFF:
            raise OverflowError("port must be 0-65535.")
        return pack_sockaddr(host, port, *rest)
    raise TypeError(f"address must be a (host, port[, flowinfo, scope_id]) tuple, not {address!r}")
