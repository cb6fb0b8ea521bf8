# QUIC Tx offload: golden model, Amaranth engine, cocotb benches.
# `make sim` and `make test` set everything up on a fresh clone by themselves.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
BUILD  ?= build

# Trace, simulator and waveform switch for `make sim` (see README).
TRACE ?= model/examples/example.jsonl
SIM   ?= icarus
WAVES ?=

.PHONY: all setup iverilog test sim model-replay verilog lint format clean distclean help
.DEFAULT_GOAL := help

help:
	@echo "make sim      replay TRACE=$(TRACE) through model and engine (SIM=icarus|verilator, WAVES=1)"
	@echo "make verilog  write the engine's Verilog top to $(BUILD)/verilog/"
	@echo "make test     run the whole test suite (sets everything up first)"
	@echo "make lint     ruff check + format check"
	@echo "make model-replay  the trace through the golden model alone"
	@echo "make bench / bench-cores    engine / AES-GCM core throughput (Verilator) -> build/bench/"
	@echo "make synth-cores / synth-engine / board   ECP5 estimates with the open tools -> build/synth/"
	@echo "make clean    remove build/ and caches (make distclean also removes $(VENV))"

# The venv: created and filled from pyproject.toml; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: python3 not found (Python 3.11 is required)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

# Icarus Verilog comes from the OS: installed with apt-get when missing and we are root.
iverilog:
	@if ! command -v iverilog >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing iverilog with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iverilog >/dev/null; \
	  else \
	    echo "error: Icarus Verilog (iverilog) is not installed."; \
	    echo "       Install it with:  sudo apt-get install -y iverilog   (Debian/Ubuntu)"; \
	    exit 1; \
	  fi; \
	fi

setup: $(STAMP) iverilog

test: setup
	$(PY) -m pytest

# The main job: the trace through the golden model and the engine, compared, with a report
# (also written to $(BUILD)/sim/). Exits non-zero on any mismatch.
sim: setup
	$(PY) -m sim compare $(TRACE) --sim $(SIM) $(if $(WAVES),--waves)

# The golden model alone.
model-replay: setup
	$(PY) -m model replay $(TRACE) --report

verilog: $(STAMP)
	$(PY) -m hdl verilog -o $(BUILD)/verilog

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(BUILD) .pytest_cache .ruff_cache .hypothesis sim_build
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info

# Core benchmark (Verilator) and FPGA estimates (yowasp, ECP5-85F); not part of `make test`.
.PHONY: bench bench-cores synth-cores synth-engine board
# Engine throughput on Verilator: build/bench/engine.json (+ engine.png).
bench: setup
	$(PY) -m sim.bench_engine

bench-cores: setup
	$(PY) -m sim.bench_cores

synth-cores: setup
	$(PY) -m pip install --quiet -e '.[synth]'
	$(PY) -m sim.synth

# The whole engine on ECP5-85F (yosys + nextpnr router1): build/synth/engine.json. Slow (over an hour).
synth-engine: setup
	$(PY) -m pip install --quiet -e '.[synth]'
	$(PY) -m sim.synth_engine synth

# The engine as a ULX3S-85F bitstream through amaranth-boards, as far as the open tools go.
board: setup
	$(PY) -m pip install --quiet -e '.[synth]'
	$(PY) -m sim.synth_engine board
