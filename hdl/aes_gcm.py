"""AES-GCM authenticated encryption (NIST SP 800-38D §7.1), 96-bit IV, 128-bit tag, streaming."""

from amaranth.hdl import Cat, Const, Module, Mux, Signal
from amaranth.lib import data, fifo, stream, wiring
from amaranth.lib.wiring import In, Out

from .aes_pipeline import AESPipeline
from .ghash import GHASH, KARATSUBA_LEVELS
from .hp_mask import hp_request_layout, hp_response_layout

__all__ = ["AESGCM", "cmd_layout", "DATA_LAYOUT", "OUT_LAYOUT"]

#: Input beats: AAD beats then plaintext beats of a packet; ``last`` on its final beat.
DATA_LAYOUT = data.StructLayout({"data": 128, "last": 1})
#: Output beats: ciphertext beats (unused bytes zero) then the tag beat (``tag = last = 1``).
OUT_LAYOUT = data.StructLayout({"data": 128, "tag": 1, "last": 1})

_LEN_BITS = 16  # aad_len / pt_len width (bytes)
_BLK_BITS = _LEN_BITS - 4 + 1  # blocks of a group: up to 4096


def cmd_layout(ghash_lanes: int) -> data.StructLayout:
    """Payload of :attr:`AESGCM.cmd`."""
    return data.StructLayout(
        {
            "key": 256,
            "aes256": 1,
            "iv": 96,
            "h_powers": data.ArrayLayout(128, ghash_lanes),
            "aad_len": _LEN_BITS,
            "pt_len": _LEN_BITS,
        }
    )


def _user_layout(lanes):
    """What a slot carries through the AES pipeline next to its counter block."""
    return data.StructLayout(
        {
            "data": 128,  # the AAD or plaintext beat riding in this slot
            "j0": 1,  # the AES result is E(K, J0): keep it for the tag
            "aad": 1,  # data is an AAD block: hash it
            "pt": 1,  # data is plaintext: XOR the keystream, emit and hash the ciphertext
            "last": 1,  # the packet's last slot: the length block follows
            "n_bytes": 5,  # valid bytes of data (1..16); the rest is zeroed
            "rem": range(lanes + 1),  # GHASH blocks after this one, saturated at lanes
            "hp": 1,  # a header-protection slot: the result is a mask, data holds its user
        }
    )


def _ctx_layout(lanes):
    """Per-packet context from ``cmd`` to the hashing side, through a FIFO (not the pipeline)."""
    return data.StructLayout(
        {"h_powers": data.ArrayLayout(128, lanes), "aad_len": _LEN_BITS, "pt_len": _LEN_BITS}
    )


def _check_choice(name, value, allowed):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {value!r}")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, not {value!r}")


def _be32(value):
    """A 32-bit value as 4 big-endian bytes in our packing (byte 0 = most significant)."""
    value = Cat(value, Const(0, 32))[:32]
    return Cat(value[24:32], value[16:24], value[8:16], value[0:8])


def _be64_bits(byte_len):
    """``[8 * byte_len]_64`` big-endian in our packing (SP 800-38D §7.1 step 5)."""
    bits = Cat(Const(0, 3), byte_len)  # byte length times 8
    return Cat(Const(0, 32), _be32(bits))


def _byte_mask(n_bytes):
    """128-bit mask keeping bytes ``0 .. n_bytes - 1``."""
    return Cat(*[(n_bytes > b).replicate(8) for b in range(16)])


class AESGCM(wiring.Component):
    """SP 800-38D GCM-AE (96-bit IV, 128-bit tag) on a stream of packets, keys change per packet.

    Ports (byte ``i`` at bits ``[8i, 8i+8)``, see ``hdl/packing.py``):

    - ``cmd``: stream of ``{key: 256, aes256: 1, iv: 96, h_powers: ArrayLayout(128, lanes),
      aad_len: 16, pt_len: 16}``, one per packet (lengths in bytes, 0..65535 each; AES-128
      uses key bytes 0..15). ``h_powers`` = ``H^1 .. H^lanes``, ``H = E(K, 0^128)``
      (``gf128.h_powers``). ``cmd.ready`` never waits for data: a command can be accepted
      before its packet's first beat, and the next one while a packet streams.
    - ``i``: stream of ``{data: 128, last: 1}``: the AAD beats then the plaintext beats, each
      group starting on a fresh beat, full but for its last beat (unused bytes don't-care).
      A packet with no AAD and no plaintext has no beats. Framing comes from the lengths;
      ``last`` is not checked.
    - ``o``: stream of ``{data: 128, tag: 1, last: 1}``: the ciphertext beats (plaintext
      framing, unused bytes zero), then the tag beat (``tag = last = 1``).
    - With ``hp_user_width`` set (0..128), the header-protection port pair of
      :class:`~hdl.hp_mask.HeaderProtectionMask`, sharing this core's AES pipeline:
      ``hp_i`` ``{sample: 128, hp_key: 256, aes256: 1, user}`` and ``hp_o`` ``{mask: 40,
      user}``, ``mask = AES-ECB(hp_key, sample)[0:5]`` (RFC 9001 §5.4.3), in request order.
      A request takes an AES slot at a packet boundary (ahead of the next packet's first slot)
      or in a cycle where the packet being sliced has no beat, so it waits at most one packet.
      At the pipeline output the mask slot lines up with the previous packet's length block,
      the GHASH cycle that has no AES slot: one mask per packet costs no cycle at full rate
      (P + 2 AES slots per packet, the engine notes' floor, in ``A + P + 1`` cycles). Latency
      from a request taken to its mask valid: ``AES_LATENCY``. ``hp_o`` must not wait on
      ``o`` (a stalled ``hp_o`` stalls the pipeline); the engine always takes masks.

    **Throughput**: ``max(A, 1) + P`` AES slots per packet (``A``, ``P`` = AAD and plaintext
    blocks) and ``A + P + 1`` GHASH blocks (the length block has no AES slot), so back-to-back
    packets take ``A + P + 1`` cycles each: the GHASH floor of the engine notes, with no
    bubble between packets of different keys or key sizes. **Latency** ``LATENCY`` cycles from
    a packet's last AES slot entering the pipeline (its last beat accepted) to its tag beat
    valid, without stalls: ``AES_LATENCY`` (the pipeline's ``OUTPUT_LATENCY``: 32 with two
    stages per round and the credit flow, 30 with the stall flow) + ``ghash_lanes`` + 6 (42
    for the defaults). A ciphertext beat is valid ``CT_LATENCY = AES_LATENCY + 3`` cycles
    after its plaintext beat is accepted.

    Design:

    - **One AES slot per input beat.** The packet's first slot encrypts ``J0 = IV || 0^31 ||
      1`` (SP 800-38D §7.1 step 2) and carries the first AAD beat in the pipeline's ``user``
      sideband (a packet without AAD spends one slot on ``J0`` alone); further AAD beats ride
      in slots whose AES result is ignored; plaintext beat ``k`` rides with counter block
      ``inc32^(k+1)(J0) = IV || [k + 2]_32`` (§7.1 step 3, §6.5) and is XORed with the
      keystream at the pipeline output. Beats and keystream leave the pipeline together, in
      order, so no plaintext buffer and no keystream FIFO are needed; the cost is the beat
      (+ ~10 flag bits) in every pipeline stage (~140 x 29 flip-flops).
    - **Hashing side in order**: AAD and ciphertext blocks (zero-padded, §7.1 step 5) and then
      the length block ``[len(A)]_64 || [len(C)]_64`` go to :class:`GHASH` (``ghash_lanes``
      lanes, one block per cycle, its own input register). The length block takes a cycle with no
      AES slot: the pipeline stalls one cycle per packet, except when the next slot is a
      ``J0``-only slot, which is consumed in the same cycle.
    - **Tag**: ``E(K, J0)`` is held in a register from the packet's first slot and pushed, as a
      tag placeholder, into the output FIFO behind the packet's ciphertext; when it reaches the
      head and the packet's hash is out of GHASH, the tag ``GHASH xor E(K, J0)`` (§7.1 step 7)
      is emitted. The 16-entry output FIFO lets the next packet stream while a tag is pending
      (~``ghash_lanes + 5`` cycles).
    - **Per-packet context** (``h_powers``, lengths: 544 bits with 4 lanes) goes from ``cmd``
      to the hashing side through a FIFO of ``AES LATENCY + 4`` entries, not through the
      pipeline: enough for back-to-back one-slot packets at full rate. yosys maps it to
      distributed RAM on ECP5 (33 entries: 272 DPR16X4 + ~580 LUT4 + 561 FF; 17 entries would
      halve that and still carry real QUIC packets, >= 3 GHASH cycles each, at full rate).
      The command is accepted into a one-entry holding register, so the next packet's first
      slot can start in the cycle after the previous packet's last slot.
    - **AES flow control** (``aes_flow``): ``"credit"`` (default) runs the AES pipeline with
      no enable into its own output FIFO, ``i.ready`` a flip-flop (:class:`AESPipeline`
      ``flow="credit"``), 2 cycles more latency. With ``"stall"`` one enable, derived from
      the hashing side's state, drives every pipeline register (~19k flip-flops and the 138
      block-RAM S-box reads with two stages per round): in the engine that net and the ready
      path through it limited the clock. Either way the ready paths are cut by FIFOs
      (hashes, output), so the pipeline's ``o.ready`` depends only on registers: FIFO
      levels, GHASH's output valid, the pipeline's output (and ``hp_o.ready`` when the
      header-protection port is there).

    Parameters (keyword-only): ``stages_per_round`` (1, 2), ``ghash_lanes`` (1, 2, 4),
    ``ghash_karatsuba`` (GHASH's Karatsuba depth: 0, 1, 2; see :class:`GHASH`),
    ``hp_user_width`` (``None``: no header-protection port; 0..128: its ``user`` width),
    ``aes_flow`` (``"credit"``, ``"stall"``).
    """

    def __init__(
        self,
        *,
        stages_per_round=2,
        ghash_lanes=4,
        ghash_karatsuba=1,
        hp_user_width=None,
        aes_flow="credit",
    ):
        # Check everything before building parts (a part left unelaborated warns).
        _check_choice("stages_per_round", stages_per_round, (1, 2))
        _check_choice("ghash_lanes", ghash_lanes, (1, 2, 4))
        _check_choice("ghash_karatsuba", ghash_karatsuba, KARATSUBA_LEVELS)
        if hp_user_width is not None:
            _check_choice("hp_user_width", hp_user_width, range(129))
        if aes_flow not in ("stall", "credit"):
            raise ValueError(f"aes_flow must be 'stall' or 'credit', not {aes_flow!r}")
        self._user = _user_layout(ghash_lanes)
        self._aes = AESPipeline(
            stages_per_round=stages_per_round, user_width=self._user.size, flow=aes_flow
        )
        self._ghash = GHASH(lanes=ghash_lanes, karatsuba=ghash_karatsuba)
        self.stages_per_round = stages_per_round
        self.ghash_lanes = ghash_lanes
        self.aes_flow = aes_flow
        self.AES_LATENCY = self._aes.OUTPUT_LATENCY
        self.LATENCY = self.AES_LATENCY + ghash_lanes + 6
        self.CT_LATENCY = self.AES_LATENCY + 3
        # Enough for back-to-back one-slot packets at full rate with the stall flow; with the
        # credit flow (2 cycles more in the AES FIFO) such degenerate packets may be slowed by
        # a cycle now and then, real QUIC packets (>= 2 blocks) are not.
        self.CTX_DEPTH = self._aes.LATENCY + 4
        self.OUT_DEPTH = 16
        self.hp_user_width = hp_user_width
        ports = {
            "cmd": In(stream.Signature(cmd_layout(ghash_lanes))),
            "i": In(stream.Signature(DATA_LAYOUT)),
            "o": Out(stream.Signature(OUT_LAYOUT)),
        }
        if hp_user_width is not None:
            ports["hp_i"] = In(stream.Signature(hp_request_layout(hp_user_width)))
            ports["hp_o"] = Out(stream.Signature(hp_response_layout(hp_user_width)))
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        lanes = self.ghash_lanes
        m.submodules.aes = aes = self._aes
        m.submodules.ghash = gh = self._ghash
        ctx_layout = _ctx_layout(lanes)
        m.submodules.ctx = ctx = fifo.SyncFIFOBuffered(width=ctx_layout.size, depth=self.CTX_DEPTH)
        out_layout = data.StructLayout({"data": 128, "tag": 1})
        m.submodules.ofifo = ofifo = fifo.SyncFIFOBuffered(
            width=out_layout.size, depth=self.OUT_DEPTH
        )
        m.submodules.hfifo = hfifo = fifo.SyncFIFOBuffered(width=128, depth=4)

        self._front_end(m, aes, ctx, ctx_layout)
        self._back_end(m, aes, gh, ctx, ctx_layout, ofifo, out_layout)

        # GHASH results -> hash FIFO (cuts the output ready path from the pipelines).
        m.d.comb += [
            hfifo.w_en.eq(gh.o.valid),
            hfifo.w_data.eq(gh.o.payload.hash),
            gh.o.ready.eq(hfifo.w_rdy),
        ]

        # Output register: ciphertext beats, and tags when the hash is there.
        head = data.View(out_layout, ofifo.r_data)
        load = Signal()
        head_ok = ofifo.r_rdy & (~head.tag | hfifo.r_rdy)
        m.d.comb += [
            load.eq(~self.o.valid | self.o.ready),
            ofifo.r_en.eq(load & head_ok),
            hfifo.r_en.eq(load & head_ok & head.tag),
        ]
        with m.If(load):
            m.d.sync += [
                self.o.valid.eq(head_ok),
                self.o.payload.data.eq(head.data ^ Mux(head.tag, hfifo.r_data, 0)),
                self.o.payload.tag.eq(head.tag),
                self.o.payload.last.eq(head.tag),
            ]
        return m

    def _front_end(self, m, aes, ctx, ctx_layout):
        """Commands and beats -> AES slots (block, key, user)."""
        lanes = self.ghash_lanes
        cmd = self.cmd.payload

        # Holding register for the next packet's command, block counts precomputed.
        nxt_valid = Signal()
        nxt = {
            "key": Signal(256, reset_less=True),
            "aes256": Signal(reset_less=True),
            "iv": Signal(96, reset_less=True),
            "n_aad": Signal(_BLK_BITS, reset_less=True),
            "n_pt": Signal(_BLK_BITS, reset_less=True),
            "aad_tail": Signal(4, reset_less=True),
            "pt_tail": Signal(4, reset_less=True),
        }
        # The packet being sliced into slots (after its first slot).
        busy = Signal()
        cur_key = Signal(256, reset_less=True)
        cur_aes256 = Signal(reset_less=True)
        cur_iv = Signal(96, reset_less=True)
        aad_left = Signal(_BLK_BITS, reset_less=True)  # AAD slots still to issue
        pt_left = Signal(_BLK_BITS, reset_less=True)  # plaintext slots still to issue
        aad_tail = Signal(4, reset_less=True)
        pt_tail = Signal(4, reset_less=True)
        ctr = Signal(_BLK_BITS + 1, reset_less=True)  # counter of the next plaintext slot

        user = Signal(self._user)
        block = Signal(128)
        valid = Signal()
        takes_beat = Signal()
        last = Signal()
        aad_after = Signal(_BLK_BITS)
        pt_after = Signal(_BLK_BITS)
        is_aad = Signal()
        is_pt = Signal()
        n_bytes = Signal(5)

        def tail_bytes(tail):
            return Mux(tail == 0, 16, tail)

        # A header-protection request takes the slot at a packet boundary (ahead of the next
        # packet's first slot: at the output it lines up with the length block's GHASH cycle,
        # which has no AES slot) or in a cycle where the packet being sliced has no beat.
        hp_sel = Signal()
        hp_at_boundary = Signal()
        if self.hp_user_width is not None:
            m.d.comb += [
                hp_at_boundary.eq(self.hp_i.valid & ~busy),
                hp_sel.eq(hp_at_boundary | (self.hp_i.valid & ~self.i.valid)),
                self.hp_i.ready.eq(aes.i.ready & hp_sel),
            ]

        with m.If(busy):
            m.d.comb += [
                is_aad.eq(aad_left != 0),
                is_pt.eq(aad_left == 0),
                takes_beat.eq(1),
                valid.eq(self.i.valid),
                block.eq(Cat(cur_iv, _be32(ctr))),
                aad_after.eq(Mux(is_aad, aad_left - 1, 0)),
                pt_after.eq(Mux(is_aad, pt_left, pt_left - 1)),
                last.eq((aad_after == 0) & (pt_after == 0)),
            ]
            with m.If(is_aad):
                m.d.comb += n_bytes.eq(Mux(aad_left == 1, tail_bytes(aad_tail), 16))
            with m.Else():
                m.d.comb += n_bytes.eq(Mux(pt_left == 1, tail_bytes(pt_tail), 16))
            m.d.comb += [
                aes.i.payload.key.eq(cur_key),
                aes.i.payload.aes256.eq(cur_aes256),
            ]
        with m.Else():
            # First slot: E(K, J0), with the first AAD beat if there is one.
            has_aad = nxt["n_aad"] != 0
            m.d.comb += [
                is_aad.eq(has_aad),
                is_pt.eq(0),
                takes_beat.eq(has_aad),
                valid.eq(nxt_valid & (~has_aad | self.i.valid)),
                block.eq(Cat(nxt["iv"], _be32(1))),
                aad_after.eq(Mux(has_aad, nxt["n_aad"] - 1, 0)),
                pt_after.eq(nxt["n_pt"]),
                last.eq((aad_after == 0) & (pt_after == 0)),
                n_bytes.eq(Mux(nxt["n_aad"] == 1, tail_bytes(nxt["aad_tail"]), 16)),
                aes.i.payload.key.eq(nxt["key"]),
                aes.i.payload.aes256.eq(nxt["aes256"]),
            ]
        rem = Signal(_BLK_BITS + 1)
        m.d.comb += rem.eq(aad_after + pt_after + 1)  # + 1: the length block
        m.d.comb += [
            user.data.eq(self.i.payload.data),
            user.j0.eq(~busy),
            user.aad.eq(is_aad),
            user.pt.eq(is_pt),
            user.last.eq(last),
            user.n_bytes.eq(n_bytes),
            user.rem.eq(Mux(rem >= lanes, lanes, rem)),
            aes.i.payload.block.eq(block),
            aes.i.payload.user.eq(user),
            aes.i.valid.eq(valid | hp_sel),
        ]
        if self.hp_user_width is not None:
            hp = self.hp_i.payload
            hp_user = Signal(self._user)  # all flags clear but hp: no J0, nothing to hash
            m.d.comb += [hp_user.hp.eq(1), hp_user.data.eq(hp.user)]
            with m.If(hp_sel):
                m.d.comb += [
                    aes.i.payload.block.eq(hp.sample),
                    aes.i.payload.key.eq(hp.hp_key),
                    aes.i.payload.aes256.eq(hp.aes256),
                    aes.i.payload.user.eq(hp_user),
                ]
        fire = Signal()
        start = Signal()
        m.d.comb += [
            fire.eq(valid & aes.i.ready & ~hp_sel),
            start.eq(fire & ~busy),
            # Not from hp_sel: that would make ready depend on i.valid (in a busy cycle the
            # request only goes when there is no beat, so i.ready does not matter then).
            self.i.ready.eq(aes.i.ready & takes_beat & (busy | nxt_valid) & ~hp_at_boundary),
        ]
        with m.If(fire):
            m.d.sync += [
                busy.eq(~last),
                aad_left.eq(aad_after),
                pt_left.eq(pt_after),
            ]
            with m.If(is_pt):
                m.d.sync += ctr.eq(ctr + 1)
        with m.If(start):
            m.d.sync += [
                cur_key.eq(nxt["key"]),
                cur_aes256.eq(nxt["aes256"]),
                cur_iv.eq(nxt["iv"]),
                aad_tail.eq(nxt["aad_tail"]),
                pt_tail.eq(nxt["pt_tail"]),
                ctr.eq(2),  # inc32(J0): the first counter block (SP 800-38D §7.1 step 3)
                nxt_valid.eq(0),
            ]

        # Commands: into the holding register; the context goes to the hashing side.
        accept = Signal()
        m.d.comb += [
            self.cmd.ready.eq(ctx.w_rdy & (~nxt_valid | start)),
            accept.eq(self.cmd.valid & self.cmd.ready),
        ]
        ctx_in = Signal(ctx_layout)
        m.d.comb += [
            ctx_in.h_powers.eq(cmd.h_powers),
            ctx_in.aad_len.eq(cmd.aad_len),
            ctx_in.pt_len.eq(cmd.pt_len),
            ctx.w_data.eq(ctx_in),
            ctx.w_en.eq(accept),
        ]
        with m.If(accept):
            m.d.sync += [
                nxt_valid.eq(1),
                nxt["key"].eq(cmd.key),
                nxt["aes256"].eq(cmd.aes256),
                nxt["iv"].eq(cmd.iv),
                nxt["n_aad"].eq((cmd.aad_len + 15) >> 4),
                nxt["n_pt"].eq((cmd.pt_len + 15) >> 4),
                nxt["aad_tail"].eq(cmd.aad_len[:4]),
                nxt["pt_tail"].eq(cmd.pt_len[:4]),
            ]

    def _back_end(self, m, aes, gh, ctx, ctx_layout, ofifo, out_layout):
        """AES slots -> ciphertext beats, GHASH blocks, tag placeholders."""
        slot = data.View(self._user, aes.o.payload.user)
        head = data.View(ctx_layout, ctx.r_data)  # the context of the packet being hashed

        pend_len = Signal()  # the packet's last slot is out: its length block is next
        ek0 = Signal(128, reset_less=True)  # E(K, J0) of the packet being hashed
        gh_first = Signal(init=1)  # the next GHASH block is its packet's first

        # GHASH's input is driven directly (it registers its input itself); its valid does
        # not depend on its ready: ``room`` is FIFO state only.
        room = Signal()
        hashed = Signal()  # the slot at the pipeline output has a block to hash
        j0_only = Signal()
        len_issue = Signal()
        take = Signal()
        m.d.comb += [
            room.eq(ofifo.w_rdy & ctx.r_rdy),
            hashed.eq(slot.aad | slot.pt),
            j0_only.eq(slot.j0 & ~slot.aad),
            gh.i.valid.eq(room & (pend_len | (aes.o.valid & hashed))),
            len_issue.eq(room & pend_len & gh.i.ready),
            # A J0-only slot needs no GHASH cycle: it goes with a pending length block.
            take.eq(
                room
                & aes.o.valid
                & ~slot.hp
                & Mux(pend_len, j0_only & gh.i.ready, ~hashed | gh.i.ready)
            ),
        ]
        if self.hp_user_width is None:
            m.d.comb += aes.o.ready.eq(take)
        else:
            # A header-protection slot leaves on its own port, independent of the hashing
            # side (its GHASH cycle, if any, goes to a pending length block).
            take_hp = Signal()
            m.d.comb += [
                self.hp_o.valid.eq(aes.o.valid & slot.hp),
                self.hp_o.payload.mask.eq(aes.o.payload.block[:40]),
                self.hp_o.payload.user.eq(slot.data[: self.hp_user_width]),
                take_hp.eq(self.hp_o.valid & self.hp_o.ready),
                aes.o.ready.eq(take | take_hp),
            ]

        mask = Signal(128)
        masked = Signal(128)
        m.d.comb += [
            mask.eq(_byte_mask(slot.n_bytes)),
            masked.eq((slot.data ^ Mux(slot.pt, aes.o.payload.block, 0)) & mask),
        ]
        len_block = Cat(_be64_bits(head.aad_len), _be64_bits(head.pt_len))
        m.d.comb += [
            gh.i.payload.block.eq(Mux(pend_len, len_block, masked)),
            gh.i.payload.h_powers.eq(head.h_powers),
            gh.i.payload.first.eq(gh_first),
            gh.i.payload.remaining.eq(Mux(pend_len, 0, slot.rem)),
        ]
        with m.If(gh.i.valid & gh.i.ready):
            m.d.sync += gh_first.eq(pend_len)
        with m.If(len_issue):
            m.d.sync += pend_len.eq(0)
        with m.If(take):
            with m.If(slot.j0):
                m.d.sync += ek0.eq(aes.o.payload.block)
            with m.If(slot.last):
                m.d.sync += pend_len.eq(1)

        # Output FIFO: ciphertext beats and, behind them, the tag placeholder carrying E(K, J0).
        entry = Signal(out_layout)
        m.d.comb += [
            entry.data.eq(Mux(len_issue, ek0, masked)),
            entry.tag.eq(len_issue),
            ofifo.w_data.eq(entry),
            ofifo.w_en.eq(len_issue | (take & slot.pt)),
            ctx.r_en.eq(len_issue),
        ]
