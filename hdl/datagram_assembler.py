"""Datagram assembler: header + ciphertext + tag -> protected datagram, store and forward.

The header-protection mask depends on ciphertext bytes 4..19 after the packet number (the
sample, RFC 9001 §5.4.2), so the header can only leave one mask-pipeline latency after the
first ciphertext block. Each datagram is therefore assembled in one of ``n_buffers`` buffers
in block RAM and sent only when it is complete and its header is protected: the engine never
emits a partial datagram, and a datagram that is dropped upstream never starts on the wire.
"""

from amaranth.hdl import Array, Cat, Module, Mux, Signal
from amaranth.lib import data, fifo, memory, stream, wiring
from amaranth.lib.wiring import In, Out

from .byte_stream_buffer import ByteStreamBuffer
from .gso_segmenter import RAW_LAYOUT, SEGMENT_LAYOUT
from .hp_apply import HeaderProtectionApply, apply_layout
from .hp_mask import hp_request_layout, hp_response_layout


def _pick(signals, index):
    """``signals[index]`` as a shift (a log-depth mux tree). Reading an ``Array`` by a signal
    becomes a ``case`` that yosys maps to ~3x the LUTs (measured on the byte buffer)."""
    return Cat(*signals).word_select(index, len(signals[0]))


CT_LAYOUT = data.StructLayout({"data": 128, "tag": 1, "last": 1})
#: A datagram beat: ``n_bytes`` (1..16) valid bytes from lane 0, ``last`` on the final beat.
DGRAM_BEAT_LAYOUT = data.StructLayout({"data": 128, "n_bytes": 5, "last": 1, "bypass": 1})


class DatagramAssembler(wiring.Component):
    """Assemble, protect and emit datagrams in order.

    Ports: ``seg`` (one per datagram, from the segmenter), ``ct`` (AESGCM output: ciphertext
    beats then the tag beat), ``raw`` (bypass bytes), ``hp_req``/``hp_resp`` (to and from a
    mask unit whose ``user`` carries the buffer index: :class:`~hdl.aes_gcm.AESGCM`'s shared
    pipeline in the engine, or a :class:`~hdl.hp_mask.HeaderProtectionMask`), ``o`` (datagram
    beats, 16 bytes each but the last), ``freed`` (one cycle high when a buffer is released:
    a datagram's last word has been read, for the engine's buffer credits).

    Requests wait in an ``n_buffers``-entry FIFO (one per buffer at most), so the writer
    never waits for the mask unit; ``hp_resp`` is always ready. With a mask unit that shares
    its pipeline with the ciphertext, the producer must not start more datagrams than there
    are buffers (``freed`` returns the credit): then every ciphertext beat in flight has a
    buffer to go to, the pipeline always drains, and every mask request gets out.

    Writing packs ``header || ciphertext || tag`` (or the bypass bytes) into 16-byte words with
    a :class:`ByteStreamBuffer` (word pops only) at one word per cycle; the mask request leaves
    as soon as the first three words (which hold the sample for any DCID length) are written.
    Reading starts when a buffer is complete and its mask is back, one word per cycle; the
    header is protected on the way out (:class:`HeaderProtectionApply` on words 0 and 1), so a
    buffer keeps only its mask, DCID length and PN length beside the block RAM. (The earlier
    design kept a patched 32-byte header copy per buffer in flip-flops: 24.7k LUT4 for the
    assembler with 16 buffers against 6.1k now, yosys ``synth_ecp5``.)

    Throughput: one 16-byte word per cycle in and out. A datagram holds its buffer from its
    first word to its last word out, at least ``3 + mask latency + 1`` cycles, so short
    datagrams need several buffers to stream: ``n_buffers`` (2, 4, 8 or 16) trades block RAM for
    small-packet rate. Latency from the last tag beat in to the first datagram word out: about
    4 cycles when the mask is already back (long datagrams), otherwise the mask latency.
    Memory: ``n_buffers * max_datagram`` bytes.
    """

    def __init__(self, *, n_buffers: int = 4, max_datagram: int = 2048):
        if n_buffers not in (2, 4, 8, 16):
            raise ValueError(f"n_buffers must be 2, 4, 8 or 16, not {n_buffers!r}")
        if not isinstance(max_datagram, int) or isinstance(max_datagram, bool):
            raise TypeError("max_datagram must be an int")
        if max_datagram < 64 or max_datagram > 65536 or max_datagram & (max_datagram - 1):
            raise ValueError(
                f"max_datagram must be a power of two in 64..65536, not {max_datagram}"
            )
        self.n_buffers = n_buffers
        self.max_datagram = max_datagram
        self.words = max_datagram // 16
        self.buf_bits = (n_buffers - 1).bit_length()
        super().__init__(
            {
                "seg": In(stream.Signature(SEGMENT_LAYOUT)),
                "ct": In(stream.Signature(CT_LAYOUT)),
                "raw": In(stream.Signature(RAW_LAYOUT)),
                "hp_req": Out(stream.Signature(hp_request_layout(self.buf_bits))),
                "hp_resp": In(stream.Signature(hp_response_layout(self.buf_bits))),
                "o": Out(stream.Signature(DGRAM_BEAT_LAYOUT)),
                "freed": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        nb, words = self.n_buffers, self.words
        word_bits = (words - 1).bit_length()

        m.submodules.packer = packer = ByteStreamBuffer(pops="words")
        m.submodules.mem = mem = memory.Memory(shape=128, depth=nb * words, init=[])
        wp = mem.write_port()
        rp = mem.read_port(transparent_for=())
        m.submodules.hp_apply = hpa = HeaderProtectionApply()
        m.submodules.out_fifo = ofifo = fifo.SyncFIFOBuffered(width=DGRAM_BEAT_LAYOUT.size, depth=8)

        # Per-buffer state. `full`: complete and waiting to be read; `ready`: its mask is
        # back (or a bypass datagram, which needs none).
        full = Signal(nb)
        ready = Signal(nb)
        set_full = Signal(nb)
        clr_full = Signal(nb)
        set_ready_raw = Signal(nb)  # a bypass datagram completes
        set_ready_hp = Signal(nb)  # a mask arrives (possibly in the same cycle)
        m.d.sync += [
            full.eq((full | set_full) & ~clr_full),
            ready.eq((ready | set_ready_raw | set_ready_hp) & ~clr_full),
        ]
        # Per buffer, from the datagram length at write time, so reading needs no arithmetic
        # on it: the index of its last word and the byte count of that word.
        last_word = Array(Signal(word_bits, name=f"last_word{b}") for b in range(nb))
        tail = Array(Signal(5, name=f"tail{b}") for b in range(nb))
        bypass = Array(Signal(name=f"bypass{b}") for b in range(nb))
        # What header protection needs when the header words are read out: the DCID length,
        # pn_len - 1 (from the unprotected first byte) and the mask, once it is back.
        dcid = Array(Signal(5, name=f"dcid{b}") for b in range(nb))
        pnl = Array(Signal(2, name=f"pnl{b}") for b in range(nb))
        hp_mask = Array(Signal(40, name=f"hp_mask{b}") for b in range(nb))

        # ---------------------------------------------------------------- write side
        wb = Signal(self.buf_bits)
        info = Signal(SEGMENT_LAYOUT)
        wptr = Signal(word_bits + 1)
        c_left = Signal(16)
        # The first three words of the datagram being written: the sample lies in them for
        # any DCID length.
        wcap = Signal(384)
        hp_issued = Signal()
        flushing = Signal()

        # Words leave the packer whenever 16 bytes are there (or the rest, when flushing).
        lvl = packer.level
        take = Signal(5)
        m.d.comb += take.eq(Mux(lvl >= 16, 16, Mux(flushing, lvl, 0)))
        m.d.comb += [
            packer.pop.eq(take),
            wp.addr.eq(Cat(wptr[:word_bits], wb)),
            wp.data.eq(packer.window),
            wp.en.eq(take != 0),
        ]
        with m.If(take != 0):
            m.d.sync += wptr.eq(wptr + 1)
            for w in range(3):
                with m.If(wptr == w):
                    m.d.sync += wcap[128 * w : 128 * w + 128].eq(packer.window)

        # The mask request: sample = datagram bytes [pn_offset + 4, pn_offset + 20). Requests
        # queue in a FIFO with room for one per buffer, so the writer never waits for the mask
        # unit (which may be an AES pipeline shared with the ciphertext the writer consumes).
        sample_src = wcap
        hp_layout = self.hp_req.payload.shape()
        m.submodules.hp_fifo = hp_fifo = fifo.SyncFIFOBuffered(width=hp_layout.size, depth=nb)
        hp_entry = Signal(hp_layout)
        m.d.comb += [
            hp_fifo.w_data.eq(hp_entry),
            self.hp_req.valid.eq(hp_fifo.r_rdy),
            self.hp_req.payload.eq(hp_fifo.r_data),
            hp_fifo.r_en.eq(self.hp_req.ready),
            hp_entry.sample.eq(sample_src.bit_select((info.pn_offset + 4) * 8, 128)),
            hp_entry.hp_key.eq(info.hp_key),
            hp_entry.aes256.eq(info.aes256),
            hp_entry.user.eq(wb),
        ]
        can_issue = ~hp_issued & ~info.bypass & hp_fifo.w_rdy
        in_done = Signal()  # the writer is finishing a datagram (FLUSH issues the request itself)

        def issue():
            m.d.comb += hp_fifo.w_en.eq(1)
            m.d.sync += hp_issued.eq(1)

        with m.FSM(name="writer"):
            with m.State("IDLE"):
                # Accept a segment record and, for an encrypted datagram, push the first
                # header beat into the packer in the same cycle.
                p = self.seg.payload
                accept = ~full.bit_select(wb, 1) & packer.i.ready
                m.d.comb += [
                    self.seg.ready.eq(accept),
                    packer.i.valid.eq(self.seg.valid & accept & ~p.bypass),
                    packer.i.payload.data.eq(p.header[:128]),
                    packer.i.payload.n_bytes.eq(Mux(p.hdr_len > 16, 16, p.hdr_len)),
                ]
                with m.If(self.seg.valid & accept):
                    m.d.sync += [
                        info.eq(p),
                        wptr.eq(0),
                        hp_issued.eq(0),
                        c_left.eq(p.pt_len),
                        last_word[wb].eq((p.dgram_len - 1) >> 4),
                        tail[wb].eq(Mux(p.dgram_len[:4] == 0, 16, p.dgram_len[:4])),
                        bypass[wb].eq(p.bypass),
                        dcid[wb].eq(p.pn_offset - 1),
                        pnl[wb].eq(p.header[:2]),
                    ]
                    with m.If(p.bypass):
                        m.next = "RAW"
                    with m.Elif(p.hdr_len > 16):
                        m.next = "HDR_B"
                    with m.Else():
                        m.next = "CT"
            with m.State("HDR_B"):
                m.d.comb += [
                    packer.i.valid.eq(1),
                    packer.i.payload.data.eq(info.header[128:]),
                    packer.i.payload.n_bytes.eq(info.hdr_len - 16),
                ]
                with m.If(packer.i.ready):
                    m.next = "CT"
            with m.State("CT"):
                n = Mux(self.ct.payload.tag | (c_left >= 16), 16, c_left)
                m.d.comb += [
                    packer.i.valid.eq(self.ct.valid),
                    packer.i.payload.data.eq(self.ct.payload.data),
                    packer.i.payload.n_bytes.eq(n),
                    self.ct.ready.eq(packer.i.ready),
                ]
                with m.If(self.ct.valid & packer.i.ready):
                    with m.If(~self.ct.payload.tag):
                        m.d.sync += c_left.eq(c_left - n)
                    with m.If(self.ct.payload.last):
                        m.d.sync += flushing.eq(1)
                        m.next = "FLUSH"
            with m.State("RAW"):
                m.d.comb += [
                    packer.i.valid.eq(self.raw.valid),
                    packer.i.payload.data.eq(self.raw.payload.data),
                    packer.i.payload.n_bytes.eq(self.raw.payload.n_bytes),
                    self.raw.ready.eq(packer.i.ready),
                ]
                with m.If(self.raw.valid & packer.i.ready & self.raw.payload.last):
                    m.d.sync += flushing.eq(1)
                    m.next = "FLUSH"
            with m.State("FLUSH"):
                # Level 0: every word was written in an earlier cycle, so the sample words
                # (wcap) are final and the datagram can be handed to the reader.
                m.d.comb += in_done.eq(lvl == 0)
                with m.If((lvl == 0) & (info.bypass | hp_issued | can_issue)):
                    with m.If(can_issue):
                        issue()
                    m.d.comb += set_full.eq(1 << wb)
                    with m.If(info.bypass):
                        m.d.comb += set_ready_raw.eq(1 << wb)
                    m.d.sync += [wb.eq(wb + 1), flushing.eq(0)]
                    m.next = "IDLE"
        # Early mask request, as soon as the three sample words are in.
        with m.If(can_issue & (wptr >= 3) & ~in_done):
            issue()

        # Mask back -> keep it with the buffer, which may then be read; the mask is applied
        # to the header words on their way out.
        m.d.comb += self.hp_resp.ready.eq(1)
        with m.If(self.hp_resp.valid):
            m.d.sync += hp_mask[self.hp_resp.payload.user].eq(self.hp_resp.payload.mask)
            m.d.comb += set_ready_hp.eq(1 << self.hp_resp.payload.user)

        # ---------------------------------------------------------------- read side
        # Cycle t: address the word, register its beat fields and what header protection
        # needs; cycle t+1: the word comes out of block RAM, through the mask, into ofifo.
        rb = Signal(self.buf_bits)
        rword = Signal(word_bits + 1)
        is_last = rword[:word_bits] == _pick(last_word, rb)
        rbypass = _pick(bypass, rb)
        can_read = full.bit_select(rb, 1) & ready.bit_select(rb, 1) & (ofifo.level <= 5)
        pend = Signal(DGRAM_BEAT_LAYOUT)
        hp = Signal(apply_layout())
        issued = Signal()
        m.d.comb += [
            rp.addr.eq(Cat(rword[:word_bits], rb)),
            rp.en.eq(can_read),
        ]
        m.d.sync += issued.eq(can_read)
        with m.If(can_read):
            m.d.sync += [
                pend.n_bytes.eq(Mux(is_last, _pick(tail, rb), 16)),
                pend.last.eq(is_last),
                pend.bypass.eq(rbypass),
                hp.word.eq(rword[0]),
                hp.protect.eq(~rbypass & (rword < 2)),
                hp.dcid_len.eq(_pick(dcid, rb)),
                hp.pn_len_m1.eq(_pick(pnl, rb)),
                hp.mask.eq(_pick(hp_mask, rb)),
                rword.eq(rword + 1),
            ]
            with m.If(is_last):
                m.d.comb += [clr_full.eq(1 << rb), self.freed.eq(1)]
                m.d.sync += [rword.eq(0), rb.eq(rb + 1)]
        beat = Signal(DGRAM_BEAT_LAYOUT)
        m.d.comb += [
            hpa.i.valid.eq(issued),
            hpa.i.payload.eq(hp),
            hpa.i.payload.data.eq(rp.data),
            hpa.o.ready.eq(1),
            beat.eq(pend),
            beat.data.eq(hpa.o.payload.data),
            ofifo.w_en.eq(issued),
            ofifo.w_data.eq(beat),
            self.o.valid.eq(ofifo.r_rdy),
            self.o.payload.eq(ofifo.r_data),
            ofifo.r_en.eq(self.o.ready),
        ]
        return m
