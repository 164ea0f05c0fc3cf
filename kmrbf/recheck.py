r"""Re-check arb certificates with python-flint alone: ``kmrbf recheck CERT.json ...``.

A *certificate* is a JSON file the evidence writes (:mod:`kmrbf.evidence.certificate`) for every
inequality it decided in ball arithmetic.  This module reads it back and decides it again with its
own implementation of the few functionals involved; it imports nothing from the rest of kmrbf
(only :mod:`json`, :mod:`hashlib`, :mod:`fractions`, :mod:`argparse`, :mod:`os` and ``flint``), so a
certificate can be checked without trusting the evidence code.

Format (``"format": "kmrbf-certificate/1"``)
--------------------------------------------
``claim``, ``evidence``, ``case`` (text)
    where the certificate comes from.
``instance``
    named exact inputs: a scalar is a string ``"p/q"`` (or an exact decimal such as
    ``"0.125"``); a matrix is a list of rows of such strings; a box list (``hull_inf_W_sigma``)
    is a list of boxes, each a list of ``[lo, hi]`` pairs.
``inequalities``
    a list of ``{"name", "lhs", "relation", "rhs", "prec", "lhs_ball", "rhs_ball"}``:
    ``lhs relation rhs`` with ``relation`` one of ``"<="``, ``"<"``; ``prec`` the working
    precision (bits) at which it was decided; the balls the evidence computed, each
    ``{"mid": ..., "rad": ...}`` with exact values written ``"m*2^e"`` (integers ``m``, ``e``)
    or ``"p/q"``.
``sha256``
    hex SHA-256 of :func:`canonical_bytes` of the document without this key.

Expressions (``lhs``, ``rhs``) are JSON: a string names an instance scalar, an integer is itself,
and a list ``[op, arg, ...]`` applies ``op``:

* constants and arithmetic: ``["q", "p/q"]``, ``["e"]`` (Euler's number), ``["+", a, b, ...]``,
  ``["-", a, b]``, ``["neg", a]``, ``["*", a, b, ...]``, ``["/", a, b]``, ``["sq", a]``,
  ``["exp", a]``, ``["log", a]``, ``["sqrt", a]``, ``["abs", a]``, ``["lambertw", a]``
  (principal branch);
* functionals (:data:`FUNCTIONALS`) of instance matrices ``X`` (N x D data), ``M`` (K x D
  centroids), with :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2`, :math:`\sigma` dividing squared
  distances, cells :math:`C_k` of the nearest centroid (ties to the lowest index):

  ``["rows", X]`` :math:`N`; ``["F0", X, M]`` :math:`\sum_i\min_kd_{ik}`;
  ``["W_sigma", X, M, s]`` :math:`\sum_{ik}r_{ik}d_{ik}`, :math:`r_i=\operatorname{softmax}(-d_i/\sigma)`;
  ``["G_sigma", X, M, s]`` :math:`-\sigma\sum_i\log\sum_ke^{-d_{ik}/\sigma}`;
  ``["Delta", X, M]`` :math:`\min_i(d_{i(2)}-d_{i(1)})`;
  ``["Delta_k", X, M, k]`` :math:`\min(\min_{i\in C_k,j\ne k}(d_{ij}-d_{ik}),\min_{i\notin C_k}(d_{ik}-d_{ic(i)}))`;
  ``["cell_size", X, M, k]`` :math:`n_k`; ``["min_cell_size", X, M]`` :math:`\min_kn_k`;
  ``["diam_sq", X]`` :math:`\max_{ij}\lVert x_i-x_j\rVert^2`;
  ``["A_k", X, M, k]`` :math:`(K-1)\sum_{i\in C_k}\lVert x_i-\mu_k\rVert+\sum_{i\notin C_k}\lVert x_i-\mu_k\rVert`;
  ``["soft_dev_sq", X, M, s, k, a]`` :math:`\lVert\hat\mu_k-\mu_k\rVert^2`, :math:`\hat\mu_k=\sum_ip_{ik}x_i/\sum_ip_{ik}`,
  :math:`p_i=\operatorname{entmax}_\alpha(-d_i/\sigma)` (:math:`\alpha=1` softmax);
  ``["hull_inf_W_sigma", X, K, s, boxes]`` :math:`\inf\{W_\sigma(M):M\in[\min X,\max X]^K\}`
  for 1-D data, ``boxes`` an instance box list that must tile the hull (checked exactly);
* functionals of one row ``d`` (a 1 x K matrix of squared distances, minimum :math:`d_{(1)}`):
  ``["cols", d]`` :math:`K`; ``["row_ties", d]`` :math:`t=\#\{j:d_j=d_{(1)}\}`;
  ``["row_gap", d]`` :math:`g=\min_{d_j>d_{(1)}}(d_j-d_{(1)})`;
  ``["row_offtie_mass", d, s, a]`` :math:`\sum_{d_j>d_{(1)}}\operatorname{entmax}_\alpha(-d/\sigma)_j`.

Checking
--------
A certificate is accepted when (1) its hash matches; (2) every inequality, re-evaluated here at
its stated precision, is decided by the ball of ``rhs - lhs`` (``>= 0`` for ``<=``, ``> 0`` for
``<``); (3) every stated ball overlaps the one recomputed here (both must contain the true value,
so a disjoint pair means one of them is wrong); (4) the stated balls decide the relation too.
Exact inputs keep exact parts exact: a value is a rational plus a ball (``W_sigma`` is
:math:`F_0` plus the excess), so :math:`W_\sigma-F_0` loses nothing to cancellation; softmax soft
centroids use the cancellation-free form :math:`\sum_ir_{ik}(x_i-\mu_k)=\sum_{i\in C_k}(x_i-\mu_k)
-\sum_{i\in C_k}(1-r_{ik})(x_i-\mu_k)+\sum_{i\notin C_k}r_{ik}(x_i-\mu_k)`; entmax supports are
decided exactly.

Examples
--------
>>> doc = seal({"format": FORMAT, "claim": "demo", "evidence": "demo", "case": "1/3 < 1/2",
...             "instance": {"a": "1/3"},
...             "inequalities": [{"name": "a<1/2", "lhs": "a", "relation": "<", "rhs": ["q", "1/2"],
...                               "prec": 64, "lhs_ball": encode_ball("1/3"), "rhs_ball": encode_ball("1/2")}]})
>>> check_certificate(doc)
['a<1/2: decided at 64 bits']
>>> doc["instance"]["a"] = "2/3"
>>> check_certificate(doc)
Traceback (most recent call last):
...
kmrbf.recheck.CertificateError: content hash mismatch: the file states ..., its content hashes to ...
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from fractions import Fraction
from typing import Any

from flint import arb, ctx, fmpq, fmpz

__all__ = ["FORMAT", "FUNCTIONALS", "CertificateError", "canonical_bytes", "content_hash", "seal",
           "encode_rational", "encode_ball", "decode_exact", "balls_decide", "evaluate", "check_certificate",
           "recheck_file", "add_arguments", "run", "main"]

#: the format tag every certificate carries
FORMAT = "kmrbf-certificate/1"

#: the functionals an expression may use (module docstring)
FUNCTIONALS = ("rows", "F0", "W_sigma", "G_sigma", "Delta", "Delta_k", "cell_size", "min_cell_size", "diam_sq",
               "A_k", "soft_dev_sq", "hull_inf_W_sigma", "cols", "row_ties", "row_gap", "row_offtie_mass")

_OPS = ("q", "e", "+", "-", "neg", "*", "/", "sq", "exp", "log", "sqrt", "abs", "lambertw")
_RELATIONS = ("<=", "<")
_KEYS = ("format", "claim", "evidence", "case", "instance", "inequalities", "sha256")
_INEQ_KEYS = ("name", "lhs", "relation", "rhs", "prec", "lhs_ball", "rhs_ball")
_MIN_PREC, _MAX_PREC = 16, 1 << 17


class CertificateError(ValueError):
    """A certificate is malformed, tampered with, or its inequality is not decided.

    Parameters
    ----------
    reason : str
        What is wrong, in one sentence.
    """


# ------------------------------------------------------------------------- serialisation
def canonical_bytes(doc: dict[str, Any]) -> bytes:
    """The canonical serialisation that the hash covers: ``doc`` without ``"sha256"``.

    Parameters
    ----------
    doc : dict
        A certificate (with or without its ``"sha256"`` key).

    Returns
    -------
    bytes
        ``json.dumps`` with sorted keys, no whitespace, ASCII only, UTF-8 encoded.

    Examples
    --------
    >>> canonical_bytes({"b": 1, "a": [1, "x"], "sha256": "ignored"})
    b'{"a":[1,"x"],"b":1}'
    """
    body = {k: v for k, v in doc.items() if k != "sha256"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("utf-8")


def content_hash(doc: dict[str, Any]) -> str:
    """Hex SHA-256 of :func:`canonical_bytes` of ``doc``.

    Parameters
    ----------
    doc : dict
        A certificate.

    Returns
    -------
    str
        64 hex digits.

    Examples
    --------
    >>> content_hash({"a": 1}) == content_hash({"a": 1, "sha256": "anything"})
    True
    """
    return hashlib.sha256(canonical_bytes(doc)).hexdigest()


def seal(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` with its ``"sha256"`` set to :func:`content_hash`.

    Parameters
    ----------
    doc : dict
        A certificate without (or with a stale) hash.

    Returns
    -------
    dict
        The same keys plus ``"sha256"``.

    Examples
    --------
    >>> seal({"a": 1})["sha256"][:12]
    '015abd7f5cc5'
    """
    out = dict(doc)
    out["sha256"] = content_hash(doc)
    return out


def _fmpq_of(v: Any) -> fmpq:
    if isinstance(v, fmpq):
        return v
    if isinstance(v, bool):
        raise CertificateError(f"{v!r} is a bool, not an exact number")
    if isinstance(v, (int, fmpz)):
        return fmpq(int(v))
    if isinstance(v, Fraction):
        return fmpq(v.numerator, v.denominator)
    if isinstance(v, str):
        return _parse_exact(v)
    raise CertificateError(f"{v!r} of type {type(v).__name__} is not an exact number (write it as a string 'p/q')")


def encode_rational(v: Any) -> str:
    """An exact rational as the string ``"p/q"`` (``"p"`` for an integer).

    Parameters
    ----------
    v : int, Fraction, flint.fmpq or str
        The value (a string is parsed first, so ``"0.5"`` gives ``"1/2"``).  Floats are refused:
        convert them with ``Fraction(x)`` (exact) first.

    Returns
    -------
    str
        The value in lowest terms.

    Raises
    ------
    CertificateError
        If ``v`` is not an exact number.

    Examples
    --------
    >>> encode_rational(Fraction(6, 4)), encode_rational(3), encode_rational("0.125")
    ('3/2', '3', '1/8')
    """
    q = _fmpq_of(v)
    return str(q.p) if q.q == 1 else f"{q.p}/{q.q}"


def _parse_exact(s: str) -> fmpq:
    s = s.strip()
    if "*2^" in s:
        m, _, e = s.partition("*2^")
        try:
            mi, ei = int(m), int(e)
        except ValueError:
            raise CertificateError(f"{s!r} is not an exact number 'm*2^e'") from None
        return fmpq(mi * 2**ei) if ei >= 0 else fmpq(mi, 2 ** (-ei))
    try:
        f = Fraction(s)
    except (ValueError, ZeroDivisionError):
        raise CertificateError(f"{s!r} is not an exact number ('p/q', a decimal or 'm*2^e')") from None
    return fmpq(f.numerator, f.denominator)


def decode_exact(s: str) -> Fraction:
    """Parse an exact number: ``"p/q"``, an exact decimal (``"-0.125"``, ``"1e-3"``) or ``"m*2^e"``.

    Parameters
    ----------
    s : str
        The text.

    Returns
    -------
    fractions.Fraction
        Its exact value.

    Raises
    ------
    CertificateError
        If ``s`` is not a string of one of these forms.

    Examples
    --------
    >>> decode_exact("3*2^-2"), decode_exact("-7/21"), decode_exact("0.1")
    (Fraction(3, 4), Fraction(-1, 3), Fraction(1, 10))
    """
    if not isinstance(s, str):
        raise CertificateError(f"{s!r} is not a string")
    q = _parse_exact(s)
    return Fraction(int(q.p), int(q.q))


def _dyadic(x: arb) -> str:
    m, e = x.man_exp()
    return f"{int(m)}*2^{int(e)}"


def encode_ball(x: Any) -> dict[str, str]:
    """A ball (or an exact number) as ``{"mid": ..., "rad": ...}`` with exact strings.

    Parameters
    ----------
    x : flint.arb, or an exact number (int, Fraction, fmpq, str)
        An arb ball is written with its exact dyadic midpoint and radius (``"m*2^e"``); an exact
        number as ``"p/q"`` with radius ``"0"``.

    Returns
    -------
    dict
        ``{"mid": str, "rad": str}``.

    Raises
    ------
    CertificateError
        If the ball is NaN or infinite.

    Examples
    --------
    >>> encode_ball(arb(3) / 4), encode_ball(Fraction(1, 3))
    ({'mid': '3*2^-2', 'rad': '0*2^0'}, {'mid': '1/3', 'rad': '0'})
    """
    if isinstance(x, arb):
        if not x.is_finite():
            raise CertificateError(f"the ball {x} is not finite")
        return {"mid": _dyadic(x.mid()), "rad": _dyadic(x.rad())}
    return {"mid": encode_rational(x), "rad": "0"}


def _ball_bounds(ball: Any, what: str) -> tuple[Fraction, Fraction]:
    if not isinstance(ball, dict) or set(ball) != {"mid", "rad"}:
        raise CertificateError(f"{what} must be an object with keys 'mid' and 'rad', found {ball!r}")
    mid, rad = decode_exact(ball["mid"]), decode_exact(ball["rad"])
    if rad < 0:
        raise CertificateError(f"{what} has a negative radius {ball['rad']}")
    return mid - rad, mid + rad


def balls_decide(lhs_ball: dict[str, str], relation: str, rhs_ball: dict[str, str]) -> bool:
    """Do two encoded balls decide ``lhs relation rhs`` for every pair of points in them?

    Exact rational comparison of the ends: ``upper(lhs) <= lower(rhs)`` for ``"<="``,
    ``upper(lhs) < lower(rhs)`` for ``"<"``.

    Parameters
    ----------
    lhs_ball, rhs_ball : dict
        ``{"mid": str, "rad": str}`` (:func:`encode_ball`).
    relation : {"<=", "<"}
        The relation.

    Returns
    -------
    bool
        Whether the balls decide it.

    Raises
    ------
    CertificateError
        If a ball is malformed or ``relation`` is unknown.

    Examples
    --------
    >>> balls_decide(encode_ball("1/3"), "<", encode_ball("1/2")), balls_decide(encode_ball(1), "<", encode_ball(1))
    (True, False)
    """
    if relation not in _RELATIONS:
        raise CertificateError(f"relation={relation!r} is not one of {_RELATIONS}")
    _, lhs_hi = _ball_bounds(lhs_ball, "lhs_ball")
    rhs_lo, _ = _ball_bounds(rhs_ball, "rhs_ball")
    return lhs_hi <= rhs_lo if relation == "<=" else lhs_hi < rhs_lo


# ------------------------------------------------------------------------- values: exact + ball
class _Val:
    """``q + a``: an exact rational part and an optional ball (``None`` = exactly ``q``)."""

    __slots__ = ("q", "a")

    def __init__(self, q: Any = 0, a: arb | None = None) -> None:
        self.q = q if isinstance(q, fmpq) else fmpq(q)
        self.a = a

    @property
    def exact(self) -> bool:
        return self.a is None

    def ball(self) -> arb:
        return arb(self.q) if self.a is None else arb(self.q) + self.a


def _add(x: _Val, y: _Val) -> _Val:
    a = x.a if y.a is None else y.a if x.a is None else x.a + y.a
    return _Val(x.q + y.q, a)


def _neg(x: _Val) -> _Val:
    return _Val(-x.q, None if x.a is None else -x.a)


def _mul(x: _Val, y: _Val) -> _Val:
    # (q1 + a1)(q2 + a2) = q1 q2 + (q1 a2 + q2 a1 + a1 a2): the product of the exact parts stays exact
    if (x.exact and x.q == 0) or (y.exact and y.q == 0):
        return _Val(0)
    parts = []
    if y.a is not None and x.q != 0:
        parts.append(arb(x.q) * y.a)
    if x.a is not None and y.q != 0:
        parts.append(arb(y.q) * x.a)
    if x.a is not None and y.a is not None:
        parts.append(x.a * y.a)
    return _Val(x.q * y.q, sum(parts[1:], parts[0]) if parts else None)


def _div(x: _Val, y: _Val) -> _Val:
    if y.exact:
        if y.q == 0:
            raise CertificateError("division by an exact zero")
        return _Val(x.q / y.q, None if x.a is None else x.a / arb(y.q))
    return _Val(0, x.ball() / y.ball())


def _exact_root(q: fmpq, n: int) -> fmpq | None:
    """The exact non-negative n-th root of ``q >= 0`` if it is rational, else None."""
    p, d = int(q.p), int(q.q)
    rp, rd = _iroot(p, n), _iroot(d, n)
    return fmpq(rp, rd) if rp is not None and rd is not None else None


def _iroot(v: int, n: int) -> int | None:
    if v < 0:
        return None
    r = int(fmpz(v).root(n))
    return r if r**n == v else None


def _unary(op: str, x: _Val) -> _Val:
    if op == "neg":
        return _neg(x)
    if op == "sq":
        return _mul(x, x)
    if op == "abs":
        if x.exact:
            return _Val(abs(x.q))
        b = x.ball()
        return _Val(0, abs(b))
    if x.exact:
        if op == "exp" and x.q == 0:
            return _Val(1)
        if op == "log" and x.q == 1:
            return _Val(0)
        if op == "sqrt" and x.q >= 0:
            r = _exact_root(x.q, 2)
            if r is not None:
                return _Val(r)
        if op == "lambertw" and x.q == 0:
            return _Val(0)
    b = x.ball()
    r = {"exp": b.exp, "log": b.log, "sqrt": b.sqrt, "lambertw": b.lambertw}[op]()
    if not r.is_finite():
        raise CertificateError(f"{op} of {b.str(10)} is not finite (argument not certainly in its domain)")
    return _Val(0, r)


# ------------------------------------------------------------------------- instance objects
def _scalar(inst: dict[str, Any], name: str) -> fmpq:
    if name not in inst:
        raise CertificateError(f"the instance has no {name!r}")
    v = inst[name]
    if not isinstance(v, str):
        raise CertificateError(f"instance entry {name!r} is not a scalar string")
    return _parse_exact(v)


def _matrix(inst: dict[str, Any], name: Any) -> list[list[fmpq]]:
    if not isinstance(name, str) or name not in inst:
        raise CertificateError(f"the instance has no matrix {name!r}")
    v = inst[name]
    if (not isinstance(v, list) or not v or not all(isinstance(r, list) and r for r in v)
            or not all(isinstance(e, str) for r in v for e in r)):
        raise CertificateError(f"instance entry {name!r} is not a non-empty matrix of number strings")
    if len({len(r) for r in v}) != 1:
        raise CertificateError(f"rows of {name!r} have different lengths")
    return [[_parse_exact(e) for e in r] for r in v]


def _sq_dist(u: list[fmpq], v: list[fmpq]) -> fmpq:
    return sum(((a - b) * (a - b) for a, b in zip(u, v)), fmpq(0))


def _distances(X: list[list[fmpq]], M: list[list[fmpq]]) -> list[list[fmpq]]:
    if len(X[0]) != len(M[0]):
        raise CertificateError(f"X has D={len(X[0])} columns, M has {len(M[0])}")
    return [[_sq_dist(x, m) for m in M] for x in X]


def _nearest(row: list[fmpq]) -> int:
    best = 0
    for j in range(1, len(row)):
        if row[j] < row[best]:
            best = j
    return best


def _unique_cells(d: list[list[fmpq]], what: str) -> list[int]:
    cells = []
    for i, row in enumerate(d):
        c = _nearest(row)
        if any(row[j] == row[c] for j in range(len(row)) if j != c):
            raise CertificateError(f"{what}: point {i} is equidistant from two nearest centroids (cells undefined)")
        cells.append(c)
    return cells


def _cell_index(k: Any, K: int, what: str) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < K:
        raise CertificateError(f"{what}: cell index k={k!r} is not an integer in [0, {K})")
    return k


def _pos(q: fmpq, what: str) -> fmpq:
    if q <= 0:
        raise CertificateError(f"{what} must be > 0, found {q}")
    return q


# ------------------------------------------------------------------------- entmax (own implementation)
def _rpow(x: fmpq, e: fmpq) -> _Val:
    """``x**e`` for an exact ``x >= 0`` and a rational exponent ``e > 0`` (exact when rational)."""
    if x == 0:
        return _Val(0)
    if e.q == 1:
        return _Val(x ** int(e.p))
    r = _exact_root(x, int(e.q))
    if r is not None:
        return _Val(r ** int(e.p))
    return _Val(0, (arb(x).log() * arb(e)).exp())


def _less_than_one(v: _Val, what: str) -> bool:
    if v.exact:
        return v.q < 1
    b = v.ball()
    if b < 1:
        return True
    if b >= 1:
        return False
    raise CertificateError(f"{what}: entmax support undecided at this precision ({b} vs 1)")


def _entmax(z: list[fmpq], alpha: fmpq, what: str) -> list[_Val]:
    r"""entmax-alpha of exact logits: exact support, exact values where rational (one-hot, sparsemax)."""
    K = len(z)
    if alpha == 1:
        m = max(z)
        e = [arb(v - m).exp() if v != m else arb(1) for v in z]
        if K == 1:
            return [_Val(1)]
        tot = sum(e, arb(0))
        return [_Val(0, v / tot) for v in e]
    q = 1 / (alpha - 1)
    y = [(alpha - 1) * v for v in z]
    order = sorted(range(K), key=lambda j: (-y[j], j))
    ys = [y[j] for j in order]
    s = 1
    for k in range(1, K):
        tot = _Val(0)
        for j in range(k):
            tot = _add(tot, _rpow(ys[j] - ys[k], q))
        if _less_than_one(tot, what):
            s = k + 1
        else:
            break
    support = set(order[:s])
    top = ys[:s]
    if s == 1:
        return [_Val(1) if j in support else _Val(0) for j in range(K)]
    if q == 1:  # sparsemax: tau = (sum y_S - 1)/s exactly
        tau = (sum(top, fmpq(0)) - 1) / s
        return [_Val(y[j] - tau) if j in support else _Val(0) for j in range(K)]
    # bisection on tau in [y_(1) - 1, y_(s)]: f(t) = sum_S (y_j - t)^q - 1 is decreasing, f(lo) >= 0 > f(hi)
    lo, hi = ys[0] - 1, ys[s - 1]
    # a bracket of width w puts p_j = (y_j - tau)^q within w^q of its value: prec/q bits make it 2^-prec
    for _ in range(int(ctx.prec / min(q, 1)) + 8):
        mid = (lo + hi) / 2
        f = _Val(-1)
        for v in top:
            f = _add(f, _rpow(v - mid, q))
        if f.exact and f.q == 0:  # the root itself, exactly
            lo = hi = mid
            break
        b = f.ball()
        if b > 0:
            lo = mid
        elif b < 0:
            hi = mid
        else:  # the root is within rounding of mid: [lo, hi] still brackets it
            break

    def pw(x: fmpq) -> arb:
        return _rpow(x, q).ball() if x > 0 else arb(0)

    out = []
    for j in range(K):
        if j not in support:
            out.append(_Val(0))
        else:  # (y_j - tau)^q is increasing in y_j - tau; tau in [lo, hi]
            out.append(_Val(0, pw(y[j] - hi).union(pw(y[j] - lo))))
    return out


# ------------------------------------------------------------------------- functionals (own implementation)
def _excess_terms(row: list[fmpq], sigma: fmpq) -> tuple[int, list[tuple[int, fmpq, arb]]]:
    """Nearest index, and ``(j, g_j, exp(-g_j/sigma))`` for every other j (``g_j >= 0`` exact gap)."""
    c = _nearest(row)
    out = []
    for j, v in enumerate(row):
        if j != c:
            g = v - row[c]
            out.append((j, g, arb(-g / sigma).exp() if g != 0 else arb(1)))
    return c, out


def _row_terms(X: list[list[fmpq]], M: list[list[fmpq]], sigma: fmpq) -> list[tuple[fmpq, list[tuple[int, fmpq, arb]]]]:
    """Per point: the smallest squared distance and :func:`_excess_terms` of its row."""
    out = []
    for row in _distances(X, M):
        c, terms = _excess_terms(row, sigma)
        out.append((row[c], terms))
    return out


def _W_sigma(X: list[list[fmpq]], M: list[list[fmpq]], sigma: fmpq) -> _Val:
    # W = sum_i d_i,min + sum_i sum_j r_ij g_ij, r_ij = e_ij/(1 + sum e): exact part F0, ball part the excess
    rows = _row_terms(X, M, sigma)
    excess = None
    for _, terms in rows:
        if terms:
            tot = 1 + sum((e for _, _, e in terms), arb(0))
            part = sum((e * arb(g) for _, g, e in terms if g != 0), arb(0)) / tot
            excess = part if excess is None else excess + part
    return _Val(sum((m for m, _ in rows), fmpq(0)), excess)


def _G_sigma(X: list[list[fmpq]], M: list[list[fmpq]], sigma: fmpq) -> _Val:
    # G = F0 - sigma sum_i log(t_i + s_i), t_i = #exact ties at the minimum, s_i = sum of e^{-g/sigma}, g > 0
    rows = _row_terms(X, M, sigma)
    logs = None
    for _, terms in rows:
        t = 1 + sum(1 for _, g, _ in terms if g == 0)
        s = sum((e for _, g, e in terms if g != 0), arb(0))
        v = arb(t).log() + (s / t).log1p() if t > 1 else s.log1p()
        logs = v if logs is None else logs + v
    return _Val(sum((m for m, _ in rows), fmpq(0)), None if logs is None else -arb(sigma) * logs)


def _soft_dev_sq(X: list[list[fmpq]], M: list[list[fmpq]], sigma: fmpq, k: int, alpha: fmpq, what: str) -> _Val:
    d = _distances(X, M)
    D = len(M[0])
    if alpha == 1:
        # sum_i r_ik (x_i - mu_k) = sum_{C_k}(x_i - mu_k) - sum_{C_k}(1 - r_ik)(x_i - mu_k) + sum_{not C_k} r_ik (x_i - mu_k)
        # with 1 - r_ik and the foreign r_ik formed from exact gaps: full relative accuracy at any sigma
        exact = [fmpq(0)] * D
        num = [arb(0)] * D
        n, S = 0, arb(0)
        for i, row in enumerate(d):
            c, terms = _excess_terms(row, sigma)
            diff = [a - b for a, b in zip(X[i], M[k])]
            tot = 1 + sum((e for _, _, e in terms), arb(0))
            if c == k:
                n += 1
                exact = [a + b for a, b in zip(exact, diff)]
                w = sum((e for _, _, e in terms), arb(0)) / tot          # 1 - r_ik
                num = [u - w * arb(v) for u, v in zip(num, diff)]
                S -= w
            else:
                r = next(e for j, _, e in terms if j == k) / tot
                num = [u + r * arb(v) for u, v in zip(num, diff)]
                S += r
        S += n
        vec = [arb(q) + u for q, u in zip(exact, num)]
        return _Val(0, sum((v * v for v in vec), arb(0)) / (S * S))
    rows = [_entmax([-v / sigma for v in row], alpha, what) for row in d]
    w = [r[k] for r in rows]
    if all(v.exact for v in w):  # exact weights (one-hot or sparsemax rows): the deviation is an exact rational
        tot = sum((v.q for v in w), fmpq(0))
        if tot == 0:
            raise CertificateError(f"{what}: cell {k} has total weight exactly 0 (soft centroid undefined)")
        c = [sum((v.q * X[i][t] for i, v in enumerate(w)), fmpq(0)) / tot for t in range(D)]
        return _Val(sum(((a - b) * (a - b) for a, b in zip(c, M[k])), fmpq(0)))
    tot = sum((v.ball() for v in w), arb(0))
    if not tot > 0:
        raise CertificateError(f"{what}: the total weight of cell {k} is not certainly positive ({tot})")
    # sum_i w_i (x_i - mu_k) / sum_i w_i: exact differences, no cancellation with mu_k
    vec = [sum((v.ball() * arb(X[i][t] - M[k][t]) for i, v in enumerate(w)), arb(0)) / tot for t in range(D)]
    return _Val(0, sum((v * v for v in vec), arb(0)))


def _boxes(inst: dict[str, Any], name: Any, K: int) -> list[list[tuple[fmpq, fmpq]]]:
    if not isinstance(name, str) or name not in inst or not isinstance(inst[name], list) or not inst[name]:
        raise CertificateError(f"the instance has no box list {name!r}")
    out = []
    for b in inst[name]:
        if not isinstance(b, list) or len(b) != K or not all(isinstance(iv, list) and len(iv) == 2 for iv in b):
            raise CertificateError(f"box {b!r} of {name!r} is not a list of K={K} [lo, hi] pairs")
        box = [(_fmpq_of(lo), _fmpq_of(hi)) for lo, hi in b]
        if any(lo > hi for lo, hi in box):
            raise CertificateError(f"box {b!r} of {name!r} has lo > hi")
        out.append(box)
    return out


def _check_tiling(boxes: list[list[tuple[fmpq, fmpq]]], lo: fmpq, hi: fmpq, name: str) -> None:
    """The boxes tile [lo, hi]^K: inside it, pairwise interior-disjoint, volumes summing to its volume."""
    K = len(boxes[0])
    for b in boxes:
        if any(a < lo or c > hi for a, c in b):
            raise CertificateError(f"a box of {name!r} leaves the hull [{lo}, {hi}]^{K}")
    vol = sum((_volume(b) for b in boxes), fmpq(0))
    if vol != (hi - lo) ** K:
        raise CertificateError(f"the boxes of {name!r} have total volume {vol}, the hull {(hi - lo) ** K}")
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if all(max(a[0], b[0]) < min(a[1], b[1]) for a, b in zip(boxes[i], boxes[j])):
                raise CertificateError(f"boxes {i} and {j} of {name!r} overlap")


def _volume(b: list[tuple[fmpq, fmpq]]) -> fmpq:
    v = fmpq(1)
    for lo, hi in b:
        v *= hi - lo
    return v


def _box_lower(xs: list[fmpq], box: list[tuple[fmpq, fmpq]], sigma: fmpq) -> arb:
    r"""A lower bound of :math:`W_\sigma` over a box of 1-D centroids: for each point,
    :math:`\sum_kd_ke^{-d_k/\sigma}/\sum_ke^{-d_k/\sigma}\ge\sum_kd^-_ke^{-d^+_k/\sigma}/\sum_ke^{-d^-_k/\sigma}`
    with :math:`d_k\in[d^-_k,d^+_k]` the exact range of the squared distance (all terms are positive)."""
    tot = arb(0)
    for x in xs:
        num, den = arb(0), arb(0)
        for lo, hi in box:
            a, b = (x - lo) ** 2, (x - hi) ** 2
            dlo = fmpq(0) if lo <= x <= hi else min(a, b)
            dhi = max(a, b)
            num += arb(dlo) * arb(-dhi / sigma).exp()
            den += arb(-dlo / sigma).exp()
        tot += num / den
    return arb(tot.lower())


def _hull_inf(inst: dict[str, Any], X: list[list[fmpq]], K: int, sigma: fmpq, name: Any) -> _Val:
    if len(X[0]) != 1:
        raise CertificateError(f"hull_inf_W_sigma needs 1-D data, X has D={len(X[0])}")
    xs = [r[0] for r in X]
    boxes = _boxes(inst, name, K)
    lo, hi = min(xs), max(xs)
    _check_tiling(boxes, lo, hi, name)
    lows = [_box_lower(xs, b, sigma) for b in boxes]
    i = min(range(len(boxes)), key=lambda j: lows[j].mid())
    low = min(lows, key=lambda v: v.mid())
    centre = [[(a + c) / 2] for a, c in boxes[i]]
    up = _W_sigma(X, centre, sigma).ball()
    # inf over the hull lies in [min of the box lower bounds, W at a point of the hull]
    return _Val(0, low.union(arb(up.upper())))


def _functional(node: list[Any], inst: dict[str, Any], where: str) -> _Val:
    name, args = node[0], node[1:]
    arity = {"rows": 1, "F0": 2, "W_sigma": 3, "G_sigma": 3, "Delta": 2, "Delta_k": 3, "cell_size": 3,
             "min_cell_size": 2, "diam_sq": 1, "A_k": 3, "soft_dev_sq": 5, "hull_inf_W_sigma": 4, "cols": 1,
             "row_ties": 1, "row_gap": 1, "row_offtie_mass": 3}[name]
    if len(args) != arity:
        raise CertificateError(f"{where}: {name} takes {arity} arguments, found {len(args)}")
    what = f"{where}: {name}"
    X = _matrix(inst, args[0])
    if name == "rows":
        return _Val(len(X))
    if name == "cols":
        return _Val(len(X[0]))
    if name.startswith("row_"):
        return _row_functional(name, X, args[1:], inst, what)
    if name == "diam_sq":
        return _Val(max(_sq_dist(u, v) for u in X for v in X))
    if name == "hull_inf_W_sigma":
        K = _exact_arg(args[1], inst, what)
        if K.q != 1 or K < 1:
            raise CertificateError(f"{what}: K={K} is not a positive integer")
        return _hull_inf(inst, X, int(K.p), _pos(_exact_arg(args[2], inst, what), what + " sigma"), args[3])
    M = _matrix(inst, args[1])
    d = _distances(X, M)
    K = len(M)
    if name == "F0":
        return _Val(sum((min(r) for r in d), fmpq(0)))
    if name in ("W_sigma", "G_sigma"):
        sigma = _pos(_exact_arg(args[2], inst, what), what + " sigma")
        return (_W_sigma if name == "W_sigma" else _G_sigma)(X, M, sigma)
    if name == "soft_dev_sq":
        sigma = _pos(_exact_arg(args[2], inst, what), what + " sigma")
        k = _cell_index(args[3], K, what)
        alpha = _exact_arg(args[4], inst, what)
        if alpha < 1:
            raise CertificateError(f"{what}: alpha={alpha} must be >= 1")
        return _soft_dev_sq(X, M, sigma, k, alpha, what)
    if K < 2:
        raise CertificateError(f"{what} needs K >= 2 centroids, M has {K}")
    if name == "Delta":
        return _Val(min(sorted(r)[1] - min(r) for r in d))
    cells = _unique_cells(d, what)
    if name == "min_cell_size":
        return _Val(min(cells.count(j) for j in range(K)))
    k = _cell_index(args[2], K, what)
    if name == "cell_size":
        return _Val(cells.count(k))
    if name == "Delta_k":
        gaps = [row[j] - row[k] for i, row in enumerate(d) if cells[i] == k for j in range(K) if j != k]
        gaps += [row[k] - row[cells[i]] for i, row in enumerate(d) if cells[i] != k]
        return _Val(min(gaps))
    # A_k: (K-1) sum_{C_k} ||x_i - mu_k|| + sum_{not C_k} ||x_i - mu_k||
    total = _Val(0)
    for i, row in enumerate(d):
        r = _unary("sqrt", _Val(row[k]))
        total = _add(total, _mul(_Val(K - 1), r) if cells[i] == k else r)
    return total


def _row_functional(name: str, X: list[list[fmpq]], args: list[Any], inst: dict[str, Any], what: str) -> _Val:
    if len(X) != 1:
        raise CertificateError(f"{what} needs a single row of squared distances, found {len(X)} rows")
    d = X[0]
    lo = min(d)
    off = [j for j, v in enumerate(d) if v != lo]
    if name == "row_ties":
        return _Val(len(d) - len(off))
    if name == "row_gap":
        if not off:
            raise CertificateError(f"{what}: every entry of the row is tied, there is no gap")
        return _Val(min(d[j] for j in off) - lo)
    sigma = _pos(_exact_arg(args[0], inst, what), what + " sigma")
    alpha = _exact_arg(args[1], inst, what)
    if alpha < 1:
        raise CertificateError(f"{what}: alpha={alpha} must be >= 1")
    p = _entmax([-v / sigma for v in d], alpha, what)
    tot = _Val(0)
    for j in off:
        tot = _add(tot, p[j])
    return tot


def _exact_arg(e: Any, inst: dict[str, Any], where: str) -> fmpq:
    v = _eval(e, inst, where, {})
    if not v.exact:
        raise CertificateError(f"{where}: argument {e!r} must be an exact rational")
    return v.q


def _eval(e: Any, inst: dict[str, Any], where: str, memo: dict[str, _Val]) -> _Val:
    if isinstance(e, bool):
        raise CertificateError(f"{where}: {e!r} is not an expression")
    if isinstance(e, int):
        return _Val(e)
    if isinstance(e, str):
        return _Val(_scalar(inst, e))
    if not isinstance(e, list) or not e or not isinstance(e[0], str):
        raise CertificateError(f"{where}: {e!r} is not an expression")
    key = json.dumps(e, sort_keys=True)
    if key in memo:
        return memo[key]
    op, args = e[0], e[1:]
    if op in FUNCTIONALS:
        v = _functional(e, inst, where)
    elif op == "q":
        if len(args) != 1 or not isinstance(args[0], str):
            raise CertificateError(f"{where}: ['q', 'p/q'] takes one string, found {e!r}")
        v = _Val(_parse_exact(args[0]))
    elif op == "e":
        if args:
            raise CertificateError(f"{where}: ['e'] takes no argument")
        v = _Val(0, arb.const_e())
    elif op not in _OPS:
        raise CertificateError(f"{where}: unknown functional or operation {op!r}")
    else:
        xs = [_eval(a, inst, where, memo) for a in args]
        if op in ("+", "*"):
            if len(xs) < 2:
                raise CertificateError(f"{where}: {op!r} takes at least two arguments")
            v = xs[0]
            for x in xs[1:]:
                v = _add(v, x) if op == "+" else _mul(v, x)
        elif op in ("-", "/"):
            if len(xs) != 2:
                raise CertificateError(f"{where}: {op!r} takes two arguments")
            v = _add(xs[0], _neg(xs[1])) if op == "-" else _div(xs[0], xs[1])
        else:
            if len(xs) != 1:
                raise CertificateError(f"{where}: {op!r} takes one argument")
            v = _unary(op, xs[0])
    memo[key] = v
    return v


def evaluate(expr: Any, instance: dict[str, Any], prec: int) -> arb:
    """Evaluate an expression of the certificate language at ``prec`` bits.

    Parameters
    ----------
    expr : str, int or list
        The expression (module docstring).
    instance : dict
        The named exact inputs.
    prec : int
        Working precision in bits (16 to 131072).

    Returns
    -------
    fractions.Fraction or flint.arb
        The exact value when no rounding was needed (exact functionals such as ``Delta``,
        ``F0``, ``cell_size``, rational arithmetic on them, one-hot entmax deviations), else a
        ball containing it.

    Raises
    ------
    CertificateError
        On an unknown functional or operation, a malformed argument, a missing instance
        entry, or a value outside a function's domain.

    Examples
    --------
    >>> X = [["0"], ["1"], ["4"]]
    >>> evaluate(["-", ["W_sigma", "X", "M", "s"], ["F0", "X", "M"]], {"X": X, "M": [["0"], ["4"]], "s": "1"}, 64) > 0
    True
    >>> evaluate(["soft_dev_sq", "X", "M", ["q", "1/4"], 0, ["q", "3/2"]], {"X": X, "M": [["1/2"], ["4"]]}, 64)
    Fraction(0, 1)
    """
    _check_prec(prec)
    with ctx.workprec(prec):
        v = _eval(expr, instance, "expression", {})
        return Fraction(int(v.q.p), int(v.q.q)) if v.exact else v.ball()


def _check_prec(prec: Any) -> int:
    if isinstance(prec, bool) or not isinstance(prec, int) or not _MIN_PREC <= prec <= _MAX_PREC:
        raise CertificateError(f"prec={prec!r} is not an integer number of bits in [{_MIN_PREC}, {_MAX_PREC}]")
    return prec


def _fraction_bounds(b: arb) -> tuple[Fraction, Fraction]:
    mid, rad = decode_exact(_dyadic(b.mid())), decode_exact(_dyadic(b.rad()))
    return mid - rad, mid + rad


def _overlap(stated: dict[str, str], b: arb, what: str) -> bool:
    lo, hi = _ball_bounds(stated, what)
    blo, bhi = _fraction_bounds(b)
    return lo <= bhi and blo <= hi


# ------------------------------------------------------------------------- checking
def check_certificate(doc: Any) -> list[str]:
    """Re-verify one certificate document; raise on the first problem.

    Parameters
    ----------
    doc : dict
        A parsed certificate (module docstring).

    Returns
    -------
    list of str
        One line per inequality, ``"<name>: decided at <prec> bits"``.

    Raises
    ------
    CertificateError
        If the document is malformed, its hash does not match, an inequality uses an unknown
        functional or operation, is not decided by the recomputed ball at its precision, or a
        stated ball disagrees with the recomputed one or does not decide the relation.
    """
    if not isinstance(doc, dict):
        raise CertificateError("a certificate must be a JSON object")
    if doc.get("format") != FORMAT:
        raise CertificateError(f"format={doc.get('format')!r} is not {FORMAT!r}")
    missing = [k for k in _KEYS if k not in doc]
    if missing:
        raise CertificateError(f"missing keys {missing}")
    extra = sorted(set(doc) - set(_KEYS))
    if extra:
        raise CertificateError(f"unknown keys {extra}")
    stated, computed = doc["sha256"], content_hash(doc)
    if stated != computed:
        raise CertificateError(f"content hash mismatch: the file states {stated}, its content hashes to {computed}")
    inst, ineqs = doc["instance"], doc["inequalities"]
    if not isinstance(inst, dict):
        raise CertificateError("instance must be an object")
    if not isinstance(ineqs, list) or not ineqs:
        raise CertificateError("inequalities must be a non-empty list")
    lines = []
    for n, q in enumerate(ineqs, 1):
        if not isinstance(q, dict) or sorted(q) != sorted(_INEQ_KEYS):
            raise CertificateError(f"inequality {n} must have exactly the keys {list(_INEQ_KEYS)}")
        where = f"inequality {n} ({q['name']!r})"
        if q["relation"] not in _RELATIONS:
            raise CertificateError(f"{where}: relation {q['relation']!r} is not one of {_RELATIONS}")
        prec = _check_prec(q["prec"])
        with ctx.workprec(prec):
            memo: dict[str, _Val] = {}
            lhs, rhs = _eval(q["lhs"], inst, where, memo), _eval(q["rhs"], inst, where, memo)
            diff = _add(rhs, _neg(lhs))
            if diff.exact:
                ok = diff.q >= 0 if q["relation"] == "<=" else diff.q > 0
                shown = str(diff.q)
            else:
                b = diff.ball()
                ok = bool(b >= 0) if q["relation"] == "<=" else bool(b > 0)
                shown = b.str(10)
            if not ok:
                raise CertificateError(f"{where}: lhs {q['relation']} rhs is not decided at {prec} bits "
                                       f"(recomputed rhs - lhs = {shown})")
            for side, v in (("lhs", lhs), ("rhs", rhs)):
                if not _overlap(q[f"{side}_ball"], v.ball(), f"{where} {side}_ball"):
                    raise CertificateError(f"{where}: the stated {side} ball {q[f'{side}_ball']} is disjoint from the "
                                           f"recomputed {v.ball().str(15)}")
        if not balls_decide(q["lhs_ball"], q["relation"], q["rhs_ball"]):
            raise CertificateError(f"{where}: the stated balls do not decide lhs {q['relation']} rhs")
        lines.append(f"{q['name']}: decided at {prec} bits")
    return lines


def recheck_file(path: Any) -> tuple[bool, str]:
    """Re-verify the certificate file ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        A certificate JSON file.

    Returns
    -------
    (bool, str)
        Whether it is accepted, and a one-line message naming the file and, if rejected, why;
        an accepted one names its hash and the number of inequalities.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        return False, f"REJECTED {path}: cannot read it ({exc.strerror or exc})"
    except ValueError as exc:
        return False, f"REJECTED {path}: not JSON ({exc})"
    try:
        lines = check_certificate(doc)
    except CertificateError as exc:
        return False, f"REJECTED {path}: {exc}"
    return True, f"OK {path}: sha256 {doc['sha256']}, {len(lines)} inequalities re-decided"


def add_arguments(parser: Any) -> None:
    """Add ``kmrbf recheck``'s arguments to an :class:`argparse.ArgumentParser`.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The (sub)parser.

    Returns
    -------
    None
    """
    parser.add_argument("files", nargs="+", metavar="CERT.json",
                        help="certificate files (a directory stands for the *.json files in it)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only rejections and the count")


def _expand(files: list[str]) -> list[str]:
    out = []
    for f in files:
        if os.path.isdir(f):
            out += sorted(os.path.join(f, n) for n in os.listdir(f) if n.endswith(".json"))
        else:
            out.append(f)
    return out


def run(args: Any) -> int:
    """Re-verify ``args.files``, print one line per file and a summary.

    Parameters
    ----------
    args : argparse.Namespace
        With ``files`` (list of str) and ``quiet`` (bool), as :func:`add_arguments` defines.

    Returns
    -------
    int
        0 when every certificate is accepted (and there is at least one), 1 otherwise.
    """
    files = _expand(list(args.files))
    bad = 0
    for f in files:
        ok, msg = recheck_file(f)
        bad += not ok
        if not ok or not getattr(args, "quiet", False):
            print(msg)
    print(f"{len(files) - bad}/{len(files)} certificates accepted")
    return 0 if files and not bad else 1


def main(argv: list[str] | None = None) -> int:
    """``kmrbf recheck CERT.json ...`` as a stand-alone program (``python -m kmrbf.recheck``).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status of :func:`run`.
    """
    parser = argparse.ArgumentParser(prog="kmrbf recheck",
                                     description="Re-verify kmrbf arb certificates with python-flint alone.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
