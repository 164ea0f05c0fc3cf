r"""Write the inequalities evidence decided in arb as certificates :mod:`kmrbf.recheck` re-verifies.

A piece of certified evidence makes one :class:`CertificateWriter` and hands it, case by case, the
exact instance and the :class:`~kmrbf.numerics.certify.Decision` objects it computed; every decided
one that carries a statement (:func:`kmrbf.numerics.certify.decide_le`'s ``statement``) becomes an
inequality of the certificate: ``lhs <= rhs`` when proved, ``rhs < lhs`` when disproved (undecided
ones certify nothing and are left out).  Each case is one file,
``<out_dir>/certificates/<claim-id>-<evidence-name>-<n>.json`` (``n`` = 1, 2, ... in the order
of the cases), in the format of :mod:`kmrbf.recheck`; the bytes depend only on the instance and
the decisions, so the same commit and profile write the same files.

The evidence result lists them under ``data["certificates"]``: one entry per file,
``{"file": "certificates/....json" (relative to the output directory), "sha256": hex,
"statement": one line, "inequalities": count}``, so the report can cite each hash.

A Hypothesis property has no run context of its own: its check calls :func:`record`, which adds
to the writer that :meth:`kmrbf.evidence.EvidenceList.property` opened with :func:`recording`
for the run (and does nothing when the check is called directly, as in a unit test).  A check
Hypothesis replays writes its certificate once (identical content is not written twice).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from kmrbf.numerics.certify import certify_limsup
>>> from kmrbf.profiles import get_profile
>>> from kmrbf.evidence.model import RunContext
>>> ctx = RunContext(get_profile("ci"), Path(tempfile.mkdtemp()))
>>> w = CertificateWriter(ctx, "KR-T1-limsup", "demo")
>>> X, M = [[0], [1], [4]], [[0], [4]]
>>> entry = w.add("three points", {"X": X, "M": M, "sigma": 1}, certify_limsup(X, M, 1))
>>> entry["file"], entry["inequalities"]
('certificates/KR-T1-limsup-demo-1.json', 2)
>>> from kmrbf.recheck import recheck_file
>>> recheck_file(ctx.out_dir / entry["file"])[0]
True
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any

from .. import recheck
from .model import EvidenceResult, RunContext

__all__ = ["CertificateWriter", "certificate_files", "certificate_bytes", "encode_instance", "recording", "record"]

#: where the certificates go, relative to the run's output directory
SUBDIR = "certificates"


def encode_instance(value: Any) -> Any:
    """The exact JSON form of an instance value: numbers as ``"p/q"`` strings, nested lists kept.

    Parameters
    ----------
    value : number, sequence or array
        A scalar (int, Fraction, ``flint.fmpq``, decimal string, or a float, converted exactly), or a
        (nested) sequence / NumPy array of them (matrices, box lists).

    Returns
    -------
    str or list
        Strings ``"p/q"`` in the same nesting.

    Raises
    ------
    ValueError
        If a float is NaN or infinite.
    TypeError
        If an entry is a bool or not a number.

    Examples
    --------
    >>> encode_instance([[0.5, 1], [Fraction(1, 3), "0.25"]])
    [['1/2', '1'], ['1/3', '1/4']]
    """
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [encode_instance(v) for v in value]
    if isinstance(value, bool):
        raise TypeError(f"instance value {value!r} is a bool, not a number")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"instance value {value!r} is not finite")
        value = Fraction(value)
    try:
        return recheck.encode_rational(value)
    except recheck.CertificateError as exc:
        raise TypeError(str(exc)) from None


def _inequality(d: Any, strict: bool) -> dict[str, Any] | None:
    if d.status not in ("proved", "disproved"):
        return None
    if d.statement is None:
        raise ValueError(f"decision {d.name!r} is {d.status} but states no expression: pass statement= to decide_le")
    lhs, rhs = d.statement
    lb, rb = recheck.encode_ball(d.lhs_ball), recheck.encode_ball(d.rhs_ball)
    if d.status == "proved":
        rel = "<" if strict and recheck.balls_decide(lb, "<", rb) else "<="
        q = {"name": d.name, "lhs": lhs, "relation": rel, "rhs": rhs, "lhs_ball": lb, "rhs_ball": rb}
    else:  # lhs <= rhs disproved: rhs < lhs is certified
        rel = "<"
        q = {"name": f"{d.name} is false: rhs < lhs", "lhs": rhs, "relation": rel, "rhs": lhs,
             "lhs_ball": rb, "rhs_ball": lb}
    if not recheck.balls_decide(q["lhs_ball"], rel, q["rhs_ball"]):
        raise ValueError(f"decision {d.name!r}: its balls do not decide {rel}")
    q["prec"] = int(d.prec)
    return q


def certificate_bytes(doc: Mapping[str, Any]) -> bytes:
    """The bytes a certificate file holds: sorted keys, one line per inequality and per instance entry.

    Any JSON reader reads it; the layout only keeps the file short and diff-friendly.  The hash
    does not depend on it (:func:`kmrbf.recheck.canonical_bytes`).

    Parameters
    ----------
    doc : mapping
        A sealed certificate (:func:`kmrbf.recheck.seal`).

    Returns
    -------
    bytes
        ASCII text ending in a newline.

    Examples
    --------
    >>> print(certificate_bytes({"b": [1, 2], "inequalities": [{"x": 1}, {"y": [2]}]}).decode(), end="")
    {
     "b": [1, 2],
     "inequalities": [
      {"x": 1},
      {"y": [2]}
     ]
    }
    """
    def one(v: Any) -> str:
        return json.dumps(v, sort_keys=True, separators=(", ", ": "), ensure_ascii=True)

    lines = []
    for key in sorted(doc):
        v = doc[key]
        if key == "inequalities" and isinstance(v, list) and v:
            body = ",\n".join(f"  {one(q)}" for q in v)
            lines.append(f" {one(key)}: [\n{body}\n ]")
        elif key == "instance" and isinstance(v, Mapping) and v:
            body = ",\n".join(f"  {one(str(k))}: {one(v[k])}" for k in sorted(v))
            lines.append(f" {one(key)}: {{\n{body}\n }}")
        else:
            lines.append(f" {one(key)}: {one(v)}")
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("ascii")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class CertificateWriter:
    """Writes one piece of evidence's certificates under ``ctx.out_dir / "certificates"``.

    Certificates an earlier run of the same evidence left there are removed when the writer is
    made, so the directory holds exactly this run's files.

    Parameters
    ----------
    ctx : RunContext
        The run (its ``out_dir``).
    claim_id : str
        The claim's SPEC id, e.g. ``"KR-T3"``.
    evidence : str
        The evidence name, e.g. ``"arb-certificates"``.

    Attributes
    ----------
    entries : list of dict
        ``{"file", "sha256", "statement", "inequalities"}`` per written file, in order.
    """

    def __init__(self, ctx: RunContext, claim_id: str, evidence: str) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", f"{claim_id}-{evidence}"):
            raise ValueError(f"claim_id={claim_id!r} / evidence={evidence!r} do not make a safe file name")
        self.claim_id, self.evidence = claim_id, evidence
        self.root = Path(ctx.out_dir)
        self.entries: list[dict[str, Any]] = []
        self._seen: dict[str, dict[str, Any]] = {}
        pattern = re.compile(re.escape(f"{claim_id}-{evidence}-") + r"\d+\.json")
        folder = self.root / SUBDIR
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                if pattern.fullmatch(p.name):
                    p.unlink()

    def add(self, case: str, instance: Mapping[str, Any], decisions: Iterable[Any], *,
            strict: bool = False) -> dict[str, Any] | None:
        """Write the decided ``decisions`` of one case as a certificate file.

        Parameters
        ----------
        case : str
            One line naming the case (instance and parameters), e.g. ``"line-K2, sigma = Delta/2"``.
        instance : mapping
            The exact inputs the statements name (``"X"``, ``"M"``, ``"sigma"``, ...); values as
            :func:`encode_instance` takes them.
        decisions : iterable of Decision
            :class:`kmrbf.numerics.certify.Decision`; the proved and disproved ones are written,
            undecided ones skipped.
        strict : bool, optional
            Write a proved ``lhs <= rhs`` as ``lhs < rhs`` where its balls decide the strict relation.

        Returns
        -------
        dict or None
            The entry (also appended to :attr:`entries`), or ``None`` when nothing was decided.  A
            certificate with the same content as an earlier one of this writer is not written again:
            the earlier entry is returned.

        Raises
        ------
        ValueError
            If a decided decision carries no statement, or its balls do not decide its relation.
        """
        ineqs = [q for q in (_inequality(d, strict) for d in decisions) if q is not None]
        if not ineqs:
            return None
        doc = recheck.seal({
            "format": recheck.FORMAT, "claim": self.claim_id, "evidence": self.evidence, "case": case,
            "instance": {str(k): encode_instance(v) for k, v in instance.items()},
            "inequalities": ineqs,
        })
        if doc["sha256"] in self._seen:
            return self._seen[doc["sha256"]]
        rel = f"{SUBDIR}/{self.claim_id}-{self.evidence}-{len(self.entries) + 1}.json"
        _write(self.root / rel, certificate_bytes(doc))
        entry = {"file": rel, "sha256": doc["sha256"], "statement": f"{case}: {len(ineqs)} inequalities",
                 "inequalities": len(ineqs)}
        self.entries.append(entry)
        self._seen[doc["sha256"]] = entry
        return entry


_ACTIVE: list[CertificateWriter | None] = []


@contextmanager
def recording(ctx: RunContext, claim_id: str, evidence: str) -> Iterator[CertificateWriter | None]:
    """Open a writer that :func:`record` adds to while the block runs (for property evidence).

    Parameters
    ----------
    ctx : RunContext
        The run; when its ``out_dir`` is None nothing is recorded (the block gets None).
    claim_id, evidence : str
        As for :class:`CertificateWriter`.

    Yields
    ------
    CertificateWriter or None
        The writer (its :attr:`~CertificateWriter.entries` after the block are the certificates written).
    """
    w = None if ctx.out_dir is None else CertificateWriter(ctx, claim_id, evidence)
    _ACTIVE.append(w)
    try:
        yield w
    finally:
        _ACTIVE.pop()


def record(case: str, instance: Mapping[str, Any], decisions: Iterable[Any], *,
           strict: bool = False) -> dict[str, Any] | None:
    """Add a certificate to the writer of the innermost :func:`recording` block, if any.

    Parameters
    ----------
    case, instance, decisions, strict
        As for :meth:`CertificateWriter.add`.

    Returns
    -------
    dict or None
        The entry, or None (nothing decided, or no recording open).
    """
    w = _ACTIVE[-1] if _ACTIVE else None
    return None if w is None else w.add(case, instance, decisions, strict=strict)


def certificate_files(result: EvidenceResult) -> list[str]:
    """The certificate files (relative to the output directory) an evidence result lists.

    For the result cache: like figures, these files belong to the result and must be stored and
    restored with it.

    Parameters
    ----------
    result : EvidenceResult
        A result whose ``data`` may hold ``"certificates"``.

    Returns
    -------
    list of str
        The ``file`` of every entry, in order (empty when there are none).

    Examples
    --------
    >>> certificate_files(EvidenceResult("passed", data={"certificates": [{"file": "certificates/a-b-1.json"}]}))
    ['certificates/a-b-1.json']
    """
    return [str(e["file"]) for e in result.data.get("certificates", []) if isinstance(e, Mapping) and "file" in e]
