"""Flow table semantics (spec §2 quirks 2-4, §3): whole-key comparison including padding,
newest duplicate wins, IPv4-mapped normalisation, DEL of a missing flow, DEL removes newest."""

import errno

import pytest

from model import FlowTable, QuicTxSocket, lookup_key, vectors
from model.errors import KernelError
from model.uapi import (
    SOL_UDP,
    UDP_QUIC_ADD_TX_CONNECTION,
    UDP_QUIC_DEL_TX_CONNECTION,
    QuicConnectionInfo,
    QuicConnectionInfoRFCv2,
    quic_ancdata,
)

VEC = vectors.KERNEL_AES_128_GCM
DST = ("10.0.0.2", 4433)
ANC = quic_ancdata(VEC.next_pkt_num, 8)


def _info(addr="10.0.0.2", port=4433, key=VEC.key, key_gen=0, dcid=VEC.dcid):
    return QuicConnectionInfo.build(
        "aes-128-gcm", dcid, addr, port, key=key, iv=VEC.iv, hp=VEC.hp, key_gen=key_gen
    )


def _sock(*infos):
    s = QuicTxSocket(attach_ulp=True)
    for raw in infos:
        s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, raw)
    return s


def _send(s, pkt=VEC.plaintext, dst=DST):
    s.sendmsg([pkt], ANC, 0, dst)
    return s.sent[-1].data


def _unreachable(s, dst=DST):
    with pytest.raises(KernelError) as exc:
        _send(s, dst=dst)
    assert exc.value.errno == errno.EINVAL


def _patched(info, offset, value):
    raw = bytearray(info.pack())
    raw[offset] = value
    return bytes(raw)


@pytest.mark.parametrize(
    ("offset", "what"),
    [
        (4 + 21, "key padding after dst_conn_id_length"),
        (4 + 42, "key tail padding"),
        (4 + 8, "DCID byte after dst_conn_id_length"),
        (4 + 24 + 4, "IPv4 address: byte after in_addr"),
    ],
)
def test_nonzero_key_bytes_make_the_flow_unreachable(offset, what):
    raw = _patched(_info(), offset, 0x01)
    s = _sock(raw)
    assert len(s.flows) == 1, what
    _unreachable(s)
    # A DEL with a clean key does not find it either; the same bytes do.
    with pytest.raises(KernelError):
        s.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, _info().pack())
    s.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, raw)
    assert len(s.flows) == 0


def test_bytes_outside_the_key_do_not_matter():
    raw = bytearray(_info().pack())
    raw[2:4] = b"\xaa\xbb"  # padding after cipher_type
    raw[125:128] = b"\xcc\xdd\xee"  # tail padding
    s = _sock(bytes(raw))
    assert _send(s) == VEC.protected


def test_newest_duplicate_wins_and_del_removes_newest():
    other_key = bytes(16)
    s = _sock(_info().pack(), _info(key=other_key).pack())
    newest = _send(s)
    assert newest != VEC.protected  # encrypted with the second ADD's key
    s.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, _info().pack())
    assert _send(s) == VEC.protected  # the older entry is back
    s.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, _info().pack())
    _unreachable(s)
    with pytest.raises(KernelError) as exc:
        s.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, _info().pack())
    assert exc.value.errno == errno.EINVAL
    assert s.counters.as_dict() == {"QuicCurrTxSw": 0, "QuicTxSw": 2, "QuicTxSwError": 2}


def test_key_update_by_a_second_add_makes_the_old_phase_fail():
    s = _sock(_info(key_gen=0).pack(), _info(key_gen=1).pack())
    _unreachable_phase = b"\x40" + VEC.plaintext[1:]
    with pytest.raises(KernelError, match="key phase"):
        _send(s, _unreachable_phase)
    assert len(_send(s, b"\x44" + VEC.plaintext[1:])) == 53


def test_v4_mapped_addresses_are_normalised():
    s = _sock(_info(addr="::ffff:10.0.0.2").pack())
    stored = s.flows.lookup(lookup_key("v4", VEC.dcid, 8, bytes([10, 0, 0, 2]), 4433))
    assert stored is not None and stored.info.key.addr == bytes([10, 0, 0, 2]) + bytes(12)
    assert _send(s) == VEC.protected
    assert _send(s, dst=("::ffff:10.0.0.2", 4433)) == VEC.protected
    s.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, _info(addr="::ffff:10.0.0.2").pack())
    assert len(s.flows) == 0


def test_ipv6_flows_and_address_and_port_are_in_the_key():
    s = _sock(_info(addr="2001:db8::1", port=443).pack())
    assert _send(s, dst=("2001:db8::1", 443)) == VEC.protected
    _unreachable(s, ("2001:db8::1", 444))
    _unreachable(s, ("2001:db8::2", 443))
    _unreachable(s, DST)


def test_lookup_key_is_zero_filled():
    key = lookup_key("v4", VEC.dcid + b"\xff\xff", 8, bytes([10, 0, 0, 2]), 4433)
    assert key == _info().key.pack()
    assert lookup_key("rfc_v2", VEC.dcid, 8) == VEC.dcid + bytes(12) + b"\x08"
    with pytest.raises(ValueError):
        lookup_key("v9", b"", 0)


def test_rfc_v2_keys_are_the_dcid_only():
    s = QuicTxSocket("rfc_v2", attach_ulp=True)
    info = QuicConnectionInfoRFCv2.build("aes-128-gcm", VEC.dcid, key=VEC.key, iv=VEC.iv, hp=VEC.hp)
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, info.pack())
    assert _send(s, dst=("192.0.2.7", 9)) == VEC.protected  # any destination
    assert len(_send(s, b"\x44" + VEC.plaintext[1:])) == 53  # no key-phase check
    s.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, info.pack())
    _unreachable(s)


def test_flow_table_direct_api():
    t = FlowTable("v4")
    flow = t.add(_info().pack())
    assert flow.dcid == VEC.dcid and flow.key_gen == 0 and flow.cipher.name == "aes-128-gcm"
    assert (flow.payload_key, flow.payload_iv, flow.header_key) == (VEC.key, VEC.iv, VEC.hp)
    assert t.lookup(_info().key.pack()) is flow
    assert list(t) == [flow] and len(t) == 1
    assert t.delete(_info().pack()) is flow
    with pytest.raises(KernelError):
        t.delete(_info().pack())
    t.add(_info().pack())
    t.add(_info(port=1).pack())
    assert t.clear() == 2 and len(t) == 0
    with pytest.raises(ValueError):
        FlowTable("v5")
