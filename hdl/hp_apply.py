"""QUIC short-header protection: applying the mask (RFC 9001 §5.4.1)."""

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["HeaderProtectionApply", "apply_layout"]

MASK_BYTES = 5
#: The longest short header: first byte + DCID (0..20 bytes, RFC 9000 §17.3) + PN (1..4 bytes),
#: so only datagram words 0 and 1 (bytes 0..31) are ever protected.
HEADER_BYTES = 25


def apply_layout() -> data.StructLayout:
    """One 16-byte word of a datagram and what its header protection needs."""
    return data.StructLayout(
        {
            "data": 128,
            "word": 1,  # 0: datagram bytes 0..15, 1: bytes 16..31
            "protect": 1,  # 0: pass the word unchanged (bypass datagrams, words 2 and up)
            "dcid_len": 5,
            "pn_len_m1": 2,  # pn_len - 1, from the *unprotected* first byte
            "mask": 8 * MASK_BYTES,
        }
    )


class HeaderProtectionApply(wiring.Component):
    """Apply a header-protection mask to one 16-byte word of a short-header datagram.

    RFC 9001 §5.4.1: ``byte[0] ^= mask[0] & 0x1F``; ``byte[1 + dcid_len + i] ^= mask[1 + i]``
    for ``i < pn_len``, with ``pn_len = (byte[0] & 3) + 1`` read from the unprotected first
    byte (given as ``pn_len_m1``, since word 1 does not hold byte 0). Every other byte passes
    unchanged, and the whole word when ``protect`` is 0.

    Ports (byte ``j`` of the word at bits ``[8j, 8j+8)``, see ``hdl/packing.py``): ``i``, a
    stream of :func:`apply_layout`; ``o``, a stream of ``{data: 128}``.

    **Latency** ``LATENCY = 0``: combinational, ``o.valid = i.valid``, ``i.ready = o.ready``.
    **Throughput** one word per cycle.

    Design choices: the datagram assembler applies the mask to the header words as they leave
    its buffer, so it keeps 47 bits per buffer (mask, DCID and PN lengths) instead of a patched
    copy of the header. Per byte the logic is the PN-byte index ``16 * word + j - 1 -
    dcid_len``, a range check against ``pn_len_m1`` and a 4:1 select of the mask byte (227
    LUT4 in yosys ``synth_ecp5``; comparing ``dcid_len`` with a constant per PN byte took
    1,376). It depends on ``word``, ``dcid_len``, ``pn_len_m1`` and ``mask`` only, which the
    assembler registers, so ``data`` (a block-RAM output there) sees a single XOR.
    ``dcid_len`` above 20 is outside the contract (RFC 9000 limits connection IDs to 20 bytes).
    """

    LATENCY = 0

    def __init__(self):
        super().__init__(
            {
                "i": In(stream.Signature(apply_layout())),
                "o": Out(stream.Signature(data.StructLayout({"data": 128}))),
            }
        )

    def elaborate(self, platform):
        m = Module()
        p = self.i.payload
        mask = [p.mask[8 * k : 8 * k + 8] for k in range(MASK_BYTES)]
        m.d.comb += [self.o.valid.eq(self.i.valid), self.i.ready.eq(self.o.ready)]

        pn_mask = Cat(*mask[1:])
        for j in range(16):
            # Byte k = 16 * word + j is PN byte pn = k - 1 - dcid_len when 0 <= pn < pn_len
            # (never for byte 0, where pn < 0).
            pn = Signal(range(-32, 32), name=f"pn_byte{j}")
            m.d.comb += pn.eq((p.word << 4) + (j - 1) - p.dcid_len)
            hit = (pn >= 0) & (pn <= p.pn_len_m1)
            byte = Mux(hit, pn_mask.word_select(pn[:2], 8), 0)
            if j == 0:
                # Short header: the low 5 bits of byte 0 are protected (reserved, key phase,
                # PN length).
                byte = byte | Mux(p.word, 0, mask[0] & 0x1F)
            m.d.comb += self.o.payload.data[8 * j : 8 * j + 8].eq(
                p.data[8 * j : 8 * j + 8] ^ Mux(p.protect, byte, 0)
            )
        return m
