"""The three QUIC counters and ``/proc/net/quic_stat`` (spec §5).

Rules (spec §3-§5, the patch's ``QUIC_INC_STATS``/``QUIC_DEC_STATS`` calls):

* ``QuicCurrTxSw``: +1 on a successful ADD, -1 on a successful DEL (and, in the model, -1 per
  flow removed on close: a documented divergence, see ``model/DIVERGENCES.md``);
* ``QuicTxSw``: +1 on a successful ADD, never decremented;
* ``QuicTxSwError``: +1 on every failed ADD or DEL (once the ULP is attached) and on every
  encrypted-path ``sendmsg`` returning a negative errno; not on bypasses (they return through
  plain UDP), not on the ``gso < 16`` return of 0, not on ``-ENOPROTOOPT`` without the ULP.

The counters are per network namespace in the kernel: share one :class:`Counters` between the
sockets of one namespace.
"""

from __future__ import annotations

from dataclasses import dataclass

COUNTER_NAMES = ("QuicCurrTxSw", "QuicTxSw", "QuicTxSwError")
_ULONG = 1 << 64


@dataclass
class Counters:
    curr_tx_sw: int = 0
    tx_sw: int = 0
    tx_sw_error: int = 0

    def flow_added(self) -> None:
        self.curr_tx_sw += 1
        self.tx_sw += 1

    def flow_removed(self, n: int = 1) -> None:
        self.curr_tx_sw -= n

    def error(self) -> None:
        self.tx_sw_error += 1

    def as_dict(self) -> dict[str, int]:
        """``{"QuicCurrTxSw": ..., "QuicTxSw": ..., "QuicTxSwError": ...}`` (unsigned long)."""
        values = (self.curr_tx_sw, self.tx_sw, self.tx_sw_error)
        return {name: v % _ULONG for name, v in zip(COUNTER_NAMES, values, strict=True)}

    def proc_text(self) -> str:
        """The exact text of ``/proc/net/quic_stat``: ``"%-32s\\t%lu\\n"`` per counter."""
        return "".join(f"{name:<32}\t{value}\n" for name, value in self.as_dict().items())
