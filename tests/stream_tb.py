"""Amaranth-simulator driver shared by the core tests: a stream in, a stream out."""

from amaranth.hdl import ClockDomain, Module
from amaranth.sim import Simulator


def run_stream(
    dut, inputs, *, rng, idle=0.0, ready=1.0, max_cycles=5000, ready_from_registers=False
):
    """Drive ``inputs`` (payload dicts) into ``dut.i`` and collect ``dut.o``.

    Each cycle an input is offered with probability ``1 - idle`` (and held until accepted, as
    the stream rules require) and ``o.ready`` is high with probability ``ready``. Also checks
    that the DUT holds ``o`` stable while it is stalled. With ``ready_from_registers``, every
    cycle also drives ``o.ready`` low then high before its real value and checks that
    ``i.ready`` does not follow it (no combinational path ``o.ready`` -> ``i.ready``).
    ``ready`` may be a function of the cycle number returning the probability. Returns
    ``(accepted, outputs)``: accept cycles, and ``(payload, cycle)`` for each output transfer.
    """
    accepted, outputs = [], []

    async def tb(ctx):
        pending = list(inputs)
        current = None
        stalled = None  # the output payload offered but not taken last cycle
        for cycle in range(max_cycles):
            if len(outputs) == len(inputs):
                return
            if current is None and pending and rng.random() >= idle:
                current = pending.pop(0)
            ctx.set(dut.i.valid, current is not None)
            if current is not None:
                ctx.set(dut.i.payload, current)
            if ready_from_registers:
                seen = set()
                for probe in (0, 1, 0):
                    ctx.set(dut.o.ready, probe)
                    seen.add(ctx.get(dut.i.ready))
                assert len(seen) == 1, f"cycle {cycle}: i.ready follows o.ready"
            take = rng.random() < (ready(cycle) if callable(ready) else ready)
            ctx.set(dut.o.ready, take)
            *_, i_ready, o_valid, o_payload = await ctx.tick().sample(
                dut.i.ready, dut.o.valid, dut.o.payload
            )
            if stalled is not None:
                assert o_valid, f"cycle {cycle}: o.valid dropped while stalled"
                assert o_payload.as_value().value == stalled, f"cycle {cycle}: o changed in stall"
            if current is not None and i_ready:
                accepted.append(cycle)
                current = None
            if o_valid and take:
                outputs.append((o_payload, cycle))
            stalled = o_payload.as_value().value if o_valid and not take else None
        raise AssertionError(f"only {len(outputs)} of {len(inputs)} outputs in {max_cycles} cycles")

    # A combinational DUT has no clock of its own: the bench's cycles come from a domain
    # added around it.
    top = Module()
    top.submodules.dut = dut
    top.domains.sync = ClockDomain()
    sim = Simulator(top)
    sim.add_clock(1e-8)
    sim.add_testbench(tb)
    sim.run()
    return accepted, outputs
