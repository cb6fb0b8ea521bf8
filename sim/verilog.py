"""Amaranth -> Verilog for the simulators and synthesis, cached in ``build/verilog/``.

``generate(name, factory)`` writes ``build/verilog/<name>.v`` (top module ``<name>``) from the
component ``factory()`` returns, and regenerates it only when the design may have changed: the
cache key hashes the repository source files the factory's module imports (transitively,
found statically, e.g. ``hdl/aes_gcm.py`` -> ``hdl/ghash.py`` -> ``hdl/gf128.py``), this
module, the Amaranth version, the name and a description of the factory (edits to unrelated
``hdl/`` files do not regenerate: some designs take minutes to convert). ``name`` must
identify one design configuration (e.g. ``aes_pipeline_spr2``). The file is replaced
atomically and only when its text changes, so the simulators' own up-to-date checks (file
times) stay valid.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import os
import re
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build"
VERILOG_DIR = BUILD / "verilog"

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def describe_factory(factory: Callable[[], object]) -> str:
    """A stable text naming what ``factory`` builds (function + bound arguments)."""
    if isinstance(factory, functools.partial):
        args = ", ".join(
            [repr(a) for a in factory.args]
            + [f"{k}={v!r}" for k, v in sorted(factory.keywords.items())]
        )
        return f"{describe_factory(factory.func)}({args})"
    module = getattr(factory, "__module__", "?")
    qualname = getattr(factory, "__qualname__", type(factory).__qualname__)
    text = f"{module}.{qualname}"
    code = getattr(factory, "__code__", None)
    if code is not None:  # a plain function or lambda: its body and constants count too
        text += f"[{hashlib.sha256(code.co_code).hexdigest()[:16]}{code.co_consts!r}]"
        defaults = getattr(factory, "__defaults__", None)
        if defaults:
            text += repr(defaults)
    return text


def _factory_modules(factory: object, seen: set[int] | None = None) -> set[str]:
    """Modules that define ``factory`` and the callables it closes over or binds."""
    seen = set() if seen is None else seen
    if id(factory) in seen:
        return set()
    seen.add(id(factory))
    if isinstance(factory, functools.partial):
        mods = _factory_modules(factory.func, seen)
        for value in [*factory.args, *factory.keywords.values()]:
            if callable(value):
                mods |= _factory_modules(value, seen)
        return mods
    mods = {getattr(factory, "__module__", None) or ""} - {""}
    for cell in getattr(factory, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # empty cell
            continue
        if callable(value):
            mods |= _factory_modules(value, seen)
    return mods


def _module_file(name: str) -> Path | None:
    """The source file of module ``name`` if it lives in this repository."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    path = Path(spec.origin).resolve()
    return path if REPO in path.parents and ".venv" not in path.parts else None


def source_dependencies(factory: Callable[[], object]) -> list[Path]:
    """Repository ``.py`` files the design may depend on: the factory's modules and,
    transitively, every repository module they import (anywhere in the file, so imports
    inside functions count too). Static (``ast``), nothing is imported."""
    todo = sorted(_factory_modules(factory))
    files: dict[str, Path] = {}
    while todo:
        name = todo.pop()
        if name in files:
            continue
        path = _module_file(name)
        if path is None:
            continue
        files[name] = path
        parts = name.split(".")
        package = parts if path.name == "__init__.py" else parts[:-1]
        if len(parts) > 1:
            todo.append(".".join(parts[:-1]))  # the package's __init__
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                mod = ".".join([*base, *([node.module] if node.module else [])])
                if mod:
                    todo.append(mod)
                    todo += [f"{mod}.{alias.name}" for alias in node.names]
    return sorted(set(files.values()) | {Path(__file__).resolve()})


def design_hash(name: str, factory: Callable[[], object]) -> str:
    """The cache key of ``name``/``factory`` (see module docstring)."""
    import amaranth

    h = hashlib.sha256()
    h.update(f"{name}\0{describe_factory(factory)}\0{amaranth.__version__}\0".encode())
    for path in source_dependencies(factory):
        h.update(str(path.relative_to(REPO)).encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def _write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text() == text:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def generate(name: str, factory: Callable[[], object], *, force: bool = False) -> Path:
    """Path of ``build/verilog/<name>.v`` for the component ``factory()`` builds.

    The top module is called ``name``; its ports follow Amaranth's flattening (``clk``, ``rst``,
    ``i__payload``, ``i__valid``, ``i__ready``, ...).
    """
    from amaranth.back import verilog

    if not _NAME_RE.match(name):
        raise ValueError(f"design name {name!r} must be a Verilog identifier")
    VERILOG_DIR.mkdir(parents=True, exist_ok=True)
    out = VERILOG_DIR / f"{name}.v"
    stamp = VERILOG_DIR / f"{name}.hash"
    key = design_hash(name, factory)
    if not force and out.exists() and stamp.exists() and stamp.read_text().strip() == key:
        return out
    component = factory()
    text = verilog.convert(component, name=name)
    _write_if_changed(out, text)
    _write_if_changed(stamp, key + "\n")
    return out
