"""Bytecode shipped in the layers, so a cold start does not compile every module.

Lambda mounts layers read-only under /opt: without .pyc files every import compiles its
module from source, on every cold start (measured locally: about 600 ms of the API
function's 1 s). Timestamp-checked .pyc would not help either: CDK zips assets with a
fixed 1980 mtime, so Python would see every .pyc as stale. Hence hash-based, unchecked
.pyc (PEP 552): valid as long as the layer is, which is what a layer version is.
Compiled as if the files lived in /opt/python (tracebacks show Lambda's paths) and so
machine-independent: the same sources give the same asset hash anywhere.
"""

from __future__ import annotations

import compileall
import hashlib
import os
import py_compile
import shutil
import sys
import time
import warnings
from pathlib import Path

LAMBDA_PYTHON = (3, 11)  # the functions' runtime (constructs/layers.py RUNTIME)
LAYER_ROOT = "/opt/python"


def compile_layer(python_dir: Path) -> bool:
    """Write unchecked-hash .pyc beside every module under `python_dir` (a layer's
    `python/` folder). False (nothing written) when this interpreter's bytecode would not
    load in the runtime: Lambda then compiles from source, as before."""
    if sys.version_info[:2] != LAMBDA_PYTHON:
        warnings.warn(
            f"Python {sys.version_info[:2]} cannot write bytecode for the {LAMBDA_PYTHON} "
            "runtime: the layers ship sources only (slower cold starts)",
            stacklevel=2,
        )
        return False
    ok = compileall.compile_dir(
        str(python_dir),
        ddir=LAYER_ROOT,
        quiet=1,
        workers=0,  # every core
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not ok:
        raise RuntimeError(f"some modules under {python_dir} do not compile")
    return True


def compiled_copy(source: Path, build_root: Path) -> Path:
    """`source` (a layer folder holding `python/`) copied without local bytecode and
    compiled for Lambda, under `build_root/<hash of the sources>`: built once per content,
    reused by later synths, and never half-written (built aside, then renamed)."""
    files = sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes())
    target = build_root / digest.hexdigest()[:16]
    if target.is_dir():
        return target
    partial = build_root / f"{target.name}.{os.getpid()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source, partial, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    compile_layer(partial / "python")
    try:
        partial.rename(target)
    except OSError:  # another synth built the same content meanwhile
        shutil.rmtree(partial, ignore_errors=True)
    stale = time.time() - 3600  # earlier contents no synth is still zipping: keep it small
    for old in build_root.iterdir():
        if old != target and not old.name.endswith(".partial") and old.stat().st_mtime < stale:
            shutil.rmtree(old, ignore_errors=True)
    return target
