"""The socket-shaped API: argument shapes of socket.sendmsg, the sent-datagram record, corking,
the optional real UDP output on loopback."""

import errno
import socket

import pytest

from model import QuicTxSocket, vectors
from model.errors import KernelError
from model.uapi import (
    MSG_MORE,
    SOL_UDP,
    UDP_QUIC_ADD_TX_CONNECTION,
    UDP_SEGMENT,
    QuicConnectionInfo,
    build_control,
    quic_ancdata,
)

VEC = vectors.KERNEL_AES_128_GCM
ANC = quic_ancdata(VEC.next_pkt_num, 8)


def _flow(host, port):
    return QuicConnectionInfo.build(
        "aes-128-gcm", VEC.dcid, host, port, key=VEC.key, iv=VEC.iv, hp=VEC.hp
    ).pack()


def _sock(host="10.0.0.2", port=4433, **kw):
    s = QuicTxSocket(attach_ulp=True, **kw)
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _flow(host, port))
    return s


@pytest.fixture
def receiver():
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    r.settimeout(5)
    yield r
    r.close()


def _batch(n_full, last):
    seg = lambda k, n: b"\x40" + VEC.dcid + bytes([0xCA + k]) + bytes([k]) * (n - 10)  # noqa: E731
    return b"".join(seg(k, 1184) for k in range(n_full)) + seg(n_full, last)


@pytest.mark.parametrize("own_socket", [False, True])
def test_datagrams_really_leave_on_loopback(receiver, own_socket):
    port = receiver.getsockname()[1]
    wire = socket.socket(socket.AF_INET, socket.SOCK_DGRAM) if own_socket else True
    try:
        s = _sock("127.0.0.1", port, wire=wire)
        s.setsockopt(SOL_UDP, UDP_SEGMENT, 1200)
        data = _batch(2, 300)
        assert s.sendmsg([data], ANC, 0, ("127.0.0.1", port)) == len(data)
        assert s.sendmsg([b"\xc0bypass"], [], 0, ("127.0.0.1", port)) == 7
        got = [receiver.recv(2048) for _ in range(4)]
        assert got == [d.data for d in s.sent]
        assert [len(g) for g in got] == [1200, 1200, 316, 7]
        assert [d.bypass for d in s.sent] == [False, False, False, True]
        assert [d.send_index for d in s.sent] == [0, 0, 0, 1]
        s.close()
    finally:
        if own_socket:
            wire.close()


def test_argument_shapes_of_socket_sendmsg():
    s = _sock()
    half = len(VEC.plaintext) // 2
    bufs = [bytearray(VEC.plaintext[:half]), memoryview(VEC.plaintext[half:])]
    assert s.sendmsg(bufs, ANC, 0, ("10.0.0.2", 4433)) == 37
    assert s.sendmsg([VEC.plaintext], build_control(ANC), 0, ("10.0.0.2", 4433)) == 37
    assert s.sendmsg([VEC.plaintext], tuple(ANC), address=("10.0.0.2", 4433)) == 37
    assert [d.data for d in s.sent] == [VEC.protected] * 3
    assert s.last_send_bypassed is False
    with pytest.raises(TypeError):
        s.sendmsg([VEC.plaintext], [(17, 108)], 0, ("10.0.0.2", 4433))


def test_ipv6_destination_and_its_string_form():
    s = _sock("2001:db8::1", 443)
    s.sendmsg([VEC.plaintext], ANC, 0, ("2001:db8::1", 443, 0, 0))
    assert str(s.sent[0].dst) == "[2001:db8::1]:443"
    assert s.sent[0].dst.as_tuple() == ("2001:db8::1", 443)


def test_setsockopt_value_shapes():
    s = QuicTxSocket()
    s.setsockopt(SOL_UDP, 105, "quic-crypto")  # str is encoded
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 1200)
    assert s.gso_size == 1200
    s.setsockopt(SOL_UDP, UDP_SEGMENT, (1300).to_bytes(4, "little"))
    assert s.gso_size == 1300
    with pytest.raises(TypeError):
        s.setsockopt(SOL_UDP, UDP_SEGMENT, None)
    with pytest.raises(TypeError):
        s.setsockopt(SOL_UDP, UDP_SEGMENT, 5, 4)
    with pytest.raises(OverflowError):
        s.setsockopt(SOL_UDP, UDP_SEGMENT, 1 << 31)


def test_connect_and_disconnect():
    s = _sock()
    s.connect(("10.0.0.2", 4433))
    assert s.peer.as_tuple() == ("10.0.0.2", 4433)
    assert s.sendmsg([VEC.plaintext], ANC) == 37
    s.connect(b"\x00\x00" + bytes(14))  # AF_UNSPEC: disconnect
    assert s.peer is None
    with pytest.raises(KernelError) as exc:
        s.sendmsg([VEC.plaintext], ANC)
    assert exc.value.errno == errno.EDESTADDRREQ
    with pytest.raises(KernelError) as exc:
        s.connect(b"\x02\x00\x01")
    assert exc.value.errno == errno.EINVAL


def test_msg_more_corks_bypassed_data_until_a_send_without_it():
    s = _sock()
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 4)
    assert s.sendmsg([b"\xc0\x01"], [], MSG_MORE, ("10.0.0.9", 9)) == 2
    assert s.sendmsg([b"\x02\x03"], [], MSG_MORE, ("10.0.0.7", 7)) == 2  # address ignored
    assert s.sent == [] and s.last_send_bypassed is True
    assert s.sendmsg([b"\xc1\x04\x05"], [], 0, None) == 3
    assert [d.data for d in s.sent] == [b"\xc0\x01\x02\x03", b"\xc1\x04\x05"]  # GSO split
    assert {str(d.dst) for d in s.sent} == {"10.0.0.9:9"}
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 0)
    assert s.sendmsg([VEC.plaintext], ANC, 0, ("10.0.0.2", 4433)) == 37  # cork is gone


def test_without_the_ulp_everything_is_plain_udp():
    s = QuicTxSocket()
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 1200)
    assert s.sendmsg([VEC.plaintext], ANC, 0, ("10.0.0.2", 4433)) == 37
    assert s.sent[0].data == VEC.plaintext and s.sent[0].bypass
    assert s.sendmsg([], [], 0, ("10.0.0.2", 4433)) == 0  # an empty UDP datagram is fine
    assert s.sent[1].data == b""
    assert s.counters.as_dict() == {"QuicCurrTxSw": 0, "QuicTxSw": 0, "QuicTxSwError": 0}


def test_context_manager_closes():
    with _sock() as s:
        assert not s.closed
    assert s.closed and len(s.flows) == 0
    assert s.proc_net_quic_stat().startswith("QuicCurrTxSw                    \t0\n")


def test_unknown_abi_is_rejected():
    with pytest.raises(ValueError):
        QuicTxSocket("v3")
