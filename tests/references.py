"""Independent reference algorithms for the tests, written from the standards, never from the
code under test."""

_R = 0xE1 << 120  # SP 800-38D §6.3: R = 11100001 || 0^120


def alg1_mul(x: bytes, y: bytes) -> bytes:
    """SP 800-38D Algorithm 1, bit by bit (bit 0 = leftmost bit of the block)."""
    xi, v, z = int.from_bytes(x, "big"), int.from_bytes(y, "big"), 0
    for i in range(128):
        if (xi >> (127 - i)) & 1:
            z ^= v
        v = (v >> 1) ^ _R if v & 1 else v >> 1
    return z.to_bytes(16, "big")
