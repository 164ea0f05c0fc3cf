"""Content-hash cache of evidence results (``.kmrbf-cache/``).

A result is stored under a key that hashes everything it can depend on:

- the evidence identity (claim id, name, kind, role) and :attr:`Evidence.version`
  (by default a hash of the evidence function's source);
- the source files the evidence runs: its own module (and, for wrappers such as
  :func:`kmrbf.property.property_evidence`, the modules of the functions it
  closes over), the private helper modules ``kmrbf/claims/_*.py``,
  ``kmrbf/strategies.py``, ``kmrbf/property.py``, ``kmrbf/profiles.py``, and every
  source file of the ``kmrbf.numerics`` and ``kmrbf.theory`` packages;
- the run profile (all fields, the seed included);
- the Python version and the versions of the numerical libraries.

So editing one evidence module recomputes that module's evidence only; editing
the numerics recomputes everything.  Results with status ``error`` or
``skipped`` are never stored (they reflect the environment, not the code).
Figures a result references are copied into the cache entry and restored into
the output directory when missing there; if neither copy exists the result is
recomputed.  Every file is written atomically (temp file + :func:`os.replace`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .profiles import Profile
from .registry import (
    ClaimResult,
    Evidence,
    EvidenceResult,
    RunContext,
    aggregate_verdict,
    evidence_for,
    get_claim,
    run_evidence,
)

__all__ = ["ResultCache", "DEFAULT_CACHE_DIR", "run_claim_cached", "write_atomic", "source_digest"]

DEFAULT_CACHE_DIR = Path(".kmrbf-cache")
#: bump when the stored format or the key recipe changes
CACHE_FORMAT = 1
_NOT_CACHED = ("error", "skipped")
_LIBS = ("numpy", "scipy", "sympy", "mpmath", "hypothesis", "python-flint", "scikit-learn", "torch")


def _file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same directory and :func:`os.replace`.

    An interruption leaves either the old file or the new one, never a partial file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, _FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _hash_files(paths: Iterable[Path], h: Any) -> None:
    for p in sorted({Path(p).resolve() for p in paths}):
        try:
            data = p.read_bytes()
        except OSError:
            data = b"<unreadable>"
        h.update(p.name.encode() + b"\0" + hashlib.sha256(data).digest())


def _package_files(modname: str) -> list[Path]:
    """The ``.py`` files of a module or package, located without importing it."""
    try:
        spec = importlib.util.find_spec(modname)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations:
        return [p for d in spec.submodule_search_locations for p in Path(d).rglob("*.py")
                if "__pycache__" not in p.parts]
    return [Path(spec.origin)] if spec.origin and spec.origin.endswith(".py") else []


def _module_file(modname: str | None) -> Path | None:
    mod = sys.modules.get(modname or "")
    f = getattr(mod, "__file__", None)
    return Path(f) if f else None


def _functions_of(run: Callable[..., Any]) -> list[Callable[..., Any]]:
    """``run`` and the functions it closes over / wraps (one level deep)."""
    funcs = [run]
    wrapped = getattr(run, "__wrapped__", None)
    if callable(wrapped):
        funcs.append(wrapped)
    for cell in getattr(run, "__closure__", None) or ():
        try:
            v = cell.cell_contents
        except ValueError:
            continue
        if callable(v) and hasattr(v, "__module__") and hasattr(v, "__code__"):
            funcs.append(v)
    return funcs


_shared_digest: str | None = None


def source_digest(ev: Evidence) -> str:
    """Hash of the source files ``ev`` depends on (see the module docstring)."""
    global _shared_digest
    if _shared_digest is None:
        h = hashlib.sha256()
        shared: list[Path] = []
        for m in ("kmrbf.strategies", "kmrbf.property", "kmrbf.profiles"):
            shared += _package_files(m)
        claims_dir = Path(__file__).parent / "claims"
        shared += [p for p in claims_dir.glob("_*.py") if p.name != "__init__.py"]
        for pkg in ("kmrbf.numerics", "kmrbf.theory"):
            shared += _package_files(pkg)
        _hash_files(shared, h)
        h.update(f"python {sys.version_info[:2]}".encode())
        for lib in _LIBS:
            try:
                h.update(f"{lib} {importlib.metadata.version(lib)}".encode())
            except importlib.metadata.PackageNotFoundError:
                h.update(f"{lib} absent".encode())
        _shared_digest = h.hexdigest()
    h = hashlib.sha256(_shared_digest.encode())
    own = [_module_file(getattr(f, "__module__", None)) for f in _functions_of(ev.run)]
    _hash_files([p for p in own if p is not None], h)
    return h.hexdigest()


@dataclass
class ResultCache:
    """Evidence results on disk, keyed by content hash.

    Parameters
    ----------
    root : Path
        Cache directory (default ``.kmrbf-cache``).
    read : bool
        ``False`` ignores stored results (``kmrbf report --fresh``) but still
        stores the new ones.
    """

    root: Path = DEFAULT_CACHE_DIR
    read: bool = True
    hits: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def key(self, ev: Evidence, profile: Profile) -> str:
        material = {
            "format": CACHE_FORMAT,
            "claim_id": ev.claim_id,
            "name": ev.name,
            "kind": ev.kind,
            "role": ev.role,
            "version": ev.version,
            "sources": source_digest(ev),
            "profile": asdict(profile),
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def _entry(self, key: str) -> Path:
        return Path(self.root) / f"v{CACHE_FORMAT}" / key[:2] / key

    def load(self, ev: Evidence, profile: Profile, out_dir: Path) -> EvidenceResult | None:
        """The stored result of ``ev`` under ``profile``, or ``None`` (figures restored)."""
        if not self.read:
            return None
        entry = self._entry(self.key(ev, profile))
        try:
            doc = json.loads((entry / "result.json").read_text())
            res = EvidenceResult.from_dict(doc["result"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        for fig in res.figures:
            target = Path(out_dir) / fig
            if target.is_file():
                continue
            stored = entry / "figures" / fig
            if not stored.is_file():
                return None  # the figure is gone: recompute
            write_atomic(target, stored.read_bytes())
        # bookkeeping follows the current registration
        res.claim_id, res.name, res.kind, res.role = ev.claim_id, ev.name, ev.kind, ev.role
        res.description = ev.description
        return res

    def store(self, ev: Evidence, profile: Profile, out_dir: Path, res: EvidenceResult) -> bool:
        """Store ``res``; returns ``False`` (and stores nothing) for error/skipped results
        or when a referenced figure is missing."""
        if res.status in _NOT_CACHED:
            return False
        entry = self._entry(self.key(ev, profile))
        for fig in res.figures:
            src = Path(out_dir) / fig
            if not src.is_file() or Path(fig).is_absolute() or ".." in Path(fig).parts:
                return False
            write_atomic(entry / "figures" / fig, src.read_bytes())
        doc = {"format": CACHE_FORMAT, "key": entry.name, "result": res.to_dict()}
        write_atomic(entry / "result.json", json.dumps(doc, indent=1, sort_keys=True, default=str))
        return True

    def run(self, ev: Evidence, ctx: RunContext) -> EvidenceResult:
        """The cached result of ``ev`` if there is one, else run it and store the result."""
        res = self.load(ev, ctx.profile, ctx.out_dir)
        if res is not None:
            self.hits.append(ev.key)
            ctx.report(f"{ev.key}: {ev.kind} {res.status} (cached)")
            return res
        ctx.report(f"{ev.key}: {ev.kind} running")
        res = run_evidence(ev, ctx)
        self.misses.append(ev.key)
        self.store(ev, ctx.profile, ctx.out_dir, res)
        ctx.report(f"{ev.key}: {ev.kind} {res.status} ({res.seconds:.1f}s)")
        return res

    def clear(self) -> None:
        """Delete the whole cache directory."""
        shutil.rmtree(self.root, ignore_errors=True)


def run_claim_cached(claim_id: str, ctx: RunContext, cache: ResultCache) -> ClaimResult:
    """Like :func:`kmrbf.registry.run_claim`, taking results from ``cache`` where valid."""
    claim = get_claim(claim_id)
    results = []
    for ev in evidence_for(claim_id):
        results.append(cache.run(ev, ctx))
    verdict, condition = aggregate_verdict(results)
    return ClaimResult(claim, results, verdict, condition)
