"""The offload driver without a simulator: what it posts, what it keeps in software, and that
its answers equal the golden model's wherever the engine is not involved."""

import json

from model import vectors
from model.trace import compare_results, parse_trace, replay
from sim.driver import DriverState, OffloadDriver, OffloadSocket, PendingSend
from sim.engine_io import EngineParams, KeyWrite, SendJob

V = vectors.KERNEL_AES_128_GCM


def _add(dcid=V.dcid, cipher="aes-128-gcm", key=V.key, hp=V.hp, key_gen=0, port=4433):
    return {"op": "add", "cipher": cipher, "dcid": dcid.hex(), "addr": "10.0.0.2",
            "port": port, "key_gen": key_gen, "key": key.hex(), "iv": V.iv.hex(),
            "hp": hp.hex()}  # fmt: skip


def _send(data, **extra):
    op = {"op": "send", "dst": "10.0.0.2:4433", "iov": [data.hex()],
          "next_pkt_num": V.next_pkt_num, "flags": 0, "dcid_len": len(V.dcid)}  # fmt: skip
    op.update(extra)
    return op


def _ops(*ops):
    return parse_trace([json.dumps(o) for o in ops], "driver-test")


def _driver_replay(ops, params=None):
    state = DriverState(params or EngineParams())

    def factory(abi, **kwargs):
        return OffloadSocket(abi, state=state, **kwargs)

    return state, replay(ops, socket_factory=factory)


def test_posts_one_descriptor_per_send_with_the_kernels_slicing():
    plain = V.plaintext * 3  # three 37-byte packets back to back
    ops = _ops(_add(), _send(plain, gso=37 + 16), _send(V.plaintext))
    state, result = _driver_replay(ops)
    writes = [op for op in state.ops if isinstance(op, KeyWrite)]
    jobs = [op for op in state.ops if isinstance(op, SendJob)]
    assert [w.index for w in writes] == [0] and writes[0].key == V.key
    assert jobs == [
        SendJob(0, V.next_pkt_num, 8, 53, False, plain),
        SendJob(0, V.next_pkt_num, 8, 0, False, V.plaintext),
    ]
    assert all(isinstance(r.datagrams[0], PendingSend) for r in result.results[1:])


def test_failures_before_the_engine_keep_the_kernels_errno_and_order():
    """A wrong key phase is the engine's to report, but when the kernel would stop the send
    on it before a later check (gso < 16, ENOMEM, a short segment) the driver says so."""
    wrong = bytes([0x44]) + V.plaintext[1:]
    nine_iovecs = [wrong[:4].hex()] + [wrong[4 + k : 5 + k].hex() for k in range(8)]
    ops = _ops(
        _add(),
        _send(wrong, gso=10),  # kernel: key phase first -> EINVAL, not the gso < 16 return 0
        {**_send(wrong), "iov": nine_iovecs},  # key phase first, not ENOMEM (>= 8 iovecs)
        _send(V.plaintext, gso=10),  # right phase, gso < 16: returns 0, nothing sent
        _send(V.plaintext[:12]),  # too short for the HP sample: the model's EINVAL
        _send(bytes([0x44]) + V.plaintext[1:12]),  # both wrong: key phase first
    )
    state, result = _driver_replay(ops)
    model = replay(ops)
    assert not [op for op in state.ops if isinstance(op, SendJob)]
    assert compare_results(model.lines(), result.lines()) == []
    assert [r.errno for r in result.results[1:]] == ["EINVAL", "EINVAL", None, "EINVAL", "EINVAL"]
    assert result.results[3].ret == 0
    assert "key phase" in result.results[2].detail and "key phase" in result.results[5].detail


def test_software_fallback_for_other_ciphers_full_table_and_big_datagrams():
    cc = vectors.KERNEL_CHACHA20_POLY1305
    big = bytes([0x41]) + V.dcid + bytes(3000)
    ops = _ops(
        _add(),
        _add(dcid=b"\x01" * 8, port=4434),  # the table has one entry: software
        {**_add(dcid=b"", cipher="chacha20-poly1305", key=cc.key, hp=cc.hp), "iv": cc.iv.hex()},
        _send(big),  # one 3016-byte datagram: larger than the engine's 2048-byte buffers
        {**_send(b"\x41" + b"\x01" * 8 + bytes(40)), "dst": "10.0.0.2:4434"},
        {**_send(cc.plaintext), "dcid_len": 0, "next_pkt_num": cc.next_pkt_num},
    )
    state, result = _driver_replay(ops, EngineParams(entries=1))
    model = replay(ops)
    assert not [op for op in state.ops if isinstance(op, SendJob)]
    assert state.fallback_sends == 3
    assert compare_results(model.lines(), result.lines()) == []
    assert result.results[-1].datagrams == [cc.protected]


def test_del_frees_the_index_and_close_clears_the_table():
    ops = _ops(
        _add(),
        _add(dcid=b"\x02" * 8),
        {"op": "del", "dcid": V.dcid.hex(), "addr": "10.0.0.2", "port": 4433},
        _add(dcid=b"\x03" * 8),
        {"op": "close"},
    )
    state, result = _driver_replay(ops)
    writes = [(w.index, w.valid) for w in state.ops]
    assert writes[:4] == [(0, True), (1, True), (0, False), (0, True)]
    assert sorted(writes[4:]) == [(0, False), (1, False)]  # close removes every flow
    assert state.free[:2] == [0, 1]
    assert all(r.errno is None for r in result.results)


def test_driver_without_engine_work_runs_no_simulator():
    ops = _ops(_add(), _send(bytes([0xC0]) + bytes(3000)))  # bypass larger than the buffers
    report = OffloadDriver(sim="icarus").replay(ops)
    assert report.run is None
    assert compare_results(replay(ops).lines(), report.result.lines()) == []
