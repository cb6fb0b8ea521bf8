"""Host-side view of the engine's ports: what a driver writes and what it reads back.

Simulator-independent: the Amaranth-simulator tests, the cocotb testbenches and the trace
driver all encode key-table writes and descriptors and decode completions through here, so
the bit layouts live in one place (the layouts themselves are the HDL's).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hdl.gf128 import h_powers
from hdl.gso_segmenter import COMPLETION_LAYOUT, Status, descriptor_layout
from hdl.key_table import write_layout
from hdl.packing import pack_bytes
from model.packet_protection import gcm_hash_subkey

#: Ciphers the engine implements; others are served by the driver's software fallback.
HW_CIPHERS = {"aes-128-gcm": False, "aes-256-gcm": True}  # name -> aes256


@dataclass(frozen=True)
class EngineParams:
    entries: int = 256
    ghash_lanes: int = 4
    stages_per_round: int = 2
    n_buffers: int = 16
    max_datagram: int = 2048

    def as_kwargs(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class KeyWrite:
    """One key-table write: an ADD (``valid``) or a DEL (``valid=False``, key fields unused)."""

    index: int
    valid: bool
    aes256: bool = False
    key_phase: int = 0
    key: bytes = b""
    iv: bytes = b""
    hp_key: bytes = b""

    @classmethod
    def add(cls, index, cipher: str, key_phase: int, key: bytes, iv: bytes, hp_key: bytes):
        if cipher not in HW_CIPHERS:
            raise ValueError(f"the engine does not implement {cipher}")
        return cls(index, True, HW_CIPHERS[cipher], key_phase, key, iv, hp_key)

    @classmethod
    def delete(cls, index):
        return cls(index, False)

    def bits(self, params: EngineParams) -> int:
        """The ``ctl`` stream payload. H powers are computed here, at key install time: one
        AES block and ``lanes - 1`` GF(2^128) products per key, never per packet."""
        layout = write_layout(params.entries, params.ghash_lanes)
        if self.valid:
            h = gcm_hash_subkey(self.key)
            powers = [pack_bytes(p) for p in h_powers(h, params.ghash_lanes)]
            entry = {
                "valid": 1,
                "aes256": int(self.aes256),
                "key_phase": self.key_phase,
                "key": pack_bytes(self.key),
                "iv": pack_bytes(self.iv),
                "hp_key": pack_bytes(self.hp_key),
                "h_powers": powers,
            }
        else:
            entry = {"valid": 0}
        return layout.const({"index": self.index, "entry": entry}).as_bits()


@dataclass(frozen=True)
class SendJob:
    """One descriptor and its bytes."""

    index: int
    next_pkt_num: int
    dcid_len: int
    gso: int
    bypass: bool
    data: bytes
    tag: object = field(default=None, compare=False)  # caller's bookkeeping

    def bits(self, params: EngineParams) -> int:
        layout = descriptor_layout(params.entries)
        return layout.const(
            {
                "index": self.index,
                "next_pkt_num": self.next_pkt_num,
                "dcid_len": self.dcid_len,
                "gso": self.gso,
                "bypass": int(self.bypass),
                "length": len(self.data),
            }
        ).as_bits()

    def beats(self) -> list[tuple[int, int, bool]]:
        """``(data, n_bytes, last)`` for the ``s`` stream, 16 bytes a beat."""
        out = []
        for pos in range(0, len(self.data), 16):
            chunk = self.data[pos : pos + 16]
            out.append((pack_bytes(chunk), len(chunk), pos + 16 >= len(self.data)))
        return out


@dataclass(frozen=True)
class Completion:
    status: Status
    datagrams: int
    bypass: bool

    @classmethod
    def from_bits(cls, value: int) -> Completion:
        view = COMPLETION_LAYOUT.from_bits(value)
        return cls(Status(int(view.status)), int(view.datagrams), bool(view.bypass))
