r"""Rigorous certificates (python-flint ``arb``) for Theorems 1 (limsup), 3 and 4 of KR.

Every certificate computes an inequality :math:`\mathrm{lhs}\le\mathrm{rhs}` in ball
arithmetic on exact rational inputs (data, centroids, :math:`\sigma`) and *decides it in
both directions*: ``proved`` when the ball of :math:`\mathrm{rhs}-\mathrm{lhs}` lies in
:math:`[0,\infty)`, ``disproved`` when it lies in :math:`(-\infty,0)`, otherwise the
precision is doubled (64 bits up to ``max_prec``) and, if still overlapping 0,
``undecided``.  An arb comparison returning ``False`` therefore never counts as a
disproof.  arb has an unbounded exponent, so :math:`\sigma=\Delta/1000`
(:math:`e^{-1000}\approx10^{-434}`, far below float64's :math:`10^{-308}`) is routine; the
cancellation in :math:`\hat\mu_k-\mu^*_k` or :math:`W_\sigma-F_0` is absorbed by the
adaptive precision (about :math:`1.45\,\Delta/\sigma` bits are needed), and
:func:`certify_t3` uses a cancellation-free exact rewriting (:func:`deviation_sq_fixed_point`).

Certificates
------------
:func:`certify_limsup`
    :math:`0\le W_\sigma(M)-F_0(M)\le N(K-1)\sigma/e` (KR-T1-limsup, SPEC §2); the bound is
    :func:`limsup_bound`.
:func:`certify_t3`
    at a Lloyd fixed point, for every :math:`k`:
    :math:`\lVert\hat\mu_k-\mu^*_k\rVert\le\varepsilon A_k/(n_k(1-(K-1)\varepsilon))`,
    the global bound :math:`2\operatorname{diam}N(K-1)/m\cdot\varepsilon` (when
    :math:`\sigma\le\Delta/\ln(2(K-1))`), the per-cell bound with
    :math:`\varepsilon_k=e^{-\Delta_k/\sigma}` (sharper), and :math:`\hat\mu_k\ne\mu^*_k`;
    plus an enclosure of :math:`\sigma\log\lVert\hat\mu_k-\mu^*_k\rVert+\Delta_k`.  The bounds are
    :func:`t3_bound_balls`; the global bound's range is itself decided, and an undecided range
    yields ``undecided`` rows, never dropped ones.
:func:`certify_entmax_exact`
    entmax-:math:`\alpha` soft centroids equal :math:`M^*` exactly when
    :math:`\sigma\le(\alpha-1)\Delta` (exact rational test of every logit gap, plus the arb
    soft centroids, whose balls must be the exact points); and :func:`certify_t4`
    :math:`\lVert\hat\mu^{(\alpha)}_k-\mu^*_k\rVert\le C\sigma` with
    :math:`C=\operatorname{diam}(X)/((\alpha-1)\Delta)` (:func:`t4_constant`), and whether the centroids moved.

Each bound is one function, so evidence that measures how close a quantity comes to its bound
(the other direction, in KR-T1-limsup, KR-T3 and KR-T4) tests the very formula that is certified.

Examples
--------
>>> from kmrbf.numerics.lloyd_instances import certified_instances
>>> name, inst = certified_instances()[0]
>>> c = certify_limsup(inst.X_exact, inst.M_exact, inst.delta / 1000)
>>> [(s.name, s.status) for s in c]
[('W-F0>=0', 'proved'), ('W-F0<=N(K-1)sigma/e', 'proved')]
>>> decide_le(lambda prec: (arb(2), arb(1)), "2<=1").status      # a false inequality
'disproved'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flint import arb, ctx, fmpq

from .arb import (arb_responsibilities, arb_soft_centroids, arb_W_sigma, exact_matrix, exact_rational,
                  exact_sq_distances)

__all__ = ["Decision", "decide_le", "limsup_bound", "certify_limsup", "t3_bound_balls", "certify_t3",
           "certify_entmax_exact", "t4_constant", "certify_t4", "deviation_sq", "deviation_sq_fixed_point",
           "MAX_PREC", "const_expr", "excess_expr", "limsup_bound_expr", "deviation_sq_expr", "t3_bound_expr",
           "t4_constant_expr"]

#: largest working precision tried before a comparison is declared undecided (bits)
MAX_PREC = 1 << 16


@dataclass(frozen=True)
class Decision:
    r"""One decided (or not) inequality ``lhs <= rhs``.

    ``status`` is ``"proved"``, ``"disproved"`` or ``"undecided"``; ``prec`` the precision
    (bits) at which it was decided; ``lhs``/``rhs`` the final balls as text; ``ratio`` the
    midpoint of ``rhs/lhs`` as a float (tightness; ``inf`` if lhs is 0, ``nan`` if unknown).

    Parameters
    ----------
    name : str
        Human-readable label of the inequality ``lhs <= rhs``.
    status : {"proved", "disproved", "undecided"}
        ``"proved"``: the ball of ``rhs - lhs`` lies in :math:`[0,\infty)`;
        ``"disproved"``: it lies in :math:`(-\infty,0)`; ``"undecided"``: it still
        contains 0 (or is NaN) at the largest precision tried.
    prec : int
        Working precision (bits) at which it was decided (the last one tried if
        undecided).
    lhs : str
        The final ``lhs`` ball, printed with 10 digits (``arb.str(10)``).
    rhs : str
        The final ``rhs`` ball, printed with 10 digits.
    ratio : float
        Midpoint of ``rhs/lhs`` (tightness of the bound); ``inf`` if ``lhs`` is
        exactly 0, ``nan`` if ``lhs`` contains 0, is NaN, or the status is undecided.
    statement : tuple or None
        ``(lhs_expr, rhs_expr)``: the two sides in the expression language of
        :mod:`kmrbf.recheck` (instance names ``"X"``, ``"M"``, ``"sigma"``, ...), so the
        decision can be written as a re-checkable certificate; ``None`` if not stated.
    lhs_ball, rhs_ball : flint.arb or None
        The final balls themselves (exact midpoint and radius), ``None`` if not kept.
    """

    name: str
    status: str
    prec: int
    lhs: str
    rhs: str
    ratio: float
    statement: tuple[Any, Any] | None = field(default=None, compare=False, repr=False)
    lhs_ball: Any = field(default=None, compare=False, repr=False)
    rhs_ball: Any = field(default=None, compare=False, repr=False)


def _ratio(lhs: arb, rhs: arb) -> float:
    if lhs.is_zero():
        return float("inf")
    if lhs.is_nan() or rhs.is_nan() or not (lhs > 0 or lhs < 0):
        return float("nan")
    return float((rhs / lhs).mid())


def decide_le(compute: Callable[[int], tuple[arb, arb]], name: str, *, prec: int = 64,
              max_prec: int = MAX_PREC, statement: tuple[Any, Any] | None = None) -> Decision:
    r"""Decide ``lhs <= rhs`` where ``compute(prec) -> (lhs, rhs)`` are arb balls.

    Doubles the precision until the ball of ``rhs - lhs`` excludes the other side.

    Parameters
    ----------
    compute : callable
        ``compute(prec) -> (lhs, rhs)``: two ``flint.arb`` balls computed at ``prec``
        bits; it is called inside ``flint.ctx.workprec(prec)``.
    name : str
        Label of the inequality, stored in the result.
    prec : int, optional
        Starting precision in bits (default 64), doubled until decided.
    max_prec : int, optional
        Precision limit in bits (default :data:`MAX_PREC` = 65536): the first
        precision ``>= max_prec`` is the last one tried.
    statement : tuple, optional
        ``(lhs_expr, rhs_expr)``, what ``compute`` computes in the expression language of
        :mod:`kmrbf.recheck`; kept in the result (with the final balls) so the decision can
        be written as a certificate (:mod:`kmrbf.evidence.certificate`).

    Returns
    -------
    Decision
        ``"proved"`` if ``lhs <= rhs`` is certain, ``"disproved"`` if ``lhs > rhs``
        is certain, ``"undecided"`` otherwise; with the precision used, the final
        balls and the statement.

    Examples
    --------
    >>> decide_le(lambda p: (arb(1) / 3, arb(1) / 3), "1/3<=1/3").status   # radius > 0
    'undecided'
    >>> decide_le(lambda p: (arb(0), arb(1) - arb(1)), "0<=0").status      # exact ball 0
    'proved'
    """
    p = prec
    while True:
        with ctx.workprec(p):
            lhs, rhs = compute(p)
            diff = rhs - lhs
            if diff >= 0:
                return Decision(name, "proved", p, lhs.str(10), rhs.str(10), _ratio(lhs, rhs), statement, lhs, rhs)
            if diff < 0:
                return Decision(name, "disproved", p, lhs.str(10), rhs.str(10), _ratio(lhs, rhs), statement, lhs,
                                rhs)
        if p >= max_prec:
            return Decision(name, "undecided", p, lhs.str(10), rhs.str(10), float("nan"), statement, lhs, rhs)
        p *= 2


def _q(v: Any) -> fmpq:
    return exact_rational(v)


# ------------------------------------------------------------------ statements (kmrbf.recheck's language)
# Every decision below carries what it computed as an expression over the instance names "X" (data),
# "M" (centroids) and "sigma", so the evidence can write it as a certificate that kmrbf.recheck
# re-decides with its own implementation of these functionals.
def const_expr(v: Any) -> Any:
    """An exact rational constant of the certificate language: an ``int``, or ``["q", "p/q"]``.

    Parameters
    ----------
    v : real
        Converted exactly (Fraction, int, float, decimal string or ``fmpq``).

    Returns
    -------
    int or list
        ``int`` for an integer value, else ``["q", "p/q"]``.

    Examples
    --------
    >>> const_expr(2), const_expr("1.5")
    (2, ['q', '3/2'])
    """
    q = _q(v)
    return int(q.p) if q.q == 1 else ["q", f"{q.p}/{q.q}"]


def excess_expr() -> list[Any]:
    r""":math:`W_\sigma(M)-F_0(M)` in the certificate language.

    Returns
    -------
    list
        ``["-", ["W_sigma", "X", "M", "sigma"], ["F0", "X", "M"]]``.

    Examples
    --------
    >>> excess_expr()[0]
    '-'
    """
    return ["-", ["W_sigma", "X", "M", "sigma"], ["F0", "X", "M"]]


def limsup_bound_expr() -> list[Any]:
    r""":math:`N(K-1)\sigma/e` (:func:`limsup_bound`) in the certificate language.

    Returns
    -------
    list
        The expression, with :math:`N`, :math:`K` read from the instance matrices.

    Examples
    --------
    >>> limsup_bound_expr()[2]
    ['e']
    """
    return ["/", ["*", ["rows", "X"], ["-", ["rows", "M"], 1], "sigma"], ["e"]]


def deviation_sq_expr(k: int, alpha: Any = 1) -> list[Any]:
    r""":math:`\lVert\hat\mu_k-\mu_k\rVert^2` (entmax-:math:`\alpha` soft centroid at ``M``) in the certificate language.

    The quantity of :func:`deviation_sq` and (softmax, :math:`\alpha=1`) :func:`deviation_sq_fixed_point`.

    Parameters
    ----------
    k : int
        Cell index.
    alpha : real, optional
        entmax parameter (default 1: softmax), converted exactly.

    Returns
    -------
    list
        ``["soft_dev_sq", "X", "M", "sigma", k, alpha]``.

    Examples
    --------
    >>> deviation_sq_expr(0, "1.5")
    ['soft_dev_sq', 'X', 'M', 'sigma', 0, ['q', '3/2']]
    """
    return ["soft_dev_sq", "X", "M", "sigma", int(k), const_expr(alpha)]


def _eps_expr(delta: list[Any]) -> list[Any]:
    return ["exp", ["neg", ["/", delta, "sigma"]]]


def t3_bound_expr(key: str, k: int) -> list[Any]:
    r"""Theorem 3's bound ``key`` for cell ``k`` (:func:`t3_bound_balls`) in the certificate language.

    Parameters
    ----------
    key : {"instance", "per_cell", "global", "A"}
        Which bound (or :math:`A_k`).
    k : int
        Cell index.

    Returns
    -------
    list
        The expression, with :math:`\Delta`, :math:`\Delta_k`, :math:`n_k`, :math:`m`, :math:`N`,
        :math:`K` and :math:`\operatorname{diam}` computed from the instance.

    Raises
    ------
    ValueError
        If ``key`` is not one of the four names.

    Examples
    --------
    >>> t3_bound_expr("A", 1)
    ['A_k', 'X', 'M', 1]
    """
    K = ["rows", "M"]
    A = ["A_k", "X", "M", int(k)]
    if key == "A":
        return A
    if key in ("instance", "per_cell"):
        eps = _eps_expr(["Delta", "X", "M"] if key == "instance" else ["Delta_k", "X", "M", int(k)])
        return ["/", ["*", eps, A], ["*", ["cell_size", "X", "M", int(k)], ["-", 1, ["*", ["-", K, 1], eps]]]]
    if key == "global":
        return ["*", ["/", ["*", 2, ["sqrt", ["diam_sq", "X"]], ["rows", "X"], ["-", K, 1]],
                      ["min_cell_size", "X", "M"]], _eps_expr(["Delta", "X", "M"])]
    raise ValueError(f"key={key!r} is not one of 'instance', 'per_cell', 'global', 'A'")


def t4_constant_expr(alpha: Any = "1.5") -> list[Any]:
    r"""Theorem 4's :math:`C=\operatorname{diam}(X)/((\alpha-1)\Delta)` (:func:`t4_constant`) in the certificate language.

    Parameters
    ----------
    alpha : real or str, optional
        entmax parameter :math:`\alpha>1` (default ``"1.5"``), converted exactly.

    Returns
    -------
    list
        The expression.

    Examples
    --------
    >>> t4_constant_expr(2)
    ['/', ['sqrt', ['diam_sq', 'X']], ['*', 1, ['Delta', 'X', 'M']]]
    """
    return ["/", ["sqrt", ["diam_sq", "X"]], ["*", const_expr(_q(alpha) - 1), ["Delta", "X", "M"]]]


def limsup_bound(N: int, K: int, sigma: Any) -> arb:
    r"""The uniform limsup bound :math:`N(K-1)\sigma/e` as a ball at the caller's precision.

    It is the one formula behind :func:`certify_limsup`, so evidence that measures how close
    :math:`W_\sigma-F_0` comes to it (KR-T1-limsup) tests the very bound that is certified.

    Parameters
    ----------
    N : int
        Number of data points.
    K : int
        Number of centroids.
    sigma : real
        Temperature :math:`\sigma>0`, converted exactly (Fraction, int, float, decimal
        string or ``fmpq``).

    Returns
    -------
    flint.arb
        A ball containing :math:`N(K-1)\sigma/e`.

    Examples
    --------
    >>> from flint import ctx
    >>> with ctx.workprec(64):
    ...     b = limsup_bound(3, 2, 1)
    >>> b.overlaps(3 / arb.const_e())
    True
    """
    return arb(N * (K - 1)) * arb(_q(sigma)) / arb.const_e()


def certify_limsup(X: Any, M: Any, sigma: Any, *, max_prec: int = MAX_PREC) -> list[Decision]:
    r"""Certify :math:`0\le W_\sigma(M)-F_0(M)\le N(K-1)\sigma/e` for rational ``X``, ``M``, ``sigma``.

    Parameters
    ----------
    X : sequence of N rows of D numbers, or array of shape (N, D)
        Data points :math:`x_i`, converted **exactly** to rationals (Fractions,
        ints, floats, decimal strings, ``fmpq``; NumPy arrays via ``tolist``).
    M : sequence of K rows of D numbers, or array of shape (K, D)
        Centroids :math:`\mu_k` (any ``M``, not only a fixed point), converted exactly.
    sigma : real
        Temperature :math:`\sigma>0` (divides squared distances), converted exactly
        (Fraction, int, float, decimal string or ``fmpq``).
    max_prec : int, optional
        Precision limit in bits (see :func:`decide_le`).

    Returns
    -------
    list of Decision
        Two decisions, in this order: ``"W-F0>=0"`` and ``"W-F0<=N(K-1)sigma/e"``,
        where :math:`W_\sigma` uses the softmax responsibilities and :math:`F_0` is
        exact.

    Raises
    ------
    TypeError
        If ``X`` or ``M`` is not a sequence of sequences, or an entry is not a real
        number.
    ValueError
        If an entry or ``sigma`` is NaN or infinite.
    """
    Xq, Mq, sigma = exact_matrix(X), exact_matrix(M), _q(sigma)
    d = exact_sq_distances(Xq, Mq)
    f0 = sum((min(row) for row in d), fmpq(0))
    N, K = len(Xq), len(Mq)

    def excess(p: int) -> arb:
        return arb_W_sigma(Xq, Mq, sigma, prec=p) - arb(f0)

    return [
        decide_le(lambda p: (arb(0), excess(p)), "W-F0>=0", max_prec=max_prec, statement=(0, excess_expr())),
        decide_le(lambda p: (excess(p), limsup_bound(N, K, sigma)), "W-F0<=N(K-1)sigma/e", max_prec=max_prec,
                  statement=(excess_expr(), limsup_bound_expr())),
    ]


def deviation_sq(Xq: list[list[fmpq]], Mq: list[list[fmpq]], sigma: fmpq, k: int, alpha: Any, p: int) -> arb:
    r"""Squared deviation of the arb soft centroid from the given centroid, in ball arithmetic.

    .. math::

        \lVert\hat\mu_k-\mu^*_k\rVert^2=\sum_{j=1}^D(\hat\mu_{kj}-\mu^*_{kj})^2,\qquad
        \hat\mu_k=\frac{\sum_ir_{ik}x_i}{\sum_ir_{ik}},\quad
        r_i=\operatorname{entmax}_\alpha(-d_i/\sigma),\ d_{ik}=\lVert x_i-\mu^*_k\rVert^2,

    with :math:`\hat\mu_k` from :func:`kmrbf.numerics.arb.arb_soft_centroids` at ``p``
    bits and :math:`\mu^*_k` = ``Mq[k]`` (the centroids at which the responsibilities
    are evaluated: one soft-Lloyd step from ``Mq``).  The direct form: when
    :math:`\hat\mu_k` is exponentially close to :math:`\mu^*_k` the subtraction cancels
    and needs about :math:`1.45\max_{ij}(d_{ij}-d_{i(1)})/\sigma` bits (use
    :func:`deviation_sq_fixed_point` at a Lloyd fixed point, softmax).  Evaluated at
    the caller's context precision for the subtraction; wrap the call in
    ``flint.ctx.workprec(p)`` to run everything at ``p`` bits (as :func:`decide_le` does).

    Parameters
    ----------
    Xq : sequence of N rows of D rationals
        Data points :math:`x_i`, exact (``flint.fmpq`` from :func:`kmrbf.numerics.arb.exact_matrix`,
        or any input :func:`kmrbf.numerics.arb.arb_soft_centroids` converts exactly).
    Mq : list of K lists of D ``flint.fmpq``
        Centroids :math:`\mu^*_k`, exact (entries must be ``fmpq``, ints or floats:
        they are wrapped with ``arb(...)``).
    sigma : fmpq or real
        Temperature :math:`\sigma>0` (divides squared distances), converted exactly.
    k : int
        Index of the cell, ``0 <= k < K``.
    alpha : real or fmpq
        entmax parameter :math:`\alpha\ge1` (1 softmax, 3/2 entmax-1.5, 2 sparsemax),
        converted exactly.
    p : int
        Working precision of the soft centroids, in bits (``>= 16``).

    Returns
    -------
    flint.arb
        A ball containing :math:`\lVert\hat\mu_k-\mu^*_k\rVert^2\ge0`.

    Raises
    ------
    ValueError
        What :func:`kmrbf.numerics.arb.arb_soft_centroids` raises (``p < 16``, bad
        ``sigma``/``alpha``, mismatched shapes).
    IndexError
        If ``k`` is not a valid cell index.

    Examples
    --------
    >>> from fractions import Fraction
    >>> from flint import ctx
    >>> X = exact_matrix([[0], [1], [10], [11]]); M = exact_matrix([[Fraction(1, 2)], [Fraction(21, 2)]])
    >>> with ctx.workprec(64):
    ...     d = deviation_sq(X, M, Fraction(1, 2), 0, Fraction(3, 2), 64)   # entmax-1.5: one-hot
    >>> d.is_zero()
    True
    """
    c = arb_soft_centroids(Xq, Mq, sigma, alpha=alpha, prec=p)[k]
    # x*x, not x**2: python-flint 0.9 returns nan for (ball containing 0)**2
    return sum(((ck - arb(mk)) * (ck - arb(mk)) for ck, mk in zip(c, Mq[k])), arb(0))


def deviation_sq_fixed_point(Xq: list[list[fmpq]], Mq: list[list[fmpq]], lab: list[int], sigma: fmpq,
                             k: int, p: int) -> arb:
    r""":math:`\lVert\hat\mu_k-\mu^*_k\rVert^2` (softmax) without cancellation, for a Lloyd fixed point.

    Uses the exact identity (valid because :math:`\mu^*_k` is the exact mean of :math:`C_k`)
    :math:`\sum_ir_{ik}(x_i-\mu^*_k)=-\sum_{i\in C_k}(1-r_{ik})(x_i-\mu^*_k)+\sum_{i\notin C_k}r_{ik}(x_i-\mu^*_k)`
    with :math:`1-r_{ik}` and the foreign :math:`r_{ik}` formed from the exact gaps
    :math:`g_{ij}=d_{ij}-d_{i,c(i)}\ge0`: every term has full relative accuracy, so 64-128 bits
    suffice at any :math:`\sigma` (the direct form :func:`deviation_sq` needs about
    :math:`1.45\max g/\sigma` bits).  Here :math:`\hat\mu_k=\sum_ir_{ik}x_i/\sum_ir_{ik}` with
    the softmax responsibilities :math:`r_i=\operatorname{softmax}(-d_i/\sigma)` at ``Mq``.

    Parameters
    ----------
    Xq : list of N lists of D ``flint.fmpq``
        Data points :math:`x_i`, exact.
    Mq : list of K lists of D ``flint.fmpq``
        Centroids :math:`\mu^*_k`; must be a Lloyd fixed point of ``Xq`` (each
        :math:`\mu^*_k` the exact mean of its cell), otherwise the identity and the
        result are wrong (not checked).
    lab : list of int
        Cell :math:`c(i)\in[0,K)` of every point (the nearest centroid; length N).
    sigma : fmpq or real
        Temperature :math:`\sigma>0` (divides squared distances), converted exactly.
    k : int
        Index of the cell, ``0 <= k < K``.
    p : int
        Working precision in bits (scoped with ``flint.ctx.workprec``).

    Returns
    -------
    flint.arb
        A ball containing :math:`\lVert\hat\mu_k-\mu^*_k\rVert^2\ge0`, with full relative
        accuracy at any :math:`\sigma`.

    Examples
    --------
    >>> X = exact_matrix([[0], [1], [10], [11]]); M = exact_matrix([["0.5"], ["10.5"]])
    >>> d = deviation_sq_fixed_point(X, M, [0, 0, 1, 1], 1, 0, 128)
    >>> 0 < d < 1e-7
    True
    """
    d = exact_sq_distances(Xq, Mq)
    D, sigma = len(Mq[0]), _q(sigma)
    with ctx.workprec(p):
        num = [arb(0)] * D
        S = arb(0)
        for i, row in enumerate(d):
            own = lab[i]
            e = [(-arb(row[j] - row[own]) / arb(sigma)).exp() if j != own else arb(1) for j in range(len(row))]
            tot = sum(e, arb(0))
            diff = [arb(a - b) for a, b in zip(Xq[i], Mq[k])]
            if own == k:
                # 1 - r_ik = (sum of the foreign e_j)/tot: no cancellation
                w_minus = sum((e[j] for j in range(len(row)) if j != own), arb(0)) / tot
                num = [n - w_minus * v for n, v in zip(num, diff)]
                S += 1 - w_minus
            else:
                r = e[k] / tot
                num = [n + r * v for n, v in zip(num, diff)]
                S += r
        return sum((v * v for v in num), arb(0)) / (S * S)


def t3_bound_balls(inst: Any, sigma: Any, k: int) -> dict[str, arb]:
    r"""Theorem 3's three bounds for cell ``k`` as balls, at the caller's precision.

    With :math:`\varepsilon=e^{-\Delta/\sigma}`, :math:`\varepsilon_k=e^{-\Delta_k/\sigma}`,
    :math:`A_k=(K-1)\sum_{i\in C_k}\lVert x_i-\mu^*_k\rVert+\sum_{i\notin C_k}\lVert x_i-\mu^*_k\rVert`,
    :math:`n_k=\lvert C_k\rvert`, :math:`m=\min_kn_k`:

    .. math::

        b^{\rm inst}_k=\frac{\varepsilon A_k}{n_k(1-(K-1)\varepsilon)},\qquad
        b^{\rm cell}_k=\frac{\varepsilon_k A_k}{n_k(1-(K-1)\varepsilon_k)},\qquad
        b^{\rm glob}=\frac{2\operatorname{diam}(X)N(K-1)}{m}\varepsilon .

    These are the formulas :func:`certify_t3` certifies; evidence that measures how close the
    deviation comes to them (KR-T3) uses this same function.

    Parameters
    ----------
    inst : LloydInstance
        A verified Lloyd fixed point (:class:`kmrbf.numerics.lloyd_instances.LloydInstance`).
    sigma : real
        Temperature :math:`\sigma>0`, converted exactly.
    k : int
        Cell index, ``0 <= k < K``.

    Returns
    -------
    dict of flint.arb
        ``"instance"``, ``"per_cell"``, ``"global"`` and ``"A"`` (:math:`A_k`).  The first two
        are meaningful only while :math:`(K-1)\varepsilon<1`, the third for
        :math:`\sigma\le\Delta/\ln(2(K-1))` (the callers decide the range).

    Examples
    --------
    >>> from flint import ctx
    >>> from kmrbf.numerics.lloyd_instances import from_partition
    >>> inst = from_partition([[0.0], [1.0]], [0, 1])          # two singletons, Delta = 1
    >>> with ctx.workprec(64):
    ...     b = t3_bound_balls(inst, 1, 0)
    >>> b["instance"].overlaps(arb(-1).exp() / (1 - arb(-1).exp())), b["A"].overlaps(arb(1))
    (True, True)
    """
    Xq, Mq, sigma = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact), _q(sigma)
    K, N = len(Mq), len(Xq)
    lab = [int(v) for v in inst.labels]
    nk = inst.counts[k]
    diam2 = max(sum(((x - y) ** 2 for x, y in zip(u, v)), fmpq(0)) for u in Xq for v in Xq)
    eps = (-arb(_q(inst.delta)) / arb(sigma)).exp()
    epk = (-arb(_q(inst.delta_k[k])) / arb(sigma)).exp()
    dist = [arb(sum(((a - b) ** 2 for a, b in zip(x, Mq[k])), fmpq(0))).sqrt() for x in Xq]
    A = sum((dist[i] * (K - 1) if lab[i] == k else dist[i] for i in range(N)), arb(0))
    return {"instance": eps * A / (nk * (1 - (K - 1) * eps)),
            "per_cell": epk * A / (nk * (1 - (K - 1) * epk)),
            "global": 2 * arb(diam2).sqrt() * N * (K - 1) / min(inst.counts) * eps,
            "A": A}


def certify_t3(inst: Any, sigma: Any, *, max_prec: int = MAX_PREC) -> dict[str, Any]:
    r"""Certify Theorem 3's bounds for every cell of a :class:`LloydInstance` at ``sigma``.

    The bounds (:func:`t3_bound_balls`) are compared as squared norms (both sides
    non-negative, so the comparison is equivalent); the deviation is
    :func:`deviation_sq_fixed_point` (softmax).  Per cell: the instance bound
    :math:`\varepsilon A_k/(n_k(1-(K-1)\varepsilon))`, the per-cell (sharper) bound with
    :math:`\varepsilon_k`, the global bound :math:`2\operatorname{diam}(X)N(K-1)\varepsilon/m`
    where it applies, and :math:`\hat\mu_k\ne\mu^*_k` (decided as ``dev<=0``, expected
    ``disproved``).  The global bound applies for :math:`\sigma\ln(2(K-1))\le\Delta`; that
    range is itself decided with :func:`decide_le` (``global_range``): proved, the global rows
    are certified; disproved, they are omitted (outside the theorem's range); undecided, every
    global row is reported ``undecided`` -- never dropped, never passed.  ``rate[k]`` encloses
    :math:`\sigma\log\lVert\hat\mu_k-\mu^*_k\rVert+\Delta_k`.

    Parameters
    ----------
    inst : LloydInstance
        A verified Lloyd fixed point with margin :math:`\Delta>0` (:class:`kmrbf.numerics.lloyd_instances.LloydInstance`).
    sigma : real
        Temperature :math:`\sigma>0` (divides squared distances), converted exactly
        (Fraction, int, float, decimal string or ``fmpq``).
    max_prec : int, optional
        Precision limit in bits (see :func:`decide_le`).

    Returns
    -------
    dict
        ``"decisions"``: list of :class:`Decision`, per cell ``k`` in order the
        global-:math:`\varepsilon` bound, the per-cell (sharper) bound, the
        :math:`2\operatorname{diam}` bound (proved range: certified; undecided range: an
        ``undecided`` row; disproved range: absent) and ``dev<=0``;
        ``"global_range"``: the :class:`Decision` of :math:`\sigma\ln(2(K-1))\le\Delta`;
        ``"rate"``: list of K strings, the ball enclosing
        :math:`\sigma\log\lVert\hat\mu_k-\mu^*_k\rVert+\Delta_k` (6 digits), or
        ``"undecided"`` when the deviation could not be shown positive.
    """
    Xq, Mq, sigma = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact), _q(sigma)
    K = len(Mq)
    lab = [int(v) for v in inst.labels]
    out: list[Decision] = []
    rates: list[str] = []
    # the global bound's range sigma <= Delta/ln(2(K-1)), decided (an undecided range is reported)
    rng = decide_le(lambda p: (arb(sigma) * arb(2 * (K - 1)).log(), arb(_q(inst.delta))),
                    "sigma*ln(2(K-1))<=Delta", max_prec=max_prec,
                    statement=(["*", "sigma", ["log", ["*", 2, ["-", ["rows", "M"], 1]]]], ["Delta", "X", "M"]))
    for k in range(K):
        dk = _q(inst.delta_k[k])

        def sq(key: str, k: int = k) -> Callable[[int], tuple[arb, arb]]:
            def compute(p: int) -> tuple[arb, arb]:
                b = t3_bound_balls(inst, sigma, k)[key]
                return deviation_sq_fixed_point(Xq, Mq, lab, sigma, k, p), b * b
            return compute

        def st(key: str, k: int = k) -> tuple[Any, Any]:
            return deviation_sq_expr(k), ["sq", t3_bound_expr(key, k)]

        out.append(decide_le(sq("instance"), f"k={k}: dev<=eps*A/(n(1-(K-1)eps))", max_prec=max_prec,
                             statement=st("instance")))
        out.append(decide_le(sq("per_cell"), f"k={k}: dev<=eps_k*A/(n(1-(K-1)eps_k)) [sharper]",
                             max_prec=max_prec, statement=st("per_cell")))
        glob = f"k={k}: dev<=2diam*N(K-1)/m*eps"
        if rng.status == "proved":
            out.append(decide_le(sq("global"), glob, max_prec=max_prec, statement=st("global")))
        elif rng.status == "undecided":
            out.append(Decision(glob + " (range sigma*ln(2(K-1))<=Delta undecided)", "undecided", rng.prec,
                                rng.lhs, rng.rhs, float("nan")))
        # dev > 0: decide 'dev^2 <= 0' and expect it disproved
        pos = decide_le(lambda p, k=k: (deviation_sq_fixed_point(Xq, Mq, lab, sigma, k, p), arb(0)), f"k={k}: dev<=0",
                        max_prec=max_prec, statement=(deviation_sq_expr(k), 0))
        out.append(pos)
        with ctx.workprec(pos.prec):
            dev2 = deviation_sq_fixed_point(Xq, Mq, lab, sigma, k, pos.prec)
            if dev2 > 0:
                rates.append((arb(sigma) * dev2.log() / 2 + arb(dk)).str(6))
            else:
                rates.append("undecided")
    return {"decisions": out, "global_range": rng, "rate": rates}


def certify_entmax_exact(inst: Any, sigma: Any, alpha: Any, *, prec: int = 128) -> dict[str, Any]:
    r"""Is every entmax-:math:`\alpha` row at ``sigma`` exactly one-hot, so :math:`\hat\mu=M^*`?

    Exact rational decision of :math:`(\alpha-1)(d_{ij}-d_{i,c(i)})/\sigma\ge1` for all
    :math:`i, j\ne c(i)` (one-hot iff the top logit gap is :math:`\ge1/(\alpha-1)`), together
    with the arb soft centroids at ``prec``: ``exact_in_arb`` is ``True`` when every ball
    has radius 0 and equals :math:`\mu^*_k`.  ``one_hot_in_arb`` is ``True`` when the arb
    entmax responsibilities (support decided exactly / rigorously) put the exact ball 0 on
    every :math:`j\ne c(i)`: a probability vector with a single non-zero entry is that
    one-hot vector, so then :math:`\hat\mu_k=\mu^*_k` exactly, for every :math:`\alpha`
    (``exact_in_arb`` only holds where the surviving weight is computed exactly, e.g. 1.5).

    Parameters
    ----------
    inst : LloydInstance
        A verified Lloyd fixed point with margin :math:`\Delta>0` (:class:`kmrbf.numerics.lloyd_instances.LloydInstance`).
    sigma : real
        Temperature :math:`\sigma>0`, converted exactly (Fraction, int, float,
        decimal string or ``fmpq``).
    alpha : real
        entmax parameter :math:`\alpha\ge1`, converted exactly (e.g. ``Fraction(3, 2)``
        or ``"1.5"``); for :math:`\alpha=1` (softmax) ``one_hot`` is False whenever
        :math:`K\ge2`.
    prec : int, optional
        Precision of the arb responsibilities and centroids, in bits (``>= 16``).

    Returns
    -------
    dict
        Three Python bools: ``"one_hot"`` (the exact rational test
        :math:`(\alpha-1)(d_{ij}-d_{i,c(i)})\ge\sigma` for every :math:`i` and
        :math:`j\ne c(i)`), ``"exact_in_arb"`` (every arb soft centroid is an exact
        ball equal to :math:`\mu^*_k`) and ``"one_hot_in_arb"`` (every arb
        responsibility off the own cell is the exact ball 0); and ``"decision"``, the
        one-hot test as a :class:`Decision` of :math:`\sigma\le(\alpha-1)\Delta`, decided in exact
        rational arithmetic (its ``prec`` of 64 is nominal; proved iff ``one_hot``).
    """
    Xq, Mq, sigma, a = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact), _q(sigma), _q(alpha)
    d = exact_sq_distances(Xq, Mq)
    lab = [int(v) for v in inst.labels]
    one_hot = all((a - 1) * (row[j] - row[lab[i]]) >= sigma
                  for i, row in enumerate(d) for j in range(len(Mq)) if j != lab[i])
    # the same test as one exact inequality: sigma <= (alpha-1) * min_{i, j != c(i)} (d_ij - d_ic(i))
    gap = (a - 1) * min((row[j] - row[lab[i]] for i, row in enumerate(d) for j in range(len(Mq)) if j != lab[i]),
                        default=fmpq(0))
    exact_dec = Decision("one-hot: sigma<=(alpha-1)Delta", "proved" if sigma <= gap else "disproved", 64,
                         str(sigma), str(gap), float("nan"),
                         ("sigma", ["*", const_expr(a - 1), ["Delta", "X", "M"]]), sigma, gap)
    c = arb_soft_centroids(Xq, Mq, sigma, alpha=a, prec=prec)
    exact = all(v.rad() == 0 and v.mid() == arb(m) for row, mrow in zip(c, Mq)
                for v, m in zip(row, mrow))
    w = arb_responsibilities(Xq, Mq, sigma, alpha=a, prec=prec)
    one_hot_arb = all(w[i][j].is_zero() for i in range(len(Xq)) for j in range(len(Mq)) if j != lab[i])
    return {"one_hot": one_hot, "exact_in_arb": exact, "one_hot_in_arb": one_hot_arb, "decision": exact_dec}


def t4_constant(inst: Any, alpha: Any = "1.5") -> arb:
    r"""Theorem 4's explicit constant :math:`C=\operatorname{diam}(X)/((\alpha-1)\Delta)` as a ball.

    Below :math:`\sigma=(\alpha-1)\Delta` the entmax-:math:`\alpha` soft centroids equal
    :math:`M^*` (deviation 0); above it the deviation is at most :math:`\operatorname{diam}(X)`
    (both points lie in the convex hull of the data), so :math:`\lVert\hat\mu_k-\mu^*_k\rVert\le
    C\sigma` for every :math:`\sigma>0`.  The one formula behind :func:`certify_t4` and the
    best-constant evidence of KR-T4.

    Parameters
    ----------
    inst : LloydInstance
        A verified Lloyd fixed point with margin :math:`\Delta>0`.
    alpha : real or str, optional
        entmax parameter :math:`\alpha>1` (default ``"1.5"``), converted exactly.

    Returns
    -------
    flint.arb
        A ball containing :math:`C` at the caller's precision.

    Examples
    --------
    >>> from kmrbf.numerics.lloyd_instances import from_partition
    >>> inst = from_partition([[0.0], [1.0]], [0, 1])          # diam 1, Delta 1
    >>> t4_constant(inst, "1.5").overlaps(arb(2))
    True
    """
    Xq, a = exact_matrix(inst.X_exact), _q(alpha)
    diam2 = max(sum(((x - y) ** 2 for x, y in zip(u, v)), fmpq(0)) for u in Xq for v in Xq)
    return arb(diam2).sqrt() / arb((a - 1) * _q(inst.delta))


def certify_t4(inst: Any, sigma: Any, alpha: Any = "1.5", *,
               max_prec: int = MAX_PREC) -> list[Decision]:
    r"""Certify :math:`\lVert\hat\mu^{(\alpha)}_k-\mu^*_k\rVert\le C\sigma`,
    :math:`C=\operatorname{diam}(X)/((\alpha-1)\Delta)`, and decide whether :math:`\hat\mu_k=\mu^*_k`.

    Parameters
    ----------
    inst : LloydInstance
        A verified Lloyd fixed point with margin :math:`\Delta>0` (:class:`kmrbf.numerics.lloyd_instances.LloydInstance`).
    sigma : real
        Temperature :math:`\sigma>0`, converted exactly (Fraction, int, float, decimal
        string or ``fmpq``).
    alpha : real or str, optional
        entmax parameter :math:`\alpha>1` (default ``"1.5"``), converted exactly;
        :math:`\alpha=1` divides by zero in :math:`C`.
    max_prec : int, optional
        Precision limit in bits (see :func:`decide_le`).

    Returns
    -------
    list of Decision
        2K decisions, two per cell ``k`` in order: the bound, compared as squares,
        :math:`\lVert\hat\mu_k-\mu^*_k\rVert^2\le\operatorname{diam}(X)^2
        (\sigma/((\alpha-1)\Delta))^2` (from :func:`deviation_sq`), and
        ``dev<=0``: ``"proved"`` means the centroid did not move
        (:math:`\hat\mu_k=\mu^*_k` exactly), ``"disproved"`` that it moved.
    """
    Xq, Mq, sigma, a = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact), _q(sigma), _q(alpha)
    out = []

    def bound_sq(p: int) -> arb:
        b = t4_constant(inst, a) * arb(sigma)
        return b * b

    for k in range(len(Mq)):
        out.append(decide_le(
            lambda p, k=k: (deviation_sq(Xq, Mq, sigma, k, a, p), bound_sq(p)),
            f"k={k}: dev<=C*sigma, C=diam/((alpha-1)Delta)", max_prec=max_prec,
            statement=(deviation_sq_expr(k, a), ["sq", ["*", t4_constant_expr(a), "sigma"]])))
        out.append(decide_le(lambda p, k=k: (deviation_sq(Xq, Mq, sigma, k, a, p), arb(0)),
                             f"k={k}: dev<=0 (centroid did not move)", max_prec=max_prec,
                             statement=(deviation_sq_expr(k, a), 0)))
    return out
