"""Engine counters: the hardware's ``/proc/net/quic_stat``, by outcome and drop reason."""

from amaranth.hdl import Module
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from .datagram_assembler import DGRAM_BEAT_LAYOUT
from .gso_segmenter import COMPLETION_LAYOUT, Status

COUNTER_NAMES = (
    "tx_sends",  # descriptors completed, any status
    "tx_encrypted_packets",  # protected datagrams emitted
    "tx_encrypted_bytes",  # their bytes on the wire (header + ciphertext + tag)
    "tx_bypass_packets",  # datagrams passed through unchanged
    "tx_bypass_bytes",
    "drop_no_key",  # one per failed descriptor, by Status
    "drop_key_phase",
    "drop_short_segment",
    "drop_too_big",
)

_DROP_BY_STATUS = {
    Status.NO_KEY: "drop_no_key",
    Status.KEY_PHASE: "drop_key_phase",
    Status.SHORT_SEGMENT: "drop_short_segment",
    Status.TOO_BIG: "drop_too_big",
}


def counters_layout(width: int) -> data.StructLayout:
    return data.StructLayout({name: width for name in COUNTER_NAMES})


class TxCounters(wiring.Component):
    """Free-running counters fed by monitor taps on the engine's output and completion streams.

    ``beat`` / ``beat_fire``: a datagram beat and its handshake (valid & ready) on the output;
    ``cpl`` / ``cpl_fire``: a completion and its handshake. ``counters``: the values, each
    ``width`` bits, wrapping. Latency 1 cycle (registered), throughput one event of each kind
    per cycle. Counting at the handshakes means a beat is counted once even under backpressure.
    """

    def __init__(self, *, width: int = 32):
        if not isinstance(width, int) or isinstance(width, bool) or not 8 <= width <= 64:
            raise ValueError(f"width must be an int in 8..64, not {width!r}")
        self.width = width
        super().__init__(
            {
                "beat": In(DGRAM_BEAT_LAYOUT),
                "beat_fire": In(1),
                "cpl": In(COMPLETION_LAYOUT),
                "cpl_fire": In(1),
                "counters": Out(counters_layout(width)),
            }
        )

    def elaborate(self, platform):
        m = Module()
        c = self.counters
        beat = self.beat
        with m.If(self.beat_fire):
            with m.If(beat.bypass):
                m.d.sync += c.tx_bypass_bytes.eq(c.tx_bypass_bytes + beat.n_bytes)
                with m.If(beat.last):
                    m.d.sync += c.tx_bypass_packets.eq(c.tx_bypass_packets + 1)
            with m.Else():
                m.d.sync += c.tx_encrypted_bytes.eq(c.tx_encrypted_bytes + beat.n_bytes)
                with m.If(beat.last):
                    m.d.sync += c.tx_encrypted_packets.eq(c.tx_encrypted_packets + 1)
        with m.If(self.cpl_fire):
            m.d.sync += c.tx_sends.eq(c.tx_sends + 1)
            with m.Switch(self.cpl.status):
                for status, name in _DROP_BY_STATUS.items():
                    with m.Case(status):
                        field = getattr(c, name)
                        m.d.sync += field.eq(field + 1)
        return m
