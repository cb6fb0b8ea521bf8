"""Trace replay (trace-format.md): the example trace, the result file, malformed-line errors,
compare_results, the CLI (`python -m model replay|compare`)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from model import vectors
from model.__main__ import main
from model.trace import (
    TraceError,
    compare_results,
    format_report,
    load_trace,
    parse_trace,
    replay,
    result_lines,
    write_results,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "model" / "examples" / "example.jsonl"
AES = vectors.KERNEL_AES_128_GCM
ADD = json.dumps(
    {
        "op": "add",
        "cipher": "aes-128-gcm",
        "dcid": AES.dcid.hex(),
        "addr": "10.0.0.2",
        "port": 4433,
        "key_gen": 0,
        "key": AES.key.hex(),
        "iv": AES.iv.hex(),
        "hp": AES.hp.hex(),
    }
)
SEND = json.dumps(
    {
        "op": "send",
        "dst": "10.0.0.2:4433",
        "iov": [AES.plaintext.hex()],
        "next_pkt_num": AES.next_pkt_num,
        "flags": 0,
        "dcid_len": 8,
        "gso": 1200,
    }
)


def _run(lines):
    return replay(parse_trace(lines))


# --- the example trace ---------------------------------------------------------------------------


def test_example_trace_replays_with_the_known_answers():
    ops = load_trace(EXAMPLE)
    res = replay(ops)
    out = [json.loads(line) for line in res.lines()]
    assert len(out) == len(ops) + 1
    by_seq = {o["seq"]: o for o in out[:-1]}
    assert [o["seq"] for o in out[:-1]] == list(range(len(ops)))
    sends = {op.seq: op for op in ops if op.op == "send"}
    selftest = [s for s, op in sends.items() if op.fields["iov"] == [AES.plaintext]]
    assert len(selftest) >= 3  # gso by cmsg, by setsockopt, connected
    for s in selftest:
        assert by_seq[s] == {"seq": s, "ret": 37, "datagrams": [AES.protected.hex()]}
    chacha = vectors.KERNEL_CHACHA20_POLY1305
    assert any(o.get("datagrams") == [chacha.protected.hex()] for o in by_seq.values()), (
        "ChaCha20 selftest vector"
    )
    assert any(o.get("bypass") for o in by_seq.values())
    assert any(len(o.get("datagrams", [])) == 3 for o in by_seq.values())  # a GSO batch
    assert sum(1 for o in by_seq.values() if o.get("errno") == "EINVAL") == 4
    assert [op.op for op in ops][-1] == "close"
    assert out[-1] == {"quic_stat": {"QuicCurrTxSw": 0, "QuicTxSw": 4, "QuicTxSwError": 4}}


def test_make_sim_command_prints_a_report():
    proc = subprocess.run(
        [sys.executable, "-m", "model", "replay", str(EXAMPLE), "--report"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    for word in ("ops", "sends", "datagrams", "bytes", "errors", "EINVAL", "bypassed"):
        assert word in proc.stdout
    assert "QuicTxSwError                   \t4" in proc.stdout


# --- the result file -----------------------------------------------------------------------------


def test_result_file_format_is_exact():
    lines = [ADD, "", SEND, '{"op": "del", "dcid": "00", "addr": "10.0.0.2", "port": 1}']
    assert _run(lines).lines() == [
        '{"seq": 0, "ret": 0}',
        f'{{"seq": 1, "ret": 37, "datagrams": ["{AES.protected.hex()}"]}}',
        '{"seq": 2, "errno": "EINVAL"}',
        '{"quic_stat": {"QuicCurrTxSw": 1, "QuicTxSw": 1, "QuicTxSwError": 1}}',
    ]


def test_bypass_and_zero_returns_in_results():
    lines = [
        ADD,
        '{"op": "send", "dst": "10.0.0.2:4433", "iov": ["c0ff"]}',
        SEND.replace('"gso": 1200', '"gso": 15'),
    ]
    out = _run(lines).lines()
    assert out[1] == '{"seq": 1, "ret": 2, "bypass": true, "datagrams": ["c0ff"]}'
    assert out[2] == '{"seq": 2, "ret": 0, "datagrams": []}'


def test_cli_writes_the_result_file(tmp_path, capsys):
    trace = tmp_path / "t.jsonl"
    trace.write_text(ADD + "\n" + SEND + "\n")
    out = tmp_path / "r.jsonl"
    assert main(["replay", str(trace), "-o", str(out)]) == 0
    text = out.read_text()
    assert text.endswith("\n") and text.count("\n") == 3
    assert text.splitlines() == _run([ADD, SEND]).lines()
    assert capsys.readouterr().out == ""
    assert main(["replay", str(trace)]) == 0  # no -o, no --report: results on stdout
    assert capsys.readouterr().out == text
    assert main(["compare", str(out), str(out)]) == 0
    other = tmp_path / "o.jsonl"
    other.write_text(text.replace('"ret": 37', '"ret": 36'))
    assert main(["compare", str(out), str(other)]) == 1
    assert "'ret': 37 != 36" in capsys.readouterr().out


def test_write_results_to_a_file_object(tmp_path):
    path = tmp_path / "x.jsonl"
    write_results(path, [{"seq": 0, "ret": 0}], {"QuicCurrTxSw": 0})
    with open(tmp_path / "y.jsonl", "w") as fh:
        write_results(fh, [{"seq": 0, "ret": 0}], {"QuicCurrTxSw": 0})
    assert path.read_text() == (tmp_path / "y.jsonl").read_text()
    assert path.read_text().splitlines() == result_lines(
        [{"seq": 0, "ret": 0}], {"QuicCurrTxSw": 0}
    )


# --- malformed traces ----------------------------------------------------------------------------

BAD_LINES = [
    (
        '{"op": "add", "cipher": "aes-128-gcm", "dcid": "", "addr": "10.0.0.2", "port": 1, '
        '"key": "00", "iv": "00", "hp": "00", "colour": 1}',
        "colour",
        "unknown key",
    ),
    ('{"op": "sendd", "iov": []}', "op", "unknown op"),
    ('{"iov": []}', "op", "missing"),
    ('{"op": "send"}', "iov", "missing"),
    ('{"op": "send", "iov": ["abc"]}', "iov[0]", "odd number"),
    ('{"op": "send", "iov": ["zz"]}', "iov[0]", "bad hex"),
    ('{"op": "send", "iov": "00"}', "iov", "list"),
    ('{"op": "add_raw", "optval": 12}', "optval", "hex string"),
    (ADD.replace("aes-128-gcm", "aes-128-gsm"), "cipher", "unknown value"),
    (ADD.replace("10.0.0.2", "10.0.0.300"), "addr", "bad address"),
    (ADD.replace('"port": 4433', '"port": 70000'), "port", "out of range"),
    (ADD.replace('"port": 4433', '"port": "4433"'), "port", "integer"),
    (ADD.replace('"port": 4433, ', ""), "port", "missing"),
    (ADD.replace(AES.key.hex(), "00" * 15), "key", "needs 16 bytes"),
    (ADD.replace(AES.iv.hex(), "00" * 8), "iv", "needs 12 bytes"),
    (ADD.replace(AES.dcid.hex(), "00" * 21), "dcid", "> 20"),
    (SEND.replace("10.0.0.2:4433", "10.0.0.2"), "dst", "bad address"),
    (SEND.replace("10.0.0.2:4433", "2001:db8::1:443"), "dst", "bad address"),
    (SEND.replace("10.0.0.2:4433", "[10.0.0.2]:443"), "dst", "brackets"),
    (SEND.replace("10.0.0.2:4433", "host.example:443"), "dst", "IP literal"),
    (SEND.replace('"flags": 0', '"flags": 256'), "flags", "out of range"),
    (SEND.replace('"flags": 0', '"flags": true'), "flags", "integer"),
    (SEND.replace('"gso": 1200', '"gso": 65536'), "gso", "out of range"),
    (
        SEND.replace(f'"next_pkt_num": {AES.next_pkt_num}', '"next_pkt_num": -1'),
        "next_pkt_num",
        "out of range",
    ),
    ('{"op": "send", "iov": [], "control": "00", "dcid_len": 1}', "dcid_len", "not allowed"),
    ('{"op": "send", "iov": [], "dst": "1.2.3.4:1", "msg_name": "00"}', "msg_name", "either"),
    ('{"op": "send", "iov": [], "encrypt_cmsg": 1}', "encrypt_cmsg", "true or false"),
    ('{"op": "socket", "abi": "v3"}', "abi", "unknown value"),
    ('{"op": "close"', None, "invalid JSON"),
    ('["op", "close"]', None, "JSON object"),
]


@pytest.mark.parametrize(("text", "field", "fragment"), BAD_LINES)
def test_malformed_line_names_line_and_field(text, field, fragment):
    lines = [ADD, "", SEND, text, SEND]
    with pytest.raises(TraceError) as exc:
        parse_trace(lines, "t.jsonl")
    msg = str(exc.value)
    assert msg.startswith("t.jsonl:4: "), msg  # 1-based line numbers, blank lines counted
    assert exc.value.line == 4 and exc.value.field == field
    if field:
        assert f"field '{field}'" in msg
    assert fragment in msg, msg


def test_rfc_v2_adds_take_no_address():
    lines = [
        '{"op": "socket", "abi": "rfc_v2"}',
        ADD.replace('"addr": "10.0.0.2", "port": 4433, "key_gen": 0, ', ""),
        ADD,
    ]
    with pytest.raises(TraceError) as exc:
        parse_trace(lines)
    assert exc.value.line == 3 and exc.value.field == "addr"
    assert len(parse_trace(lines[:2])) == 2


def test_cli_fails_the_whole_run_on_a_bad_line(tmp_path, capsys):
    trace = tmp_path / "bad.jsonl"
    trace.write_text("\n".join([ADD, SEND, '{"op": "send", "iov": ["0"]}', SEND]) + "\n")
    out = tmp_path / "r.jsonl"
    assert main(["replay", str(trace), "-o", str(out), "--report"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{trace}:3: field 'iov[0]'" in captured.err
    assert not out.exists()
    assert main(["replay", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


# --- compare_results -----------------------------------------------------------------------------


def test_compare_results():
    a = _run([ADD, SEND]).lines()
    assert compare_results(a, a) == []
    assert compare_results(a, [json.loads(x) for x in a] + [""]) == []  # dicts, blank lines
    b = list(a)
    b[1] = b[1].replace('"ret": 37', '"ret": 37, "extra": {"cycles": 99}')
    assert compare_results(a, b) == []  # extra is ignored
    flipped = AES.protected.hex()[:20] + "00" + AES.protected.hex()[22:]
    c = list(a)
    c[1] = c[1].replace(AES.protected.hex(), flipped)
    (m,) = compare_results(a, c)
    assert m.key == "datagrams[0]" and m.seq == 1 and "byte 10" in str(m)
    d = list(a)
    d[1] = '{"seq": 1, "errno": "EINVAL"}'
    keys = {m.key for m in compare_results(a, d)}
    assert keys == {"ret", "datagrams", "errno"}
    e = list(a)
    e[1] = e[1].replace('"ret": 37,', '"ret": 37, "bypass": true,')
    assert [m.key for m in compare_results(a, e)] == ["bypass"]
    f = list(a)
    f[-1] = f[-1].replace('"QuicTxSwError": 0', '"QuicTxSwError": 1')
    assert [m.key for m in compare_results(a, f)] == ["quic_stat"]
    g = list(a)
    g[1] = g[1].replace(f'["{AES.protected.hex()}"]', f'["{AES.protected.hex()}", "00"]')
    assert "1 datagrams != 2" in str(compare_results(a, g)[0])
    missing = compare_results(a, a[:-1])
    assert len(missing) == 1 and missing[0].key is None and "missing in b" in str(missing[0])
    with pytest.raises(ValueError, match="b line 1"):
        compare_results(a, ["{nope"])
    h = list(a)
    h[0] = '{"seq": 0, "ret": false}'
    assert [m.key for m in compare_results(a, h)] == ["ret"]  # 0 and false differ


# --- extensions and odd paths ------------------------------------------------------------------


def test_extensions_and_error_paths_through_the_trace():
    lines = [
        ADD,
        SEND.replace('"gso": 1200', '"msg_flags": 32768'),  # MSG_MORE on the encrypted path
        '{"op": "send", "iov": ["40"], "msg_name": "0200"}',  # 1 byte: bypass; short name
        '{"op": "send", "dst": "10.0.0.2:4433", "iov": ["' + AES.plaintext.hex() + '"], '
        '"encrypt_cmsg": false}',
        '{"op": "send", "dst": "10.0.0.2:4433", "iov": ["' + AES.plaintext.hex() + '"], '
        '"control": "'
        + ("20" + "00" * 7 + "11000000" + "6c000000" + "c9650d" + "00" * 6 + "08" + "00" * 6)
        + '"}',
        '{"op": "ulp", "name": "quic-crypto"}',
        '{"op": "segment", "gso": -1}',
        ADD.replace('"add"', '"add", "abi": "rfc_v2"').replace(
            '"addr": "10.0.0.2", "port": 4433, "key_gen": 0, ', ""
        ),
        '{"op": "close"}',
        SEND,
        '{"op": "socket", "abi": "rfc_v2"}',
        ADD.replace('"addr": "10.0.0.2", "port": 4433, "key_gen": 0, ', ""),
        SEND.replace("10.0.0.2:4433", "[2001:db8::9]:1"),
        '{"op": "connect", "dst": "[::ffff:10.0.0.2]:4433"}',
        '{"op": "del", "dcid": "' + AES.dcid.hex() + '"}',
    ]
    res = _run(lines)
    got = [(r.ret, r.errno) for r in res.results]
    assert got == [
        (0, None),
        (None, "EINVAL"),
        (None, "EINVAL"),  # the bypass's UDP layer rejects the 2-byte sockaddr
        (None, "EINVAL"),
        (37, None),
        (None, "EEXIST"),
        (None, "EINVAL"),
        (None, "EINVAL"),  # a 100-byte struct on a v4 socket
        (0, None),
        (None, "EBADF"),
        (0, None),
        (0, None),
        (37, None),  # RFC v2: the DCID alone finds the flow
        (0, None),
        (0, None),
    ]
    assert res.results[4].datagrams == [AES.protected]
    assert res.results[12].datagrams == [AES.protected]
    # close removed the first socket's flow; the RFC v2 flow was deleted. Counted errors: the
    # MSG_MORE send, the send without UDP_QUIC_ENCRYPT, the wrong-size ADD (not the bypass,
    # the ULP, UDP_SEGMENT or EBADF failures).
    assert res.quic_stat == {"QuicCurrTxSw": 0, "QuicTxSw": 2, "QuicTxSwError": 3}
    report = format_report(res, "ext.jsonl")
    assert "EBADF 1" in report and "EEXIST 1" in report and "line 2" in report
