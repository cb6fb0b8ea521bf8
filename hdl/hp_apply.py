"""QUIC short-header protection: applying the mask (RFC 9001 §5.4.1)."""

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["HeaderProtectionApply"]

#: Header bytes carried: first byte + DCID (0..20 bytes, RFC 9000 §17.3) + PN (1..4 bytes).
HEADER_BYTES = 25
MASK_BYTES = 5
MAX_PN_LEN = 4


class HeaderProtectionApply(wiring.Component):
    """Apply a header-protection mask to a QUIC short header (RFC 9001 §5.4.1).

    ``hdr[0] ^= mask[0] & 0x1F``; ``hdr[1 + dcid_len + i] ^= mask[1 + i]`` for ``i < pn_len``,
    with ``pn_len = (hdr[0] & 3) + 1`` read from the *unprotected* first byte. Every other byte
    passes unchanged.

    Ports (byte ``i`` at bits ``[8i, 8i+8)``, see ``hdl/packing.py``):

    - ``i``: stream of ``{header: 200, dcid_len: 5, mask: 40}``: 25 header bytes (the longest
      short header: 1 + 20 + 4), the DCID length in bytes and the 5-byte mask.
    - ``o``: stream of ``{header: 200}``: the protected header.

    **Latency** ``LATENCY = 1`` cycle (one register stage). **Throughput** one header per cycle.
    Stalls as a pipeline: ``en = ~o.valid | o.ready``, ``i.ready = en``.

    Design choices: the per-byte logic is small (each byte ORs at most four gated mask bytes,
    selected by comparing ``dcid_len`` with a constant), but it sits between the mask pipeline
    and the output stream of the engine, so the result is registered to keep those paths apart.
    The datapath is byte-wide. ``dcid_len`` above 20 is outside the contract (RFC 9000 limits
    connection IDs to 20 bytes): the PN bytes that would fall beyond byte 24 are dropped.
    """

    LATENCY = 1

    def __init__(self):
        super().__init__(
            {
                "i": In(
                    stream.Signature(
                        data.StructLayout(
                            {"header": 8 * HEADER_BYTES, "dcid_len": 5, "mask": 8 * MASK_BYTES}
                        )
                    )
                ),
                "o": Out(stream.Signature(data.StructLayout({"header": 8 * HEADER_BYTES}))),
            }
        )

    def elaborate(self, platform):
        m = Module()
        hdr = [self.i.payload.header[8 * k : 8 * k + 8] for k in range(HEADER_BYTES)]
        mask = [self.i.payload.mask[8 * k : 8 * k + 8] for k in range(MASK_BYTES)]
        dcid_len = self.i.payload.dcid_len
        pn_len_m1 = hdr[0][:2]  # pn_len - 1, from the unprotected first byte

        en = Signal()
        m.d.comb += [en.eq(~self.o.valid | self.o.ready), self.i.ready.eq(en)]

        out = []
        for k in range(HEADER_BYTES):
            if k == 0:
                # Short header: the low 5 bits are protected (reserved, key phase, PN length).
                new = hdr[0] ^ (mask[0] & 0x1F)
            else:
                # Byte k is PN byte i when k == 1 + dcid_len + i, for i < pn_len.
                terms = []
                for i in range(MAX_PN_LEN):
                    dcid = k - 1 - i
                    if 0 <= dcid < 2 ** len(dcid_len):
                        hit = (dcid_len == dcid) & (pn_len_m1 >= i)
                        terms.append(Mux(hit, mask[1 + i], 0))
                new = hdr[k]
                for t in terms:
                    new = new ^ t
            reg = Signal(8, name=f"hdr{k}", reset_less=True)
            m.d.sync += reg.eq(Mux(en, new, reg))
            out.append(reg)

        valid = Signal(name="valid")
        m.d.sync += valid.eq(Mux(en, self.i.valid, valid))
        m.d.comb += [self.o.valid.eq(valid), self.o.payload.header.eq(Cat(*out))]
        return m
