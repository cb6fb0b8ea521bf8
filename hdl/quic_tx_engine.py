"""The QUIC Tx offload engine: key table, GSO segmenter, AES-GCM, header protection, assembly.

Data flow (one lane, 16 bytes a cycle)::

    s ──> ByteStreamBuffer ──> GSOSegmenter ──gcm_cmd, gcm_data (FIFO)──> AESGCM ──ct─┐
    desc ─────────────────────────┘  │ └──seg/raw─(credits)───────────────> DatagramAssembler ──> o
    ctl ──> KeyTable <── kt_* ───────┘               AESGCM.hp_i/hp_o <─hp_req/hp_resp─┘
                                                   cpl <── GSOSegmenter; counters <── TxCounters

Header-protection masks are computed in AES-GCM's own AES pipeline (one slot per packet, in
the cycle of the length block, which has no AES slot), so the engine has one AES pipeline.
"""

from amaranth.hdl import Module, Signal
from amaranth.lib import data, fifo, stream, wiring
from amaranth.lib.wiring import In, Out

from .aes_gcm import AESGCM, _check_choice
from .byte_stream_buffer import ByteStreamBuffer
from .datagram_assembler import DGRAM_BEAT_LAYOUT, DatagramAssembler
from .ghash import KARATSUBA_LEVELS
from .gso_segmenter import COMPLETION_LAYOUT, SEGMENT_LAYOUT, GSOSegmenter, descriptor_layout
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

    Throughput: one 16-byte word per cycle through every stage; per packet a few cycles over
    the floor of ``P + 2`` AES slots (``make bench`` writes the measured figures to
    ``build/bench/engine.json``). Latency from a descriptor to the last beat of its datagram:
    the AES-GCM latency, the wait for a packet boundary and the AES latency of the mask, and
    store-and-forward.

    Header protection shares AES-GCM's pipeline (``AESGCM(hp_user_width=...)``): one AES
    pipeline for the engine, which is what lets it fit an ECP5-85F (two pipelines with
    block-RAM S-boxes need ~276 of its 208 DP16KD; one in LUTs ~50k LUT4). Because a mask slot
    can sit behind ciphertext in that pipeline, a datagram is only started (segment record to
    the assembler, then its beats to AES-GCM) when a datagram buffer is free for it: at most
    ``n_buffers`` datagrams between the segmenter and the assembler's read-out, so everything
    in the pipeline has somewhere to go and the engine cannot deadlock on its own masks.

    Parameters: ``entries`` (key-table size), ``ghash_lanes`` (1, 2, 4), ``ghash_karatsuba``
    (GHASH's Karatsuba depth: 0, 1, 2; size and routing, not behaviour), ``stages_per_round``
    (1, 2), ``n_buffers`` (datagram buffers: 2, 4, 8, 16; they also bound the datagrams in
    flight, so small packets need more), ``max_datagram`` (bytes, power of two).
    """

    def __init__(
        self,
        *,
        entries: int = 256,
        ghash_lanes: int = 4,
        ghash_karatsuba: int = 1,
        stages_per_round: int = 2,
        n_buffers: int = 16,
        max_datagram: int = 2048,
    ):
        # Check everything before building any part: a half-built engine would leave parts
        # that are never elaborated behind.
        for name, value in (("entries", entries), ("max_datagram", max_datagram)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
        if not 1 <= entries <= 65536:
            raise ValueError(f"entries must be 1..65536, not {entries}")
        for name, value, allowed in (
            ("ghash_lanes", ghash_lanes, (1, 2, 4)),
            ("ghash_karatsuba", ghash_karatsuba, KARATSUBA_LEVELS),
            ("stages_per_round", stages_per_round, (1, 2)),
            ("n_buffers", n_buffers, (2, 4, 8, 16)),
        ):
            _check_choice(name, value, allowed)
        if not 64 <= max_datagram <= 65535 or max_datagram & (max_datagram - 1):
            raise ValueError(
                f"max_datagram must be a power of two in 64..32768, not {max_datagram}"
            )
        self.params = dict(
            entries=entries,
            ghash_lanes=ghash_lanes,
            ghash_karatsuba=ghash_karatsuba,
            stages_per_round=stages_per_round,
            n_buffers=n_buffers,
            max_datagram=max_datagram,
        )
        # Build the parts now so bad parameters fail at construction, with their messages.
        self._key_table = KeyTable(entries=entries, ghash_lanes=ghash_lanes)
        self._segmenter = GSOSegmenter(
            entries=entries, ghash_lanes=ghash_lanes, max_datagram=max_datagram
        )
        self._assembler = DatagramAssembler(n_buffers=n_buffers, max_datagram=max_datagram)
        self._gcm = AESGCM(
            stages_per_round=stages_per_round,
            ghash_lanes=ghash_lanes,
            ghash_karatsuba=ghash_karatsuba,
            hp_user_width=self._assembler.buf_bits,
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
        # The AAD and payload beats reach AES-GCM through a small FIFO: its write side is ready
        # from its own registered level, so AES-GCM's ready (pipeline enable, GHASH and output
        # FIFO state) does not reach the segmenter's pop and the input buffer's byte shifter
        # in the same cycle. Costs a cycle of latency, no throughput.
        beat_layout = gcm.i.payload.shape()
        m.submodules.beat_fifo = beat_fifo = fifo.SyncFIFOBuffered(width=beat_layout.size, depth=4)
        m.d.comb += [
            beat_fifo.w_data.eq(seg.gcm_data.payload),
            beat_fifo.w_en.eq(seg.gcm_data.valid),
            seg.gcm_data.ready.eq(beat_fifo.w_rdy),
            gcm.i.payload.eq(beat_fifo.r_data),
            gcm.i.valid.eq(beat_fifo.r_rdy),
            beat_fifo.r_en.eq(gcm.i.ready),
        ]
        connect_fields(m, gcm.o, asm.ct)
        # Segment records wait here while their packets are inside AES-GCM (about 35 cycles),
        # so the segmenter can start the next packets without waiting for the assembler.
        n_buffers = self.params["n_buffers"]
        m.submodules.seg_fifo = seg_fifo = fifo.SyncFIFOBuffered(
            width=SEGMENT_LAYOUT.size, depth=n_buffers
        )
        # Buffer credits: a datagram starts (its segment record is taken, and only then do its
        # beats go to AES-GCM) only when a datagram buffer is free for it.
        in_flight = Signal(range(n_buffers + 1))
        credit = Signal()
        started = Signal()
        m.d.comb += [
            credit.eq(in_flight != n_buffers),
            started.eq(seg.seg.valid & seg.seg.ready),
        ]
        m.d.sync += in_flight.eq(in_flight + started - asm.freed)
        m.d.comb += [
            seg_fifo.w_data.eq(seg.seg.payload),
            seg_fifo.w_en.eq(seg.seg.valid & credit),
            seg.seg.ready.eq(seg_fifo.w_rdy & credit),
            asm.seg.payload.eq(seg_fifo.r_data),
            asm.seg.valid.eq(seg_fifo.r_rdy),
            seg_fifo.r_en.eq(asm.seg.ready),
        ]
        wiring.connect(m, seg.raw, asm.raw)
        connect_fields(m, asm.hp_req, gcm.hp_i)
        connect_fields(m, gcm.hp_o, asm.hp_resp)
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
