"""``python -m hdl verilog [-o DIR]``: write the engine's Verilog top for FPGA flows.

Writes ``quic_tx_engine_axi.v`` (module ``quic_tx_engine_axi``, AXI4-Stream port names, see
``hdl/axi_top.py``) with the default parameters, or those given as options.
"""

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hdl", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("verilog", help="write the engine's Verilog top")
    p.add_argument("-o", "--output-dir", default="build/verilog")
    p.add_argument("--entries", type=int, default=256, help="key-table entries")
    p.add_argument("--ghash-lanes", type=int, default=4, choices=(1, 2, 4))
    p.add_argument("--stages-per-round", type=int, default=2, choices=(1, 2))
    p.add_argument("--n-buffers", type=int, default=16, choices=(2, 4, 8, 16))
    p.add_argument("--max-datagram", type=int, default=2048)
    args = parser.parse_args(argv)

    from amaranth.back import verilog

    from hdl.axi_top import QuicTxEngineAXI

    try:
        top = QuicTxEngineAXI(
            entries=args.entries,
            ghash_lanes=args.ghash_lanes,
            stages_per_round=args.stages_per_round,
            n_buffers=args.n_buffers,
            max_datagram=args.max_datagram,
        )
    except (TypeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "quic_tx_engine_axi.v"
    path.write_text(verilog.convert(top, name="quic_tx_engine_axi"))
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
