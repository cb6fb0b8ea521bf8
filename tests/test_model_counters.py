"""Counters (spec §3-§5) and the exact text of /proc/net/quic_stat."""

import errno

import pytest

from model import Counters, QuicTxSocket, vectors
from model.errors import KernelError
from model.uapi import (
    SOL_UDP,
    UDP_QUIC_ADD_TX_CONNECTION,
    UDP_QUIC_DEL_TX_CONNECTION,
    UDP_SEGMENT,
    QuicConnectionInfo,
    quic_ancdata,
    segment_cmsg,
)

VEC = vectors.KERNEL_AES_128_GCM
DST = ("10.0.0.2", 4433)
ANC = quic_ancdata(VEC.next_pkt_num, 8)


def _info(dcid=VEC.dcid):
    return QuicConnectionInfo.build(
        "aes-128-gcm", dcid, *DST, key=VEC.key, iv=VEC.iv, hp=VEC.hp
    ).pack()


def _stat(s):
    d = s.counters.as_dict()
    return (d["QuicCurrTxSw"], d["QuicTxSw"], d["QuicTxSwError"])


def test_proc_text_is_byte_exact():
    c = Counters(curr_tx_sw=3, tx_sw=12, tx_sw_error=0)
    assert c.proc_text() == (
        "QuicCurrTxSw                    \t3\n"
        "QuicTxSw                        \t12\n"
        "QuicTxSwError                   \t0\n"
    )
    first = c.proc_text().splitlines()[0]
    assert first.index("\t") == 32 and first[:32] == "QuicCurrTxSw".ljust(32)


def test_proc_values_are_unsigned_long():
    c = Counters(curr_tx_sw=-1)
    assert c.as_dict()["QuicCurrTxSw"] == 2**64 - 1
    assert "\t18446744073709551615\n" in c.proc_text()


def test_fresh_socket_counters_are_zero():
    s = QuicTxSocket()
    assert s.proc_net_quic_stat() == Counters().proc_text()
    assert _stat(s) == (0, 0, 0)


def test_add_del_sequence():
    s = QuicTxSocket(attach_ulp=True)
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _info())
    assert _stat(s) == (1, 1, 0)
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _info(b"\x01\x02"))
    assert _stat(s) == (2, 2, 0)
    s.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, _info())
    assert _stat(s) == (1, 2, 0)  # QuicTxSw never goes down
    with pytest.raises(KernelError):
        s.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, _info())  # already gone
    assert _stat(s) == (1, 2, 1)
    with pytest.raises(KernelError):
        s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _info()[:-1])
    assert _stat(s) == (1, 2, 2)


def test_sends_count_only_encrypted_path_failures():
    s = QuicTxSocket(attach_ulp=True)
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _info())
    s.sendmsg([VEC.plaintext], ANC, 0, DST)  # success: no counter
    s.sendmsg([b"\xc0abc"], [], 0, DST)  # bypass: no counter
    s.sendmsg([VEC.plaintext], quic_ancdata(0, 8, flags=1), 0, DST)  # bypass flag
    s.sendmsg([VEC.plaintext], ANC + [segment_cmsg(15)], 0, DST)  # gso < 16: returns 0
    assert _stat(s) == (1, 1, 0)
    for bad in ([VEC.plaintext], b"\x44" + VEC.plaintext[1:]):
        with pytest.raises(KernelError):
            s.sendmsg([bad] if isinstance(bad, bytes) else bad, [], 0, DST)
    assert _stat(s) == (1, 1, 2)
    with pytest.raises(KernelError) as exc:
        s.sendmsg([b"\xc0" + bytes(70000)], [], 0, DST)  # bypass failing in UDP
    assert exc.value.errno == errno.EMSGSIZE
    assert _stat(s) == (1, 1, 2)


def test_socket_option_errors_outside_the_quic_code_count_nothing():
    s = QuicTxSocket()
    with pytest.raises(KernelError):
        s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _info())  # no ULP: ENOPROTOOPT
    with pytest.raises(KernelError):
        s.setsockopt(SOL_UDP, UDP_SEGMENT, -5)
    assert _stat(s) == (0, 0, 0)


def test_counters_are_shared_by_the_sockets_of_a_namespace():
    ns = Counters()
    a = QuicTxSocket(counters=ns, attach_ulp=True)
    b = QuicTxSocket(counters=ns, attach_ulp=True)
    a.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _info())
    b.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _info())
    with pytest.raises(KernelError):
        b.sendmsg([VEC.plaintext], ANC, 0, ("10.9.9.9", 1))
    assert ns.as_dict() == {"QuicCurrTxSw": 2, "QuicTxSw": 2, "QuicTxSwError": 1}
    a.close()
    assert ns.as_dict() == {"QuicCurrTxSw": 1, "QuicTxSw": 2, "QuicTxSwError": 1}
