"""GF(2^128) in GCM bit order (NIST SP 800-38D §6.3): Python reference and HDL builders.

Bit order. SP 800-38D §6.3 numbers the bits of a 128-bit block ``x_0 .. x_127`` from the most
significant bit of its first byte and reads the block as the polynomial
``x_0 + x_1*a + ... + x_127*a^127`` modulo ``a^128 + a^7 + a^2 + a + 1``. Here a *poly* is the
Python ``int`` (or the Amaranth value) whose bit ``k`` is the coefficient of ``a^k``, i.e. GCM
bit ``x_k``. Our byte-order packing (``hdl/packing.py``) puts byte ``i`` at bits ``[8i, 8i+8)``
with its most significant bit at ``8i + 7``, so GCM bit ``k`` is packed bit
``8*(k // 8) + 7 - k % 8``: the conversion only reverses the bits inside every byte (pure
wiring in hardware, and its own inverse).

Multiplication is carry-less (XOR of shifted partial products, degree <= 254) followed by the
reduction ``a^128 = R`` where ``R = 0xE1 || 0^120`` (SP 800-38D §6.3, Algorithm 1's constant),
i.e. ``a^7 + a^2 + a + 1``. The reduction table ``a^k mod P`` for ``k = 128..254`` is
computed here from ``R`` at import time; the HDL reduction XORs, for every result bit, the
product bits the table names.
"""

from amaranth.hdl import Cat, Const, Mux, Signal, Value

from .packing import pack_bytes, unpack_bytes

__all__ = [
    "GCM_R",
    "R_POLY",
    "REDUCTION_TAPS",
    "block_to_poly",
    "poly_to_block",
    "packed_to_poly",
    "clmul",
    "reduce_poly",
    "gf_mul_poly",
    "gf_mul",
    "h_powers",
    "pad_blocks",
    "length_block",
    "ghash_blocks",
    "ghash",
    "hdl_packed_to_poly",
    "hdl_poly_to_packed",
    "hdl_clmul_partial",
    "hdl_reduce",
    "hdl_gf_mul",
]

#: SP 800-38D §6.3: ``R = 11100001 || 0^120`` (the reduction constant of Algorithm 1).
GCM_R = bytes([0xE1]) + bytes(15)

#: Packed bit holding GCM bit ``k`` (and vice versa: the map is an involution).
_PERM = [8 * (k // 8) + 7 - k % 8 for k in range(128)]


def block_to_poly(block: bytes) -> int:
    """The poly (bit ``k`` = GCM bit ``x_k``, §6.3) of a 16-byte block."""
    block = bytes(block)
    if len(block) != 16:
        raise ValueError(f"a GF(2^128) block is 16 bytes, not {len(block)}")
    return packed_to_poly(pack_bytes(block))


def poly_to_block(poly: int) -> bytes:
    """Inverse of :func:`block_to_poly`."""
    if not 0 <= poly < 1 << 128:
        raise ValueError("poly must be a 128-bit non-negative int")
    return unpack_bytes(packed_to_poly(poly), 16)


def packed_to_poly(value: int) -> int:
    """Reverse the bits of every byte: packed (``hdl/packing.py``) <-> poly. Involution."""
    out = 0
    for k in range(128):
        out |= ((value >> _PERM[k]) & 1) << k
    return out


#: ``R`` as a poly: ``a^128 = R_POLY`` modulo the GCM polynomial (0x87: a^7 + a^2 + a + 1).
R_POLY = block_to_poly(GCM_R)


def _reduction_table() -> list[int]:
    """``a^k mod P`` (as a 128-bit poly) for ``k = 128 .. 254``, derived from ``R``."""
    table = []
    cur = R_POLY  # a^128
    for _ in range(128, 255):
        table.append(cur)
        cur <<= 1  # times a
        if cur >> 128:
            cur = (cur & ((1 << 128) - 1)) ^ R_POLY
    return table


_XK = _reduction_table()

#: For result bit ``j``: the product bits whose XOR is result bit ``j`` (``j`` itself and every
#: ``k >= 128`` with bit ``j`` set in ``a^k mod P``).
REDUCTION_TAPS: list[tuple[int, ...]] = [
    (j, *(128 + n for n, xk in enumerate(_XK) if (xk >> j) & 1)) for j in range(128)
]


def clmul(a: int, b: int) -> int:
    """Carry-less product of two polys (no reduction)."""
    out = 0
    while a:
        if a & 1:
            out ^= b
        a >>= 1
        b <<= 1
    return out


def reduce_poly(p: int) -> int:
    """Reduce a poly of degree <= 254 modulo the GCM polynomial with the table."""
    if not 0 <= p < 1 << 255:
        raise ValueError("product must have degree <= 254")
    out = p & ((1 << 128) - 1)
    for n, xk in enumerate(_XK):
        if (p >> (128 + n)) & 1:
            out ^= xk
    return out


def gf_mul_poly(a: int, b: int) -> int:
    """``a * b`` in GF(2^128), both polys."""
    return reduce_poly(clmul(a, b))


def gf_mul(x: bytes, y: bytes) -> bytes:
    """``X • Y`` of SP 800-38D §6.3 on 16-byte blocks."""
    return poly_to_block(gf_mul_poly(block_to_poly(x), block_to_poly(y)))


def h_powers(h: bytes, n: int) -> list[bytes]:
    """``[H^1, H^2, ..., H^n]`` (16-byte blocks), for the GHASH lane aggregation."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int, not {n!r}")
    hp = block_to_poly(h)
    out, cur = [], hp
    for _ in range(n):
        out.append(poly_to_block(cur))
        cur = gf_mul_poly(cur, hp)
    return out


def pad_blocks(data: bytes) -> list[bytes]:
    """``data || 0^s`` split into 16-byte blocks (SP 800-38D §7.1 step 5; none if empty)."""
    data = bytes(data)
    padded = data + bytes(-len(data) % 16)
    return [padded[k : k + 16] for k in range(0, len(padded), 16)]


def length_block(aad_len: int, ct_len: int) -> bytes:
    """``[len(A)]_64 || [len(C)]_64``, bit lengths, big-endian (SP 800-38D §7.1 step 5)."""
    return (8 * aad_len).to_bytes(8, "big") + (8 * ct_len).to_bytes(8, "big")


def ghash_blocks(h: bytes, blocks: list[bytes]) -> bytes:
    """``GHASH_H(X_1 .. X_m)`` (SP 800-38D §6.4): ``Y_i = (Y_{i-1} xor X_i) • H``."""
    hp, y = block_to_poly(h), 0
    for x in blocks:
        y = gf_mul_poly(y ^ block_to_poly(x), hp)
    return poly_to_block(y)


def ghash(h: bytes, aad: bytes, ct: bytes) -> bytes:
    """``S = GHASH_H(A || 0^v || C || 0^u || [len(A)]_64 || [len(C)]_64)`` (SP 800-38D §7.1)."""
    blocks = pad_blocks(aad) + pad_blocks(ct) + [length_block(len(aad), len(ct))]
    return ghash_blocks(h, blocks)


# --------------------------------------------------------------------------------------------
# Amaranth expression builders (all work on polys: bit k = coefficient of a^k).


def hdl_packed_to_poly(value) -> Value:
    """A 128-bit packed block (byte order) as a poly: bit reversal inside each byte (wiring)."""
    value = Value.cast(value)
    if len(value) != 128:
        raise ValueError(f"expected a 128-bit value, got {len(value)} bits")
    return Cat(*(value[_PERM[k]] for k in range(128)))


#: The conversion is its own inverse.
hdl_poly_to_packed = hdl_packed_to_poly


def hdl_clmul_partial(a_bits, b, offset: int = 0) -> Value:
    """``XOR_j a_bits[j] * b * a^(offset + j)``: one slice of a carry-less product.

    ``a_bits`` are the coefficients ``offset .. offset + len(a_bits) - 1`` of the first factor.
    A pipelined multiplier splits the first factor into slices, one per stage, and XORs the
    partial products into an unreduced accumulator. Width ``offset + len(a_bits) + len(b) - 1``.
    Pass signals: ``b`` is read once per bit of ``a_bits``.
    """
    a_bits = Value.cast(a_bits)
    b = Value.cast(b)
    width = offset + len(a_bits) + len(b) - 1
    terms = [Mux(a_bits[j], b, 0) << (offset + j) for j in range(len(a_bits))]
    return _xor_tree(terms)[:width] if terms else Const(0, width)


def _xor_tree(terms: list) -> Value:
    """Balanced XOR of ``terms`` (a flat chain would nest expressions ``len(terms)`` deep)."""
    while len(terms) > 1:
        terms = [terms[k] ^ terms[k + 1] for k in range(0, len(terms) - 1, 2)] + (
            [terms[-1]] if len(terms) % 2 else []
        )
    return Value.cast(terms[0])


def hdl_reduce(p) -> Value:
    """Reduce a product (up to 255 bits) modulo the GCM polynomial: XOR taps per result bit.

    Pass a ``Signal``: each product bit is read by up to 8 result bits, and Amaranth does not
    share subexpressions, so an expression here would be rebuilt for every tap. Likewise assign
    the result to a signal before slicing it bit by bit (e.g. :func:`hdl_poly_to_packed`).
    """
    p = Value.cast(p)
    if len(p) > 255:
        raise ValueError(f"a product has at most 255 bits, got {len(p)}")
    bits = []
    for taps in REDUCTION_TAPS:
        used = [p[t] for t in taps if t < len(p)]
        bits.append(Cat(*used).xor() if len(used) > 1 else (used[0] if used else Const(0, 1)))
    return Cat(*bits)


def hdl_gf_mul(m, a, b, *, name="gf_mul") -> Signal:
    """Single-cycle ``a * b`` in GF(2^128) on polys (a deep XOR tree: ~104 MHz on ECP5).

    ``m`` is the ``Module`` that gets the intermediate signals: the operands (each read 128
    times by the partial products) and the product (see :func:`hdl_reduce`).
    """
    sa, sb = Signal(128, name=f"{name}_a"), Signal(128, name=f"{name}_b")
    product = Signal(255, name=f"{name}_clmul")
    result = Signal(128, name=f"{name}_result")
    m.d.comb += [sa.eq(a), sb.eq(b), product.eq(hdl_clmul_partial(sa, sb))]
    m.d.comb += result.eq(hdl_reduce(product))
    return result
