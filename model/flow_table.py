"""The per-socket Tx flow table with the kernel's semantics (spec §2 quirks, §3).

* The table is keyed by the **whole** ``struct quic_connection_info_key`` bytes (44 bytes in
  generation C, 21 in RFC v2), padding included: the kernel hashes and ``memcmp``\\ s the
  struct. The ADD key is stored verbatim (after the v4-mapped rewrite in gen C), while the
  sendmsg lookup key is built zero-filled, so non-zero padding or bytes after the DCID make a
  flow unreachable from ``sendmsg`` (still removable by a DEL carrying the same bytes).
* There is no duplicate check: a second ADD of the same key succeeds and lookups return the
  newest entry; a DEL removes the newest matching entry; a DEL that matches nothing is
  ``-EINVAL`` (not ``-ENOENT``).
* Generation C rewrites an IPv4-mapped IPv6 address (``::ffff:a.b.c.d``) to the IPv4 form on
  ADD, DEL and on the sendmsg destination.

Counters are the socket's business (:mod:`model.socket`); this module only raises
:class:`model.errors.KernelError` with the errno.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from .errors import KernelError
from .uapi import (
    ABI_RFC_V2,
    ABI_V4,
    QUIC_MAX_CONNECTION_ID_SIZE,
    CipherSpec,
    ConnectionInfo,
    QuicConnectionInfo,
    QuicConnectionInfoKey,
    QuicConnectionInfoKeyRFCv2,
    cipher_spec,
    connection_info_class,
    normalize_v4_mapped,
)


@dataclass(frozen=True)
class Flow:
    """One offloaded connection as the kernel keeps it (the copied ``quic_connection_info``)."""

    info: ConnectionInfo
    key_bytes: bytes  # the whole key struct as stored (hash/compare key)
    cipher: CipherSpec
    header_key: bytes
    payload_key: bytes
    payload_iv: bytes  # 12 bytes read at payload_iv (quirk 1)
    key_gen: int | None  # conn_payload_key_gen (gen C); None for RFC v2

    @property
    def dcid(self) -> bytes:
        return self.info.key.dcid


def copy_in_connection_info(abi: str, optval: bytes | None, optlen: int) -> ConnectionInfo:
    """The checks every ADD/DEL does first, in order: NULL optval ``-EINVAL``; ``optlen !=
    sizeof(struct quic_connection_info)`` ``-EINVAL``; copy fault ``-EFAULT`` (modelled as a
    buffer shorter than ``optlen``)."""
    cls = connection_info_class(abi)
    if optval is None:
        raise KernelError(errno.EINVAL, "NULL optval")
    if optlen != cls.SIZE:
        raise KernelError(
            errno.EINVAL, f"optlen {optlen} != sizeof(struct quic_connection_info) {cls.SIZE}"
        )
    if len(optval) < optlen:
        raise KernelError(
            errno.EFAULT, f"optval buffer of {len(optval)} bytes is shorter than optlen {optlen}"
        )
    return cls.unpack(bytes(optval[:optlen]))


def _validate(abi: str, info: ConnectionInfo, *, check_cipher: bool) -> ConnectionInfo:
    """Generation C: v4-mapped rewrite, DCID length, key generation; then (ADD) the cipher."""
    if abi == ABI_V4:
        assert isinstance(info, QuicConnectionInfo)
        info.key.addr = normalize_v4_mapped(info.key.addr)
        if info.key.dst_conn_id_length > QUIC_MAX_CONNECTION_ID_SIZE:
            raise KernelError(
                errno.EINVAL,
                f"dst_conn_id_length {info.key.dst_conn_id_length} > {QUIC_MAX_CONNECTION_ID_SIZE}",
            )
        if info.conn_payload_key_gen > 1:
            raise KernelError(errno.EINVAL, f"conn_payload_key_gen {info.conn_payload_key_gen} > 1")
    if check_cipher:
        try:
            cipher_spec(info.cipher_type)
        except ValueError:
            raise KernelError(errno.EINVAL, f"unknown cipher_type {info.cipher_type}") from None
    return info


def lookup_key(abi: str, dcid: bytes, dcid_len: int, addr16: bytes = b"", port: int = 0) -> bytes:
    """The zero-filled key ``sendmsg`` looks up: DCID (``dcid_len`` bytes) left-aligned, its
    length, and in generation C the 16-byte address and the big-endian port."""
    dcid = bytes(dcid)[:dcid_len]
    if abi == ABI_V4:
        return QuicConnectionInfoKey(
            dst_conn_id=dcid.ljust(QUIC_MAX_CONNECTION_ID_SIZE, b"\0"),
            dst_conn_id_length=dcid_len,
            addr=normalize_v4_mapped(bytes(addr16).ljust(16, b"\0")),
            udp_port=port,
        ).pack()
    if abi == ABI_RFC_V2:
        return QuicConnectionInfoKeyRFCv2(
            dcid.ljust(QUIC_MAX_CONNECTION_ID_SIZE, b"\0"), dcid_len
        ).pack()
    raise ValueError(f"unknown ABI {abi!r}")


class FlowTable:
    """Insertion-ordered entries; every search returns the newest match."""

    def __init__(self, abi: str = ABI_V4) -> None:
        connection_info_class(abi)  # validates the ABI name
        self.abi = abi
        self._entries: list[Flow] = []

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self):
        return iter(list(self._entries))

    def add(self, optval: bytes | None, optlen: int | None = None) -> Flow:
        """``UDP_QUIC_ADD_TX_CONNECTION``: checks in the kernel's order, then insert."""
        if optlen is None:
            optlen = 0 if optval is None else len(optval)
        info = copy_in_connection_info(self.abi, optval, optlen)
        info = _validate(self.abi, info, check_cipher=True)
        flow = Flow(
            info=info,
            key_bytes=info.key.pack(),
            cipher=info.cipher,
            header_key=info.header_key,
            payload_key=info.payload_key,
            payload_iv=info.payload_iv,
            key_gen=info.conn_payload_key_gen if self.abi == ABI_V4 else None,
        )
        self._entries.append(flow)
        return flow

    def delete(self, optval: bytes | None, optlen: int | None = None) -> Flow:
        """``UDP_QUIC_DEL_TX_CONNECTION``: same length and validity checks (the cipher is not
        looked at: only ``key`` is used); removes the newest entry whose whole key matches;
        ``-EINVAL`` when none does."""
        if optlen is None:
            optlen = 0 if optval is None else len(optval)
        info = copy_in_connection_info(self.abi, optval, optlen)
        info = _validate(self.abi, info, check_cipher=False)
        removed = self.remove_key(info.key.pack())
        if removed is None:
            raise KernelError(errno.EINVAL, "DEL: no flow with this key")
        return removed

    def lookup(self, key_bytes: bytes) -> Flow | None:
        """The newest entry whose stored key equals ``key_bytes`` byte for byte."""
        for flow in reversed(self._entries):
            if flow.key_bytes == key_bytes:
                return flow
        return None

    def remove_key(self, key_bytes: bytes) -> Flow | None:
        for i in range(len(self._entries) - 1, -1, -1):
            if self._entries[i].key_bytes == key_bytes:
                return self._entries.pop(i)
        return None

    def clear(self) -> int:
        """Remove every flow; returns how many there were."""
        n = len(self._entries)
        self._entries.clear()
        return n
