"""hdl/gf128.py against SP 800-38D Algorithm 1 (written here), known GCM values and `cryptography`.

Truth sources: the bit-serial multiply of SP 800-38D §6.3 Algorithm 1 (below), the GHASH value
of McGrew-Viega GCM Test Case 2, and tags from ``cryptography``'s AESGCM (tag = E(K, J0) xor
GHASH, SP 800-38D §7.1).
"""

import random

import pytest
from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from amaranth.sim import Simulator
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from references import alg1_mul

from hdl import gf128
from hdl.packing import pack_bytes, unpack_bytes

_alg1_mul = alg1_mul  # SP 800-38D Algorithm 1, bit-serial (tests/references.py)


def _aes_ecb(key: bytes, block: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(p ^ q for p, q in zip(a, b, strict=True))


def test_reduction_constant():
    assert gf128.GCM_R == bytes.fromhex("e1000000000000000000000000000000")
    assert gf128.R_POLY == 0x87  # a^7 + a^2 + a + 1


def test_multiply_matches_algorithm_1():
    rng = random.Random(1)
    one = bytes([0x80]) + bytes(15)  # the polynomial 1 in GCM bit order
    cases = [(rng.randbytes(16), rng.randbytes(16)) for _ in range(200)]
    cases += [(one, b"\x5a" * 16), (bytes(16), rng.randbytes(16)), (b"\xff" * 16, b"\xff" * 16)]
    cases += [(bytes(15) + b"\x01", bytes(15) + b"\x01")]  # a^127 * a^127: both reductions
    for x, y in cases:
        assert gf128.gf_mul(x, y) == _alg1_mul(x, y)
    assert gf128.gf_mul(one, b"\x5a" * 16) == b"\x5a" * 16


def test_bit_order_conversion():
    rng = random.Random(2)
    for _ in range(20):
        blk = rng.randbytes(16)
        poly = gf128.block_to_poly(blk)
        assert gf128.poly_to_block(poly) == blk
        # GCM bit x_k is bit 7 - k % 8 of byte k // 8 (most significant bit first).
        for k in range(0, 128, 13):
            assert (poly >> k) & 1 == (blk[k // 8] >> (7 - k % 8)) & 1
        assert gf128.packed_to_poly(pack_bytes(blk)) == poly


def test_h_powers():
    rng = random.Random(3)
    h = rng.randbytes(16)
    powers = gf128.h_powers(h, 5)
    expect = [h]
    for _ in range(4):
        expect.append(_alg1_mul(expect[-1], h))
    assert powers == expect
    with pytest.raises(ValueError):
        gf128.h_powers(h, 0)


def test_ghash_known_value_mcgrew_viega_tc2():
    # GCM spec (McGrew & Viega), Test Case 2: K = 0^128, P = 0^128, IV = 0^96.
    h = bytes.fromhex("66e94bd4ef8a2c3b884cfa59ca342b2e")
    c = bytes.fromhex("0388dace60b6a392f328c2b971b2fe78")
    assert gf128.ghash(h, b"", c) == bytes.fromhex("f38cbb1ad69223dcc3457ae5b6b0f885")


def test_ghash_gives_cryptography_tags():
    """tag = E(K, J0) xor GHASH_H(A, C) with H = E(K, 0^128), J0 = IV || 0^31 || 1 (§7.1)."""
    rng = random.Random(4)
    for n in range(24):
        key = rng.randbytes(32 if n % 2 else 16)
        iv = rng.randbytes(12)
        aad = rng.randbytes(rng.choice([0, 1, 15, 16, 17, 40]))
        pt = rng.randbytes(rng.choice([0, 1, 16, 31, 64, 100]))
        sealed = AESGCM(key).encrypt(iv, pt, aad)
        ct, tag = sealed[:-16], sealed[-16:]
        h = _aes_ecb(key, bytes(16))
        ek0 = _aes_ecb(key, iv + b"\x00\x00\x00\x01")
        assert _xor(gf128.ghash(h, aad, ct), ek0) == tag


class _CombMul(wiring.Component):
    """``o = a * b`` in GF(2^128) on packed blocks, built from the HDL helpers."""

    a: In(128)
    b: In(128)
    o: Out(128)

    def elaborate(self, platform):
        m = Module()
        pa = gf128.hdl_packed_to_poly(self.a)
        pb = gf128.hdl_packed_to_poly(self.b)
        m.d.comb += self.o.eq(gf128.hdl_poly_to_packed(gf128.hdl_gf_mul(m, pa, pb)))
        return m


def test_hdl_multiplier_matches_algorithm_1():
    rng = random.Random(5)
    cases = [(rng.randbytes(16), rng.randbytes(16)) for _ in range(40)]
    cases.append((bytes(15) + b"\x01", bytes(15) + b"\x01"))
    dut = _CombMul()

    async def tb(ctx):
        for x, y in cases:
            ctx.set(dut.a, pack_bytes(x))
            ctx.set(dut.b, pack_bytes(y))
            assert unpack_bytes(ctx.get(dut.o), 16) == _alg1_mul(x, y)

    sim = Simulator(dut)
    sim.add_testbench(tb)
    sim.run()
