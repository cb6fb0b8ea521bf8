"""GSO segmenter: slices a send into QUIC packets and feeds the AES-GCM core.

This is the hardware half of the kernel's ``sendmsg`` loop (spec section 4): for every segment
of ``gso - 16`` plaintext bytes it reads the packet number length from *that* segment's first
byte, decodes the packet number against ``next_pkt_num``, forms the nonce, and hands the header
(as AAD) and the payload to AES-GCM; the header and the header-protection key go to the
datagram assembler, which finishes the packet.
"""

import enum

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import data, fifo, stream, wiring
from amaranth.lib.wiring import In, Out

from .aes_gcm import DATA_LAYOUT as GCM_DATA_LAYOUT
from .aes_gcm import cmd_layout as gcm_cmd_layout
from .key_table import entry_layout
from .pn_decode import PacketNumberDecoder

#: Tag bytes every cipher appends (spec section 1).
TAG_BYTES = 16
#: Longest short header: 1 + 20-byte DCID + 4-byte PN (QUIC_MAX_SHORT_HEADER_SIZE).
MAX_HEADER = 25


class Status(enum.IntEnum):
    """Completion status of a descriptor. Anything but OK means the send was dropped (from the
    failing segment on; earlier datagrams of the send were complete and were sent)."""

    OK = 0
    NO_KEY = 1  # the table entry is not valid (DEL'd or never written)
    KEY_PHASE = 2  # first packet's key-phase bit differs from the entry (spec section 4)
    SHORT_SEGMENT = 3  # a segment too short for its header and the 16-byte HP sample
    TOO_BIG = 4  # a datagram larger than the engine's datagram buffer


def descriptor_layout(entries: int) -> data.StructLayout:
    """One send: table index, the ``UDP_QUIC_ENCRYPT`` ancillary data, gso and length."""
    return data.StructLayout(
        {
            "index": range(entries),
            "next_pkt_num": 64,
            "dcid_len": 5,
            "gso": 16,  # UDP_SEGMENT size (0: one packet); the driver never posts 1..15
            "bypass": 1,  # send the bytes unchanged (split at gso when gso != 0)
            "length": 16,  # bytes of the send on the data stream
        }
    )


COMPLETION_LAYOUT = data.StructLayout({"status": 3, "datagrams": 16, "bypass": 1})


#: One datagram for the assembler. ``header`` holds the first ``hdr_len`` bytes of the
#: segment (unprotected); ``dgram_len`` is the datagram's size on the wire.
SEGMENT_LAYOUT = data.StructLayout(
    {
        "bypass": 1,
        "header": 256,
        "hdr_len": 5,
        "pn_offset": 5,
        "hp_key": 256,
        "aes256": 1,
        "dgram_len": 16,
        "pt_len": 16,
    }
)

#: Bypass bytes for the assembler: 1..16 bytes a beat, ``last`` on a datagram's final beat.
RAW_LAYOUT = data.StructLayout({"data": 128, "n_bytes": 5, "last": 1})


class GSOSegmenter(wiring.Component):
    """Per-send control: descriptor in, per-segment AES-GCM commands and data out.

    Ports: ``desc`` (descriptors), the key-table read port (``kt_addr``, ``kt_en``,
    ``kt_data``, latency 1), the head of the input :class:`ByteStreamBuffer` (``window``,
    ``level``, ``pop``), ``gcm_cmd``/``gcm_data`` (to :class:`AESGCM`), ``seg`` and ``raw`` (to
    the datagram assembler) and ``cpl`` (one completion per descriptor, after its last byte).

    Throughput: a segment of ``A`` header beats (1 or 2) and ``P`` payload beats takes
    ``2A + P + 1`` cycles here (header capture, command, AAD beats, payload beats; the segment
    ends with its last beat), plus 2 per send (descriptor, table read); completions leave
    through a 4-entry FIFO. AES-GCM needs ``A + P + 1`` cycles a packet, so the segmenter adds
    about ``A + 2`` cycles per single-packet send and ``A`` per further GSO segment
    (``make bench``: a 1,200-byte datagram in 79 cycles against a floor of 76). Latency from the
    descriptor to the first GCM command: 3 cycles plus the time for the header to arrive.

    Checks done here (the rest are the driver's, like the kernel's socket-level checks): table
    entry valid, key phase of the *first* packet, segment long enough for its header and the
    16-byte header-protection sample (``len >= dcid_len + 5``), datagram size. A failure
    consumes the rest of the send's bytes, emits nothing more and reports the status.
    """

    def __init__(self, *, entries: int = 256, ghash_lanes: int = 4, max_datagram: int = 2048):
        for name, value in (("entries", entries), ("max_datagram", max_datagram)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int")
        if ghash_lanes not in (1, 2, 4):
            raise ValueError(f"ghash_lanes must be 1, 2 or 4, not {ghash_lanes!r}")
        if not 64 <= max_datagram <= 65535:
            raise ValueError(f"max_datagram must be 64..65535, not {max_datagram}")
        self.entries = entries
        self.ghash_lanes = ghash_lanes
        self.max_datagram = max_datagram
        super().__init__(
            {
                "desc": In(stream.Signature(descriptor_layout(entries))),
                "kt_addr": Out(range(entries)),
                "kt_en": Out(1),
                "kt_data": In(entry_layout(ghash_lanes)),
                "window": In(128),
                "level": In(6),
                "pop": Out(5),
                "gcm_cmd": Out(stream.Signature(gcm_cmd_layout(ghash_lanes))),
                "gcm_data": Out(stream.Signature(GCM_DATA_LAYOUT)),
                "seg": Out(stream.Signature(SEGMENT_LAYOUT)),
                "raw": Out(stream.Signature(RAW_LAYOUT)),
                "cpl": Out(stream.Signature(COMPLETION_LAYOUT)),
            }
        )

    def elaborate(self, platform):
        m = Module()
        m.submodules.pn_decoder = pnd = PacketNumberDecoder()

        desc = Signal(descriptor_layout(self.entries))
        entry = Signal(entry_layout(self.ghash_lanes))
        seg_size = Signal(16)  # plaintext bytes per segment (P), or datagram size for bypass
        remaining = Signal(17)  # bytes of the send not yet consumed
        left = Signal(16)  # bytes of the current segment's payload not yet consumed
        hdr = Signal(256)
        hdr_len = Signal(5)
        first = Signal()
        status = Signal(3)
        n_dgrams = Signal(16)
        cmd_done = Signal()
        seg_done = Signal()

        # Registered, so that nothing in a per-cycle path (pop, the AES-GCM command) waits on
        # a compare-and-subtract of the send's counters: ``seg_len`` = bytes of this segment
        # (min(remaining, seg_size)), ``pt_len`` = its payload bytes, ``left_n`` = bytes of the
        # next payload or bypass beat (min(left, 16)), ``left_last`` = that beat is the last.
        seg_len = Signal(16)
        pt_len = Signal(16)
        left_n = Signal(5)
        left_last = Signal()
        dcid_len = desc.dcid_len
        pn_offset = Signal(5)
        m.d.comb += pn_offset.eq(dcid_len + 1)

        byte0 = self.window[:8]
        pn_len_m1 = hdr[:2]
        # The truncated PN (pn_len bytes at pn_offset, big-endian) is taken from the header as
        # it is captured (``hdr_next``) and registered, so the PN decode starts from registers.
        hdr_next = Signal(256)
        m.d.comb += hdr_next.eq(hdr)
        pn_bytes = hdr_next.bit_select(pn_offset * 8, 32)
        truncated_next = Signal(32)
        truncated = Signal(32)
        with m.Switch(hdr_next[:2]):
            for k in range(4):
                with m.Case(k):
                    m.d.comb += truncated_next.eq(
                        Cat(*[pn_bytes.word_select(k - j, 8) for j in range(k + 1)])
                    )
        m.d.comb += [
            pnd.i.valid.eq(1),
            pnd.o.ready.eq(1),
            pnd.expected.eq(desc.next_pkt_num),  # set in IDLE; the first decode is in CMD
            pnd.i.payload.truncated.eq(truncated),
            pnd.i.payload.pn_len_m1.eq(pn_len_m1),
        ]
        # nonce = IV xor the packet number as a 12-byte big-endian integer (RFC 9001 §5.3).
        pn96 = Signal(96)
        m.d.comb += pn96.eq(pnd.o.payload.pn)
        pn_be = Cat(*[pn96.word_select(11 - i, 8) for i in range(12)])
        nonce = entry.iv ^ pn_be

        def min16(value):
            return Mux(value < 16, value, 16)

        def set_left(value):
            m.d.sync += [left.eq(value), left_n.eq(min16(value)), left_last.eq(value <= 16)]

        def set_seg_len(rem):
            """``remaining`` becomes ``rem`` (``seg_size`` is final): the segment's length."""
            m.d.sync += seg_len.eq(Mux(rem < seg_size, rem, seg_size))

        def capture(part):
            """The header's ``part`` (0: bytes 0-15, 1: 16-31) is the window this cycle."""
            m.d.comb += hdr_next.word_select(part, 128).eq(self.window)
            m.d.sync += [hdr.word_select(part, 128).eq(self.window), truncated.eq(truncated_next)]

        m.d.comb += [
            self.kt_addr.eq(self.desc.payload.index),
            self.gcm_cmd.payload.key.eq(entry.key),
            self.gcm_cmd.payload.aes256.eq(entry.aes256),
            self.gcm_cmd.payload.iv.eq(nonce),
            self.gcm_cmd.payload.h_powers.eq(entry.h_powers),
            self.gcm_cmd.payload.aad_len.eq(hdr_len),
            self.gcm_cmd.payload.pt_len.eq(pt_len),
            self.seg.payload.header.eq(hdr),
            self.seg.payload.hdr_len.eq(hdr_len),
            self.seg.payload.pn_offset.eq(pn_offset),
            self.seg.payload.hp_key.eq(entry.hp_key),
            self.seg.payload.aes256.eq(entry.aes256),
            self.seg.payload.pt_len.eq(pt_len),
        ]

        # Completions leave through a small FIFO, so the next send starts without waiting
        # for the completion to be taken.
        m.submodules.cpl_fifo = cpl_fifo = fifo.SyncFIFOBuffered(
            width=COMPLETION_LAYOUT.size, depth=4
        )
        cpl_data = Signal(COMPLETION_LAYOUT)
        m.d.comb += [
            cpl_fifo.w_data.eq(cpl_data),
            cpl_data.status.eq(status),
            cpl_data.bypass.eq(desc.bypass),
            self.cpl.valid.eq(cpl_fifo.r_rdy),
            self.cpl.payload.eq(cpl_fifo.r_data),
            cpl_fifo.r_en.eq(self.cpl.ready),
        ]

        def finish_send(datagrams):
            m.d.comb += cpl_data.datagrams.eq(datagrams)
            with m.If(cpl_fifo.w_rdy):
                m.d.comb += cpl_fifo.w_en.eq(1)
                m.next = "IDLE"
            with m.Else():
                m.d.sync += n_dgrams.eq(datagrams)
                m.next = "CPL"

        def end_segment():
            """The segment's last byte is consumed this cycle: on to the next segment, or
            complete the send."""
            m.d.sync += [
                remaining.eq(remaining - seg_len),
                n_dgrams.eq(n_dgrams + 1),
                first.eq(0),
            ]
            set_seg_len(remaining - seg_len)
            with m.If(remaining == seg_len):
                finish_send(n_dgrams + 1)
            with m.Elif(desc.bypass):
                m.next = "BYP_SEG"
            with m.Else():
                m.next = "HDR1"

        with m.FSM():
            with m.State("IDLE"):
                m.d.comb += [self.desc.ready.eq(1), self.kt_en.eq(self.desc.valid)]
                with m.If(self.desc.valid):
                    m.d.sync += [
                        desc.eq(self.desc.payload),
                        first.eq(1),
                        status.eq(Status.OK),
                        n_dgrams.eq(0),
                        remaining.eq(self.desc.payload.length),
                    ]
                    m.next = "LOOKUP"
            with m.State("LOOKUP"):
                m.d.sync += entry.eq(self.kt_data)
                gso = desc.gso
                with m.If(desc.bypass):
                    size = Mux(gso != 0, gso, desc.length)
                    m.d.sync += [
                        seg_size.eq(size),
                        seg_len.eq(Mux(remaining < size, remaining, size)),
                    ]
                    with m.If(size > self.max_datagram):
                        m.d.sync += status.eq(Status.TOO_BIG)
                        m.next = "DROP"
                    with m.Else():
                        m.next = "BYP_SEG"
                with m.Else():
                    size = Mux(gso != 0, gso - TAG_BYTES, desc.length)
                    m.d.sync += [
                        seg_size.eq(size),
                        seg_len.eq(Mux(remaining < size, remaining, size)),
                    ]
                    dgram = Mux(gso != 0, gso, desc.length + TAG_BYTES)
                    with m.If(~self.kt_data.valid):
                        m.d.sync += status.eq(Status.NO_KEY)
                        m.next = "DROP"
                    with m.Elif(dgram > self.max_datagram):
                        m.d.sync += status.eq(Status.TOO_BIG)
                        m.next = "DROP"
                    with m.Else():
                        m.next = "HDR1"
            with m.State("HDR1"):
                need = min16(seg_len)
                h = Signal(5)
                m.d.comb += h.eq(dcid_len + byte0[:2] + 2)
                with m.If(self.level >= need):
                    with m.If(first & (byte0[2] != entry.key_phase)):
                        m.d.sync += status.eq(Status.KEY_PHASE)
                        m.next = "DROP"
                    with m.Elif(seg_len < dcid_len + 5):
                        m.d.sync += status.eq(Status.SHORT_SEGMENT)
                        m.next = "DROP"
                    with m.Else():
                        capture(0)
                        m.d.sync += [hdr_len.eq(h), pt_len.eq(seg_len - h)]
                        m.d.comb += self.pop.eq(min16(h))
                        with m.If(h > 16):
                            m.next = "HDR2"
                        with m.Else():
                            m.next = "CMD"
            with m.State("HDR2"):
                with m.If(self.level >= hdr_len - 16):
                    capture(1)
                    m.d.comb += self.pop.eq(hdr_len - 16)
                    m.next = "CMD"
            with m.State("CMD"):
                m.d.comb += [
                    self.gcm_cmd.valid.eq(~cmd_done),
                    self.seg.valid.eq(~seg_done),
                    self.seg.payload.bypass.eq(0),
                    self.seg.payload.dgram_len.eq(seg_len + TAG_BYTES),
                ]
                cmd_now = cmd_done | self.gcm_cmd.ready
                seg_now = seg_done | self.seg.ready
                m.d.sync += [cmd_done.eq(cmd_now), seg_done.eq(seg_now)]
                with m.If(cmd_now & seg_now):
                    m.d.sync += [cmd_done.eq(0), seg_done.eq(0)]
                    set_left(pt_len)
                    m.next = "AAD1"
            with m.State("AAD1"):
                m.d.comb += [
                    self.gcm_data.valid.eq(1),
                    self.gcm_data.payload.data.eq(hdr[:128]),
                    self.gcm_data.payload.last.eq((hdr_len <= 16) & (left == 0)),
                ]
                with m.If(self.gcm_data.ready):
                    with m.If(hdr_len > 16):
                        m.next = "AAD2"
                    with m.Elif(left != 0):
                        m.next = "PAY"
                    with m.Else():
                        end_segment()
            with m.State("AAD2"):
                m.d.comb += [
                    self.gcm_data.valid.eq(1),
                    self.gcm_data.payload.data.eq(hdr[128:]),
                    self.gcm_data.payload.last.eq(left == 0),
                ]
                with m.If(self.gcm_data.ready):
                    with m.If(left != 0):
                        m.next = "PAY"
                    with m.Else():
                        end_segment()
            with m.State("PAY"):
                n = left_n
                m.d.comb += [
                    self.gcm_data.valid.eq(self.level >= n),
                    self.gcm_data.payload.data.eq(self.window),
                    self.gcm_data.payload.last.eq(left_last),
                ]
                with m.If(self.gcm_data.valid & self.gcm_data.ready):
                    m.d.comb += self.pop.eq(n)
                    set_left(left - n)
                    with m.If(left_last):
                        end_segment()
            with m.State("BYP_SEG"):
                m.d.comb += [
                    self.seg.valid.eq(1),
                    self.seg.payload.bypass.eq(1),
                    self.seg.payload.dgram_len.eq(seg_len),
                ]
                with m.If(self.seg.ready):
                    set_left(seg_len)
                    m.next = "BYP_DATA"
            with m.State("BYP_DATA"):
                n = left_n
                m.d.comb += [
                    self.raw.valid.eq(self.level >= n),
                    self.raw.payload.data.eq(self.window),
                    self.raw.payload.n_bytes.eq(n),
                    self.raw.payload.last.eq(left_last),
                ]
                with m.If(self.raw.valid & self.raw.ready):
                    m.d.comb += self.pop.eq(n)
                    set_left(left - n)
                    with m.If(left_last):
                        end_segment()
            with m.State("DROP"):
                avail = Mux(self.level < 16, self.level, 16)
                n = Mux(remaining < avail, remaining, avail)
                m.d.comb += self.pop.eq(n)
                m.d.sync += remaining.eq(remaining - n)
                with m.If(remaining == n):
                    finish_send(n_dgrams)
            with m.State("CPL"):  # only when the completion FIFO was full
                finish_send(n_dgrams)
        return m
