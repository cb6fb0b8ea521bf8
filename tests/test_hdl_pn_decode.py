"""PacketNumberDecoder against RFC 9000 Appendix A.3 as the kernel spec (section 4) states it."""

import random

from amaranth.sim import Simulator

from hdl.pn_decode import PacketNumberDecoder


def rfc9000_decode(expected: int, truncated: int, pn_nbits: int) -> int:
    # RFC 9000 Appendix A.3, with expected_pn = next_pkt_num (the kernel's anchor). The kernel
    # works in u64, so it guards the subtraction with `expected > hwin`; for expected == hwin
    # and candidate == 0 this differs from the RFC's signed arithmetic (spec section 4 wins).
    pn_win = 1 << pn_nbits
    pn_hwin = pn_win // 2
    pn_mask = pn_win - 1
    candidate = (expected & ~pn_mask) | truncated
    if expected > pn_hwin and candidate <= expected - pn_hwin and candidate < (1 << 62) - pn_win:
        return candidate + pn_win
    if candidate > expected + pn_hwin and candidate >= pn_win:
        return candidate - pn_win
    return candidate


def test_decoder_matches_rfc9000_appendix_a3():
    rng = random.Random(9000)
    cases = [
        (0xA82F30EA, 0x9B32, 2),  # RFC 9000 A.3 example: decodes to 0xa82f9b32
        (0x0D65C9, 0xCA, 1),  # kernel selftest: 0x0d65ca
        (0x2700BFF5, 0x00BFF4, 3),  # RFC 9369 A.5 / ChaCha20 selftest: 0x2700bff4
        (0, 0, 1),
        (0, 0xFF, 1),
        ((1 << 62) - 1, 0, 4),
        ((1 << 64) - 1, 0x7F, 1),
        (0x80, 0x00, 1),  # expected == hwin: the u64 guard keeps 0 (the RFC would give 0x100)
        (0x81, 0x00, 1),
    ]
    for _ in range(400):
        pn_len = rng.randint(1, 4)
        expected = rng.choice([rng.randrange(1 << 64), rng.randrange(1 << 20), rng.randrange(300)])
        cases.append((expected, rng.randrange(1 << (8 * pn_len)), pn_len))
    # Window edges: candidates at expected +- hwin and one either side, for every PN length,
    # including anchors near 0, near the 2^62 cap and near 2^64.
    for pn_len in range(1, 5):
        win = 1 << (8 * pn_len)
        hwin = win // 2
        anchors = [hwin, hwin + 1, win, (1 << 62) - win, (1 << 62) - hwin, (1 << 64) - hwin]
        anchors += [rng.randrange(1 << 64) for _ in range(4)]
        for expected in anchors:
            for delta in (-hwin - 1, -hwin, -hwin + 1, 0, hwin - 1, hwin, hwin + 1):
                cases.append((expected, (expected + delta) % win, pn_len))
    dut = PacketNumberDecoder()

    async def tb(ctx):
        ctx.set(dut.o.ready, 1)
        previous = None
        for expected, trunc, pn_len in cases:
            if expected != previous:  # the anchor is registered: it applies a cycle later
                ctx.set(dut.expected, expected)
                await ctx.tick()
                previous = expected
            ctx.set(dut.i.payload.truncated, trunc)
            ctx.set(dut.i.payload.pn_len_m1, pn_len - 1)
            ctx.set(dut.i.valid, 1)
            want = rfc9000_decode(expected, trunc, 8 * pn_len)
            assert ctx.get(dut.o.valid)
            got = ctx.get(dut.o.payload.pn)
            assert got == want, (hex(expected), hex(trunc), pn_len, hex(got), hex(want))

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(tb)
    sim.run()
    assert rfc9000_decode(0xA82F30EA, 0x9B32, 16) == 0xA82F9B32
