"""The engine end to end on Icarus and Verilator: traces through the driver and the simulated
engine, compared byte for byte with ``python -m model replay`` of the same trace.

Icarus runs the whole engine at a few hundred cycles a second, so it gets the vectors and a
short random trace; Verilator (one ~minute build, then tens of thousands of cycles a second)
gets the long random traffic with idles and backpressure.
"""

import json

import pytest

from hdl.gso_segmenter import Status
from model import vectors
from model.packet_protection import protect_short_header_packet
from model.trace import compare_results, load_trace, parse_trace, replay
from sim.driver import OffloadDriver
from sim.engine_io import EngineParams, KeyWrite, SendJob
from sim.engine_sim import run_engine
from sim.traffic import random_trace, trace_lines

SIMS = [
    pytest.param("icarus", marks=pytest.mark.icarus),
    pytest.param("verilator", marks=pytest.mark.verilator),
]
EXAMPLE = "model/examples/example.jsonl"


def _check_against_model(ops, sim, label, **driver_args):
    model = replay(ops)
    report = OffloadDriver(sim=sim, **driver_args).replay(ops, label=label)
    mismatches = compare_results(model.lines(), report.result.lines())
    assert not mismatches, "\n".join(str(m) for m in mismatches[:10])
    return model, report


def _add(dcid: bytes, key: bytes, iv: bytes, hp: bytes, key_gen=0, cipher="aes-128-gcm"):
    return {
        "op": "add",
        "cipher": cipher,
        "dcid": dcid.hex(),
        "addr": "10.0.0.2",
        "port": 4433,
        "key_gen": key_gen,
        "key": key.hex(),
        "iv": iv.hex(),
        "hp": hp.hex(),
    }


def _send(iov, next_pkt_num, dcid_len, **extra):
    op = {
        "op": "send",
        "dst": "10.0.0.2:4433",
        "iov": [b.hex() for b in iov],
        "next_pkt_num": next_pkt_num,
        "flags": 0,
        "dcid_len": dcid_len,
    }
    op.update(extra)
    return op


@pytest.mark.parametrize("sim", SIMS)
def test_example_trace_matches_model(sim):
    """The bundled trace: both kernel selftest vectors (gso by cmsg over setsockopt and by
    setsockopt), AES-256, a GSO batch, bypasses, errors, ADD/DEL, the software fallback."""
    model, report = _check_against_model(load_trace(EXAMPLE), sim, "example")
    assert report.hw_sends >= 4 and report.fallback_sends >= 1 and report.bypass_sends >= 1
    assert report.hw_errors.get("KEY_PHASE", 0) >= 1  # the engine, not the driver, said no


@pytest.mark.parametrize("sim", SIMS)
def test_kernel_vectors_and_gso_framing(sim):
    """Spec section 7: the AES-128-GCM selftest vector with gso by cmsg (setsockopt 26, cmsg
    1200) and by setsockopt alone; the 9000-byte two-iovec GSO send on two all-zero-key flows
    (7 x 1200 + 728); a key-phase-1 packet against a key_gen 0 flow."""
    v = vectors.KERNEL_AES_128_GCM
    dcid2 = bytes.fromhex("0102030405060708")
    ops = [
        _add(v.dcid, v.key, v.iv, v.hp),
        {"op": "segment", "gso": 26},
        _send([v.plaintext], v.next_pkt_num, 8, gso=1200),
        {"op": "segment", "gso": 1200},
        _send([v.plaintext], v.next_pkt_num, 8),
    ]
    for dcid in (bytes.fromhex("a1a2a3a4a5a6a7a8"), dcid2):
        ops.append(_add(dcid, bytes(16), bytes(12), bytes(16)))
    buffers = []
    for dcid in (bytes.fromhex("a1a2a3a4a5a6a7a8"), dcid2):
        buf = bytearray(9000)
        for off in range(0, 9000, 1184):
            hdr = b"\x40" + dcid + b"\xca"
            buf[off : off + len(hdr)] = hdr
        buffers.append(bytes(buf))
        ops.append(_send([buf[:4500], buf[4500:]], 0x0D65C9, 8))
    ops.append(_send([bytes([0x44]) + v.plaintext[1:]], v.next_pkt_num, 8))
    parsed = parse_trace([json.dumps(op) for op in ops], "vectors")
    model, report = _check_against_model(parsed, sim, "vectors")
    results = report.result.results
    assert results[2].datagrams == [v.protected] and results[4].datagrams == [v.protected]
    for res in (results[7], results[8]):
        assert [len(d) for d in res.datagrams] == [1200] * 7 + [728]
    assert all(a != b for a, b in zip(results[7].datagrams, results[8].datagrams, strict=True))
    assert results[9].errno == "EINVAL"
    assert report.hw_errors == {"KEY_PHASE": 1}
    assert report.run.counters["tx_encrypted_packets"] == 18
    assert report.run.counters["drop_key_phase"] == 1


@pytest.mark.parametrize(
    "sim, sends, idle, backpressure, n_buffers",
    [
        pytest.param("icarus", 6, 0.2, 0.4, 2, marks=pytest.mark.icarus),
        pytest.param(
            "verilator", 300, 0.2, 0.3, 16, marks=[pytest.mark.verilator, pytest.mark.slow]
        ),
    ],
)
def test_random_traffic_matches_model(sim, sends, idle, backpressure, n_buffers):
    """Seeded random traffic (every cipher, DCID 0..20, PN 1..4, GSO batches, many
    connections, key updates, ADD/DEL while traffic flows, wrong key phases, bypasses) under
    random input idles and output backpressure. On Icarus with two datagram buffers, so the
    buffer credits (the guard against a mask stuck behind ciphertext in the shared AES
    pipeline) run out all the time."""
    seed = 20261122 + sends
    ops = parse_trace(trace_lines(random_trace(seed, sends)), f"random-{seed}")
    _, report = _check_against_model(
        ops,
        sim,
        f"random{sends}",
        params=EngineParams(n_buffers=n_buffers),
        seed=seed,
        idle_prob=idle,
        backpressure_prob=backpressure,
    )
    assert report.hw_sends > sends // 2


@pytest.mark.icarus
def test_two_buffers_heavy_backpressure():
    """Header-protection masks share the AES pipeline with the ciphertext, so a mask can sit
    behind the next datagrams' blocks. A GSO batch of datagrams longer than AES-GCM's output
    FIFO through two datagram buffers under heavy output backpressure: without the engine's
    buffer credits this deadlocks (measured: the run stalls; masks stuck behind ciphertext
    that has no buffer to go to)."""
    v = vectors.KERNEL_AES_128_GCM
    SEG = 300  # noqa: N806 - plaintext bytes a segment
    seg = b"\x41" + v.dcid + b"\x00\x01"
    batch = b"".join((seg + bytes([n]) * 400)[:SEG] for n in range(12))
    ops = [
        KeyWrite.add(3, "aes-256-gcm", 0, bytes(range(32)), v.iv, bytes(range(1, 33))),
        SendJob(3, 1, 8, SEG + 16, False, batch),
    ]
    run = run_engine(
        ops,
        sim="icarus",
        params=EngineParams(n_buffers=2),
        label="two_buffers",
        backpressure_prob=0.7,
        max_idle_cycles=3000,
    )
    expected = [
        protect_short_header_packet(
            "aes-256-gcm", bytes(range(32)), v.iv, bytes(range(1, 33)), batch[i : i + SEG], 8, 1
        )
        for i in range(0, len(batch), SEG)
    ]
    assert [c.status for c in run.completions] == [Status.OK]
    assert [d for d, _ in run.datagrams] == expected


@pytest.mark.parametrize("sim", SIMS)
def test_engine_error_paths(sim):
    """Descriptors the driver would never post, straight into the engine: each is dropped,
    counted by reason, emits nothing, and the engine goes on with the next send."""
    v = vectors.KERNEL_AES_128_GCM
    good = SendJob(1, v.next_pkt_num, 8, 0, False, v.plaintext)
    ops = [
        KeyWrite.add(1, "aes-128-gcm", 0, v.key, v.iv, v.hp),
        SendJob(5, 0, 8, 0, False, v.plaintext),  # never written: NO_KEY
        good,
        SendJob(1, v.next_pkt_num, 8, 0, False, bytes([0x44]) + v.plaintext[1:]),  # phase
        SendJob(1, 0, 8, 0, False, v.plaintext[:12]),  # shorter than header + sample
        SendJob(1, 0, 8, 4096, False, v.plaintext),  # datagram larger than the buffers
        KeyWrite.delete(1),
        SendJob(1, v.next_pkt_num, 8, 0, False, v.plaintext),  # deleted: NO_KEY
        KeyWrite.add(1, "aes-128-gcm", 0, v.key, v.iv, v.hp),
        good,
    ]
    run = run_engine(ops, sim=sim, label="errors")
    assert [c.status for c in run.completions] == [
        Status.NO_KEY,
        Status.OK,
        Status.KEY_PHASE,
        Status.SHORT_SEGMENT,
        Status.TOO_BIG,
        Status.NO_KEY,
        Status.OK,
    ]
    assert [d for d, _ in run.datagrams] == [v.protected, v.protected]
    c = run.counters
    assert (c["drop_no_key"], c["drop_key_phase"], c["drop_short_segment"], c["drop_too_big"]) == (
        2,
        1,
        1,
        1,
    )
    assert c["tx_sends"] == 7 and c["tx_encrypted_packets"] == 2


@pytest.mark.parametrize("sim", SIMS)
def test_reset_in_traffic_then_clean_recovery(sim):
    """A reset while a GSO batch is in flight loses what was in flight and nothing else: the
    sends posted after it (keys re-installed by the driver) come out exactly right."""
    v = vectors.KERNEL_AES_128_GCM
    big = b"".join((b"\x41" + v.dcid + b"\x00\x01" + bytes(range(200)))[:300] for _ in range(6))
    after = [
        SendJob(2, 1000, 8, 316, False, big),
        SendJob(2, v.next_pkt_num, 8, 0, False, v.plaintext),
    ]
    key = KeyWrite.add(2, "aes-128-gcm", 0, v.key, v.iv, v.hp)
    ops = [key, SendJob(2, 7, 8, 316, False, big), "reset", key, *after]
    run = run_engine(ops, sim=sim, label="reset", idle_prob=0.1, backpressure_prob=0.1)
    assert run.raw["resets"] == 1
    assert [c.status for c in run.completions] == [Status.OK, Status.OK]
    expected = [
        protect_short_header_packet("aes-128-gcm", v.key, v.iv, v.hp, big[i : i + 300], 8, 1000)
        for i in range(0, len(big), 300)
    ] + [v.protected]
    assert [d for d, _ in run.datagrams] == expected
