"""The QUIC Tx offload engine: key table, GSO segmenter, AES-GCM, header protection, assembly.

Data flow (one lane, 16 bytes a cycle)::

    s ──> ByteStreamBuffer ──> GSOSegmenter ──gcm_cmd/gcm_data──> AESGCM ──ct──┐
    desc ─────────────────────────┘  │ └──seg/raw──────────────────────────> DatagramAssembler ──> o
    ctl ──> KeyTable <── kt_* ───────┘                         HeaderProtectionMask <─hp_req/resp─┘
                                                  cpl <── GSOSegmenter; counters <── TxCounters
"""

from amaranth.hdl import Module
from amaranth.lib import data, fifo, stream, wiring
from amaranth.lib.wiring import In, Out

from .aes_gcm import AESGCM
from .byte_stream_buffer import ByteStreamBuffer
from .datagram_assembler import DGRAM_BEAT_LAYOUT, DatagramAssembler
from .gso_segmenter import COMPLETION_LAYOUT, SEGMENT_LAYOUT, GSOSegmenter, descriptor_layout
from .hp_mask import HeaderProtectionMask
from .key_table import KeyTable, write_layout
from .tx_counters import TxCounters, counters_layout

#: The send's bytes: ``n_bytes`` (1..16) valid bytes from lane 0 a beat. ``last`` marks the end
#: of a send (informational: the descriptor's ``length`` is what the engine counts).
SEND_BEAT_LAYOUT = data.StructLayout({"data": 128, "n_bytes": 5, "last": 1})


def connect_fields(m, src, dst):
    """Drive stream ``dst`` from stream ``src`` member by member (layouts may differ in
    member order but not in names or widths)."""
    m.d.comb += [dst.valid.eq(src.valid), src.ready.eq(dst.ready)]
    for name in dst.payload.shape().members:
        m.d.comb += getattr(dst.payload, name).eq(getattr(src.payload, name))


class QuicTxEngine(wiring.Component):
    """Encrypts QUIC 1-RTT short-header packets exactly as the kernel software path does.

    Ports: ``ctl`` (key-table writes: ADD = an entry with ``valid``, DEL = ``valid = 0``),
    ``desc`` (one per send: table index, ``next_pkt_num``, DCID length, gso, bypass, length),
    ``s`` (the send's plaintext, all sends back to back), ``o`` (datagrams, ``last`` on each
    datagram's final beat), ``cpl`` (one completion per descriptor, in order: status and the
    number of datagrams the send produced), ``counters``.

    Throughput: one 16-byte word per cycle through every stage; per packet about 3 cycles
    over the floor of ``P + 2`` (``make bench``, back to back, a new key every packet: 1,200-byte
    datagrams in 79 cycles, 15.2 bytes/cycle; 256 bytes in 20.2; 64 bytes in 8.2, with eight
    datagram buffers covering the header-protection latency). Latency from a descriptor to
    the last beat of its datagram: 79 cycles for 64 bytes, 197 for 1,200 (the AES-GCM latency,
    the mask latency and store-and-forward).

    Parameters: ``entries`` (key-table size), ``ghash_lanes`` (1, 2, 4), ``stages_per_round``
    (1, 2), ``n_buffers`` (datagram buffers: 2, 4, 8), ``max_datagram`` (bytes, power of two),
    ``hp_stages_per_round`` and ``hp_sbox`` (the header-protection AES pipeline's settings,
    default the same as the payload pipeline's: two AES pipelines with block-RAM S-boxes need
    about 276 DP16KD, more than an ECP5-85F's 208, so an FPGA build puts the HP S-boxes in
    logic, e.g. ``hp_sbox="composite"``).
    """

    #: Segment records between the segmenter and the assembler: at least the number of
    #: packets AES-GCM can hold (its latency over the shortest packet's 3 slots).
    SEG_FIFO_DEPTH = 16

    def __init__(
        self,
        *,
        entries: int = 256,
        ghash_lanes: int = 4,
        stages_per_round: int = 2,
        n_buffers: int = 8,
        max_datagram: int = 2048,
        hp_stages_per_round: int | None = None,
        hp_sbox: str | None = None,
    ):
        # Check everything before building any part: a half-built engine would leave parts
        # that are never elaborated behind.
        for name, value in (("entries", entries), ("max_datagram", max_datagram)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
        if not 1 <= entries <= 65536:
            raise ValueError(f"entries must be 1..65536, not {entries}")
        if ghash_lanes not in (1, 2, 4):
            raise ValueError(f"ghash_lanes must be 1, 2 or 4, not {ghash_lanes!r}")
        if stages_per_round not in (1, 2):
            raise ValueError(f"stages_per_round must be 1 or 2, not {stages_per_round!r}")
        if hp_stages_per_round is None:
            hp_stages_per_round = stages_per_round
        if hp_stages_per_round not in (1, 2, 3):
            raise ValueError(
                f"hp_stages_per_round must be 1, 2 or 3 (or None), not {hp_stages_per_round!r}"
            )
        if hp_sbox not in (None, "block", "logic", "composite"):
            raise ValueError(f"hp_sbox must be 'block', 'logic' or 'composite', not {hp_sbox!r}")
        if hp_sbox == "block" and hp_stages_per_round == 1:
            raise ValueError("hp_sbox='block' needs hp_stages_per_round >= 2")
        if hp_sbox == "composite" and hp_stages_per_round != 3:
            raise ValueError("hp_sbox='composite' needs hp_stages_per_round=3")
        if n_buffers not in (2, 4, 8):
            raise ValueError(f"n_buffers must be 2, 4 or 8, not {n_buffers!r}")
        if not 64 <= max_datagram <= 65535 or max_datagram & (max_datagram - 1):
            raise ValueError(
                f"max_datagram must be a power of two in 64..32768, not {max_datagram}"
            )
        self.params = dict(
            entries=entries,
            ghash_lanes=ghash_lanes,
            stages_per_round=stages_per_round,
            n_buffers=n_buffers,
            max_datagram=max_datagram,
            hp_stages_per_round=hp_stages_per_round,
            hp_sbox=hp_sbox,
        )
        # Build the parts now so bad parameters fail at construction, with their messages.
        self._key_table = KeyTable(entries=entries, ghash_lanes=ghash_lanes)
        self._segmenter = GSOSegmenter(
            entries=entries, ghash_lanes=ghash_lanes, max_datagram=max_datagram
        )
        self._assembler = DatagramAssembler(n_buffers=n_buffers, max_datagram=max_datagram)
        self._gcm = AESGCM(stages_per_round=stages_per_round, ghash_lanes=ghash_lanes)
        self._hp = HeaderProtectionMask(
            stages_per_round=hp_stages_per_round,
            user_width=self._assembler.buf_bits,
            sbox=hp_sbox,
        )
        super().__init__(
            {
                "ctl": In(stream.Signature(write_layout(entries, ghash_lanes))),
                "desc": In(stream.Signature(descriptor_layout(entries))),
                "s": In(stream.Signature(SEND_BEAT_LAYOUT)),
                "o": Out(stream.Signature(DGRAM_BEAT_LAYOUT)),
                "cpl": Out(stream.Signature(COMPLETION_LAYOUT)),
                "counters": Out(counters_layout(32)),
            }
        )

    def elaborate(self, platform):
        m = Module()
        m.submodules.key_table = kt = self._key_table
        m.submodules.segmenter = seg = self._segmenter
        m.submodules.assembler = asm = self._assembler
        m.submodules.gcm = gcm = self._gcm
        m.submodules.hp_mask = hp = self._hp
        m.submodules.in_buffer = inbuf = ByteStreamBuffer()
        m.submodules.counters = ctr = TxCounters(width=32)

        wiring.connect(m, wiring.flipped(self.ctl), kt.write)
        wiring.connect(m, wiring.flipped(self.desc), seg.desc)
        m.d.comb += [
            kt.read_addr.eq(seg.kt_addr),
            kt.read_en.eq(seg.kt_en),
            seg.kt_data.eq(kt.read_data),
            inbuf.i.valid.eq(self.s.valid),
            inbuf.i.payload.data.eq(self.s.payload.data),
            inbuf.i.payload.n_bytes.eq(self.s.payload.n_bytes),
            self.s.ready.eq(inbuf.i.ready),
            seg.window.eq(inbuf.window),
            seg.level.eq(inbuf.level),
            inbuf.pop.eq(seg.pop),
        ]
        connect_fields(m, seg.gcm_cmd, gcm.cmd)
        connect_fields(m, seg.gcm_data, gcm.i)
        connect_fields(m, gcm.o, asm.ct)
        # Segment records wait here while their packets are inside AES-GCM (about 35 cycles),
        # so the segmenter can start the next packets without waiting for the assembler.
        m.submodules.seg_fifo = seg_fifo = fifo.SyncFIFOBuffered(
            width=SEGMENT_LAYOUT.size, depth=self.SEG_FIFO_DEPTH
        )
        m.d.comb += [
            seg_fifo.w_data.eq(seg.seg.payload),
            seg_fifo.w_en.eq(seg.seg.valid),
            seg.seg.ready.eq(seg_fifo.w_rdy),
            asm.seg.payload.eq(seg_fifo.r_data),
            asm.seg.valid.eq(seg_fifo.r_rdy),
            seg_fifo.r_en.eq(asm.seg.ready),
        ]
        wiring.connect(m, seg.raw, asm.raw)
        connect_fields(m, asm.hp_req, hp.i)
        connect_fields(m, hp.o, asm.hp_resp)
        wiring.connect(m, asm.o, wiring.flipped(self.o))
        wiring.connect(m, seg.cpl, wiring.flipped(self.cpl))
        m.d.comb += [
            ctr.beat.eq(asm.o.payload),
            ctr.beat_fire.eq(asm.o.valid & asm.o.ready),
            ctr.cpl.eq(seg.cpl.payload),
            ctr.cpl_fire.eq(seg.cpl.valid & seg.cpl.ready),
            self.counters.eq(ctr.counters),
        ]
        return m
