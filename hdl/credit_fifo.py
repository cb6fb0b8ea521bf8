"""A FIFO for credit-based flow control: its write side never waits, so it has no ready."""

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

__all__ = ["CreditFIFO"]


class CreditFIFO(wiring.Component):
    """First in, first out, for a writer that holds one credit per entry.

    Ports: ``w``, a stream of ``width`` bits with no ``ready`` (``always_ready``: every cycle
    with ``w.valid`` writes); ``r``, a stream of ``width`` bits (``r.payload`` and ``r.valid``
    are registers).

    Parameters (keyword-only): ``width`` (bits, >= 1), ``depth`` (entries, >= 2: ``depth - 1``
    in memory, one in the output register), ``slices`` (default 1, at most ``width`` and
    ``depth - 1``): the memory as that many memories side by side, each a slice of the bits
    with its own copy of the read and write pointers (see below).

    **Contract**: at most ``depth`` items are in the FIFO at any time, i.e. the writer keeps
    a count of items written and not yet read (each read returns a credit) and writes only
    below ``depth``. A write beyond that overwrites unread data: the FIFO does not check, which
    is the point (see below). **Latency** 2 cycles from a write into an empty FIFO to
    ``r.valid``. **Throughput** one item per cycle in and out.

    Why not ``amaranth.lib.fifo.SyncFIFOBuffered``: it gates every write with its fill level
    (``w_rdy``), which the credits make redundant, and that loop (level -> ``w_rdy & w_en``
    -> level, with the write enable fanned out to every distributed-RAM cell) was the critical
    path of ``AESPipeline(flow="credit")`` on ECP5 (132 MHz). Here the memory's write enable
    is ``w.valid`` itself, the write pointer depends on nothing else, and the read side
    compares two pointer registers; the output register loads whenever it is free (its data
    are don't-care while ``r.valid`` is low), so its enable does not wait for the compare.

    **Slices.** A wide FIFO's distributed RAM spreads over a large area, and one pointer
    register cannot be near all of it: with one slice, the AES pipeline's 128-bit FIFO had
    2.2-2.4 ns routes from the read pointer and from the write enable to far RAM cells, its
    critical paths at 194-200 MHz. Each slice therefore counts its own pointers, ``slices``
    copies next to their memories. Slice ``k``'s pointers are the FIFO's pointers rotated by
    ``k`` (``(addr + k) mod (depth - 1)``, reset to ``k``): slice ``k`` stores entry ``a`` at
    ``a + k``, the counters are plain wrap-around counters all the same, and their different
    reset values keep yosys from merging them into one (``opt_merge`` merges flip-flops only
    when their inputs, reset values and initial values agree). Slice 0's pointers also give
    the fill compare.
    """

    def __init__(self, *, width, depth, slices=1):
        for name, value, minimum in (
            ("width", width, 1), ("depth", depth, 2), ("slices", slices, 1)
        ):  # fmt: skip
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, not {value!r}")
            if value < minimum:
                raise ValueError(f"{name} must be >= {minimum}, not {value!r}")
        if slices > min(width, depth - 1):
            raise ValueError(
                f"slices must be at most width ({width}) and depth - 1 ({depth - 1}), not {slices}"
            )
        self.width = width
        self.depth = depth
        self.slices = slices
        super().__init__(
            {
                "w": In(stream.Signature(width, always_ready=True)),
                "r": Out(stream.Signature(width)),
            }
        )

    def elaborate(self, platform):
        m = Module()
        entries = self.depth - 1

        def advance(addr):
            """``addr`` one entry on, wrapping after ``entries - 1``."""
            return addr.eq(Mux(addr == entries - 1, 0, addr + 1))

        # Slices: bits [bounds[k], bounds[k + 1]) of every entry, with pointers rotated by k.
        bounds = [self.width * k // self.slices for k in range(self.slices + 1)]
        write = self.w.valid
        free = ~self.r.valid | self.r.ready
        raddrs, waddrs, heads = [], [], []
        for k in range(self.slices):
            # Distributed (LUT) RAM: the output register below is a synchronous read to
            # yosys, which then put the engine's wide FIFO into 8 block RAMs (211 of the
            # part's 208).
            mem = Memory(
                shape=bounds[k + 1] - bounds[k], depth=entries, init=[],
                attrs={"ram_style": "distributed"},
            )  # fmt: skip
            m.submodules[f"mem{k}"] = mem
            wport = mem.write_port()
            rport = mem.read_port(domain="comb")
            waddr = Signal(range(entries), name=f"waddr{k}", init=k)
            raddr = Signal(range(entries), name=f"raddr{k}", init=k)
            m.d.comb += [
                wport.addr.eq(waddr),
                wport.data.eq(self.w.payload[bounds[k] : bounds[k + 1]]),
                wport.en.eq(write),
                rport.addr.eq(raddr),
            ]
            with m.If(write):
                m.d.sync += advance(waddr)
            waddrs.append(waddr)
            raddrs.append(raddr)
            heads.append(rport.data)

        # Laps flip when slice 0's pointers wrap: equal pointers with equal laps mean empty.
        wlap, rlap = Signal(), Signal()
        with m.If(write & (waddrs[0] == entries - 1)):
            m.d.sync += wlap.eq(~wlap)

        # The output register takes the head whenever it is free; it becomes valid only when
        # the memory held something (the pointers differ).
        stored = (waddrs[0] != raddrs[0]) | (wlap != rlap)
        payload = Signal(self.width)
        m.d.comb += self.r.payload.eq(payload)
        with m.If(free):
            m.d.sync += [payload.eq(Cat(*heads)), self.r.valid.eq(stored)]
            with m.If(stored):
                m.d.sync += [advance(raddr) for raddr in raddrs]
                with m.If(raddrs[0] == entries - 1):
                    m.d.sync += rlap.eq(~rlap)
        return m
