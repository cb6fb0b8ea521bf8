"""QUIC packet number decoding (RFC 9000 §17.1 and Appendix A.3), as the kernel does it.

The kernel series decodes every segment's truncated packet number against the same anchor,
``expected = next_pkt_num`` from the ``UDP_QUIC_ENCRYPT`` cmsg (no ``+ 1``; spec §4).
"""

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

#: Decoded packet numbers are kept 66 bits wide so ``expected + half window`` cannot wrap:
#: the model computes with unbounded integers.
PN_WIDTH = 66

INPUT_LAYOUT = data.StructLayout({"truncated": 32, "pn_len_m1": 2})
OUTPUT_LAYOUT = data.StructLayout({"pn": PN_WIDTH})


class PacketNumberDecoder(wiring.Component):
    """RFC 9000 Appendix A.3 ``DecodePacketNumber`` with ``expected = next_pkt_num``.

    Ports: ``expected`` (u64, the anchor), ``i`` (``truncated``: the PN field as a big-endian
    value, upper bytes zero; ``pn_len_m1``: PN length - 1, i.e. ``first_byte & 3``), ``o``
    (the full ``pn``).

    The anchor is per send and the truncated PN per packet, so everything that depends on the
    anchor alone is computed from ``expected`` into registers: for each PN length, the upper
    bits of the candidate and their +1/-1 neighbours (``candidate ± window``), and where the
    window bounds ``expected - hwin`` and ``expected + hwin`` fall. A decode then only compares
    the ``8 * pn_len`` truncated bits with the bounds' low bits and picks one of three
    registered upper parts: no 64-bit adder or comparator between ``i`` and ``o``.

    Latency: ``o`` is combinational from ``i`` (``o.valid = i.valid``, ``i.ready = o.ready``),
    using ``expected`` as it was one cycle earlier (hold ``expected`` for a cycle before the
    first decode against it). Throughput one decode per cycle.
    """

    expected: In(64)
    i: In(stream.Signature(INPUT_LAYOUT))
    o: Out(stream.Signature(OUTPUT_LAYOUT))

    def __init__(self):
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        m.d.comb += [self.o.valid.eq(self.i.valid), self.i.ready.eq(self.o.ready)]
        expected = self.expected
        results = []
        for pn_len in range(1, 5):
            bits = 8 * pn_len
            win = 1 << bits
            hwin = win >> 1
            hi_bits = PN_WIDTH - bits
            # candidate = (expected with its low `bits` replaced by truncated) = e_hi * win + t.
            e_hi = expected[bits:]
            lo = expected - hwin  # up: candidate + hwin <= expected, i.e. candidate <= lo
            hi = expected + hwin  # down: candidate > hi
            regs = {
                "e_hi": Signal(hi_bits, name=f"e_hi_{pn_len}"),
                "e_up": Signal(hi_bits, name=f"e_up_{pn_len}"),  # candidate + win
                "e_down": Signal(hi_bits, name=f"e_down_{pn_len}"),  # candidate - win
                "lo_low": Signal(bits, name=f"lo_low_{pn_len}"),
                "hi_low": Signal(bits, name=f"hi_low_{pn_len}"),
                # up needs expected > hwin and candidate < 2^62 - win, i.e. e_hi below
                # 2^(62 - bits) - 1 (the truncated bits are below win).
                "up_ok": Signal(name=f"up_ok_{pn_len}"),
                "lo_hi_gt": Signal(name=f"lo_hi_gt_{pn_len}"),  # e_hi < lo's upper part
                "lo_hi_eq": Signal(name=f"lo_hi_eq_{pn_len}"),
                "down_ok": Signal(name=f"down_ok_{pn_len}"),  # candidate >= win: e_hi != 0
                "hi_hi_lt": Signal(name=f"hi_hi_lt_{pn_len}"),  # e_hi > hi's upper part
                "hi_hi_eq": Signal(name=f"hi_hi_eq_{pn_len}"),
            }
            m.d.sync += [
                regs["e_hi"].eq(e_hi),
                regs["e_up"].eq(e_hi + 1),
                regs["e_down"].eq(e_hi - 1),
                regs["lo_low"].eq(lo[:bits]),
                regs["hi_low"].eq(hi[:bits]),
                regs["up_ok"].eq((expected > hwin) & (e_hi < (1 << (62 - bits)) - 1)),
                regs["lo_hi_gt"].eq(e_hi < lo[bits:64]),
                regs["lo_hi_eq"].eq(e_hi == lo[bits:64]),
                regs["down_ok"].eq(e_hi != 0),
                regs["hi_hi_lt"].eq(e_hi > hi[bits:65]),
                regs["hi_hi_eq"].eq(e_hi == hi[bits:65]),
            ]
            t = self.i.payload.truncated[:bits]
            up = regs["up_ok"] & (regs["lo_hi_gt"] | (regs["lo_hi_eq"] & (t <= regs["lo_low"])))
            down = regs["down_ok"] & (regs["hi_hi_lt"] | (regs["hi_hi_eq"] & (t > regs["hi_low"])))
            upper = Mux(up, regs["e_up"], Mux(down, regs["e_down"], regs["e_hi"]))
            results.append(Cat(t, upper)[:PN_WIDTH])
        with m.Switch(self.i.payload.pn_len_m1):
            for k, res in enumerate(results):
                with m.Case(k):
                    m.d.comb += self.o.payload.pn.eq(res)
        return m
