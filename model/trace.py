"""Traces (JSON Lines) in, results (JSON Lines) out: ``/work/shared/spec/trace-format.md``.

Public, reusable pieces (the hardware driver in ``sim/`` replays the same traces):

* :func:`load_trace` / :func:`parse_trace` - validate a whole trace up front into :class:`Op`\\ s;
  any malformed line is a :class:`TraceError` naming the line and the field, and nothing runs;
* :func:`replay` - run the ops through :class:`model.socket.QuicTxSocket`;
* :func:`result_lines` / :func:`write_results` / :func:`format_result` - the result file
  (``json.dumps`` with its default separators, keys in the order ``seq``, ``ret``/``errno``,
  ``bypass``, ``datagrams``, ``extra``; last line ``{"quic_stat": {...}}``);
* :func:`compare_results` - every difference between two result files, ignoring ``extra``;
* :func:`format_report` - the human report of ``python -m model replay --report``;
* :func:`build_add_optval`, :func:`build_del_optval`, :func:`build_send_args` - the exact
  ``setsockopt``/``sendmsg`` arguments an op stands for.

Model extensions of the format (documented in ``model/DIVERGENCES.md``): ``send`` also accepts
``msg_flags`` (sendmsg flags, e.g. ``MSG_MORE`` = 32768) and ``msg_name`` (raw sockaddr hex,
instead of ``dst``); ``add``/``del`` accept ``abi`` (``"v4"`` or ``"rfc_v2"``: the struct layout
to build, default the socket's); ``{"op": "socket", "abi": ..., "ulp": true}`` closes the
current socket and opens a new one (same counters); ``{"op": "ulp", "name": ...}`` is
``setsockopt(SOL_UDP, UDP_ULP, name)``. The replay starts with a generation C socket with the
``quic-crypto`` ULP attached.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections import Counter as _Tally
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .counters import Counters
from .errors import KernelError
from .socket import QuicTxSocket
from .uapi import (
    ABI_RFC_V2,
    ABI_V4,
    ABIS,
    CIPHER_NAMES,
    QUIC_IV_SIZE,
    QUIC_MAX_CONNECTION_ID_SIZE,
    SOL_UDP,
    TLS_CIPHER_AES_GCM_128,
    UDP_QUIC_ADD_TX_CONNECTION,
    UDP_QUIC_DEL_TX_CONNECTION,
    UDP_SEGMENT,
    UDP_ULP,
    QuicConnectionInfo,
    QuicConnectionInfoRFCv2,
    quic_ancdata,
    segment_cmsg,
)

# --- loading --------------------------------------------------------------------------------


class TraceError(ValueError):
    """A malformed trace line: ``source:line: field 'x': message``."""

    def __init__(self, source: str, line: int, field_name: str | None, message: str) -> None:
        where = f"{source}:{line}"
        what = f"field '{field_name}': " if field_name else ""
        super().__init__(f"{where}: {what}{message}")
        self.source = source
        self.line = line
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Op:
    """One validated trace operation."""

    seq: int  # 0-based index among operations (blank lines are not operations)
    line: int  # 1-based line number in the trace
    op: str
    fields: dict[str, Any]  # decoded values (bytes for hex, ints, (host, port) for dst, ...)
    source: dict[str, Any] = field(repr=False, default_factory=dict)  # the JSON object as read


_REQUIRED_OPTIONAL: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "add": (
        frozenset({"cipher", "dcid", "key", "iv", "hp"}),
        frozenset({"addr", "port", "key_gen", "abi"}),
    ),
    "add_raw": (frozenset({"optval"}), frozenset()),
    "del": (frozenset({"dcid"}), frozenset({"addr", "port", "abi"})),
    "del_raw": (frozenset({"optval"}), frozenset()),
    "segment": (frozenset({"gso"}), frozenset()),
    "send": (
        frozenset({"iov"}),
        frozenset(
            {
                "dst",
                "next_pkt_num",
                "flags",
                "dcid_len",
                "gso",
                "encrypt_cmsg",
                "control",
                "msg_flags",
                "msg_name",
            }
        ),
    ),
    "connect": (frozenset({"dst"}), frozenset()),
    "close": (frozenset(), frozenset()),
    "socket": (frozenset(), frozenset({"abi", "ulp"})),
    "ulp": (frozenset({"name"}), frozenset()),
}
OPS = tuple(_REQUIRED_OPTIONAL)

_HEX = re.compile(r"[0-9a-fA-F]*")


class _Line:
    """Field decoders bound to one trace line (for error messages)."""

    def __init__(self, source: str, line: int, obj: dict[str, Any]) -> None:
        self.source = source
        self.line = line
        self.obj = obj

    def error(self, name: str | None, message: str) -> TraceError:
        return TraceError(self.source, self.line, name, message)

    def hex(self, name: str, value: Any = None) -> bytes:
        value = self.obj[name] if value is None else value
        if not isinstance(value, str):
            raise self.error(name, f"expected a hex string, got {type(value).__name__}")
        if not _HEX.fullmatch(value):
            raise self.error(name, f"bad hex {value[:40]!r}: only 0-9 a-f allowed")
        if len(value) % 2:
            raise self.error(name, f"bad hex: odd number of digits ({len(value)})")
        return bytes.fromhex(value)

    def integer(self, name: str, lo: int, hi: int) -> int:
        value = self.obj[name]
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(name, f"expected an integer, got {json.dumps(value)}")
        if not lo <= value <= hi:
            raise self.error(name, f"{value} out of range {lo}..{hi}")
        return value

    def boolean(self, name: str) -> bool:
        value = self.obj[name]
        if not isinstance(value, bool):
            raise self.error(name, f"expected true or false, got {json.dumps(value)}")
        return value

    def string(self, name: str, choices: Iterable[str] | None = None) -> str:
        value = self.obj[name]
        if not isinstance(value, str):
            raise self.error(name, f"expected a string, got {json.dumps(value)}")
        if choices is not None and value not in choices:
            raise self.error(
                name, f"unknown value {value!r} (expected one of {', '.join(choices)})"
            )
        return value

    def ip(self, name: str) -> str:
        value = self.string(name)
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise self.error(name, f"bad address {value!r}: not an IPv4 or IPv6 literal") from None
        return value

    def host_port(self, name: str) -> tuple[str, int]:
        value = self.string(name)
        m = re.fullmatch(r"\[([^\]]+)\]:(\d+)|([^:\[\]]+):(\d+)", value)
        if not m:
            raise self.error(name, f"bad address {value!r}: expected host:port or [ipv6]:port")
        host = m.group(1) or m.group(3)
        port = int(m.group(2) or m.group(4))
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise self.error(
                name, f"bad address {value!r}: {host!r} is not an IP literal"
            ) from None
        if m.group(1) and ip.version != 6:
            raise self.error(name, f"bad address {value!r}: brackets are for IPv6")
        if m.group(3) and ip.version != 4:
            raise self.error(name, f"bad address {value!r}: put an IPv6 host in brackets")
        if port > 0xFFFF:
            raise self.error(name, f"bad address {value!r}: port {port} > 65535")
        return (host, port)


def _decode(ln: _Line, op: str, abi: str) -> dict[str, Any]:
    obj = ln.obj
    f: dict[str, Any] = {}
    if op in ("add", "del"):
        op_abi = ln.string("abi", ABIS) if "abi" in obj else abi
        f["abi"] = op_abi
        dcid = ln.hex("dcid")
        if len(dcid) > QUIC_MAX_CONNECTION_ID_SIZE:
            raise ln.error("dcid", f"{len(dcid)} bytes > {QUIC_MAX_CONNECTION_ID_SIZE}")
        f["dcid"] = dcid
        if op_abi == ABI_V4:
            for name in ("addr", "port"):
                if name not in obj:
                    raise ln.error(name, "missing (required by the v4 flow key)")
            f["addr"] = ln.ip("addr")
            f["port"] = ln.integer("port", 0, 0xFFFF)
        else:
            for name in ("addr", "port", "key_gen"):
                if name in obj:
                    raise ln.error(name, "not part of the rfc_v2 layout")
        if op == "add":
            cipher = CIPHER_NAMES.get(ln.string("cipher", CIPHER_NAMES))
            f["cipher"] = cipher.name
            for name, size in (
                ("key", cipher.key_size),
                ("iv", QUIC_IV_SIZE),
                ("hp", cipher.key_size),
            ):
                value = ln.hex(name)
                if len(value) != size:
                    raise ln.error(name, f"{cipher.name} needs {size} bytes, got {len(value)}")
                f[name] = value
            f["key_gen"] = ln.integer("key_gen", 0, 255) if "key_gen" in obj else 0
    elif op in ("add_raw", "del_raw"):
        f["optval"] = ln.hex("optval")
    elif op == "segment":
        f["gso"] = ln.integer("gso", -(1 << 31), (1 << 31) - 1)
    elif op == "connect":
        f["dst"] = ln.host_port("dst")
    elif op == "socket":
        f["abi"] = ln.string("abi", ABIS) if "abi" in obj else ABI_V4
        f["ulp"] = ln.boolean("ulp") if "ulp" in obj else True
    elif op == "ulp":
        f["name"] = ln.string("name")
    elif op == "send":
        iov = obj["iov"]
        if not isinstance(iov, list):
            raise ln.error("iov", "expected a list of hex strings")
        f["iov"] = [ln.hex(f"iov[{i}]", v) for i, v in enumerate(iov)]
        if "dst" in obj and "msg_name" in obj:
            raise ln.error("msg_name", "give either dst or msg_name, not both")
        if "dst" in obj:
            f["dst"] = ln.host_port("dst")
        if "msg_name" in obj:
            f["msg_name"] = ln.hex("msg_name")
        f["msg_flags"] = ln.integer("msg_flags", 0, (1 << 31) - 1) if "msg_flags" in obj else 0
        if "control" in obj:
            for name in ("next_pkt_num", "flags", "dcid_len", "gso", "encrypt_cmsg"):
                if name in obj:
                    raise ln.error(name, "not allowed with 'control' (the raw control buffer)")
            f["control"] = ln.hex("control")
        else:
            f["next_pkt_num"] = (
                ln.integer("next_pkt_num", 0, (1 << 64) - 1) if "next_pkt_num" in obj else 0
            )
            f["flags"] = ln.integer("flags", 0, 255) if "flags" in obj else 0
            f["dcid_len"] = ln.integer("dcid_len", 0, 255) if "dcid_len" in obj else 0
            f["gso"] = ln.integer("gso", 0, 0xFFFF) if "gso" in obj else 0
            f["encrypt_cmsg"] = ln.boolean("encrypt_cmsg") if "encrypt_cmsg" in obj else True
    return f


def parse_trace(lines: Iterable[str], source: str = "<trace>") -> list[Op]:
    """Validate every line of a trace; raises :class:`TraceError` at the first bad one."""
    ops: list[Op] = []
    abi = ABI_V4
    for lineno, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TraceError(
                source, lineno, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
            ) from None
        if not isinstance(obj, dict):
            raise TraceError(source, lineno, None, "expected a JSON object")
        ln = _Line(source, lineno, obj)
        if "op" not in obj:
            raise ln.error("op", "missing")
        op = obj["op"]
        if not isinstance(op, str) or op not in _REQUIRED_OPTIONAL:
            raise ln.error("op", f"unknown op {op!r} (expected one of {', '.join(OPS)})")
        required, optional = _REQUIRED_OPTIONAL[op]
        for key in obj:
            if key != "op" and key not in required and key not in optional:
                raise ln.error(key, f"unknown key for op {op!r}")
        for key in sorted(required):
            if key not in obj:
                raise ln.error(key, f"missing (required by op {op!r})")
        fields = _decode(ln, op, abi)
        if op == "socket":
            abi = fields["abi"]
        ops.append(Op(len(ops), lineno, op, fields, obj))
    return ops


def load_trace(path: str | Path) -> list[Op]:
    """Read and validate a trace file (see :func:`parse_trace`)."""
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        return parse_trace(fh.read().splitlines(), str(path))


# --- building the syscall arguments -----------------------------------------------------------


def build_add_optval(fields: dict[str, Any]) -> bytes:
    """The ``struct quic_connection_info`` bytes of an ``add`` op."""
    if fields["abi"] == ABI_RFC_V2:
        return QuicConnectionInfoRFCv2.build(
            fields["cipher"], fields["dcid"], key=fields["key"], iv=fields["iv"], hp=fields["hp"]
        ).pack()
    return QuicConnectionInfo.build(
        fields["cipher"],
        fields["dcid"],
        fields["addr"],
        fields["port"],
        key=fields["key"],
        iv=fields["iv"],
        hp=fields["hp"],
        key_gen=fields["key_gen"],
    ).pack()


def build_del_optval(fields: dict[str, Any]) -> bytes:
    """The struct of a ``del`` op: the key, a valid cipher (AES-128-GCM), zero key material."""
    zero16 = bytes(16)
    if fields["abi"] == ABI_RFC_V2:
        info = QuicConnectionInfoRFCv2.build(
            TLS_CIPHER_AES_GCM_128, fields["dcid"], key=zero16, iv=bytes(12), hp=zero16
        )
    else:
        info = QuicConnectionInfo.build(
            TLS_CIPHER_AES_GCM_128,
            fields["dcid"],
            fields["addr"],
            fields["port"],
            key=zero16,
            iv=bytes(12),
            hp=zero16,
        )
    return info.pack()


def build_send_args(fields: dict[str, Any]) -> tuple[list[bytes], Any, int, Any]:
    """``(buffers, ancdata, flags, address)`` for ``QuicTxSocket.sendmsg`` from a ``send`` op."""
    if "control" in fields:
        ancdata: Any = fields["control"]
    else:
        ancdata = []
        if fields["encrypt_cmsg"]:
            ancdata += quic_ancdata(fields["next_pkt_num"], fields["dcid_len"], fields["flags"])
        if fields["gso"]:
            ancdata.append(segment_cmsg(fields["gso"]))
    address = fields.get("dst", fields.get("msg_name"))
    return fields["iov"], ancdata, fields["msg_flags"], address


# --- replay -----------------------------------------------------------------------------------


@dataclass
class OpResult:
    """What one op did."""

    seq: int
    op: str
    ret: int | None = None
    errno: str | None = None
    detail: str = ""  # the model's explanation of an error (not part of the result file)
    bypass: bool = False
    datagrams: list[bytes] | None = None  # sends only
    plaintext_len: int = 0  # bytes handed to sendmsg

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"seq": self.seq}
        if self.errno is not None:
            obj["errno"] = self.errno
            return obj
        obj["ret"] = self.ret
        if self.bypass:
            obj["bypass"] = True
        if self.datagrams is not None:
            obj["datagrams"] = [d.hex() for d in self.datagrams]
        return obj


@dataclass
class ReplayResult:
    ops: list[Op]
    results: list[OpResult]
    counters: Counters

    @property
    def quic_stat(self) -> dict[str, int]:
        return self.counters.as_dict()

    def lines(self) -> list[str]:
        return result_lines([r.to_json() for r in self.results], self.quic_stat)


def replay(
    ops: Iterable[Op],
    *,
    wire=None,
    counters: Counters | None = None,
    socket_factory=QuicTxSocket,
) -> ReplayResult:
    """Run validated ops through a fresh generation C socket with the ULP attached.

    ``socket_factory`` makes the sockets (``QuicTxSocket``'s signature): an offload driver
    passes a subclass that sends through hardware.
    """
    ops = list(ops)
    counters = counters if counters is not None else Counters()
    sock = socket_factory(ABI_V4, counters=counters, wire=wire, attach_ulp=True)
    results: list[OpResult] = []
    for op in ops:
        res = OpResult(op.seq, op.op)
        f = op.fields
        try:
            if op.op == "add":
                sock.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, build_add_optval(f))
            elif op.op == "add_raw":
                sock.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, f["optval"])
            elif op.op == "del":
                sock.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, build_del_optval(f))
            elif op.op == "del_raw":
                sock.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, f["optval"])
            elif op.op == "segment":
                sock.setsockopt(SOL_UDP, UDP_SEGMENT, f["gso"])
            elif op.op == "ulp":
                sock.setsockopt(SOL_UDP, UDP_ULP, f["name"])
            elif op.op == "connect":
                sock.connect(f["dst"])
            elif op.op == "close":
                sock.close()
            elif op.op == "socket":
                sock.close()
                sock = socket_factory(f["abi"], counters=counters, wire=wire, attach_ulp=f["ulp"])
            elif op.op == "send":
                buffers, ancdata, flags, address = build_send_args(f)
                res.plaintext_len = sum(len(b) for b in buffers)
                before = len(sock.sent)
                res.datagrams = []
                res.ret = sock.sendmsg(buffers, ancdata, flags, address)
                res.datagrams = [d.data for d in sock.sent[before:]]
                res.bypass = bool(sock.last_send_bypassed)
            else:  # pragma: no cover - parse_trace only lets known ops through
                raise AssertionError(op.op)
            if res.ret is None:
                res.ret = 0
        except KernelError as exc:
            res.errno = exc.errno_name
            res.detail = exc.detail
            res.ret = None
            res.datagrams = None
        results.append(res)
    return ReplayResult(ops, results, counters)


# --- result files -----------------------------------------------------------------------------


def format_result(obj: dict[str, Any]) -> str:
    """One result line (no newline): ``json.dumps`` with default separators, key order kept."""
    return json.dumps(obj)


def result_lines(results: Iterable[dict[str, Any]], quic_stat: dict[str, int]) -> list[str]:
    """The lines of a result file (without newlines): one per op, then the counters."""
    lines = [format_result(r) for r in results]
    lines.append(format_result({"quic_stat": dict(quic_stat)}))
    return lines


def write_results(
    out: str | Path | TextIO, results: Iterable[dict[str, Any]], quic_stat: dict[str, int]
) -> None:
    """Write a result file (to a path or an open text file)."""
    text = "".join(line + "\n" for line in result_lines(results, quic_stat))
    if isinstance(out, (str, Path)):
        Path(out).write_text(text, encoding="utf-8")
    else:
        out.write(text)


@dataclass(frozen=True)
class Mismatch:
    """One difference between two result files."""

    line: int  # 1-based line number
    seq: int | None
    key: str | None  # None: a whole line is missing or unparsable
    a: Any
    b: Any
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" (seq {self.seq})" if self.seq is not None else "")
        return f"{where}: {self.message}"


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _parse_result_line(value: Any, side: str, lineno: int) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        obj = json.loads(value)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{side} line {lineno}: not valid JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"{side} line {lineno}: expected a JSON object")
    return obj


def compare_results(a_lines: Iterable[Any], b_lines: Iterable[Any]) -> list[Mismatch]:
    """Every difference between two result files (lines as str or already-parsed dicts).

    The top-level ``extra`` key is ignored, nothing else is; blank lines are skipped.
    """
    a = [
        _parse_result_line(x, "a", i)
        for i, x in enumerate(a_lines, 1)
        if not (isinstance(x, str) and not x.strip())
    ]
    b = [
        _parse_result_line(x, "b", i)
        for i, x in enumerate(b_lines, 1)
        if not (isinstance(x, str) and not x.strip())
    ]
    out: list[Mismatch] = []
    for i in range(max(len(a), len(b))):
        lineno = i + 1
        if i >= len(a) or i >= len(b):
            present = a[i] if i < len(a) else b[i]
            side = "b" if i >= len(b) else "a"
            out.append(
                Mismatch(
                    lineno,
                    present.get("seq"),
                    None,
                    a[i] if i < len(a) else None,
                    b[i] if i < len(b) else None,
                    f"missing in {side}: {_short(present)}",
                )
            )
            continue
        x = {k: v for k, v in a[i].items() if k != "extra"}
        y = {k: v for k, v in b[i].items() if k != "extra"}
        seq = x.get("seq", y.get("seq"))
        for key in list(dict.fromkeys([*x, *y])):
            if key not in y:
                out.append(Mismatch(lineno, seq, key, x[key], None, f"'{key}' only in a"))
            elif key not in x:
                out.append(Mismatch(lineno, seq, key, None, y[key], f"'{key}' only in b"))
            elif key == "datagrams" and isinstance(x[key], list) and isinstance(y[key], list):
                out.extend(_compare_datagrams(lineno, seq, x[key], y[key]))
            elif x[key] != y[key] or type(x[key]) is not type(y[key]):
                out.append(
                    Mismatch(
                        lineno,
                        seq,
                        key,
                        x[key],
                        y[key],
                        f"'{key}': {_short(x[key])} != {_short(y[key])}",
                    )
                )
    return out


def _compare_datagrams(lineno: int, seq: Any, x: list, y: list) -> list[Mismatch]:
    out: list[Mismatch] = []
    if len(x) != len(y):
        out.append(
            Mismatch(
                lineno,
                seq,
                "datagrams",
                len(x),
                len(y),
                f"'datagrams': {len(x)} datagrams != {len(y)}",
            )
        )
    for j, (p, q) in enumerate(zip(x, y, strict=False)):
        if p != q:
            detail = ""
            if isinstance(p, str) and isinstance(q, str):
                k = next(
                    (k for k in range(min(len(p), len(q))) if p[k] != q[k]), min(len(p), len(q))
                )
                detail = (
                    f" (lengths {len(p) // 2} and {len(q) // 2} bytes, "
                    f"first difference at byte {k // 2})"
                )
            out.append(
                Mismatch(lineno, seq, f"datagrams[{j}]", p, q, f"'datagrams[{j}]' differ{detail}")
            )
    return out


# --- report -----------------------------------------------------------------------------------


def format_report(result: ReplayResult, source: str = "<trace>") -> str:
    """A readable summary of a replay: ops, sends, datagrams, bytes, errors, counters."""
    results = result.results
    kinds = _Tally(r.op for r in results)
    sends = [r for r in results if r.op == "send"]
    ok = [r for r in sends if r.errno is None]
    failed = [r for r in sends if r.errno is not None]
    bypassed = [r for r in ok if r.bypass]
    encrypted = [r for r in ok if not r.bypass]
    datagrams = [d for r in ok for d in (r.datagrams or [])]
    enc_datagrams = [d for r in encrypted for d in (r.datagrams or [])]
    errors = _Tally(r.errno for r in results if r.errno is not None)
    lines = [
        f"QUIC Tx golden model replay of {source}",
        f"  ops         {len(results)}  ("
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        + ")",
        f"  sends       {len(sends)}: {len(encrypted)} encrypted, {len(bypassed)} bypassed, "
        f"{len(failed)} failed",
        f"  datagrams   {len(datagrams)} ({len(enc_datagrams)} encrypted), "
        f"{sum(len(d) for d in datagrams)} bytes out "
        f"(plaintext accepted: {sum(r.ret or 0 for r in ok)} bytes)",
        "  errors      "
        + (", ".join(f"{k} {v}" for k, v in sorted(errors.items())) if errors else "none"),
    ]
    failures = [r for r in results if r.errno is not None]
    if failures:
        lines.append("  failed ops:")
        for r in failures:
            op = result.ops[r.seq] if r.seq < len(result.ops) else None
            where = f"line {op.line}" if op else ""
            lines.append(f"    seq {r.seq:<4} {where:<9} {r.op:<8} {r.errno:<8} {r.detail}")
    lines.append("  /proc/net/quic_stat:")
    lines += ["    " + ln for ln in result.counters.proc_text().splitlines()]
    return "\n".join(lines) + "\n"
