"""A FIFO for credit-based flow control: its write side never waits, so it has no ready."""

from amaranth.hdl import Module, Mux, Signal
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
    in memory, one in the output register).

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
    """

    def __init__(self, *, width, depth):
        for name, value, minimum in (("width", width, 1), ("depth", depth, 2)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, not {value!r}")
            if value < minimum:
                raise ValueError(f"{name} must be >= {minimum}, not {value!r}")
        self.width = width
        self.depth = depth
        super().__init__(
            {
                "w": In(stream.Signature(width, always_ready=True)),
                "r": Out(stream.Signature(width)),
            }
        )

    def elaborate(self, platform):
        m = Module()
        entries = self.depth - 1
        # Distributed (LUT) RAM: the output register below is a synchronous read to yosys,
        # which then put the engine's wide FIFO into 8 block RAMs (211 of the part's 208).
        m.submodules.mem = mem = Memory(
            shape=self.width, depth=entries, init=[], attrs={"ram_style": "distributed"}
        )
        wport = mem.write_port()
        rport = mem.read_port(domain="comb")

        def advance(addr, lap):
            """The pointer ``(addr, lap)`` one entry on: ``lap`` flips at each wrap."""
            wrap = addr == entries - 1
            return [addr.eq(Mux(wrap, 0, addr + 1)), lap.eq(lap ^ wrap)]

        waddr, wlap = Signal(range(entries)), Signal()
        raddr, rlap = Signal(range(entries)), Signal()
        m.d.comb += [
            wport.addr.eq(waddr),
            wport.data.eq(self.w.payload),
            wport.en.eq(self.w.valid),
            rport.addr.eq(raddr),
        ]
        with m.If(self.w.valid):
            m.d.sync += advance(waddr, wlap)

        # The output register takes the head whenever it is free; it becomes valid only when
        # the memory held something (the pointers differ).
        free = ~self.r.valid | self.r.ready
        stored = (waddr != raddr) | (wlap != rlap)
        payload = Signal(self.width)
        m.d.comb += self.r.payload.eq(payload)
        with m.If(free):
            m.d.sync += [payload.eq(rport.data), self.r.valid.eq(stored)]
            with m.If(stored):
                m.d.sync += advance(raddr, rlap)
        return m
