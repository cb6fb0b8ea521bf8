"""GHASH (NIST SP 800-38D §6.4) at one block per cycle: pipelined multiplier, lane aggregation."""

from amaranth.hdl import Cat, Const, Module, Mux, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from .gf128 import hdl_clmul_partial, hdl_packed_to_poly, hdl_poly_to_packed, hdl_reduce

__all__ = ["GHASH", "ghash_input_layout"]

#: Width of ``i.remaining``: blocks of the packet after this one.
REMAINING_WIDTH = 12

#: Supported Karatsuba depths: 0 = schoolbook 128x128, 1 = three 64x64, 2 = nine 32x32.
KARATSUBA_LEVELS = (0, 1, 2)


def _check_lanes(lanes):
    if not isinstance(lanes, int) or isinstance(lanes, bool):
        raise TypeError(f"lanes must be an int, not {lanes!r}")
    if lanes not in (1, 2, 4):
        raise ValueError(f"lanes must be 1, 2 or 4, not {lanes!r}")


def ghash_input_layout(lanes: int) -> data.StructLayout:
    """Payload of :attr:`GHASH.i` for ``lanes`` lanes."""
    _check_lanes(lanes)
    return data.StructLayout(
        {
            "block": 128,
            "h_powers": data.ArrayLayout(128, lanes),
            "first": 1,
            "remaining": REMAINING_WIDTH,
        }
    )


class GHASH(wiring.Component):
    """``GHASH_H(X_1 .. X_n)`` (SP 800-38D §6.4) of one packet after another, one block a cycle.

    Ports (byte ``i`` at bits ``[8i, 8i+8)``, see ``hdl/packing.py``):

    - ``i``: stream of ``{block: 128, h_powers: ArrayLayout(128, lanes), first: 1,
      remaining: 12}``. ``h_powers[k]`` = ``H^(k+1)``; ``remaining`` = blocks of the packet
      after this one (``0`` = last block). Blocks are already zero-padded. Only
      ``min(remaining, lanes)`` matters, so callers may saturate ``remaining`` at ``lanes``.
      ``first`` is framing information only: the core derives its lane state from the
      pipeline (see below) and ignores it.
    - ``o``: stream of ``{hash: 128}``, the packet's GHASH in GCM byte order, in packet order.

    **Latency** ``LATENCY = lanes + 2`` cycles from a packet's last block accepted to its hash
    valid (input register, ``lanes`` multiplier stages, output register). **Throughput** one
    block per cycle, sustained across packets (a packet's first block may follow the previous
    packet's last block in the next cycle). Stalls are whole
    pipeline: ``en = ~o.valid | o.ready``, ``i.ready = en``.

    Design (numbers from ``/work/shared/spec/engine-notes.md``, ECP5-85F):

    - A single-cycle 128x128 multiply-and-reduce is a ~14k LUT4 XOR tree at ~104 MHz: too slow
      for the ~250 MHz AES pipeline. Here the multiplier is ``lanes`` stages: stage ``s``
      XORs the partial products of first-factor bits ``[s*128/lanes, (s+1)*128/lanes)`` into
      an unreduced accumulator (up to 255 bits), the last stage also reduces
      (``hdl/gf128.py``, taps derived from ``R``, SP 800-38D §6.3). With 4 lanes each stage is
      at most a 33-input XOR per bit (plus up to 8 reduction taps in the last stage) instead
      of 129 + reduction in one cycle. Partial products are schoolbook (16k AND terms, as in
      the single-cycle design). Measured (``sim/synth.py`` harness, nextpnr ECP5-85F speed 8,
      one seed): ``lanes=4`` is 8.8k LUT4, ~1.0k FF (without the harness), 139 MHz; the
      critical path is now one stage's 33-input AND-XOR tree, mostly routing (5.9 of 7.2 ns).
      Before the input register (H-power select in stage 0) it was 120 MHz.
    - ``karatsuba`` is the depth of Karatsuba-Ofman splitting. ``1`` (default) splits the
      product once on the 64-bit halves: ``a*b = L + (L + H + M) x^64 + H x^128`` with
      ``L = a_l*b_l``, ``H = a_h*b_h``, ``M = (a_l^a_h)*(b_l^b_h)``, three 64x64 schoolbook
      products (12k AND terms instead of 16k) pipelined side by side over the same ``lanes``
      stages, combined and reduced in the last stage; the second factor's halves and their XOR
      are registered with the H power, ``a_l^a_h`` adds one XOR to stage 0's feedback path.
      ``2`` splits each half again (nine 32x32 products, 9k AND terms, two XORs on the feedback
      path); ``0`` is the schoolbook multiplier. Measured the same way
      (``python -m sim.synth --designs ghash_l4_schoolbook,ghash_l4,ghash_l4_k2``, FF with the
      harness's 702): depth 0 8,687 LUT4, 1,714 FF, 141.1 MHz; depth 1 7,291 LUT4, 2,208 FF,
      144.1 MHz; depth 2 6,346 LUT4, 2,966 FF, 132.9 MHz (more FF: each stage carries nine
      factor pairs). The point is the engine, where GHASH's XOR trees held 45 % of the
      router's overused wires before the first split and 36 % after (``sim/congestion.py``).
    - The Horner recurrence ``Y_i = (Y_{i-1} ^ X_i) * H`` cannot be pipelined directly, so
      block ``i`` (0-based) of an ``n``-block packet goes to lane ``i mod lanes`` and is
      accumulated as ``lane = (lane ^ X_i) * H^lanes``, except the last ``lanes`` blocks, which
      are multiplied by ``H^(n-i)``; the hash is the XOR of the lanes' last products. A lane's
      previous product leaves the pipeline exactly when its next block enters. Cost: the key
      table stores ``H^1 .. H^lanes`` per key (``lanes x 16`` bytes), computed once per key
      (``gf128.h_powers``).
    - An input register (block, selected H power, flags) sits outside the lane loop; the
      multiplier shifts whenever a block enters it from there, so a lane's product is always
      at the output when the lane's next block arrives, whatever the input idles. When no product
      still needs feeding back (the packet's last block is in), it also shifts without input
      (drains), so a hash never waits for the next packet; the next packet's first blocks
      enter the same pipeline while the previous packet's last products come out (no bubble
      between packets). Each stage carries ``valid``, ``final`` (one of the packet's last
      ``lanes`` blocks: accumulated into the output, not fed back) and ``last``.
    - ``lanes=1`` is the single-cycle multiplier (``Y = (Y ^ X) * H``, no aggregation).
    """

    def __init__(self, *, lanes=4, karatsuba=1):
        _check_lanes(lanes)
        if not isinstance(karatsuba, int) or isinstance(karatsuba, bool):
            raise TypeError(f"karatsuba must be an int (levels of splitting), not {karatsuba!r}")
        if karatsuba not in KARATSUBA_LEVELS:
            raise ValueError(f"karatsuba must be one of {KARATSUBA_LEVELS}, not {karatsuba!r}")
        self.lanes = lanes
        self.karatsuba = karatsuba
        self.LATENCY = lanes + 2
        super().__init__(
            {
                "i": In(stream.Signature(ghash_input_layout(lanes))),
                "o": Out(stream.Signature(data.StructLayout({"hash": 128}))),
            }
        )

    def elaborate(self, platform):
        m = Module()
        lanes = self.lanes
        pay = self.i.payload

        en = Signal()
        m.d.comb += [en.eq(~self.o.valid | self.o.ready), self.i.ready.eq(en)]

        # Input register: the block and its H power, selected here so that the multiplier's
        # first stage starts from flip-flops (the select was the critical path on ECP5).
        in_valid = Signal()
        in_x = Signal(128, reset_less=True)  # the block, as a poly
        in_final = Signal(reset_less=True)
        in_last = Signal(reset_less=True)
        sel = pay.h_powers[lanes - 1]
        for k in range(lanes - 1):
            sel = Mux(pay.remaining == k, pay.h_powers[k], sel)
        h_sel = Signal(128)  # a signal: the bit permutation reads every bit
        m.d.comb += h_sel.eq(sel)
        with m.If(en):
            m.d.sync += [
                in_valid.eq(self.i.valid),
                in_x.eq(hdl_packed_to_poly(pay.block)),
                in_final.eq(pay.remaining < lanes),
                in_last.eq(pay.remaining == 0),
            ]

        # The products the multiplier computes, as (first factor, second factor) pairs of
        # polys: the schoolbook a*b (levels = 0), or Karatsuba's a_l*b_l, a_h*b_h,
        # (a_l^a_h)*(b_l^b_h) on the halves, split again on each further level
        # (_karatsuba_leaves). Stage s of the pipeline holds, for each product, the partial
        # product of first-factor bits [0, (s+1)*chunk); the last stage holds the reduced
        # product. The second factors (the selected H power's halves and half-XORs) are
        # registered with the block; the first factors' half-XORs are combinational on stage
        # 0's feedback path (one more XOR input per level).
        a = Signal(128)  # stage 0's first factor: X ^ (the lane's previous product)
        levels = self.karatsuba
        width = 128 >> levels
        b_leaves = _karatsuba_leaves(hdl_packed_to_poly(h_sel), levels)
        in_bl = Signal(width * len(b_leaves), reset_less=True)
        with m.If(en):
            m.d.sync += in_bl.eq(Cat(*b_leaves))
        a_leaves = Signal(width * len(b_leaves))
        m.d.comb += a_leaves.eq(Cat(*_karatsuba_leaves(a, levels)))
        factors = [
            (a_leaves[k * width : (k + 1) * width], in_bl[k * width : (k + 1) * width])
            for k in range(len(b_leaves))
        ]
        chunk = width // lanes
        stages = []
        for s in range(lanes):
            st = {
                "valid": Signal(name=f"s{s}_valid"),
                "final": Signal(name=f"s{s}_final"),
                "last": Signal(name=f"s{s}_last"),
            }
            if s == lanes - 1:
                st["prod"] = Signal(128, name=f"s{s}_prod", reset_less=True)
            else:
                for k in range(len(factors)):
                    st[f"acc{k}"] = Signal(chunk * (s + 1) + width - 1, name=f"s{s}_acc{k}",
                                           reset_less=True)  # fmt: skip
                    st[f"b{k}"] = Signal(width, name=f"s{s}_b{k}", reset_less=True)
                    st[f"a{k}"] = Signal(width - chunk * (s + 1), name=f"s{s}_a{k}",
                                         reset_less=True)  # fmt: skip
            stages.append(st)
        out = stages[-1]

        # The multiplier shifts when a block enters it, or, when no product needs feeding
        # back (the packet's last block is in), to drain; the input register loads on every
        # enabled cycle (a bubble it holds is dropped or shifted in), so i.ready = en.
        needs_fb = Signal()
        m.d.comb += needs_fb.eq(_any([st["valid"] & ~st["final"] for st in stages]))
        shift = Signal()
        m.d.comb += shift.eq(en & (in_valid | ~needs_fb))

        fb = Signal()
        m.d.comb += fb.eq(out["valid"] & ~out["final"])
        m.d.comb += a.eq(in_x ^ Mux(fb, out["prod"], 0))

        src = {"valid": in_valid, "final": in_final, "last": in_last}
        for k, (first, second) in enumerate(factors):
            src.update({f"a{k}": first, f"b{k}": second, f"acc{k}": Const(0, 1)})
        for s, st in enumerate(stages):
            parts = [
                src[f"acc{k}"] ^ hdl_clmul_partial(src[f"a{k}"][:chunk], src[f"b{k}"], chunk * s)
                for k in range(len(factors))
            ]
            nxt = {"valid": src["valid"], "final": src["final"], "last": src["last"]}
            if s == lanes - 1:
                # Through signals: the combination and hdl_reduce read every bit several times.
                full = [Signal(2 * width - 1, name=f"part{k}") for k in range(len(factors))]
                m.d.comb += [f.eq(p) for f, p in zip(full, parts, strict=True)]
                product = Signal(255, name="product")
                m.d.comb += product.eq(_karatsuba_combine(full, levels, 128))
                nxt["prod"] = hdl_reduce(product)
            else:
                for k in range(len(factors)):
                    nxt[f"acc{k}"] = parts[k]
                    nxt[f"b{k}"] = src[f"b{k}"]
                    nxt[f"a{k}"] = src[f"a{k}"][chunk:]
            with m.If(shift):
                m.d.sync += [st[k].eq(v) for k, v in nxt.items()]
            src = st

        # Output: XOR of the packet's final products; the last one completes the hash.
        acc_out, hash_poly = Signal(128), Signal(128)
        m.d.comb += hash_poly.eq(acc_out ^ out["prod"])
        with m.If(en):
            m.d.sync += self.o.valid.eq(0)
        with m.If(shift & out["valid"] & out["final"]):
            with m.If(out["last"]):
                m.d.sync += [
                    self.o.valid.eq(1),
                    self.o.payload.hash.eq(hdl_poly_to_packed(hash_poly)),
                    acc_out.eq(0),
                ]
            with m.Else():
                m.d.sync += acc_out.eq(acc_out ^ out["prod"])
        return m


def _any(bits):
    result = bits[0]
    for bit in bits[1:]:
        result = result | bit
    return result


def _karatsuba_leaves(x, levels):
    """The factors ``x`` splits into after ``levels`` Karatsuba levels, in ``_karatsuba_combine``
    order: for each level, the low half's leaves, the high half's, then those of their XOR."""
    if levels == 0:
        return [x]
    half = len(x) // 2
    lo, hi = x[:half], x[half:]
    return [leaf for part in (lo, hi, lo ^ hi) for leaf in _karatsuba_leaves(part, levels - 1)]


def _karatsuba_combine(products, levels, width):
    """The carry-less product of two ``width``-bit polys from the products of their
    ``_karatsuba_leaves``: ``a*b = L + (L + H + M) x^(w/2) + H x^w`` at each level, with
    ``L``, ``H``, ``M`` the products of the low halves, the high halves and the halves' XORs."""
    if levels == 0:
        return products[0]
    n, half = len(products) // 3, width // 2
    lo, hi, mid = (
        _karatsuba_combine(products[k * n : (k + 1) * n], levels - 1, half) for k in range(3)
    )
    return lo ^ ((lo ^ hi ^ mid) << half) ^ (hi << width)
