"""QUIC packet number decoding (RFC 9000 §17.1 and Appendix A.3), as the kernel does it.

The kernel series decodes every segment's truncated packet number against the same anchor,
``expected = next_pkt_num`` from the ``UDP_QUIC_ENCRYPT`` cmsg (no ``+ 1``; spec §4).
"""

from amaranth.hdl import Module, Mux
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

#: Decoded packet numbers are kept 66 bits wide so ``expected + half window`` cannot wrap:
#: the model computes with unbounded integers.
PN_WIDTH = 66

INPUT_LAYOUT = data.StructLayout({"expected": 64, "truncated": 32, "pn_len_m1": 2})
OUTPUT_LAYOUT = data.StructLayout({"pn": PN_WIDTH})


class PacketNumberDecoder(wiring.Component):
    """RFC 9000 Appendix A.3 ``DecodePacketNumber`` with ``expected = next_pkt_num``.

    ``i``: ``expected`` (u64), ``truncated`` (the PN field, big-endian value, upper bytes
    zero), ``pn_len_m1`` (PN length - 1, i.e. ``first_byte & 3``). ``o``: the full ``pn``.

    Latency 0 (combinational; ``o.valid = i.valid``, ``i.ready = o.ready``); throughput one
    decode per cycle. Four window sizes (8, 16, 24, 32 bits) are computed in parallel and the
    PN length selects one, which keeps the adders constant-width.
    """

    i: In(stream.Signature(INPUT_LAYOUT))
    o: Out(stream.Signature(OUTPUT_LAYOUT))

    def __init__(self):
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        m.d.comb += [self.o.valid.eq(self.i.valid), self.i.ready.eq(self.o.ready)]
        expected = self.i.payload.expected
        results = []
        for pn_len in range(1, 5):
            bits = 8 * pn_len
            win = 1 << bits
            hwin = win >> 1
            trunc = self.i.payload.truncated[:bits]
            cand = (expected[bits:].as_unsigned() << bits) | trunc
            cand = cand.as_unsigned()
            up = (expected > hwin) & (cand + hwin <= expected) & (cand < (1 << 62) - win)
            down = (cand > expected + hwin) & (cand >= win)
            results.append(Mux(up, cand + win, Mux(down, cand - win, cand))[:PN_WIDTH])
        with m.Switch(self.i.payload.pn_len_m1):
            for k, res in enumerate(results):
                with m.Case(k):
                    m.d.comb += self.o.payload.pn.eq(res)
        return m
