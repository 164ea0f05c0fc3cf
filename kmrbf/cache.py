"""Content-hash cache of evidence results (``.kmrbf-cache/``).

A result is stored under a key that hashes everything it can depend on:

- the evidence identity (claim id, name, kind, role) and :attr:`Evidence.version`
  (by default a hash of the evidence function's source);
- every project source file the claim's evidence module can reach through its
  imports (:func:`source_digest`, computed from the import graph by
  :mod:`kmrbf.importgraph`: the module itself, the evidence helpers, the kernels,
  the derivations -- whatever it imports, directly or not, including imports
  inside functions);
- the run profile (all fields, the seed included);
- the Python version and the versions of the numerical libraries.

So editing one claim module recomputes that claim's evidence only; editing a
helper recomputes every claim that imports it.  Results with status ``error`` or
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
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .claims import module_name
from .evidence.model import Evidence, EvidenceResult
from .evidence.certificate import certificate_files
from .importgraph import digest_files, import_graph, module_files, reachable
from .profiles import Profile

__all__ = ["ResultCache", "DEFAULT_CACHE_DIR", "write_atomic", "source_digest"]

DEFAULT_CACHE_DIR = Path(".kmrbf-cache")
#: bump when the stored format or the key recipe changes
CACHE_FORMAT = 2
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


def _environment() -> str:
    parts = [f"python {sys.version_info[:2]}"]
    for lib in _LIBS:
        try:
            parts.append(f"{lib} {importlib.metadata.version(lib)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{lib} absent")
    return "; ".join(parts)


def source_digest(module: str, roots: Mapping[str, Path] | None = None) -> str:
    """Hash of every project source file ``module`` reaches through its imports.

    Parameters
    ----------
    module : str
        A project module, e.g. ``"kmrbf.claims.kr_t3"``.
    roots : mapping of str to Path, optional
        Package -> directory of the source tree (default: the installed project,
        :func:`kmrbf.importgraph.project_roots`); tests point it at a scratch copy.

    Returns
    -------
    str
        Hex SHA-256 over the reachable files' names and contents.
    """
    return _reachable_digest(module, module_files(roots), import_graph(roots))


def _reachable_digest(module: str, files: Mapping[str, Path], graph: Mapping[str, set[str]]) -> str:
    return digest_files(files[m] for m in reachable(module, graph))


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
    _graph: tuple[dict[str, Path], dict[str, set[str]]] | None = field(default=None, repr=False)

    def _digest(self, module: str) -> str:
        # the import graph is read once per cache object (one run)
        if self._graph is None:
            self._graph = (module_files(), import_graph())
        return _reachable_digest(module, *self._graph)

    def key(self, ev: Evidence, profile: Profile) -> str:
        material = {
            "format": CACHE_FORMAT,
            "claim_id": ev.claim_id,
            "name": ev.name,
            "kind": ev.kind,
            "role": ev.role,
            "version": ev.version,
            "sources": self._digest(module_name(ev.claim_id)),
            "environment": _environment(),
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
        for fig in res.figures + certificate_files(res):
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
        for fig in res.figures + certificate_files(res):
            src = Path(out_dir) / fig
            if not src.is_file() or Path(fig).is_absolute() or ".." in Path(fig).parts:
                return False
            write_atomic(entry / "figures" / fig, src.read_bytes())
        doc = {"format": CACHE_FORMAT, "key": entry.name, "result": res.to_dict()}
        write_atomic(entry / "result.json", json.dumps(doc, indent=1, sort_keys=True, default=str))
        return True

    def clear(self) -> None:
        """Delete the whole cache directory."""
        shutil.rmtree(self.root, ignore_errors=True)

