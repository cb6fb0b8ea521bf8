"""Byte-granular realigning buffer: beats of 1..16 bytes in, any 0..16 bytes out per cycle.

QUIC packets are not 16-byte aligned: a GSO segment starts every ``gso - 16`` bytes of the send,
its payload starts ``1 + dcid_len + pn_len`` bytes into the segment, and a protected datagram
puts that header in front of the ciphertext. Every realignment in the engine goes through this
one component: the segmenter *pops* exactly the bytes it wants from the head of the send, and
the datagram assembler *pushes* header, ciphertext and tag pieces and pops whole 16-byte words.
"""

from amaranth.hdl import Cat, Module, Mux, Signal
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

    Parameter ``pops``: ``"any"`` (default) allows any such ``pop``; ``"words"`` allows only 0,
    16, and the whole ``level`` in a cycle with no push (a drain, to flush a short last word).
    That is what the datagram assembler does, and it turns the 17-way head shift into a
    2-way one (yosys ``synth_ecp5``: 6,954 LUT4 for ``"any"``, 2,625 for ``"words"``).

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

    def __init__(self, *, pops: str = "any"):
        if pops not in ("any", "words"):
            raise ValueError(f"pops must be 'any' or 'words', not {pops!r}")
        self.pops = pops
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
        # the final shift below (and the level update), not a compare-and-select chain.
        # The beat is rotated once so its byte b sits on lane (level + b) mod 16, shared by
        # the three 16-byte rows; each held byte is then a 2:1 choice.
        data = self.i.payload.data
        rotated_vec = (Cat(data, data) << (level[:4] * 8))[128:256]
        rotated = [rotated_vec.word_select(lane, 8) for lane in range(16)]
        merged = []
        for k in range(self.CAPACITY):
            new = Signal(name=f"new{k}")
            byte = Signal(8, name=f"merged{k}")
            m.d.comb += [
                new.eq(push & (level <= k) & (level + 16 > k)),
                byte.eq(Mux(new, rotated[k % 16], buf[k])),
            ]
            merged.append(byte)

        # Head shift: byte j of the next state is merged byte j + pop (zero past the end).
        # Written as a shift (a 5-level mux tree): indexing an Array by pop, or a mux per byte
        # on k - level, made yosys/abc build 11-20k LUT4 for this buffer; this is ~7k.
        # With word pops only a full word moves the bytes; a drain leaves them where they are
        # (past the new level of 0, where nothing is meaningful).
        if self.pops == "words":
            shifted = Mux(pop[4], Cat(*merged)[128:], Cat(*merged))
        else:
            shifted = Cat(*merged) >> (pop * 8)
        for j in range(self.CAPACITY):
            m.d.sync += buf[j].eq(shifted.word_select(j, 8))

        total = Signal(7)  # bytes after the push, before the pop
        m.d.comb += total.eq(level + Mux(push, self.i.payload.n_bytes, 0))
        m.d.sync += level.eq(total - pop)
        return m
