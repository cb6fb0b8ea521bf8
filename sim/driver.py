"""The offload driver: the kernel's socket-level work in software, the crypto in the engine.

``OffloadSocket`` is the golden model's socket with its crypto step replaced, exactly what a
NIC driver for this engine would do inside the kernel series' ``sendmsg``:

* every socket-level check (cmsgs, flags, destination, flow lookup, gso, resource limits,
  segment lengths) stays the model's own code, run before anything reaches the hardware;
* ADD/DEL allocate and free key-table indices and become key-table writes (H powers are
  computed here, at install time); a table that is full leaves the flow to software;
* a send on a hardware flow becomes one descriptor (table index, ``next_pkt_num``, DCID
  length, gso) plus its bytes; the *engine* checks the key phase and slices the GSO batch;
* bypasses (long headers, the bypass flag, plain UDP) go through the engine's bypass path;
* flows whose cipher the engine lacks (ChaCha20-Poly1305, AES-128-CCM) fall back to the
  model's software crypto, and the result says so.

The engine runs in a simulator, so sends are collected while the trace is replayed and
resolved after one simulation run (:meth:`OffloadDriver.replay`); nothing a later operation
does depends on the engine's answer to an earlier send (only the error counter, fixed up when
the answers come back).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field

from hdl.gso_segmenter import Status
from model.flow_table import Flow, FlowTable
from model.packet_protection import min_short_packet_len
from model.socket import QuicTxSocket
from model.trace import Op, ReplayResult, replay
from sim.engine_io import HW_CIPHERS, Completion, EngineParams, KeyWrite, SendJob
from sim.engine_sim import EngineRun, run_engine

QUIC_TAG = 16


@dataclass
class PendingSegment:
    """A segment handed to the engine; ``data`` is the plaintext."""

    flow: Flow
    data: bytes
    dcid_len: int
    next_pkt_num: int


@dataclass
class PendingSend:
    """A send waiting for the engine: where its answer goes in the replay result."""

    job: SendJob
    counters: object
    completion: Completion | None = None
    datagrams: list[bytes] = field(default_factory=list)


class DriverState:
    """Key-table allocation and the op list for the engine, shared by the sockets of a trace."""

    def __init__(self, params: EngineParams):
        self.params = params
        self.ops: list[KeyWrite | SendJob] = []
        self.free = list(range(params.entries))
        self.index_of: dict[int, int] = {}  # id(Flow) -> table index
        self.pending: list[PendingSend] = []
        self.fallback_sends = 0  # sends encrypted by the software fallback
        self.hw_sends = 0
        self.bypass_sends = 0

    def install(self, flow: Flow) -> None:
        if flow.cipher.name not in HW_CIPHERS or not self.free:
            return  # software fallback (cipher not in hardware, or table full)
        index = self.free.pop(0)
        self.index_of[id(flow)] = index
        self.ops.append(
            KeyWrite.add(
                index,
                flow.cipher.name,
                flow.key_gen or 0,
                flow.payload_key,
                flow.payload_iv,
                flow.header_key,
            )
        )

    def remove(self, flow: Flow) -> None:
        index = self.index_of.pop(id(flow), None)
        if index is None:
            return
        self.ops.append(KeyWrite.delete(index))
        self.free.append(index)
        self.free.sort()

    def index(self, flow: Flow) -> int | None:
        return self.index_of.get(id(flow))


class OffloadFlowTable(FlowTable):
    """The model's flow table, mirrored into the engine's key table."""

    def __init__(self, abi: str, state: DriverState):
        super().__init__(abi)
        self.state = state

    def add(self, optval, optlen=None):
        flow = super().add(optval, optlen)
        self.state.install(flow)
        return flow

    def delete(self, optval, optlen=None):
        flow = super().delete(optval, optlen)
        self.state.remove(flow)
        return flow

    def clear(self) -> int:
        for flow in list(self):
            self.state.remove(flow)
        return super().clear()


class OffloadSocket(QuicTxSocket):
    """``QuicTxSocket`` whose crypto is the engine's (see the module docstring)."""

    def __init__(self, abi: str = "v4", *, state: DriverState, **kwargs):
        super().__init__(abi, **kwargs)
        self.state = state
        self.flows = OffloadFlowTable(abi, state)
        self._segments: list[PendingSegment] = []
        self._phase_error: str | None = None  # a key-phase mismatch the engine will report
        self._posted = False

    def _hw(self, flow: Flow) -> bool:
        return self.abi == "v4" and self.state.index(flow) is not None

    # The kernel checks the key phase before gso, resource limits and segment lengths. The
    # engine checks it too, and it is the engine's verdict the driver reports whenever the
    # send reaches the engine; when a later software check would stop the send first (or the
    # send falls back to software), the driver reports the key-phase error itself, so the
    # errno and the counters are the kernel's in every order of failures.

    def sendmsg(self, buffers, ancdata=(), flags: int = 0, address=None) -> int:
        self._phase_error = None
        self._posted = False
        ret = super().sendmsg(buffers, ancdata, flags, address)
        if self._phase_error is not None and not self._posted:
            self._fail_phase()  # e.g. gso < 16: the kernel fails on the key phase first
        return ret

    def _check_key_phase(self, flow: Flow, hdr: bytes) -> None:
        if not self._hw(flow):
            return super()._check_key_phase(flow, hdr)
        if ((hdr[0] >> 2) & 1) != flow.key_gen:
            self._phase_error = (
                f"key phase {(hdr[0] >> 2) & 1} != conn_payload_key_gen {flow.key_gen}"
            )

    def _fail_phase(self):
        detail, self._phase_error = self._phase_error, None
        super()._fail(errno.EINVAL, detail)

    def _fail(self, err: int, detail: str):
        if self._phase_error is not None:
            self._fail_phase()
        super()._fail(err, detail)

    def _protect(self, flow, seg, k, dcid_len, next_pkt_num):
        if not self._hw(flow):
            self.state.fallback_sends += k == 0
            return super()._protect(flow, seg, k, dcid_len, next_pkt_num)
        pn_len = (seg[0] & 3) + 1
        if len(seg) < min_short_packet_len(dcid_len, pn_len):
            # The model's own refusal (segment too short for its header or the HP sample).
            return super()._protect(flow, seg, k, dcid_len, next_pkt_num)
        if k == 0:
            self._segments = []
        self._segments.append(PendingSegment(flow, seg, dcid_len, next_pkt_num))
        return self._segments[-1]

    def _deliver(self, datagrams, dst, bypass, index):
        params = self.state.params
        if datagrams and all(isinstance(d, PendingSegment) for d in datagrams):
            first = datagrams[0]
            if len(first.data) + QUIC_TAG > params.max_datagram:
                # Larger than the engine's datagram buffers: software, as for other ciphers.
                if self._phase_error is not None:
                    self._fail_phase()
                self.state.fallback_sends += 1
                out = [
                    QuicTxSocket._protect(self, d.flow, d.data, k, d.dcid_len, d.next_pkt_num)
                    for k, d in enumerate(datagrams)
                ]
                return super()._deliver(out, dst, bypass, index)
            data = b"".join(d.data for d in datagrams)
            gso = len(first.data) + QUIC_TAG if len(datagrams) > 1 else 0
            job = SendJob(
                self.state.index(first.flow), first.next_pkt_num, first.dcid_len, gso, False, data
            )
            self.state.hw_sends += 1
            return self._post(job, dst, index)
        if bypass and datagrams and all(len(d) <= params.max_datagram for d in datagrams):
            data = b"".join(datagrams)
            gso = len(datagrams[0]) if len(datagrams) > 1 else 0
            if 0 < len(data):
                self.state.bypass_sends += 1
                return self._post(SendJob(0, 0, 0, gso, True, data), dst, index)
        return super()._deliver(datagrams, dst, bypass, index)

    def _post(self, job: SendJob, dst, index) -> None:
        self._posted = True
        pending = PendingSend(job, self.counters)
        self.state.pending.append(pending)
        self.state.ops.append(job)
        # A placeholder the driver resolves once the engine has answered.
        super()._deliver([pending], dst, job.bypass, index)


@dataclass
class DriverReport:
    result: ReplayResult
    run: EngineRun | None
    hw_sends: int
    bypass_sends: int
    fallback_sends: int
    hw_errors: dict[str, int]


class OffloadDriver:
    """Replays a trace through the driver and the simulated engine."""

    def __init__(
        self,
        *,
        sim: str = "icarus",
        params: EngineParams | None = None,
        seed: int = 1,
        idle_prob: float = 0.0,
        backpressure_prob: float = 0.0,
        waves: bool = False,
    ):
        self.sim = sim
        self.params = params or EngineParams()
        self.seed = seed
        self.idle_prob = idle_prob
        self.backpressure_prob = backpressure_prob
        self.waves = waves

    def replay(self, ops: list[Op], label: str = "trace", progress=None) -> DriverReport:
        state = DriverState(self.params)

        def factory(abi, **kwargs):
            return OffloadSocket(abi, state=state, **kwargs)

        result = replay(ops, socket_factory=factory)
        run = None
        hw_errors: dict[str, int] = {}
        if state.pending:
            run = run_engine(
                state.ops,
                sim=self.sim,
                params=self.params,
                seed=self.seed,
                idle_prob=self.idle_prob,
                backpressure_prob=self.backpressure_prob,
                waves=self.waves,
                label=label,
                progress=progress,
            )
            completions = run.completions
            if len(completions) != len(state.pending):
                raise RuntimeError(
                    f"{len(state.pending)} sends posted, {len(completions)} completions"
                )
            pos = 0
            for pending, cpl in zip(state.pending, completions, strict=True):
                pending.completion = cpl
                pending.datagrams = [d for d, _ in run.datagrams[pos : pos + cpl.datagrams]]
                pos += cpl.datagrams
            self._resolve(result, hw_errors)
        return DriverReport(
            result, run, state.hw_sends, state.bypass_sends, state.fallback_sends, hw_errors
        )

    @staticmethod
    def _resolve(result: ReplayResult, hw_errors: dict[str, int]) -> None:
        for res in result.results:
            if not res.datagrams or not isinstance(res.datagrams[0], PendingSend):
                continue
            pending: PendingSend = res.datagrams[0]
            cpl = pending.completion
            if cpl.status == Status.OK:
                res.datagrams = pending.datagrams
                continue
            # The engine dropped the send: the kernel's -EINVAL, counted as an error.
            hw_errors[cpl.status.name] = hw_errors.get(cpl.status.name, 0) + 1
            res.errno = errno.errorcode[errno.EINVAL]
            res.detail = f"engine dropped the send: {cpl.status.name}"
            res.ret = None
            res.datagrams = None
            res.bypass = False
            pending.counters.error()
