"""Byte-granular realigning buffer: beats of 1..16 bytes in, any 0..16 bytes out per cycle.

QUIC packets are not 16-byte aligned: a GSO segment starts every ``gso - 16`` bytes of the send,
its payload starts ``1 + dcid_len + pn_len`` bytes into the segment, and a protected datagram
puts that header in front of the ciphertext. Every realignment in the engine goes through this
one component: the segmenter *pops* exactly the bytes it wants from the head of the send, and
the datagram assembler *pushes* header, ciphertext and tag pieces and pops whole 16-byte words.
"""

from amaranth.hdl import Array, Cat, Const, Module, Mux, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

#: A beat of 1..16 bytes: byte ``j`` at ``data[8j:8j+8]``; bytes at and above ``n_bytes`` are
#: ignored.
BEAT_LAYOUT = data.StructLayout({"data": 128, "n_bytes": 5})


class ByteStreamBuffer(wiring.Component):
    """A 48-byte byte FIFO with a 16-byte head window.

    Ports
    -----
    ``i``: stream of :data:`BEAT_LAYOUT` (``n_bytes`` in 1..16). Accepted while ``level <= 32``.
    ``window``: the 16 oldest bytes (byte 0 = oldest); only the first ``level`` are meaningful.
    ``level``: bytes held (0..48).
    ``pop``: bytes to remove from the head this cycle; the consumer must keep ``pop <= level``
    and ``pop <= 16`` (it is clamped to 16).

    Latency: a pushed byte is visible in ``window`` the cycle after it is accepted (if it is
    among the 16 oldest). Throughput: 16 bytes in and 16 bytes out per cycle in steady state,
    whatever the alignment: with ``level`` between 16 and 32 a full pop and a full push happen
    in the same cycle. (With 32 bytes and ``level <= 16`` admission, a misaligned stream —
    level 17..31 — alternates pop and push cycles and runs at half rate.) ``i.ready`` depends
    only on registered state, never on ``pop``.
    """

    i: In(stream.Signature(BEAT_LAYOUT))
    window: Out(128)
    level: Out(6)
    pop: In(5)

    CAPACITY = 48

    def __init__(self):
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        buf = [Signal(8, name=f"buf{j}") for j in range(self.CAPACITY)]
        level = Signal(6)

        pop = Signal(5)
        m.d.comb += pop.eq(self.pop)
        with m.If(self.pop > 16):
            m.d.comb += pop.eq(16)

        m.d.comb += [
            self.window.eq(Cat(*buf[:16])),
            self.level.eq(level),
            self.i.ready.eq(level <= self.CAPACITY - 16),
        ]

        push = Signal()
        m.d.comb += push.eq(self.i.valid & self.i.ready)

        # The bytes after this cycle's push and before its pop: the held bytes with the beat
        # laid in at ``level``. This depends on registers and the input beat only; ``pop``,
        # which the consumer derives from its own ready logic late in the cycle, drives only
        # the final 17:1 byte mux below (and the level update), not a compare-and-select chain.
        in_bytes = Array(self.i.payload.data.word_select(k, 8) for k in range(16))
        merged = []
        for k in range(self.CAPACITY):
            byte = Signal(8, name=f"merged{k}")
            rel = Signal(range(-self.CAPACITY, self.CAPACITY + 1), name=f"rel{k}")
            m.d.comb += [rel.eq(k - level), byte.eq(buf[k])]
            with m.If(push & (rel >= 0) & (rel < 16)):
                m.d.comb += byte.eq(in_bytes[rel[:4]])
            merged.append(byte)

        # Head shift: byte j of the next state is merged byte j + pop (zero past the end).
        padded = merged + [Const(0, 8)] * 16
        for j in range(self.CAPACITY):
            m.d.sync += buf[j].eq(Array(padded[j : j + 17])[pop])

        total = Signal(7)  # bytes after the push, before the pop
        m.d.comb += total.eq(level + Mux(push, self.i.payload.n_bytes, 0))
        m.d.sync += level.eq(total - pop)
        return m
