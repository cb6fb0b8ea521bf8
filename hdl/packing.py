"""Byte <-> integer packing shared by the HDL, its tests and the driver.

Convention for every multi-byte signal in ``hdl/`` (blocks, keys, IVs, masks, AXI data):
byte ``i`` of the byte string sits in bits ``[8*i, 8*i + 8)`` of the signal, the AXI4-Stream
lane order (``tdata[7:0]`` is the first byte on the wire). Crypto specs number bytes the same
way (FIPS-197 ``in[0]`` is the first byte); only GHASH's bit order differs, and ``hdl/gf128.py``
converts inside the core.
"""


def pack_bytes(data: bytes) -> int:
    """The integer whose byte ``i`` (bits 8i..8i+7) is ``data[i]``."""
    return int.from_bytes(bytes(data), "little")


def unpack_bytes(value: int, length: int) -> bytes:
    """Inverse of :func:`pack_bytes`: the first ``length`` bytes of ``value``."""
    if value < 0:
        raise ValueError("value must be non-negative")
    return (value & ((1 << (8 * length)) - 1)).to_bytes(length, "little")
