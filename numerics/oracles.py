r"""Arbitrary-precision oracles (mpmath) for every float64 kernel.

Every function computes at ``dps`` significant decimal digits (default 50) plus
10 guard digits, with the precision **scoped** by ``mpmath.mp.workdps`` (the
global precision is never changed).  Inputs are numbers, strings or ``mpf``
(vectors: sequences; matrices: sequences of rows; NumPy arrays and anything
with ``tolist()`` are accepted).  Binary floats (Python, NumPy of any width,
``longdouble`` included) are converted exactly; ``Fraction``, ``Decimal`` and
``flint.fmpq`` from their exact ratio, correctly rounded once at the working
precision (never through ``float``).  Outputs are ``mpf`` / lists of ``mpf`` /
lists of lists of ``mpf``.

mpmath's exponent range is unbounded, so these are the ground truth exactly
where float64 underflows (e.g. :math:`e^{-10^4}`).

* :func:`mp_softmax`, :func:`mp_log_sum_exp`: direct formulas (max-shifted).
* :func:`mp_entmax`: ``alpha = 1`` softmax; ``alpha = 1.5`` and ``alpha = 2``
  exact sort-based threshold (closed form for :math:`\tau` on the support);
  any other ``alpha`` bracketing bisection on :math:`\tau` (safeguarded Newton
  steps inside the bracket) down to a relative width/step of :math:`2^{-(\text{prec}+8)}`.
* :func:`mp_sq_distances`, :func:`mp_F0`, :func:`mp_G_sigma`,
  :func:`mp_responsibilities`, :func:`mp_W_sigma`, :func:`mp_soft_centroids`,
  :func:`mp_grad_G_sigma`, :func:`mp_grad_W_sigma`: the SPEC §1 definitions,
  evaluated directly.  Soft centroids of a cluster with total weight 0 keep the
  previous centroid (same policy as the float64 kernel).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import mpmath
from mpmath import mp

__all__ = [
    "mp_F0",
    "mp_G_sigma",
    "mp_W_sigma",
    "mp_entmax",
    "mp_grad_G_sigma",
    "mp_grad_W_sigma",
    "mp_log_sum_exp",
    "mp_responsibilities",
    "mp_soft_centroids",
    "mp_softmax",
    "mp_sq_distances",
]

_GUARD = 10


def _num(v: Any) -> mpmath.mpf:
    """One real number as an ``mpf`` at the working precision.

    ``mpf`` and ints (exact up to the working precision) as they are; strings parsed by
    mpmath; anything with an exact integer ratio (``float``, NumPy floats of every width
    including ``longdouble``, ``Fraction``, ``Decimal``) or ``numerator``/``denominator``
    (``flint.fmpq``) from that ratio, **correctly rounded once** (binary floats: exactly).
    NaN and infinities keep their value.
    """
    if isinstance(v, mpmath.mpf):
        return +v
    if isinstance(v, str):
        return mp.mpf(v)
    if isinstance(v, bool):
        raise TypeError(f"expected a real number; got {v!r}")
    if isinstance(v, numbers.Integral):
        return mp.mpf(int(v))
    ratio = getattr(v, "as_integer_ratio", None)
    if ratio is not None:
        try:
            p, q = ratio()
        except (ValueError, OverflowError):  # NaN, +-inf: exact as floats
            return mp.mpf(float(v))
    elif hasattr(v, "numerator") and hasattr(v, "denominator"):  # flint.fmpq (fmpz parts)
        p, q = int(v.numerator), int(v.denominator)
    else:
        return mp.mpf(float(v))
    return mp.mpf(mpmath.libmp.from_rational(int(p), int(q), mp.prec, mpmath.libmp.round_nearest))


def _vec(z: Any) -> list[mpmath.mpf]:
    if hasattr(z, "tolist"):
        z = z.tolist()
    if not isinstance(z, Sequence):
        raise TypeError(f"expected a sequence of numbers; got {type(z).__name__}")
    return [_num(v) for v in z]


def _mat(X: Any) -> list[list[mpmath.mpf]]:
    if hasattr(X, "tolist"):
        X = X.tolist()
    return [_vec(row) for row in X]


# ----------------------------------------------------------------------------- activations


def _softmax(z: list) -> list:
    m = max(z)
    e = [mp.exp(v - m) for v in z]
    s = mp.fsum(e)
    return [v / s for v in e]


def _lse(z: list) -> mpmath.mpf:
    m = max(z)
    if m == mp.ninf:
        return mp.ninf
    return m + mp.log(mp.fsum(mp.exp(v - m) for v in z))


def _entmax_sorted(x: list, alpha: mpmath.mpf) -> list:
    """Exact threshold for alpha in {1.5, 2}; ``x`` already scaled and shifted (max 0)."""
    xs = sorted(x, reverse=True)
    kk = len(xs)
    tau = None
    for k in range(kk, 0, -1):
        head = xs[:k]
        if head[-1] == mp.ninf:
            continue
        mean = mp.fsum(head) / k
        if alpha == 2:
            t = (mp.fsum(head) - 1) / k
        else:
            var = mp.fsum((v - mean) ** 2 for v in head) / k
            rad = mp.mpf(1) / k - var
            if rad < 0:
                continue
            t = mean - mp.sqrt(rad)
        if head[-1] > t:
            tau = t
            break
    if tau is None:  # pragma: no cover - k = 1 always qualifies
        raise AssertionError("no support found")
    power = 1 if alpha == 2 else 2
    return [(v - tau) ** power if v > tau else mp.zero for v in x]


def _entmax_bisect(x: list, alpha: mpmath.mpf) -> list:
    """Bracketing bisection on tau, accelerated by Newton steps that stay inside the bracket.

    f(tau) = sum_j [x_j - tau]_+^beta - 1 is continuous and strictly decreasing; every
    step keeps lo <= tau* <= hi, a Newton iterate outside (lo, hi) is replaced by the
    midpoint, and the loop stops once the bracket or the step is below 2^-(prec+8)|tau|.
    """
    am1 = alpha - 1
    inv = 1 / am1
    lo, hi = mp.mpf(-1), -(mp.mpf(len(x)) ** (-am1))

    def total(t):
        return mp.fsum((v - t) ** inv for v in x if v > t) - 1

    def slope(t):
        return -inv * mp.fsum((v - t) ** (inv - 1) for v in x if v > t)

    target = mp.mpf(2) ** (-(mp.prec + 8))
    t = (lo + hi) / 2
    for _ in range(10 * mp.prec):
        fv = total(t)
        if fv >= 0:
            lo = t
        else:
            hi = t
        if hi - lo <= target * abs(lo):
            break
        fp = slope(t)
        tn = t - fv / fp if fp != 0 else (lo + hi) / 2
        if not lo < tn < hi:
            tn = (lo + hi) / 2
        if abs(tn - t) <= target * abs(t):
            t = tn
            break
        t = tn
    p = [(v - t) ** inv if v > t else mp.zero for v in x]
    s = mp.fsum(p)
    return [v / s for v in p]


def _entmax(z: list, alpha: mpmath.mpf) -> list:
    if alpha == 1:
        return _softmax(z)
    m = max(z)
    x = [(alpha - 1) * (v - m) for v in z]
    if alpha == 2 or alpha == mp.mpf(3) / 2:
        return _entmax_sorted(x, alpha)
    return _entmax_bisect(x, alpha)


def mp_softmax(z: Any, *, dps: int = 50) -> list:
    r"""Softmax :math:`e^{z_j-m}/\sum_l e^{z_l-m}` at ``dps`` digits.

    Parameters
    ----------
    z : sequence of numbers or 1-D array
        Logits (floats converted exactly; ints, strings and ``mpf`` accepted).
    dps : int, optional
        Requested decimal digits; the computation runs at ``dps + 10`` digits,
        scoped with ``mpmath.mp.workdps`` (the global precision is unchanged).

    Returns
    -------
    list of mpmath.mpf
        The probabilities, one per logit, summing to 1.

    Examples
    --------
    >>> [mpmath.nstr(p, 5) for p in mp_softmax([0, "1.0986122886681098"])]
    ['0.25', '0.75']
    """
    with mp.workdps(dps + _GUARD):
        return _softmax(_vec(z))


def mp_log_sum_exp(z: Any, *, dps: int = 50) -> mpmath.mpf:
    r""":math:`\log\sum_j e^{z_j}` at ``dps`` digits (``-inf`` if every entry is ``-inf``).

    Parameters
    ----------
    z : sequence of numbers or 1-D array
        Logits (floats converted exactly; ints, strings and ``mpf`` accepted).
    dps : int, optional
        Requested decimal digits; the computation runs at ``dps + 10`` digits,
        scoped with ``mpmath.mp.workdps`` (the global precision is unchanged).

    Returns
    -------
    mpmath.mpf
        :math:`\log\sum_je^{z_j}=m+\log\sum_je^{z_j-m}`, :math:`m=\max_jz_j`.

    Examples
    --------
    >>> mpmath.nstr(mp_log_sum_exp([1000, 1000]), 20)
    '1000.6931471805599453'
    """
    with mp.workdps(dps + _GUARD):
        return _lse(_vec(z))


def mp_entmax(z: Any, alpha: Any, *, dps: int = 50) -> list:
    r""":math:`\operatorname{entmax}_\alpha(z)` at ``dps`` digits, any ``alpha >= 1``.

    Exact sort for ``alpha`` in {1.5, 2}, softmax for 1, bisection otherwise.

    Parameters
    ----------
    z : sequence of numbers or 1-D array
        Logits (floats converted exactly; ints, strings and ``mpf`` accepted).
    alpha : real, str or mpmath.mpf
        entmax parameter :math:`\alpha\ge1`; :math:`p_j=[(\alpha-1)(z_j-\max z)-\tau]_+^{1/(\alpha-1)}`
        (Peters et al. 2019).  Strings give exact decimal values such as ``"1.25"``.
    dps : int, optional
        Requested decimal digits; the computation runs at ``dps + 10`` digits,
        scoped with ``mpmath.mp.workdps`` (the global precision is unchanged).

    Returns
    -------
    list of mpmath.mpf
        The probabilities, one per logit, summing to 1.

    Raises
    ------
    ValueError
        If ``alpha < 1`` (or NaN).
    TypeError
        If ``z`` is not a sequence (or array).

    Examples
    --------
    >>> [mpmath.nstr(p, 5) for p in mp_entmax([0.4, 0], 1.5)]
    ['0.64', '0.36']
    >>> [mpmath.nstr(p, 5) for p in mp_entmax([0.4, 0], "1.25")]
    ['0.61746', '0.38254']
    """
    with mp.workdps(dps + _GUARD):
        a = _num(alpha)
        if not a >= 1:
            raise ValueError(f"alpha must be >= 1; got {alpha!r}")
        return _entmax(_vec(z), a)


# ----------------------------------------------------------------------------- functionals


def _sqd(X: list, M: list) -> list:
    return [[mp.fsum((a - b) ** 2 for a, b in zip(x, mu)) for mu in M] for x in X]


def _resp(d: list, sigma, alpha) -> list:
    return [_entmax([-v / sigma for v in row], alpha) for row in d]


def mp_sq_distances(X: Any, M: Any, *, dps: int = 50) -> list:
    r""":math:`d_{ik}=\sum_j(x_{ij}-\mu_{kj})^2` at ``dps`` digits, list of N rows of K.

    Parameters
    ----------
    X : sequence of N rows of D numbers, or array of shape (N, D)
        Data points :math:`x_i` (floats converted exactly; strings / ``mpf`` at the
        working precision).  Not validated.
    M : sequence of K rows of D numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, same ``D``.
    dps : int, optional
        Requested decimal digits; the computation runs at ``dps + 10`` digits,
        scoped with ``mpmath.mp.workdps`` (the global precision is unchanged).

    Returns
    -------
    list of list of mpmath.mpf
        N rows of K numbers (row ``i`` belongs to :math:`x_i`).

    Examples
    --------
    >>> mp_sq_distances([[0, 0], [3, 4]], [[0, 0]])
    [[mpf('0.0')], [mpf('25.0')]]
    """
    with mp.workdps(dps + _GUARD):
        return _sqd(_mat(X), _mat(M))


def mp_F0(X: Any, M: Any, *, dps: int = 50) -> mpmath.mpf:
    r""":math:`F_0=\sum_i\min_kd_{ik}` at ``dps`` digits.

    Parameters
    ----------
    X : sequence of N rows of D numbers, or array of shape (N, D)
        Data points :math:`x_i` (floats converted exactly; strings / ``mpf`` at the
        working precision).  Not validated.
    M : sequence of K rows of D numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, same ``D``.
    dps : int, optional
        Requested decimal digits; the computation runs at ``dps + 10`` digits,
        scoped with ``mpmath.mp.workdps`` (the global precision is unchanged).

    Returns
    -------
    mpmath.mpf
        :math:`F_0(M)=\sum_i\min_k\lVert x_i-\mu_k\rVert^2`.

    Examples
    --------
    >>> mp_F0([[0], [1], [5]], [[0], [4]])
    mpf('2.0')
    """
    with mp.workdps(dps + _GUARD):
        return mp.fsum(min(row) for row in _sqd(_mat(X), _mat(M)))


def mp_G_sigma(X: Any, M: Any, sigma: Any, *, dps: int = 50) -> mpmath.mpf:
    r""":math:`G_\sigma=-\sigma\sum_i\log\sum_ke^{-d_{ik}/\sigma}` at ``dps`` digits.

    Parameters
    ----------
    X : sequence of N rows of D numbers, or array of shape (N, D)
        Data points :math:`x_i` (floats converted exactly; strings / ``mpf`` at the
        working precision).  Not validated.
    M : sequence of K rows of D numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, same ``D``.
    sigma : real, str or mpmath.mpf
        Temperature :math:`\sigma>0`, dividing squared distances
        (:math:`z_{ik}=-d_{ik}/\sigma`); not validated.
    dps : int, optional
        Requested decimal digits; the computation runs at ``dps + 10`` digits,
        scoped with ``mpmath.mp.workdps`` (the global precision is unchanged).

    Returns
    -------
    mpmath.mpf
        :math:`G_\sigma(M)` (max-shifted log-sum-exp per row, no underflow).

    Examples
    --------
    >>> mpmath.nstr(mp_G_sigma([[0], [1]], [[0.5], [0.5]], 1), 12)  # 0.5 - 2 log 2
    '-0.88629436112'
    """
    with mp.workdps(dps + _GUARD):
        sigma = _num(sigma)
        return -sigma * mp.fsum(_lse([-v / sigma for v in row]) for row in _sqd(_mat(X), _mat(M)))


def mp_responsibilities(X: Any, M: Any, sigma: Any, *, alpha: Any = 1, dps: int = 50) -> list:
    r""":math:`r_{ik}=\operatorname{entmax}_\alpha(-d_i/\sigma)_k` at ``dps`` digits (N rows of K).

    Parameters
    ----------
    X : sequence of N rows of D numbers, or array of shape (N, D)
        Data points :math:`x_i` (floats converted exactly; strings / ``mpf`` at the
        working precision).  Not validated.
    M : sequence of K rows of D numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, same ``D``.
    sigma : real, str or mpmath.mpf
        Temperature :math:`\sigma>0`, dividing squared distances
        (:math:`z_{ik}=-d_{ik}/\sigma`); not validated.
    alpha : real, str or mpmath.mpf, optional
        entmax parameter :math:`\alpha\ge1` (1 softmax, the default; exactly 1.5 or 2:
        sort-based; otherwise bisection).  Not validated here: :math:`\alpha<1`
        gives meaningless results.
    dps : int, optional
        Requested decimal digits; the computation runs at ``dps + 10`` digits,
        scoped with ``mpmath.mp.workdps`` (the global precision is unchanged).

    Returns
    -------
    list of list of mpmath.mpf
        N rows of K numbers (row ``i`` belongs to :math:`x_i`).

    Examples
    --------
    >>> [[mpmath.nstr(v, 3) for v in row] for row in mp_responsibilities([[0], [1]], [[0], [1]], 1)]
    [['0.731', '0.269'], ['0.269', '0.731']]
    """
    with mp.workdps(dps + _GUARD):
        return _resp(_sqd(_mat(X), _mat(M)), _num(sigma), _num(alpha))


def mp_W_sigma(X: Any, M: Any, sigma: Any, *, alpha: Any = 1, dps: int = 50) -> mpmath.mpf:
    r""":math:`W^{(\alpha)}_\sigma=\sum_{ik}r_{ik}d_{ik}` at ``dps`` digits.

    Parameters
    ----------
    X : sequence of N rows of D numbers, or array of shape (N, D)
        Data points :math:`x_i` (floats converted exactly; strings / ``mpf`` at the
        working precision).  Not validated.
    M : sequence of K rows of D numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, same ``D``.
    sigma : real, str or mpmath.mpf
        Temperature :math:`\sigma>0`, dividing squared distances
        (:math:`z_{ik}=-d_{ik}/\sigma`); not validated.
    alpha : real, str or mpmath.mpf, optional
        entmax parameter :math:`\alpha\ge1` (1 softmax, the default; exactly 1.5 or 2:
        sort-based; otherwise bisection).  Not validated here: :math:`\alpha<1`
        gives meaningless results.
    dps : int, optional
        Requested decimal digits; the computation runs at ``dps + 10`` digits,
        scoped with ``mpmath.mp.workdps`` (the global precision is unchanged).

    Returns
    -------
    mpmath.mpf
        :math:`W^{(\alpha)}_\sigma(M)`, :math:`r=\operatorname{entmax}_\alpha(-d_i/\sigma)`.

    Examples
    --------
    >>> mpmath.nstr(mp_W_sigma([[0], [1]], [[0], [1]], 1 / mpmath.log(3)), 15)
    '0.5'
    """
    with mp.workdps(dps + _GUARD):
        d = _sqd(_mat(X), _mat(M))
        r = _resp(d, _num(sigma), _num(alpha))
        return mp.fsum(rv * dv for rr, dr in zip(r, d) for rv, dv in zip(rr, dr))


def mp_soft_centroids(X: Any, M: Any, sigma: Any, *, alpha: Any = 1, dps: int = 50) -> list:
    r"""Soft centroids :math:`\hat\mu_k=\sum_ir_{ik}x_i/\sum_ir_{ik}` at ``dps`` digits (K rows of D).

    A cluster with :math:`\sum_i r_{ik} = 0` keeps :math:`\mu_k`.

    Parameters
    ----------
    X : sequence of N rows of D numbers, or array of shape (N, D)
        Data points :math:`x_i` (floats converted exactly; strings / ``mpf`` at the
        working precision).  Not validated.
    M : sequence of K rows of D numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, same ``D``.
    sigma : real, str or mpmath.mpf
        Temperature :math:`\sigma>0`, dividing squared distances
        (:math:`z_{ik}=-d_{ik}/\sigma`); not validated.
    alpha : real, str or mpmath.mpf, optional
        entmax parameter :math:`\alpha\ge1` (1 softmax, the default; exactly 1.5 or 2:
        sort-based; otherwise bisection).  Not validated here: :math:`\alpha<1`
        gives meaningless results.
    dps : int, optional
        Requested decimal digits; the computation runs at ``dps + 10`` digits,
        scoped with ``mpmath.mp.workdps`` (the global precision is unchanged).

    Returns
    -------
    list of list of mpmath.mpf
        K rows of D numbers (row ``k`` belongs to :math:`\mu_k`).

    Examples
    --------
    >>> [[mpmath.nstr(v, 6) for v in row] for row in mp_soft_centroids([[0], [1]], [[0], [1]], 1)]
    [['0.268941'], ['0.731059']]
    """
    with mp.workdps(dps + _GUARD):
        Xm, Mm = _mat(X), _mat(M)
        r = _resp(_sqd(Xm, Mm), _num(sigma), _num(alpha))
        out = []
        for k, mu in enumerate(Mm):
            w = [row[k] for row in r]
            s = mp.fsum(w)
            if s == 0:
                out.append(list(mu))
                continue
            out.append([mp.fsum(wi * x[j] for wi, x in zip(w, Xm)) / s for j in range(len(mu))])
        return out


def mp_grad_G_sigma(X: Any, M: Any, sigma: Any, *, dps: int = 50) -> list:
    r""":math:`\nabla_{\mu_k}G_\sigma=2\sum_ir_{ik}(\mu_k-x_i)` at ``dps`` digits (K rows of D).

    Parameters
    ----------
    X : sequence of N rows of D numbers, or array of shape (N, D)
        Data points :math:`x_i` (floats converted exactly; strings / ``mpf`` at the
        working precision).  Not validated.
    M : sequence of K rows of D numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, same ``D``.
    sigma : real, str or mpmath.mpf
        Temperature :math:`\sigma>0`, dividing squared distances
        (:math:`z_{ik}=-d_{ik}/\sigma`); not validated.
    dps : int, optional
        Requested decimal digits; the computation runs at ``dps + 10`` digits,
        scoped with ``mpmath.mp.workdps`` (the global precision is unchanged).

    Returns
    -------
    list of list of mpmath.mpf
        K rows of D numbers (row ``k`` belongs to :math:`\mu_k`).

    Examples
    --------
    >>> mp_grad_G_sigma([[0], [2]], [[1]], 1)
    [[mpf('0.0')]]
    """
    with mp.workdps(dps + _GUARD):
        Xm, Mm = _mat(X), _mat(M)
        r = _resp(_sqd(Xm, Mm), _num(sigma), mp.one)
        return [[2 * mp.fsum(row[k] * (mu[j] - x[j]) for row, x in zip(r, Xm)) for j in range(len(mu))]
                for k, mu in enumerate(Mm)]


def _entmax_jvp_weights(p: list, d: list, sigma, alpha) -> list:
    """``dW/dd_ik = p_k - (1/sigma) s_k (d_k - dbar)``, ``s = p^(2-alpha)`` on the support."""
    s = [v ** (2 - alpha) if v > 0 else mp.zero for v in p]
    ss = mp.fsum(s)
    dbar = mp.fsum(sv * dv for sv, dv in zip(s, d)) / ss
    return [pv - sv * (dv - dbar) / sigma for pv, sv, dv in zip(p, s, d)]


def mp_grad_W_sigma(X: Any, M: Any, sigma: Any, *, alpha: Any = 1, dps: int = 50) -> list:
    r""":math:`\nabla_{\mu_k}W^{(\alpha)}_\sigma=2\sum_ig_{ik}(\mu_k-x_i)` at ``dps`` digits (K rows of D).

    :math:`g_{ik}=p_{ik}-s_{ik}(d_{ik}-\bar d_i)/\sigma`, :math:`s=p^{2-\alpha}` on the
    support, :math:`\bar d_i=\sum_js_{ij}d_{ij}/\sum_js_{ij}` (the entmax Jacobian
    :math:`\operatorname{diag}(s)-ss^\top/\sum s`; softmax for ``alpha = 1``).

    Parameters
    ----------
    X : sequence of N rows of D numbers, or array of shape (N, D)
        Data points :math:`x_i` (floats converted exactly; strings / ``mpf`` at the
        working precision).  Not validated.
    M : sequence of K rows of D numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, same ``D``.
    sigma : real, str or mpmath.mpf
        Temperature :math:`\sigma>0`, dividing squared distances
        (:math:`z_{ik}=-d_{ik}/\sigma`); not validated.
    alpha : real, str or mpmath.mpf, optional
        entmax parameter :math:`\alpha\ge1` (1 softmax, the default; exactly 1.5 or 2:
        sort-based; otherwise bisection).  Not validated here: :math:`\alpha<1`
        gives meaningless results.
    dps : int, optional
        Requested decimal digits; the computation runs at ``dps + 10`` digits,
        scoped with ``mpmath.mp.workdps`` (the global precision is unchanged).

    Returns
    -------
    list of list of mpmath.mpf
        K rows of D numbers (row ``k`` belongs to :math:`\mu_k`).

    Examples
    --------
    >>> mp_grad_W_sigma([[0], [2]], [[1]], 1)
    [[mpf('0.0')]]
    """
    with mp.workdps(dps + _GUARD):
        Xm, Mm = _mat(X), _mat(M)
        s_, a = _num(sigma), _num(alpha)
        d = _sqd(Xm, Mm)
        r = _resp(d, s_, a)
        g = [_entmax_jvp_weights(p, drow, s_, a) for p, drow in zip(r, d)]
        return [[2 * mp.fsum(row[k] * (mu[j] - x[j]) for row, x in zip(g, Xm)) for j in range(len(mu))]
                for k, mu in enumerate(Mm)]
