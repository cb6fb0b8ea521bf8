"""QUIC header-protection mask for AES-based cipher suites (RFC 9001 §5.4.3)."""

from amaranth.hdl import Module
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from .aes_pipeline import AESPipeline, _check_int

__all__ = ["HeaderProtectionMask", "hp_request_layout", "hp_response_layout"]


def hp_request_layout(user_width: int) -> data.StructLayout:
    """A mask request: the 16-byte sample (RFC 9001 §5.4.2), the hp key and its size."""
    return data.StructLayout({"sample": 128, "hp_key": 256, "aes256": 1, "user": user_width})


def hp_response_layout(user_width: int) -> data.StructLayout:
    """A mask: the first five bytes of the encrypted sample, and the request's ``user``."""
    return data.StructLayout({"mask": 40, "user": user_width})


class HeaderProtectionMask(wiring.Component):
    """``mask = AES-ECB(hp_key, sample)[0:5]`` (RFC 9001 §5.4.3), one mask per cycle.

    Ports (byte ``i`` at bits ``[8i, 8i+8)``, see ``hdl/packing.py``):

    - ``i``: stream of ``{sample: 128, hp_key: 256, aes256: 1, user: user_width}``;
      ``aes256 = 0`` selects AES-128 (``hp_key`` bytes 0..15), ``1`` AES-256.
    - ``o``: stream of ``{mask: 40, user: user_width}``, ``mask`` = the first five bytes of
      the encrypted sample; ``user`` passes through.

    **Latency** ``LATENCY`` = that of the wrapped :class:`AESPipeline`: 16 cycles with
    ``stages_per_round=1``, 30 with 2. **Throughput** one sample per cycle, any mix of keys and
    key sizes, order preserved; the pipeline stalls as a whole (``i.ready = ~o.valid | o.ready``).

    Design choice: a thin wrapper around the same :class:`AESPipeline` as the payload path (per
    block key size and key agility come for free: packets of different connections back to
    back). Only 40 of the 128 output bits are used, so synthesis trims the last round's unused
    bytes. The engine may instead share the payload pipeline (one slot per packet); this core
    is for a dedicated header-protection path.
    """

    def __init__(self, *, stages_per_round=2, user_width=0, sbox=None):
        # Validate before building the inner pipeline, so a bad call leaves no unused component.
        _check_int("stages_per_round", stages_per_round, allowed=(1, 2, 3))
        _check_int("user_width", user_width, minimum=0)
        # ``sbox``: the AESPipeline's S-box implementation (it validates the value).
        self._aes = AESPipeline(stages_per_round=stages_per_round, user_width=user_width, sbox=sbox)
        self.stages_per_round = stages_per_round
        self.user_width = user_width
        self.LATENCY = self._aes.LATENCY
        super().__init__(
            {
                "i": In(stream.Signature(hp_request_layout(user_width))),
                "o": Out(stream.Signature(hp_response_layout(user_width))),
            }
        )

    def elaborate(self, platform):
        m = Module()
        m.submodules.aes = aes = self._aes
        m.d.comb += [
            aes.i.valid.eq(self.i.valid),
            aes.i.payload.block.eq(self.i.payload.sample),
            aes.i.payload.key.eq(self.i.payload.hp_key),
            aes.i.payload.aes256.eq(self.i.payload.aes256),
            aes.i.payload.user.eq(self.i.payload.user),
            self.i.ready.eq(aes.i.ready),
            self.o.valid.eq(aes.o.valid),
            self.o.payload.mask.eq(aes.o.payload.block[:40]),
            self.o.payload.user.eq(aes.o.payload.user),
            aes.o.ready.eq(self.o.ready),
        ]
        return m
