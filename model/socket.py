"""A UDP socket with the ``quic-crypto`` ULP, shaped like Python's ``socket.socket``.

:class:`QuicTxSocket` mirrors what a QUIC stack does with the kernel API::

    s = QuicTxSocket()                                   # abi="v4" (gen C) or "rfc_v2"
    s.setsockopt(SOL_UDP, UDP_ULP, b"quic-crypto")
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, info.pack())
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 1200)
    n = s.sendmsg([plaintext], quic_ancdata(next_pkt_num, dcid_len), 0, ("10.0.0.2", 4433))
    s.sent                                               # datagrams that left, in order
    s.counters.proc_text()                               # /proc/net/quic_stat
    s.close()

Errors are raised as :class:`model.errors.KernelError` (an ``OSError``) with the kernel's
errno, after the counters were updated the way the kernel updates them.

``sendmsg`` follows spec §4 in the kernel's order of checks (generation C unless the socket is
``abi="rfc_v2"``: then the flow key is the DCID only, there is no key-phase check, and the
destination is only checked by the UDP layer after encryption). What leaves the socket is
recorded in :attr:`QuicTxSocket.sent` and, optionally, sent for real through a UDP socket
(``wire=``).

Deliberate divergences from the patch (``model/DIVERGENCES.md``, each tested):

1. AES-128-CCM is RFC 9001-correct (the patch hands a 12-byte nonce to ``ccm(aes)``).
2. A segment too short for the 16-byte header-protection sample (``pn_len + payload < 4``) is
   refused with ``EINVAL`` and a message, counted in ``QuicTxSwError`` (the kernel samples past
   the packet).
3. ``close()`` removes every flow and decrements ``QuicCurrTxSw`` as the documentation promises
   (``remove_flows_on_close=False`` gives the patch's behaviour: nothing is released).
4. ``gso == 16`` (no room for plaintext) is ``EINVAL`` (the kernel divides by zero).
5. ``abi="rfc_v2"`` uses the seed's layout with the correct ChaCha20 mask (generation B).

Scope: the socket is dual-stack (IPv4 and IPv6 destinations); IP-level cmsgs, routes, MTU and
the UDP GSO size-vs-MTU check are not modelled; user buffers are taken as page-aligned when
counting pinned pages. After each ``sendmsg``, :attr:`QuicTxSocket.last_send_bypassed` says
whether the data went through plain UDP (``True``), the encryption path (``False``) or failed
before either (``None``).
"""

from __future__ import annotations

import errno
import ipaddress
import socket as _pysocket
import struct
from dataclasses import dataclass

from .counters import Counters
from .errors import KernelError
from .flow_table import Flow, FlowTable, lookup_key
from .packet_protection import PacketTooShortError, protect_short_header_packet
from .uapi import (
    ABI_V4,
    AF_INET,
    AF_INET6,
    AF_UNSPEC,
    CMSG_LEN_ENCRYPT,
    CMSG_LEN_SEGMENT,
    MSG_MORE,
    PAGE_SIZE,
    QUIC_ANCILLARY_FLAGS,
    QUIC_BYPASS_ENCRYPTION,
    QUIC_MAX_CIPHER_PAGES_ORDER,
    QUIC_MAX_CONNECTION_ID_SIZE,
    QUIC_MAX_IOVEC_SEGMENTS,
    QUIC_MAX_PLAIN_PAGES,
    QUIC_MAX_SG_ALLOC_ELEMENTS,
    QUIC_MAX_SHORT_HEADER_SIZE,
    QUIC_TAG_SIZE,
    QUIC_ULP_NAME,
    SIN6_LEN_RFC2133,
    SOCKADDR_IN_SIZE,
    SOL_UDP,
    UDP_MAX_PAYLOAD,
    UDP_MAX_SEGMENTS,
    UDP_QUIC_ADD_TX_CONNECTION,
    UDP_QUIC_DEL_TX_CONNECTION,
    UDP_QUIC_ENCRYPT,
    UDP_SEGMENT,
    UDP_ULP,
    UDP_ULP_NAME_MAX,
    CmsgError,
    QuicTxAncillaryData,
    build_control,
    connection_info_class,
    is_v4_mapped,
    sockaddr_from_address,
    walk_control,
)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@dataclass(frozen=True)
class Destination:
    """A UDP destination: family, raw address (4 or 16 bytes), port."""

    family: int
    addr: bytes
    port: int

    @property
    def host(self) -> str:
        return str(ipaddress.ip_address(self.addr))

    @property
    def key_addr(self) -> bytes:
        """The 16-byte ``addr`` field of a generation C flow key."""
        return self.addr.ljust(16, b"\0")

    def normalized(self) -> Destination:
        """IPv4-mapped IPv6 rewritten to IPv4 (generation C)."""
        if self.family == AF_INET6 and is_v4_mapped(self.addr):
            return Destination(AF_INET, self.addr[12:16], self.port)
        return self

    def as_tuple(self) -> tuple[str, int]:
        return (self.host, self.port)

    def __str__(self) -> str:
        if self.family == AF_INET6:
            return f"[{self.host}]:{self.port}"
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class SentDatagram:
    """One UDP payload that left the socket."""

    data: bytes
    dst: Destination
    bypass: bool  # sent unchanged through plain UDP (no encryption)
    send_index: int  # which sendmsg call of this socket produced it (0-based)


@dataclass
class _Cork:
    dst: Destination
    gso: int
    data: bytearray


def parse_sockaddr(raw: bytes) -> Destination:
    """A ``msg_name`` as the model's kernel reads it: shorter than the family field or than
    ``sockaddr_in`` (16) / ``SIN6_LEN_RFC2133`` (24) is ``-EINVAL``; a family other than
    ``AF_INET``/``AF_INET6`` is ``-EAFNOSUPPORT``."""
    raw = bytes(raw)
    if len(raw) < 2:
        raise KernelError(errno.EINVAL, f"msg_namelen {len(raw)} too short for a family")
    family = struct.unpack_from("<H", raw)[0]
    if family == AF_INET:
        if len(raw) < SOCKADDR_IN_SIZE:
            raise KernelError(errno.EINVAL, f"msg_namelen {len(raw)} < sizeof(sockaddr_in)")
        return Destination(AF_INET, raw[4:8], int.from_bytes(raw[2:4], "big"))
    if family == AF_INET6:
        if len(raw) < SIN6_LEN_RFC2133:
            raise KernelError(errno.EINVAL, f"msg_namelen {len(raw)} < SIN6_LEN_RFC2133")
        return Destination(AF_INET6, raw[8:24], int.from_bytes(raw[2:4], "big"))
    raise KernelError(errno.EAFNOSUPPORT, f"address family {family}")


def _optval(value, optlen: int | None) -> tuple[bytes | None, int]:
    """setsockopt's (optval, optlen) from Python-style arguments."""
    if value is None:
        if optlen is None:
            raise TypeError("setsockopt with a None value needs an explicit optlen")
        return None, optlen
    if isinstance(value, bool) or isinstance(value, int):
        if optlen is not None:
            raise TypeError("setsockopt with an int value takes no optlen")
        if not -(1 << 31) <= int(value) < (1 << 31):
            raise OverflowError("setsockopt int value out of range of a C int")
        return struct.pack("<i", int(value)), 4
    if isinstance(value, str):
        value = value.encode()
    data = bytes(value)
    return data, len(data) if optlen is None else optlen


class QuicTxSocket:
    """The model of one UDP socket with (optionally) the ``quic-crypto`` ULP attached.

    :param abi: ``"v4"`` (generation C, default) or ``"rfc_v2"`` (the seed's layout).
    :param counters: the namespace's counters (shared between sockets); a new one by default.
    :param wire: ``None`` (record only), ``True`` (also send every datagram through real UDP
        sockets the model opens), or a ``socket.socket`` to send them through.
    :param attach_ulp: do ``setsockopt(SOL_UDP, UDP_ULP, "quic-crypto")`` now.
    :param remove_flows_on_close: ``True`` (default): close removes every flow and decrements
        ``QuicCurrTxSw``, as the documentation promises; ``False``: the patch's behaviour (its
        cleanup is never called, the counter stays up).
    """

    def __init__(
        self,
        abi: str = ABI_V4,
        *,
        counters: Counters | None = None,
        wire=None,
        attach_ulp: bool = False,
        remove_flows_on_close: bool = True,
    ) -> None:
        connection_info_class(abi)
        self.abi = abi
        self.counters = counters if counters is not None else Counters()
        self.flows = FlowTable(abi)
        self.sent: list[SentDatagram] = []
        self.remove_flows_on_close = remove_flows_on_close
        self._ulp = False
        self._gso = 0
        self._peer: Destination | None = None
        self._cork: _Cork | None = None
        self._closed = False
        self._sends = 0
        self.last_send_bypassed: bool | None = None
        self._wire = wire
        self._own_wire: dict[int, _pysocket.socket] = {}
        if attach_ulp:
            self.setsockopt(SOL_UDP, UDP_ULP, QUIC_ULP_NAME)

    # --- state -------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def ulp_attached(self) -> bool:
        return self._ulp

    @property
    def gso_size(self) -> int:
        """The ``UDP_SEGMENT`` socket option value."""
        return self._gso

    @property
    def peer(self) -> Destination | None:
        return self._peer

    def proc_net_quic_stat(self) -> str:
        """The text of ``/proc/net/quic_stat`` for this socket's namespace."""
        return self.counters.proc_text()

    def _check_open(self) -> None:
        if self._closed:
            raise KernelError(errno.EBADF, "socket is closed")

    def __enter__(self) -> QuicTxSocket:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- control plane -------------------------------------------------------------------

    def setsockopt(self, level: int, optname: int, value, optlen: int | None = None) -> None:
        """``setsockopt(level, optname, value[, optlen])``.

        ``value``: ``bytes`` (optlen = its length unless given; a buffer shorter than ``optlen``
        stands for a faulting user pointer), ``int`` (a C int, 4 bytes, like Python's), ``str``
        (encoded), or ``None`` with ``optlen`` (a NULL optval).
        """
        self._check_open()
        optval, optlen = _optval(value, optlen)
        if (
            self._ulp
            and level == SOL_UDP
            and optname in (UDP_QUIC_ADD_TX_CONNECTION, UDP_QUIC_DEL_TX_CONNECTION)
        ):
            try:
                if optname == UDP_QUIC_ADD_TX_CONNECTION:
                    self.flows.add(optval, optlen)
                    self.counters.flow_added()
                else:
                    self.flows.delete(optval, optlen)
                    self.counters.flow_removed()
            except KernelError:
                self.counters.error()
                raise
            return
        if level != SOL_UDP:
            raise KernelError(errno.ENOPROTOOPT, f"level {level} is not modelled")
        # udp_lib_setsockopt: every SOL_UDP option first reads an int.
        if optlen < 4:
            raise KernelError(errno.EINVAL, f"optlen {optlen} < sizeof(int)")
        if optval is None or len(optval) < 4:
            raise KernelError(errno.EFAULT, "optval not readable")
        val = struct.unpack_from("<i", optval)[0]
        if optname == UDP_SEGMENT:
            if not 0 <= val <= 0xFFFF:
                raise KernelError(errno.EINVAL, f"UDP_SEGMENT {val} out of 0..65535")
            self._gso = val
            return
        if optname == UDP_ULP:
            self._set_ulp(optval, optlen)
            return
        if optname in (UDP_QUIC_ADD_TX_CONNECTION, UDP_QUIC_DEL_TX_CONNECTION):
            raise KernelError(errno.ENOPROTOOPT, "the quic-crypto ULP is not attached")
        raise KernelError(errno.ENOPROTOOPT, f"SOL_UDP option {optname} is not modelled")

    def _set_ulp(self, optval: bytes, optlen: int) -> None:
        if optlen == 0 or optlen > UDP_ULP_NAME_MAX:
            raise KernelError(errno.EINVAL, f"ULP name length {optlen}")
        window = optval[:optlen]
        nul = window.find(b"\0")
        if nul >= 0:
            name = window[:nul]
        elif len(optval) < optlen:
            raise KernelError(errno.EFAULT, "ULP name not readable")
        else:
            name = window
        if len(name) == UDP_ULP_NAME_MAX:
            raise KernelError(errno.EINVAL, "ULP name not NUL-terminated within 16 bytes")
        if name != QUIC_ULP_NAME.encode():
            raise KernelError(errno.ENOENT, f"no ULP named {name!r}")
        if self._ulp:
            raise KernelError(errno.EEXIST, "a ULP is already attached")
        self._ulp = True

    def connect(self, address) -> None:
        """UDP ``connect``: remember the peer (``AF_UNSPEC`` disconnects)."""
        self._check_open()
        raw = sockaddr_from_address(address)
        if len(raw) >= 2 and struct.unpack_from("<H", raw)[0] == AF_UNSPEC:
            self._peer = None
            return
        self._peer = parse_sockaddr(raw)

    def close(self) -> None:
        """Close the socket. With ``remove_flows_on_close`` (default) every flow is removed and
        ``QuicCurrTxSw`` decremented for each (a documented divergence from the patch)."""
        if self._closed:
            return
        if self.remove_flows_on_close:
            self.counters.flow_removed(self.flows.clear())
        self._cork = None
        for s in self._own_wire.values():
            s.close()
        self._own_wire.clear()
        self._closed = True

    # --- data plane ----------------------------------------------------------------------

    def sendmsg(self, buffers, ancdata=(), flags: int = 0, address=None) -> int:
        """``sendmsg(buffers, ancdata, flags, address)`` with the shapes of ``socket.sendmsg``.

        ``ancdata`` is a list of ``(level, type, data)`` or a raw control buffer (bytes);
        ``address`` a ``(host, port[, flowinfo, scope_id])`` tuple with an IP literal, raw
        sockaddr bytes, or ``None`` for the connected peer. Returns the number of plaintext
        bytes; raises :class:`KernelError` with the kernel's errno.
        """
        self._check_open()
        bufs = [bytes(b) for b in buffers]
        if isinstance(ancdata, (bytes, bytearray, memoryview)):
            control = bytes(ancdata)
        else:
            control = build_control(ancdata)
        name = None if address is None else sockaddr_from_address(address)
        if name is not None and len(name) == 0:
            name = None  # msg_namelen 0: no address
        index = self._sends
        self._sends += 1
        self.last_send_bypassed = None
        if not self._ulp:
            return self._udp_sendmsg(bufs, control, flags, name, index)
        return self._quic_sendmsg(bufs, control, flags, name, index)

    def _fail(self, err: int, detail: str):
        self.counters.error()
        raise KernelError(err, detail)

    def _destination(self, name: bytes | None) -> Destination:
        if name is not None:
            dst = parse_sockaddr(name)
        elif self._peer is not None:
            dst = self._peer
        else:
            raise KernelError(errno.EDESTADDRREQ, "no msg_name and not connected")
        if dst.port == 0:
            raise KernelError(errno.EINVAL, "destination port 0")
        return dst.normalized()

    def _udp_control(self, control: bytes) -> int:
        """``udp_cmsg_send``: the gso size for this send; unknown SOL_UDP types are -EINVAL."""
        gso = self._gso
        try:
            cmsgs = walk_control(control)
        except CmsgError as exc:
            raise KernelError(errno.EINVAL, str(exc)) from None
        for c in cmsgs:
            if c.level != SOL_UDP:
                continue  # IP-level cmsgs: not modelled
            if c.type == UDP_SEGMENT:
                if c.cmsg_len != CMSG_LEN_SEGMENT:
                    raise KernelError(errno.EINVAL, f"UDP_SEGMENT cmsg_len {c.cmsg_len} != 18")
                gso = struct.unpack_from("<H", c.data)[0]
            elif c.type == UDP_QUIC_ENCRYPT:
                if c.cmsg_len != CMSG_LEN_ENCRYPT:
                    raise KernelError(errno.EINVAL, f"UDP_QUIC_ENCRYPT cmsg_len {c.cmsg_len} != 32")
            else:
                raise KernelError(errno.EINVAL, f"unknown SOL_UDP cmsg type {c.type}")
        return gso

    def _udp_sendmsg(self, bufs, control, flags, name, index) -> int:
        """Plain ``udp_sendmsg`` (bypasses and sockets without the ULP): no QUIC counters."""
        self.last_send_bypassed = True
        data = b"".join(bufs)
        if len(data) > UDP_MAX_PAYLOAD:
            raise KernelError(errno.EMSGSIZE, f"{len(data)} bytes > 65535")
        if self._cork is not None:
            self._cork.data += data
            if not flags & MSG_MORE:
                self._flush_cork(index)
            return len(data)
        dst = self._destination(name)
        gso = self._udp_control(control) if control else self._gso
        if flags & MSG_MORE:
            self._cork = _Cork(dst, gso, bytearray(data))
            return len(data)
        self._deliver(self._udp_segments(data, gso), dst, True, index)
        return len(data)

    def _udp_segments(self, data: bytes, gso: int) -> list[bytes]:
        if gso and len(data) > gso:
            if len(data) > gso * UDP_MAX_SEGMENTS:
                raise KernelError(errno.EINVAL, f"more than {UDP_MAX_SEGMENTS} GSO segments")
            return [data[i : i + gso] for i in range(0, len(data), gso)]
        return [data]

    def _flush_cork(self, index: int) -> None:
        cork, self._cork = self._cork, None
        assert cork is not None
        self._deliver(self._udp_segments(bytes(cork.data), cork.gso), cork.dst, True, index)

    def _quic_sendmsg(self, bufs, control, flags, name, index) -> int:
        data = b"".join(bufs)
        length = len(data)
        hdr = data[:QUIC_MAX_SHORT_HEADER_SIZE]
        if length == 0:
            self._fail(errno.EINVAL, "empty message")
        # Bypasses: plain UDP, no QUIC counters.
        if length < 2:
            return self._udp_sendmsg(bufs, control, flags, name, index)
        if (hdr[0] & 0xC0) != 0x40:
            return self._udp_sendmsg(bufs, control, flags, name, index)
        if flags & MSG_MORE or self._cork is not None:
            self._fail(errno.EINVAL, "MSG_MORE or corked data pending")
        if not control:
            self._fail(errno.EINVAL, "no control data")
        try:
            cmsgs = walk_control(control)
        except CmsgError as exc:
            self._fail(errno.EINVAL, str(exc))
        anc: QuicTxAncillaryData | None = None
        gso = self._gso
        for c in cmsgs:
            if c.level != SOL_UDP:
                continue
            if c.type == UDP_QUIC_ENCRYPT:
                if c.cmsg_len != CMSG_LEN_ENCRYPT:
                    self._fail(errno.EINVAL, f"UDP_QUIC_ENCRYPT cmsg_len {c.cmsg_len} != 32")
                anc = QuicTxAncillaryData.unpack(c.data)
            elif c.type == UDP_SEGMENT:
                if c.cmsg_len != CMSG_LEN_SEGMENT:
                    self._fail(errno.EINVAL, f"UDP_SEGMENT cmsg_len {c.cmsg_len} != 18")
                gso = struct.unpack_from("<H", c.data)[0]
        if anc is None:
            self._fail(errno.EINVAL, "no UDP_QUIC_ENCRYPT cmsg")
        if anc.flags & ~QUIC_ANCILLARY_FLAGS:
            self._fail(errno.EINVAL, f"reserved ancillary flags 0x{anc.flags:02x}")
        if anc.flags & QUIC_BYPASS_ENCRYPTION:
            return self._udp_sendmsg(bufs, control, flags, name, index)
        dcid_len = anc.dst_conn_id_length
        if len(hdr) < 1 + dcid_len:
            self._fail(errno.EINVAL, f"message shorter than 1 + dcid_len ({dcid_len})")
        dst: Destination | None = None
        if self.abi == ABI_V4:
            try:
                dst = self._destination(name)
            except KernelError as exc:
                self._fail(exc.errno, exc.detail)
        if dcid_len > QUIC_MAX_CONNECTION_ID_SIZE:
            self._fail(errno.EINVAL, f"dcid_len {dcid_len} > {QUIC_MAX_CONNECTION_ID_SIZE}")
        key = lookup_key(
            self.abi,
            hdr[1 : 1 + dcid_len],
            dcid_len,
            dst.key_addr if dst else b"",
            dst.port if dst else 0,
        )
        flow = self.flows.lookup(key)
        if flow is None:
            self._fail(errno.EINVAL, "no flow for this DCID/destination")
        self._check_key_phase(flow, hdr)
        if gso:
            if gso < QUIC_TAG_SIZE:
                self.last_send_bypassed = False
                return 0  # the kernel's "goto out" with ret == 0: nothing sent, no counter
            plain_pkt = gso - QUIC_TAG_SIZE
            if plain_pkt == 0:
                self._fail(
                    errno.EINVAL,
                    "gso == 16 leaves no room for plaintext (the kernel divides by zero)",
                )
        else:
            plain_pkt = length
        nseg = _ceil_div(length, plain_pkt)
        self._check_resources(bufs, length, nseg)
        segments = [data[i : i + plain_pkt] for i in range(0, length, plain_pkt)]
        out = [
            self._protect(flow, seg, k, dcid_len, anc.next_pkt_num)
            for k, seg in enumerate(segments)
        ]
        # Delivery through udp_sendmsg with the same address and control data (in its order:
        # destination, then cmsgs); for generation C the destination was checked already.
        try:
            if dst is None:
                dst = self._destination(name)
            self._udp_control(control)
        except KernelError as exc:
            self._fail(exc.errno, exc.detail)
        self.last_send_bypassed = False
        self._deliver(out, dst, False, index)
        return length

    def _check_key_phase(self, flow: Flow, hdr: bytes) -> None:
        """(gen C) The first packet's key-phase bit must match ``conn_payload_key_gen``.
        A hook: an offload driver leaves this check to its hardware."""
        if self.abi == ABI_V4 and ((hdr[0] >> 2) & 1) != flow.key_gen:
            self._fail(
                errno.EINVAL,
                f"key phase {(hdr[0] >> 2) & 1} != conn_payload_key_gen {flow.key_gen}",
            )

    def _check_resources(self, bufs: list[bytes], length: int, nseg: int) -> None:
        sg = _ceil_div(length, PAGE_SIZE) + nseg + 1
        if 2 * sg >= QUIC_MAX_SG_ALLOC_ELEMENTS:
            self._fail(errno.ENOMEM, f"scatterlist: 2 * {sg} >= {QUIC_MAX_SG_ALLOC_ELEMENTS}")
        if len(bufs) >= QUIC_MAX_IOVEC_SEGMENTS:
            self._fail(errno.ENOMEM, f"{len(bufs)} iovecs >= {QUIC_MAX_IOVEC_SEGMENTS}")
        pages = sum(_ceil_div(len(b), PAGE_SIZE) for b in bufs)
        if pages > QUIC_MAX_PLAIN_PAGES:
            self._fail(errno.ENOMEM, f"{pages} pinned pages > {QUIC_MAX_PLAIN_PAGES}")
        cipher_pages = _ceil_div(length + QUIC_TAG_SIZE * nseg, PAGE_SIZE)
        if cipher_pages >= 1 << QUIC_MAX_CIPHER_PAGES_ORDER:
            self._fail(errno.ENOMEM, f"{cipher_pages} cipher pages >= 16")

    def _protect(self, flow: Flow, seg: bytes, k: int, dcid_len: int, next_pkt_num: int) -> bytes:
        try:
            return protect_short_header_packet(
                flow.cipher,
                flow.payload_key,
                flow.payload_iv,
                flow.header_key,
                seg,
                dcid_len,
                next_pkt_num,
            )
        except PacketTooShortError as exc:
            self._fail(errno.EINVAL, f"segment {k}: {exc}")

    def _deliver(self, datagrams: list[bytes], dst: Destination, bypass: bool, index: int) -> None:
        for d in datagrams:
            self.sent.append(SentDatagram(d, dst, bypass, index))
        if self._wire is None or self._wire is False:
            return
        for d in datagrams:
            self._wire_send(d, dst)

    def _wire_send(self, data: bytes, dst: Destination) -> None:
        if self._wire is True:
            family = _pysocket.AF_INET if dst.family == AF_INET else _pysocket.AF_INET6
            sock = self._own_wire.get(family)
            if sock is None:
                sock = self._own_wire[family] = _pysocket.socket(family, _pysocket.SOCK_DGRAM)
            sock.sendto(data, dst.as_tuple())
            return
        sock = self._wire
        if sock.family == _pysocket.AF_INET6 and dst.family == AF_INET:
            sock.sendto(data, (f"::ffff:{dst.host}", dst.port))
        else:
            sock.sendto(data, dst.as_tuple())
