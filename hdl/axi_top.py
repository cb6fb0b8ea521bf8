"""Verilog top of the engine with AXI4-Stream port names, for vendor flows and cocotb.

``make verilog`` writes it to ``build/verilog/quic_tx_engine_axi.v``.

Ports (all synchronous to ``clk``; ``rst`` is synchronous, active high):

========================  =====  ==========================================================
``s_axis_t*``             in     send bytes: ``tdata`` 128, ``tkeep`` 16 (contiguous from lane
                                 0), ``tvalid``, ``tready``, ``tlast`` (end of a send; the
                                 descriptor's length is authoritative), ``tuser`` (unused)
``m_axis_t*``             out    datagrams: ``tlast`` ends each datagram, ``tkeep`` contiguous,
                                 ``tuser`` = 1 for a bypass (unencrypted) datagram
``desc_tdata/tvalid/tready``  in  descriptors (``hdl.gso_segmenter.descriptor_layout``)
``ctl_tdata/tvalid/tready``   in  key-table writes (``hdl.key_table.write_layout``)
``cpl_tdata/tvalid/tready``   out completions (``hdl.gso_segmenter.COMPLETION_LAYOUT``)
``cnt_<name>``            out    32-bit counters (``hdl.tx_counters.COUNTER_NAMES``)
========================  =====  ==========================================================
"""

from amaranth.hdl import Const, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .quic_tx_engine import QuicTxEngine
from .tx_counters import COUNTER_NAMES


class QuicTxEngineAXI(wiring.Component):
    """:class:`QuicTxEngine` with flat AXI4-Stream-named ports (no logic of its own beyond
    ``tkeep`` <-> byte count conversion). Latency and throughput are the engine's."""

    def __init__(self, **engine_params):
        self.engine = QuicTxEngine(**engine_params)
        e = self.engine
        ports = {
            "s_axis_tdata": In(128),
            "s_axis_tkeep": In(16),
            "s_axis_tvalid": In(1),
            "s_axis_tready": Out(1),
            "s_axis_tlast": In(1),
            "s_axis_tuser": In(1),
            "m_axis_tdata": Out(128),
            "m_axis_tkeep": Out(16),
            "m_axis_tvalid": Out(1),
            "m_axis_tready": In(1),
            "m_axis_tlast": Out(1),
            "m_axis_tuser": Out(1),
            "desc_tdata": In(e.desc.payload.shape().size),
            "desc_tvalid": In(1),
            "desc_tready": Out(1),
            "ctl_tdata": In(e.ctl.payload.shape().size),
            "ctl_tvalid": In(1),
            "ctl_tready": Out(1),
            "cpl_tdata": Out(e.cpl.payload.shape().size),
            "cpl_tvalid": Out(1),
            "cpl_tready": In(1),
        }
        ports.update({f"cnt_{name}": Out(32) for name in COUNTER_NAMES})
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        m.submodules.engine = e = self.engine
        n_in = sum(self.s_axis_tkeep[k] for k in range(16))
        n_out = e.o.payload.n_bytes
        m.d.comb += [
            e.s.valid.eq(self.s_axis_tvalid),
            e.s.payload.data.eq(self.s_axis_tdata),
            e.s.payload.n_bytes.eq(n_in),
            e.s.payload.last.eq(self.s_axis_tlast),
            self.s_axis_tready.eq(e.s.ready),
            self.m_axis_tvalid.eq(e.o.valid),
            self.m_axis_tdata.eq(e.o.payload.data),
            self.m_axis_tkeep.eq(((Const(1, 17) << n_out) - 1)[:16]),
            self.m_axis_tlast.eq(e.o.payload.last),
            self.m_axis_tuser.eq(e.o.payload.bypass),
            e.o.ready.eq(self.m_axis_tready),
            e.desc.valid.eq(self.desc_tvalid),
            e.desc.payload.eq(self.desc_tdata),
            self.desc_tready.eq(e.desc.ready),
            e.ctl.valid.eq(self.ctl_tvalid),
            e.ctl.payload.eq(self.ctl_tdata),
            self.ctl_tready.eq(e.ctl.ready),
            self.cpl_tvalid.eq(e.cpl.valid),
            self.cpl_tdata.eq(e.cpl.payload),
            e.cpl.ready.eq(self.cpl_tready),
        ]
        for name in COUNTER_NAMES:
            m.d.comb += getattr(self, f"cnt_{name}").eq(getattr(e.counters, name))
        return m
