"""One test per errno path of spec §3 (control plane) and §4 (sendmsg), with the counter rule
each path follows (QuicTxSwError counts failed ADD/DEL and failed encrypted sends only).

The cipher-page ENOMEM check (``ceil((len + 16 * nseg) / 4096) >= 16``) is modelled but cannot
be reached through sendmsg: the scatterlist check (``2 * (pages + nseg + 1) >= 32``) always
fires first for such lengths, as in the kernel.
"""

import errno
import struct

import pytest

from model import QuicTxSocket, packet_protection, vectors
from model.errors import KernelError
from model.uapi import (
    MSG_MORE,
    SOL_UDP,
    UDP_QUIC_ADD_TX_CONNECTION,
    UDP_QUIC_DEL_TX_CONNECTION,
    UDP_QUIC_ENCRYPT,
    UDP_SEGMENT,
    UDP_ULP,
    QuicConnectionInfo,
    QuicConnectionInfoRFCv2,
    build_control,
    encrypt_cmsg,
    pack_cmsg,
    quic_ancdata,
    segment_cmsg,
)

VEC = vectors.KERNEL_AES_128_GCM
DCID = VEC.dcid
PKT = VEC.plaintext
DST = ("10.0.0.2", 4433)
ANC = quic_ancdata(VEC.next_pkt_num, 8)


def _info(**kw):
    args = dict(key=VEC.key, iv=VEC.iv, hp=VEC.hp)
    args.update(kw)
    return QuicConnectionInfo.build("aes-128-gcm", DCID, *DST, **args)


def _sock(**kw) -> QuicTxSocket:
    s = QuicTxSocket(attach_ulp=True, **kw)
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _info().pack())
    return s


def _fails(s, err, fn, *args, counted=True, match=None):
    before = s.counters.as_dict()
    sent = len(s.sent)
    with pytest.raises(KernelError) as exc:
        fn(*args)
    assert exc.value.errno == err, exc.value
    if match:
        assert match in str(exc.value)
    after = s.counters.as_dict()
    assert after["QuicTxSwError"] == before["QuicTxSwError"] + (1 if counted else 0)
    assert after["QuicCurrTxSw"] == before["QuicCurrTxSw"]
    assert after["QuicTxSw"] == before["QuicTxSw"]
    assert len(s.sent) == sent  # nothing left the socket
    return exc.value


def _batch(dcid: bytes, plain_pkt: int, total: int, first=0x40) -> bytes:
    buf = bytearray(b"\x5a" * total)
    for off in range(0, total, plain_pkt):
        hdr = bytes([first]) + dcid + b"\xca"
        buf[off : off + len(hdr)] = hdr[: total - off]
    return bytes(buf)


# --- §3 ULP --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["quic-crypto", b"quic-crypto", b"quic-crypto\0", b"quic-crypto\0gar"]
)
def test_ulp_attach(name):
    s = QuicTxSocket()
    s.setsockopt(SOL_UDP, UDP_ULP, name)
    assert s.ulp_attached


@pytest.mark.parametrize(
    ("value", "optlen", "err"),
    [
        (b"tls", None, errno.EINVAL),  # shorter than an int: udp_lib_setsockopt's first check
        (b"", None, errno.EINVAL),  # empty
        (b"quic-cryptoquic-c", None, errno.EINVAL),  # 17 bytes: over-long
        (b"quic-cryptoquic-", None, errno.EINVAL),  # 16 bytes, no NUL
        (b"quic", None, errno.ENOENT),
        (b"quic-cryptox", None, errno.ENOENT),
        (b"\0\0\0\0", None, errno.ENOENT),  # the empty name
        (None, 11, errno.EFAULT),
        (b"quic-crypto", 12, errno.EFAULT),  # buffer shorter than optlen, no NUL: fault
    ],
)
def test_ulp_errors_count_nothing(value, optlen, err):
    s = QuicTxSocket()
    _fails(s, err, s.setsockopt, SOL_UDP, UDP_ULP, value, optlen, counted=False)
    assert not s.ulp_attached


def test_ulp_already_attached_is_eexist():
    s = QuicTxSocket(attach_ulp=True)
    _fails(s, errno.EEXIST, s.setsockopt, SOL_UDP, UDP_ULP, b"quic-crypto", counted=False)
    _fails(s, errno.ENOENT, s.setsockopt, SOL_UDP, UDP_ULP, b"tls-x", counted=False)


@pytest.mark.parametrize("opt", [UDP_QUIC_ADD_TX_CONNECTION, UDP_QUIC_DEL_TX_CONNECTION])
def test_add_del_without_ulp_is_enoprotoopt_and_not_counted(opt):
    s = QuicTxSocket()
    _fails(s, errno.ENOPROTOOPT, s.setsockopt, SOL_UDP, opt, _info().pack(), counted=False)


# --- §3 ADD --------------------------------------------------------------------------------------


def _raw_with(offset: int, value: bytes) -> bytes:
    raw = bytearray(_info().pack())
    raw[offset : offset + len(value)] = value
    return bytes(raw)


@pytest.mark.parametrize(
    ("value", "optlen", "err"),
    [
        (None, 128, errno.EINVAL),  # NULL optval
        (_info().pack()[:127], None, errno.EINVAL),  # optlen != 128
        (_info().pack() + b"\0", None, errno.EINVAL),
        (
            QuicConnectionInfoRFCv2.build(
                "aes-128-gcm", DCID, key=VEC.key, iv=VEC.iv, hp=VEC.hp
            ).pack(),
            None,
            errno.EINVAL,
        ),
        (_info().pack()[:100], 128, errno.EFAULT),  # copy fault
        (_raw_with(24, b"\x15")[:60], 128, errno.EFAULT),  # the fault comes before validation
        (_raw_with(24, b"\x15"), None, errno.EINVAL),  # dst_conn_id_length 21
        (_raw_with(48, b"\x02"), None, errno.EINVAL),  # conn_payload_key_gen 2
        (_raw_with(0, (50).to_bytes(2, "little")), None, errno.EINVAL),  # unknown cipher
        (_raw_with(0, (55).to_bytes(2, "little")), None, errno.EINVAL),
        (_raw_with(0, bytes(2)), None, errno.EINVAL),
    ],
)
def test_add_errors(value, optlen, err):
    s = QuicTxSocket(attach_ulp=True)
    _fails(s, err, s.setsockopt, SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, value, optlen)
    assert len(s.flows) == 0


def test_add_success_counts_and_duplicates_are_allowed():
    s = QuicTxSocket(attach_ulp=True)
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _info().pack())
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _info().pack())  # no duplicate check
    assert s.counters.as_dict() == {"QuicCurrTxSw": 2, "QuicTxSw": 2, "QuicTxSwError": 0}


# --- §3 DEL --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "optlen", "err"),
    [
        (None, 128, errno.EINVAL),
        (_info().pack()[:64], None, errno.EINVAL),
        (_info().pack()[:64], 128, errno.EFAULT),
        (_raw_with(24, b"\x15"), None, errno.EINVAL),
        (_raw_with(48, b"\x02"), None, errno.EINVAL),
        (_raw_with(4, b"\xee"), None, errno.EINVAL),  # not found (DCID differs)
        (_raw_with(44, b"\x00\x01"), None, errno.EINVAL),  # not found (port differs)
    ],
)
def test_del_errors(value, optlen, err):
    s = _sock()
    _fails(s, err, s.setsockopt, SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, value, optlen)
    assert len(s.flows) == 1


def test_del_missing_is_einval_not_enoent():
    s = QuicTxSocket(attach_ulp=True)
    exc = _fails(s, errno.EINVAL, s.setsockopt, SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, _info().pack())
    assert exc.errno != errno.ENOENT


def test_del_success_and_cipher_not_checked():
    s = _sock()
    s.setsockopt(SOL_UDP, UDP_QUIC_DEL_TX_CONNECTION, _raw_with(0, bytes(2)))  # cipher 0, same key
    assert s.counters.as_dict() == {"QuicCurrTxSw": 0, "QuicTxSw": 1, "QuicTxSwError": 0}


def test_rfc_v2_socket_add_checks():
    s = QuicTxSocket("rfc_v2", attach_ulp=True)
    _fails(s, errno.EINVAL, s.setsockopt, SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, _info().pack())
    v2 = QuicConnectionInfoRFCv2.build("aes-128-gcm", DCID, key=VEC.key, iv=VEC.iv, hp=VEC.hp)
    bad = bytearray(v2.pack())
    bad[0:2] = (99).to_bytes(2, "little")
    _fails(s, errno.EINVAL, s.setsockopt, SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, bytes(bad))
    long_dcid = bytearray(v2.pack())
    long_dcid[22] = 21  # the RFC v2 code has no length check: stored, unreachable
    s.setsockopt(SOL_UDP, UDP_QUIC_ADD_TX_CONNECTION, bytes(long_dcid))
    assert s.counters.as_dict() == {"QuicCurrTxSw": 1, "QuicTxSw": 1, "QuicTxSwError": 2}


# --- UDP_SEGMENT and other options --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "optlen", "err"),
    [
        (b"\xb0\x04", None, errno.EINVAL),  # a u16 is shorter than the int the kernel reads
        (-1, None, errno.EINVAL),
        (65536, None, errno.EINVAL),
        (None, 4, errno.EFAULT),
        (b"\x00\x00", 4, errno.EFAULT),
    ],
)
def test_udp_segment_errors(value, optlen, err):
    s = _sock()
    _fails(s, err, s.setsockopt, SOL_UDP, UDP_SEGMENT, value, optlen, counted=False)
    assert s.gso_size == 0


def test_udp_segment_values():
    s = _sock()
    s.setsockopt(SOL_UDP, UDP_SEGMENT, struct.pack("<i", 1200))
    assert s.gso_size == 1200
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 0)
    assert s.gso_size == 0
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 65535)
    assert s.gso_size == 65535


def test_unmodelled_options_are_enoprotoopt():
    s = _sock()
    _fails(s, errno.ENOPROTOOPT, s.setsockopt, 1, 2, 1, counted=False)  # SOL_SOCKET
    _fails(s, errno.ENOPROTOOPT, s.setsockopt, SOL_UDP, 1, 1, counted=False)  # UDP_CORK


# --- §4 sendmsg ----------------------------------------------------------------------------------


@pytest.mark.parametrize("buffers", [[], [b""], [b"", b""]])
def test_empty_message_is_einval_and_counted(buffers):
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, buffers, ANC, 0, DST)


@pytest.mark.parametrize("first", [b"\x40", b"\x00"])
def test_one_byte_is_bypassed(first):
    s = _sock()
    assert s.sendmsg([first], ANC, 0, DST) == 1
    assert [(d.data, d.bypass) for d in s.sent] == [(first, True)]
    assert s.counters.tx_sw_error == 0


@pytest.mark.parametrize("first", [0xC0, 0xC3, 0x80, 0x00, 0x3F, 0xFF])
def test_non_short_header_is_bypassed_even_without_control(first):
    s = _sock()
    pkt = bytes([first]) + PKT[1:]
    assert s.sendmsg([pkt], [], 0, DST) == len(pkt)
    assert s.sent[0].data == pkt and s.sent[0].bypass
    assert s.counters.tx_sw_error == 0


def test_msg_more_is_einval():
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], ANC, MSG_MORE, DST)


def test_corked_data_pending_is_einval():
    s = _sock()
    assert s.sendmsg([b"\xc0\x01\x02"], [], MSG_MORE, DST) == 3  # bypass, corked
    assert s.sent == []
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], ANC, 0, DST, match="corked")


def test_no_control_data_is_einval():
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], [], 0, DST)
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], b"", 0, DST)


@pytest.mark.parametrize(
    "control",
    [
        pack_cmsg(SOL_UDP, UDP_QUIC_ENCRYPT, b"", length=8),  # cmsg_len < 16
        pack_cmsg(SOL_UDP, UDP_QUIC_ENCRYPT, encrypt_cmsg(0, 8)[2], length=40),  # past the end
        build_control(ANC) + pack_cmsg(0, 1, b"", length=4),  # a bad one after a good one
    ],
)
def test_malformed_cmsg_is_einval(control):
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], control, 0, DST)


def test_short_control_buffer_has_no_cmsg():
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], bytes(15), 0, DST, match="no UDP_QUIC_ENCRYPT")


@pytest.mark.parametrize("data_len", [8, 15, 17, 24])
def test_encrypt_cmsg_len_must_be_32(data_len):
    s = _sock()
    anc = [(SOL_UDP, UDP_QUIC_ENCRYPT, ANC[0][2][:data_len].ljust(data_len, b"\0"))]
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], anc, 0, DST)


def test_encrypt_cmsg_last_one_wins():
    s = _sock()
    wrong = encrypt_cmsg(VEC.next_pkt_num, 3)
    assert s.sendmsg([PKT], [wrong, ANC[0]], 0, DST) == len(PKT)
    assert s.sent[-1].data == VEC.protected
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], [ANC[0], wrong], 0, DST)  # dcid_len 3: no flow
    bad_len = (SOL_UDP, UDP_QUIC_ENCRYPT, bytes(8))
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], [ANC[0], bad_len], 0, DST)


def test_encrypt_cmsg_at_another_level_is_ignored():
    s = _sock()
    anc = [(0, UDP_QUIC_ENCRYPT, ANC[0][2])]  # level SOL_IP
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], anc, 0, DST, match="no UDP_QUIC_ENCRYPT")


def test_no_encrypt_cmsg_is_einval():
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], [segment_cmsg(1200)], 0, DST)


@pytest.mark.parametrize("data", [b"\xb0", b"\xb0\x04\x00\x00"])
def test_segment_cmsg_len_must_be_18(data):
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], ANC + [(SOL_UDP, UDP_SEGMENT, data)], 0, DST)


def test_segment_cmsg_overrides_setsockopt_even_with_zero_and_last_wins():
    s = _sock()
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 26)
    assert s.sendmsg([PKT], ANC + [segment_cmsg(0)], 0, DST) == 37  # 0 turns GSO off
    assert [d.data for d in s.sent] == [VEC.protected]
    anc = ANC + [segment_cmsg(26), segment_cmsg(1200)]
    assert s.sendmsg([PKT], anc, 0, DST) == 37
    assert s.sent[-1].data == VEC.protected


@pytest.mark.parametrize("flags", [0x02, 0x03, 0x80, 0xFF])
def test_reserved_flags_are_einval(flags):
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], quic_ancdata(0, 8, flags), 0, DST)


def test_bypass_flag_sends_the_whole_gso_batch_unchanged():
    s = _sock()
    batch = _batch(DCID, 1184, 3000)
    anc = quic_ancdata(0, 8, flags=1, gso_size=1200)
    assert s.sendmsg([batch], anc, 0, DST) == 3000
    assert [d.data for d in s.sent] == [batch[:1200], batch[1200:2400], batch[2400:]]
    assert all(d.bypass for d in s.sent)
    assert s.counters.tx_sw_error == 0


def test_message_shorter_than_dcid_is_einval():
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, [PKT[:8]], ANC, 0, DST, match="dcid_len")


@pytest.mark.parametrize(
    ("name", "err"),
    [
        (b"\x02", errno.EINVAL),  # shorter than the family field
        (b"\x02\x00" + bytes(12), errno.EINVAL),  # AF_INET, 14 < sizeof(sockaddr_in)
        (b"\x0a\x00" + bytes(21), errno.EINVAL),  # AF_INET6, 23 < SIN6_LEN_RFC2133
        (b"\x01\x00" + bytes(14), errno.EAFNOSUPPORT),  # AF_UNIX
        (b"\x00\x00" + bytes(14), errno.EAFNOSUPPORT),  # AF_UNSPEC
        (("10.0.0.2", 0), errno.EINVAL),  # port 0
        (("2001:db8::1", 0, 0, 0), errno.EINVAL),
    ],
)
def test_destination_errors(name, err):
    s = _sock()
    _fails(s, err, s.sendmsg, [PKT], ANC, 0, name)


def test_no_destination_is_edestaddrreq_and_connect_fixes_it():
    s = _sock()
    _fails(s, errno.EDESTADDRREQ, s.sendmsg, [PKT], ANC, 0, None)
    s.connect(DST)
    assert s.sendmsg([PKT], ANC) == 37
    assert s.sent[-1].data == VEC.protected
    s.connect(("10.0.0.2", 0))
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], ANC, 0, None)


def test_v6_sockaddr_of_24_bytes_is_enough():
    s = _sock()
    name = (
        b"\x0a\x00"
        + (4433).to_bytes(2, "big")
        + bytes(4)
        + bytes(10)
        + b"\xff\xff"
        + bytes([10, 0, 0, 2])
    )
    assert len(name) == 24
    assert s.sendmsg([PKT], ANC, 0, name) == 37  # v4-mapped destination: rewritten to 10.0.0.2
    assert s.sent[-1].data == VEC.protected
    assert str(s.sent[-1].dst) == "10.0.0.2:4433"


def test_dcid_len_over_20_is_einval():
    s = _sock()
    pkt = PKT + bytes(30)
    _fails(s, errno.EINVAL, s.sendmsg, [pkt], quic_ancdata(0, 21), 0, DST, match="> 20")


@pytest.mark.parametrize(
    ("pkt", "dst"),
    [
        (b"\x40" + b"\xee" * 8 + PKT[9:], DST),  # DCID
        (PKT, ("10.0.0.2", 4434)),  # port
        (PKT, ("10.0.0.3", 4433)),  # address
        (PKT, ("::a00:2", 4433)),  # IPv6 ::10.0.0.2 (not v4-mapped) is another address
    ],
)
def test_lookup_miss_is_einval(pkt, dst):
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, [pkt], ANC, 0, dst, match="no flow")


def test_key_phase_mismatch_is_einval():
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, [b"\x44" + PKT[1:]], ANC, 0, DST, match="key phase")


@pytest.mark.parametrize("gso", [1, 8, 15])
@pytest.mark.parametrize("by_cmsg", [True, False])
def test_gso_below_tag_size_returns_zero_sends_nothing_counts_nothing(gso, by_cmsg):
    s = _sock()
    if by_cmsg:
        anc = ANC + [segment_cmsg(gso)]
    else:
        s.setsockopt(SOL_UDP, UDP_SEGMENT, gso)
        anc = ANC
    assert s.sendmsg([PKT], anc, 0, DST) == 0
    assert s.sent == []
    assert s.counters.tx_sw_error == 0


def test_enomem_scatterlist_limit_with_gso_1200():
    s = _sock()
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 1200)
    ok = _batch(DCID, 1184, 12288)
    assert s.sendmsg([ok], ANC, 0, DST) == 12288
    assert [len(d.data) for d in s.sent] == [1200] * 10 + [12288 - 10 * 1184 + 16]
    _fails(s, errno.ENOMEM, s.sendmsg, [_batch(DCID, 1184, 12289)], ANC, 0, DST)


def test_enomem_at_most_13_segments():
    s = _sock()
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 116)  # 100 plaintext bytes per packet
    assert s.sendmsg([_batch(DCID, 100, 1300)], ANC, 0, DST) == 1300
    assert len(s.sent) == 13
    _fails(s, errno.ENOMEM, s.sendmsg, [_batch(DCID, 100, 1301)], ANC, 0, DST)


def test_enomem_eight_iovecs():
    s = _sock()
    parts = [PKT[:10]] + [PKT[10 + 4 * i : 14 + 4 * i] for i in range(6)] + [PKT[34:]]
    assert len(parts) == 8 and b"".join(parts) == PKT
    _fails(s, errno.ENOMEM, s.sendmsg, parts, ANC, 0, DST, match="iovecs")
    assert s.sendmsg([PKT[:10], *parts[1:6], PKT[30:]], ANC, 0, DST) == 37  # 7 iovecs
    assert s.sent[-1].data == VEC.protected


def test_enomem_pinned_pages():
    s = _sock()
    head = [PKT[i : i + 1] for i in range(6)]  # 6 one-byte iovecs: one page each
    big = PKT[6:] + bytes(40961 - 31)  # 11 pages
    _fails(s, errno.ENOMEM, s.sendmsg, [*head, big], ANC, 0, DST, match="pinned")
    fits = PKT[6:] + bytes(36864 - 31)  # 9 pages: 15 pinned
    assert s.sendmsg([*head, fits], ANC, 0, DST) == 6 + len(fits)


def test_later_segment_shorter_than_its_header_fails_the_whole_send():
    s = _sock()
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 1200)
    data = _batch(DCID, 1184, 1184 + 5)  # second segment: 5 bytes < 10-byte header
    _fails(s, errno.EINVAL, s.sendmsg, [data], ANC, 0, DST, match="segment 1")


def test_pn_len_is_reread_from_each_segment():
    s = _sock()
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 1200)
    first = _batch(DCID, 1184, 1184)
    second = bytearray(_batch(DCID, 1184, 600))
    second[0] = 0x43  # pn_len 4 in the second segment only
    data = first + bytes(second)
    assert s.sendmsg([data], ANC, 0, DST) == len(data)
    expect = [
        packet_protection.protect_short_header_packet(
            "aes-128-gcm", VEC.key, VEC.iv, VEC.hp, seg, 8, VEC.next_pkt_num
        )
        for seg in (first, bytes(second))
    ]
    assert [d.data for d in s.sent] == expect


def test_later_segments_are_not_checked_for_header_form_dcid_or_key_phase():
    s = _sock()
    s.setsockopt(SOL_UDP, UDP_SEGMENT, 1200)
    first = _batch(DCID, 1184, 1184)
    second = b"\xc5" + b"\xee" * 8 + bytes(50)  # long-header bits, other DCID, key phase 1
    assert s.sendmsg([first + second], ANC, 0, DST) == 1184 + len(second)
    got = s.sent[-1].data
    assert got == packet_protection.protect_short_header_packet(
        "aes-128-gcm", VEC.key, VEC.iv, VEC.hp, second, 8, VEC.next_pkt_num
    )
    assert got[0] & 0xE0 == 0xC0  # short-header mask 0x1F, whatever the first byte says


def test_unknown_udp_cmsg_type_fails_in_udp_layer_and_counts():
    s = _sock()
    _fails(s, errno.EINVAL, s.sendmsg, [PKT], ANC + [(SOL_UDP, 200, b"x")], 0, DST)
    assert s.sendmsg([PKT], ANC + [(0, 1, b"\x01\x02\x03\x04")], 0, DST) == 37  # SOL_IP: ignored


def test_bypass_errors_come_from_udp_and_are_not_counted():
    s = _sock()
    big = b"\xc0" + bytes(70000)
    _fails(s, errno.EMSGSIZE, s.sendmsg, [big], [], 0, DST, counted=False)
    _fails(s, errno.EDESTADDRREQ, s.sendmsg, [b"\xc0\x00"], [], 0, None, counted=False)
    _fails(s, errno.EINVAL, s.sendmsg, [b"\xc0\x00"], [(SOL_UDP, 200, b"")], 0, DST, counted=False)


def test_closed_socket_is_ebadf():
    s = _sock()
    s.close()
    _fails(s, errno.EBADF, s.sendmsg, [PKT], ANC, 0, DST, counted=False)
    _fails(s, errno.EBADF, s.setsockopt, SOL_UDP, UDP_SEGMENT, 1, counted=False)
    _fails(s, errno.EBADF, s.connect, DST, counted=False)
    s.close()  # idempotent
