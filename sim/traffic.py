"""Seeded random QUIC Tx traffic as a trace (``shared/spec/trace-format.md``).

Mixed ciphers (AES-128/256-GCM in the engine, ChaCha20-Poly1305 and AES-128-CCM through the
driver's software fallback), DCIDs of 0..20 bytes, packet-number lengths 1..4, GSO batches,
many connections on IPv4 and IPv6, key updates (a second ADD with the other key phase, then a
DEL of the old one) and ADD/DEL while traffic flows, a few wrong key phases, bypasses (long
headers and the bypass flag) and sends to unknown connections.

``python -m sim.traffic --seed N --sends K -o FILE`` writes one.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass

CIPHERS = {
    "aes-128-gcm": 16,
    "aes-256-gcm": 32,
    "chacha20-poly1305": 32,
    "aes-128-ccm": 16,
}


@dataclass
class _Conn:
    cipher: str
    dcid: bytes
    addr: str
    port: int
    key_gen: int
    keys: tuple[bytes, bytes, bytes]

    @property
    def dst(self) -> str:
        host = f"[{self.addr}]" if ":" in self.addr else self.addr
        return f"{host}:{self.port}"

    def add_op(self) -> dict:
        key, iv, hp = self.keys
        return {
            "op": "add",
            "cipher": self.cipher,
            "dcid": self.dcid.hex(),
            "addr": self.addr,
            "port": self.port,
            "key_gen": self.key_gen,
            "key": key.hex(),
            "iv": iv.hex(),
            "hp": hp.hex(),
        }

    def del_op(self) -> dict:
        return {"op": "del", "dcid": self.dcid.hex(), "addr": self.addr, "port": self.port}


def _new_conn(rng: random.Random, n: int, weights: dict[str, float]) -> _Conn:
    cipher = rng.choices(list(weights), weights=list(weights.values()))[0]
    size = CIPHERS[cipher]
    addr = rng.choice([f"10.0.{n // 250}.{n % 250 + 1}", f"2001:db8::{n + 1:x}"])
    keys = (rng.randbytes(size), rng.randbytes(12), rng.randbytes(size))
    return _Conn(cipher, rng.randbytes(rng.randint(0, 20)), addr, 4000 + n, 0, keys)


def _segment(rng: random.Random, conn: _Conn, size: int, key_phase: int) -> bytes:
    pn_len = rng.randint(1, 4)
    first = 0x40 | (rng.randrange(8) << 3) | (key_phase << 2) | (pn_len - 1)
    body = rng.randbytes(max(0, size - 1 - len(conn.dcid)))
    return (bytes([first]) + conn.dcid + body)[:size]


def _split_iov(rng: random.Random, data: bytes) -> list[str]:
    cuts = sorted(rng.sample(range(1, len(data)), min(rng.randint(0, 2), len(data) - 1)))
    parts, pos = [], 0
    for c in cuts + [len(data)]:
        parts.append(data[pos:c].hex())
        pos = c
    return parts


def random_trace(
    seed: int,
    sends: int,
    *,
    connections: int = 6,
    hw_only: bool = False,
    max_gso: int = 1500,
    max_segments: int = 4,
) -> list[dict]:
    """The ops of a random trace. ``hw_only`` keeps to the engine's ciphers (AES-GCM)."""
    rng = random.Random(seed)
    weights = {"aes-128-gcm": 4, "aes-256-gcm": 4, "chacha20-poly1305": 1, "aes-128-ccm": 1}
    if hw_only:
        weights = {"aes-128-gcm": 1, "aes-256-gcm": 1}
    ops: list[dict] = []
    live: list[_Conn] = []
    made = 0
    for _ in range(connections):
        conn = _new_conn(rng, made, weights)
        made += 1
        live.append(conn)
        ops.append(conn.add_op())
    for _ in range(sends):
        r = rng.random()
        if r < 0.05 or not live:  # a new connection while traffic flows
            conn = _new_conn(rng, made, weights)
            made += 1
            live.append(conn)
            ops.append(conn.add_op())
        elif r < 0.08 and len(live) > 1:  # a connection goes away
            conn = live.pop(rng.randrange(len(live)))
            ops.append(conn.del_op())
        elif r < 0.12:  # key update: ADD with the other phase (newest wins), DEL the old
            conn = rng.choice(live)
            old = _Conn(**conn.__dict__)
            conn.key_gen ^= 1
            key_size = CIPHERS[conn.cipher]
            conn.keys = (rng.randbytes(key_size), rng.randbytes(12), conn.keys[2])
            ops.append(conn.add_op())
            if rng.random() < 0.7:
                # DEL matches on the key struct: it removes the newest entry, i.e. the new
                # one; the application re-adds it. Exercises DEL/ADD of the same flow.
                ops.append(old.del_op())
                ops.append(conn.add_op())
        conn = rng.choice(live)
        phase = conn.key_gen
        kind = rng.random()
        send: dict = {"op": "send", "dst": conn.dst, "flags": 0, "dcid_len": len(conn.dcid)}
        send["next_pkt_num"] = rng.choice(
            [rng.randrange(1 << 16), rng.randrange(1 << 32), rng.randrange(1 << 62)]
        )
        min_seg = len(conn.dcid) + 5
        if kind < 0.04:
            phase ^= 1  # the wrong key phase: -EINVAL from the engine
        if kind < 0.5:
            gso = 0
            data = _segment(rng, conn, rng.randint(min_seg, min(1400, max_gso - 16)), phase)
        else:
            gso = rng.randint(min_seg + 16 + 8, max_gso)
            nseg = rng.randint(1, max_segments)
            data = b""
            for k in range(nseg):
                size = gso - 16 if k < nseg - 1 else rng.randint(min_seg, gso - 16)
                data += _segment(rng, conn, size, phase if k == 0 else rng.randrange(2))
            send["gso"] = gso
        if 0.04 <= kind < 0.07:
            send["flags"] = 1  # QUIC_BYPASS_ENCRYPTION
        elif 0.07 <= kind < 0.09:
            data = bytes([0xC0 | rng.randrange(64)]) + data[1:]  # a long header: bypass
        elif 0.09 <= kind < 0.11:
            send["dcid_len"] = min(20, len(conn.dcid) + 1)  # no such connection: -EINVAL
        send["iov"] = _split_iov(rng, data)
        ops.append(send)
    return ops


def trace_lines(ops: list[dict]) -> list[str]:
    return [json.dumps(op) for op in ops]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.traffic", description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sends", type=int, default=100)
    parser.add_argument("--connections", type=int, default=6)
    parser.add_argument("--hw-only", action="store_true")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    ops = random_trace(args.seed, args.sends, connections=args.connections, hw_only=args.hw_only)
    with open(args.output, "w") as f:
        f.write("\n".join(trace_lines(ops)) + "\n")
    print(f"wrote {len(ops)} ops to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
