r"""Rigorous arbitrary-precision kernels (python-flint ``arb`` ball arithmetic).

Every function takes plain Python data — floats, ints, decimal strings,
:class:`fractions.Fraction`, ``flint.fmpq`` or ``mpmath.mpf`` scalars, lists
(or NumPy arrays) of them — and a ``prec`` keyword (bits), and returns
``flint.arb`` balls (or nested lists of them) that are guaranteed to contain
the exact value of the function *at the given inputs*.

Inputs are first converted **exactly** to rationals (a binary float is a
dyadic rational; a decimal string is parsed exactly), so squared distances
and logits :math:`z_{ik}=-d_{ik}/\sigma` are exact rationals and only
``exp``/``log``/``sqrt``/powers round, inside arb's error tracking.  Precision
is scoped with :meth:`flint.ctx.workprec`; the global context is never changed.
arb has an unbounded exponent range, so nothing underflows: ``exp(-1e10)`` is
an honest, tiny ball.

Conventions (SPEC §1): :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2`, logits
:math:`z_{ik}=-d_{ik}/\sigma`; :math:`\alpha`-entmax
:math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`, :math:`\alpha=1` is softmax.

Functions
---------
exact_rational, to_arb, arb_to_float
arb_log_sum_exp, arb_softmax, arb_entmax15, arb_entmax, arb_jvp
exact_sq_distances, arb_responsibilities, arb_soft_centroids,
arb_G_sigma, arb_W_sigma, arb_grad_W_sigma
rel_error, abs_error

Examples
--------
>>> from kmrbf.numerics.arb import arb_softmax, arb_to_float
>>> p = arb_softmax([0.0, -1000.0], prec=128)
>>> arb_to_float(p[1])            # exp(-1000)/(1+exp(-1000)): no underflow in arb
0.0
>>> p[1] > 0 and p[1] < to_arb("1e-434")
True
>>> [round(arb_to_float(x), 15) for x in arb_entmax15([0.0, -0.4, -3.0])]
[0.64, 0.36, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from flint import arb, ctx, fmpq

__all__ = [
    "DEFAULT_PREC",
    "exact_rational",
    "to_arb",
    "arb_to_float",
    "arb_log_sum_exp",
    "arb_softmax",
    "arb_entmax15",
    "arb_entmax",
    "arb_jvp",
    "exact_sq_distances",
    "arb_responsibilities",
    "arb_soft_centroids",
    "arb_G_sigma",
    "arb_W_sigma",
    "arb_grad_W_sigma",
    "rel_error",
    "abs_error",
]

#: default working precision in bits (about 38 decimal digits)
DEFAULT_PREC = 128


# --------------------------------------------------------------------------- conversion
def exact_rational(x: Any) -> fmpq:
    """The exact rational value of a scalar ``x`` as ``flint.fmpq``.

    Floats (Python, NumPy float16/32/64, torch scalars via ``float``) are dyadic
    rationals and convert exactly; decimal strings are parsed exactly; an ``arb``
    ball gives the exact value of its midpoint.

    >>> exact_rational(0.5), exact_rational("0.1"), exact_rational(3)
    (1/2, 1/10, 3)
    >>> exact_rational(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: x=nan is not a finite number
    """
    if isinstance(x, fmpq):
        return x
    if isinstance(x, arb):  # an exact ball (e.g. a midpoint): its dyadic value
        if not x.is_exact():
            x = x.mid()
        man, exp = x.man_exp()
        man, exp = int(man), int(exp)
        return fmpq(man * 2**exp) if exp >= 0 else fmpq(man, 2 ** (-exp))
    if isinstance(x, bool):
        raise TypeError(f"x={x!r} is a bool, not a number")
    if isinstance(x, int):
        return fmpq(x)
    if isinstance(x, Fraction):
        return fmpq(x.numerator, x.denominator)
    if isinstance(x, str):
        f = Fraction(x.strip())
        return fmpq(f.numerator, f.denominator)
    if hasattr(x, "man") and hasattr(x, "exp") and hasattr(x, "_mpf_"):  # mpmath.mpf
        man, exp = int(x.man), int(x.exp)
        return fmpq(man * 2**exp) if exp >= 0 else fmpq(man, 2 ** (-exp))
    try:
        xf = float(x)
    except (TypeError, ValueError):
        raise TypeError(f"x={x!r} of type {type(x).__name__} is not a real number") from None
    if xf != xf or xf in (float("inf"), float("-inf")):
        raise ValueError(f"x={xf!r} is not a finite number")
    f = Fraction(xf)
    return fmpq(f.numerator, f.denominator)


def to_arb(x: Any, *, prec: int = DEFAULT_PREC) -> arb:
    """``x`` as an arb ball at ``prec`` bits (exact when ``x`` is dyadic and fits)."""
    if isinstance(x, arb):
        return x
    with ctx.workprec(prec):
        return arb(exact_rational(x))


def arb_to_float(a: arb) -> float:
    """The midpoint of ``a`` rounded to a Python float (``nan`` for a nan ball)."""
    if a.is_nan():
        return float("nan")
    return float(a.mid())


def _vec(z: Any) -> list[fmpq]:
    return [exact_rational(v) for v in _as_list(z)]


def _mat(X: Any) -> list[list[fmpq]]:
    return [[exact_rational(v) for v in _as_list(row)] for row in _as_list(X)]


def _as_list(z: Any) -> list[Any]:
    if hasattr(z, "tolist"):
        z = z.tolist()
    if isinstance(z, (str, bytes)) or not isinstance(z, Sequence):
        raise TypeError(f"expected a sequence, got {type(z).__name__}")
    return list(z)


def _check_prec(prec: int) -> None:
    if not isinstance(prec, int) or prec < 16:
        raise ValueError(f"prec={prec!r} must be an integer number of bits >= 16")


# --------------------------------------------------------------------------- vector maps
def arb_log_sum_exp(z: Any, *, prec: int = DEFAULT_PREC) -> arb:
    r"""Enclosure of :math:`\log\sum_j e^{z_j}` (max-shifted; exact rational shift).

    >>> from flint import arb
    >>> v = arb_log_sum_exp([0, 0], prec=64)
    >>> v.overlaps(arb(2).log())
    True
    """
    _check_prec(prec)
    zq = _vec(z)
    if not zq:
        raise ValueError("z is empty")
    m = max(zq)
    with ctx.workprec(prec):
        s = sum((arb(v - m).exp() for v in zq), arb(0))
        return arb(m) + s.log()


def arb_softmax(z: Any, *, prec: int = DEFAULT_PREC) -> list[arb]:
    r"""Enclosures of :math:`e^{z_j}/\sum_l e^{z_l}`; every entry has full relative accuracy.

    >>> [arb_to_float(p) for p in arb_softmax([1.0, 1.0])]
    [0.5, 0.5]
    """
    _check_prec(prec)
    zq = _vec(z)
    if not zq:
        raise ValueError("z is empty")
    m = max(zq)
    with ctx.workprec(prec):
        e = [arb(v - m).exp() for v in zq]
        s = sum(e, arb(0))
        return [x / s for x in e]


def _entmax15_parts(zq: list[fmpq], prec: int) -> tuple[list[arb], list[bool]]:
    r"""Return ``(p, support)`` for entmax-1.5 of exact rational logits.

    With :math:`y=z/2` sorted decreasingly, index :math:`k` is in the support iff
    :math:`\sum_{j\le k}(y_{(j)}-y_{(k)})^2<1` (exact rational test).  On a support
    of size :math:`k`, :math:`\tau=\bar y-\sqrt{\delta}`,
    :math:`\delta=(1-\sum_{j\le k}(y_{(j)}-\bar y)^2)/k`, and
    :math:`p_j=(y_j-\tau)^2`; when :math:`c=y_j-\bar y<0` the base is evaluated as
    :math:`(c^2-\delta)/(c-\sqrt\delta)` to avoid cancellation.
    """
    y = [v / 2 for v in zq]
    order = sorted(range(len(y)), key=lambda j: y[j], reverse=True)
    ys = [y[j] for j in order]
    k = 1
    for kk in range(2, len(ys) + 1):
        if sum(((ys[j] - ys[kk - 1]) ** 2 for j in range(kk)), fmpq(0)) < 1:
            k = kk
        else:
            break
    top = ys[:k]
    mean = sum(top, fmpq(0)) / k
    delta = (1 - sum(((v - mean) ** 2 for v in top), fmpq(0))) / k
    support = [False] * len(y)
    for j in order[:k]:
        support[j] = True
    with ctx.workprec(prec):
        sd = arb(delta).sqrt()
        p = []
        for j, v in enumerate(y):
            if not support[j]:
                p.append(arb(0))
                continue
            c = v - mean
            base = arb(c) + sd if c >= 0 else arb(c * c - delta) / (arb(c) - sd)
            p.append(base * base)
    return p, support


def arb_entmax15(z: Any, *, prec: int = DEFAULT_PREC) -> list[arb]:
    r"""Enclosures of :math:`\operatorname{entmax}_{1.5}(z)` with the exact support.

    :math:`p_j=[z_j/2-\tau]_+^2`, :math:`\sum_jp_j=1`.  Entries outside the support
    are the exact ball ``0``.

    >>> [arb_to_float(p) for p in arb_entmax15([0, 0, -10])]
    [0.5, 0.5, 0.0]
    """
    _check_prec(prec)
    zq = _vec(z)
    if not zq:
        raise ValueError("z is empty")
    return _entmax15_parts(zq, prec)[0]


def _entmax_general(zq: list[fmpq], alpha: fmpq, prec: int) -> tuple[list[arb], list[bool]]:
    # support test: k in support iff sum_{j<=k} ((a-1)(y_j - y_k))^(1/(a-1)) < 1
    am1 = alpha - 1
    y = [am1 * v for v in zq]
    order = sorted(range(len(y)), key=lambda j: y[j], reverse=True)
    ys = [y[j] for j in order]
    with ctx.workprec(prec):
        qq = 1 / am1
        q = arb(qq)

        def pw_pos(x: arb) -> arb:
            if qq.q == 1:  # integer exponent (alpha = 2, 4/3, ...): exact powers
                return x ** int(qq.p)
            return (x.log() * q).exp()

        def pw(x: arb) -> arb:
            """``[x]_+ ** q`` for a ball ``x``.  A ball that straddles 0 maps to
            ``[0, upper**q]``: python-flint's ``pow``/``log`` return nan there
            (e.g. ``arb(0, 1e-10)**2``)."""
            if x > 0:
                return pw_pos(x)
            hi = arb(x.upper())
            if not hi > 0:
                return arb(0)
            return arb(0).union(pw_pos(hi))

        k = 1
        for kk in range(2, len(ys) + 1):
            s = sum((pw(arb(ys[j] - ys[kk - 1])) for j in range(kk)), arb(0))
            if s < 1:
                k = kk
            elif s >= 1:
                break
            else:
                raise ValueError(
                    f"entmax support undecided at prec={prec} (sum={s}); raise prec")
        top = [arb(v) for v in ys[:k]]

        def g(t: arb) -> arb:
            return sum((pw(v - t) for v in top), arb(0)) - 1

        # g is strictly decreasing on (-inf, y_(k)); g(lo) >= 0 > g(hi)
        lo, hi = arb(ys[0] - 1), arb(ys[k - 1])
        for _ in range(prec + 8):
            mid = ((lo + hi) / 2).mid()
            gm = g(mid)
            if gm > 0:
                lo = mid
            elif gm < 0:
                hi = mid
            else:  # root within rounding of mid: certify a small bracket around it
                w = ((hi - lo) / 2**20).mid()
                a, b = mid - w, mid + w
                if g(a) > 0 and g(b) < 0:
                    lo, hi = a, b
                    continue
                break
        tau = lo.union(hi)
        support = [False] * len(y)
        for j in order[:k]:
            support[j] = True
        p = [pw(arb(v) - tau) if support[j] else arb(0) for j, v in enumerate(y)]
    return p, support


def arb_entmax(z: Any, alpha: Any = "1.5", *, prec: int = DEFAULT_PREC) -> list[arb]:
    r"""Enclosures of :math:`\alpha`-entmax, :math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`.

    ``alpha=1`` is softmax, ``alpha=1.5`` uses the exact sort-based threshold,
    any other :math:`\alpha>1` a certified bisection for :math:`\tau`.

    >>> [round(arb_to_float(p), 12) for p in arb_entmax([0, -0.5, -10], 2)]
    [0.75, 0.25, 0.0]
    """
    _check_prec(prec)
    a = exact_rational(alpha)
    if a < 1:
        raise ValueError(f"alpha={alpha!r} must be >= 1")
    zq = _vec(z)
    if not zq:
        raise ValueError("z is empty")
    if a == 1:
        return arb_softmax(zq, prec=prec)
    if a == fmpq(3, 2):
        return _entmax15_parts(zq, prec)[0]
    return _entmax_general(zq, a, prec)[0]


def arb_jvp(z: Any, v: Any, alpha: Any = 1, *, prec: int = DEFAULT_PREC) -> list[arb]:
    r"""Jacobian-vector product :math:`J(z)\,v` of :math:`\alpha`-entmax (softmax for 1).

    :math:`J=\operatorname{diag}(s)-ss^\top/\textstyle\sum_js_j` with
    :math:`s_j=p_j^{2-\alpha}` on the support and 0 off it (:math:`s=p` for softmax,
    :math:`s=\sqrt p` for :math:`\alpha=1.5`).

    >>> [arb_to_float(x) for x in arb_jvp([0, 0], [1, 0])]
    [0.25, -0.25]
    """
    _check_prec(prec)
    a = exact_rational(alpha)
    p = arb_entmax(z, a, prec=prec)
    vq = _vec(v)
    if len(vq) != len(p):
        raise ValueError(f"len(v)={len(vq)} differs from len(z)={len(p)}")
    with ctx.workprec(prec):
        if a == 1:
            s = p
        else:
            e = arb(2 - a)
            s = [arb(0) if x.is_zero() else (x.log() * e).exp() for x in p]
        ssum = sum(s, arb(0))
        sv = sum((si * arb(vi) for si, vi in zip(s, vq)), arb(0))
        return [si * arb(vi) - si * sv / ssum for si, vi in zip(s, vq)]


# --------------------------------------------------------------------------- clustering maps
def exact_sq_distances(X: Any, M: Any) -> list[list[fmpq]]:
    r"""Exact rational :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2` for rational ``X`` (N x D), ``M`` (K x D).

    >>> exact_sq_distances([[0, 0]], [[3, 4], [0.5, 0]])
    [[25, 1/4]]
    """
    Xq, Mq = _mat(X), _mat(M)
    if not Xq or not Mq:
        raise ValueError("X and M must be non-empty")
    D = len(Xq[0])
    if any(len(r) != D for r in Xq) or any(len(r) != D for r in Mq):
        raise ValueError(f"rows of X and M must all have D={D} entries")
    return [[sum(((a - b) ** 2 for a, b in zip(x, m)), fmpq(0)) for m in Mq] for x in Xq]


def _logits(X: Any, M: Any, sigma: Any) -> tuple[list[list[fmpq]], list[list[fmpq]], fmpq]:
    s = exact_rational(sigma)
    if s <= 0:
        raise ValueError(f"sigma={sigma!r} must be > 0")
    d = exact_sq_distances(X, M)
    return d, [[-v / s for v in row] for row in d], s


def arb_responsibilities(X: Any, M: Any, sigma: Any, *, alpha: Any = 1,
                         prec: int = DEFAULT_PREC) -> list[list[arb]]:
    r"""Rows :math:`\operatorname{entmax}_\alpha(-d_{i\cdot}/\sigma)` (softmax for ``alpha=1``)."""
    _, z, _ = _logits(X, M, sigma)
    return [arb_entmax(row, alpha, prec=prec) for row in z]


def arb_soft_centroids(X: Any, M: Any, sigma: Any, *, alpha: Any = 1,
                       prec: int = DEFAULT_PREC) -> list[list[arb]]:
    r"""One soft-Lloyd step :math:`\hat\mu_k=\sum_iw_{ik}x_i/\sum_iw_{ik}`.

    A centroid whose total weight is exactly zero (possible for entmax) is
    undefined and returned as nan balls.

    >>> c = arb_soft_centroids([[0.0], [1.0], [10.0]], [[0.0], [10.0]], 0.01, alpha=1.5)
    >>> [[arb_to_float(v) for v in row] for row in c]
    [[0.5], [10.0]]
    """
    w = arb_responsibilities(X, M, sigma, alpha=alpha, prec=prec)
    Xq = _mat(X)
    K, D = len(w[0]), len(Xq[0])
    out = []
    with ctx.workprec(prec):
        for k in range(K):
            tot = sum((w[i][k] for i in range(len(Xq))), arb(0))
            if tot.is_zero():
                out.append([arb.nan() for _ in range(D)])
                continue
            out.append([sum((w[i][k] * arb(Xq[i][c]) for i in range(len(Xq))), arb(0)) / tot
                        for c in range(D)])
    return out


def arb_G_sigma(X: Any, M: Any, sigma: Any, *, prec: int = DEFAULT_PREC) -> arb:
    r""":math:`G_\sigma(M)=-\sigma\sum_i\log\sum_ke^{-d_{ik}/\sigma}`."""
    _, z, s = _logits(X, M, sigma)
    with ctx.workprec(prec):
        return -arb(s) * sum((arb_log_sum_exp(row, prec=prec) for row in z), arb(0))


def arb_W_sigma(X: Any, M: Any, sigma: Any, *, alpha: Any = 1, prec: int = DEFAULT_PREC) -> arb:
    r""":math:`W_\sigma(M)=\sum_{ik}p_{ik}d_{ik}` with softmax/entmax responsibilities."""
    d, z, _ = _logits(X, M, sigma)
    with ctx.workprec(prec):
        tot = arb(0)
        for drow, zrow in zip(d, z):
            p = arb_entmax(zrow, alpha, prec=prec)
            tot += sum((pk * arb(dk) for pk, dk in zip(p, drow)), arb(0))
        return tot


def _jd_stable(p: list[arb], drow: list[fmpq], a: fmpq) -> list[arb]:
    r""":math:`(Jd)_k=s_k\sum_js_j(d_k-d_j)/\sum_js_j` with exact rational differences."""
    if a == 1:
        s = p
    else:
        e = arb(2 - a)
        s = [arb(0) if x.is_zero() else (x.log() * e).exp() for x in p]
    ssum = sum(s, arb(0))
    K = len(p)
    return [s[k] * sum((s[j] * arb(drow[k] - drow[j]) for j in range(K) if j != k), arb(0)) / ssum
            for k in range(K)]


def arb_grad_W_sigma(X: Any, M: Any, sigma: Any, *, alpha: Any = 1,
                     prec: int = DEFAULT_PREC) -> list[list[arb]]:
    r"""Gradient of :math:`W^{(\alpha)}_\sigma` with respect to the centres (K x D).

    .. math::
        \nabla_{\mu_k}W_\sigma=2\sum_i(\mu_k-x_i)\,c_{ik},\qquad
        c_{ik}=p_{ik}-\frac{(J_id_i)_k}{\sigma},

    :math:`J_i` the entmax Jacobian at :math:`z_i=-d_i/\sigma` (:func:`arb_jvp`); for
    softmax :math:`(J_id_i)_k=r_{ik}(d_{ik}-\bar d_i)`.  Evaluated without cancellation,
    so that exponentially small gradients keep their relative accuracy:
    :math:`(Jd)_k=s_k\sum_js_j(d_k-d_j)/\sum s` with exact rational differences, and
    for the nearest centre :math:`k_i` of each point
    :math:`c_{ik_i}=1-\sum_{j\ne k_i}p_{ij}-(J_id_i)_{k_i}/\sigma`, whose exact part
    :math:`2\sum_{i:k_i=k}(\mu_k-x_i)` is summed in rational arithmetic.

    >>> g = arb_grad_W_sigma([[0.0], [2.0]], [[0.5], [2.0]], 1e-3, alpha=1.5)
    >>> [[arb_to_float(v) for v in row] for row in g]
    [[1.0], [0.0]]
    >>> g = arb_grad_W_sigma([[-2.0], [0.0], [4.0], [6.0]], [[-1.0], [5.0]], "0.01")
    >>> 0 < abs(g[0][0]) < to_arb("1e-1000")     # exp(-2400)-size terms: no cancellation
    True
    """
    _check_prec(prec)
    a = exact_rational(alpha)
    d, z, s = _logits(X, M, sigma)
    Xq, Mq = _mat(X), _mat(M)
    K, D = len(Mq), len(Mq[0])
    exact = [[fmpq(0) for _ in range(D)] for _ in range(K)]
    with ctx.workprec(prec):
        g = [[arb(0) for _ in range(D)] for _ in range(K)]
        for i, (drow, zrow) in enumerate(zip(d, z)):
            p = arb_entmax(zrow, a, prec=prec)
            jd = _jd_stable(p, drow, a)
            near = min(range(K), key=lambda k: drow[k])
            for k in range(K):
                if k == near:
                    for t in range(D):
                        exact[k][t] += 2 * (Mq[k][t] - Xq[i][t])
                    c = -(sum((p[j] for j in range(K) if j != k), arb(0)) + jd[k] / arb(s))
                else:
                    c = p[k] - jd[k] / arb(s)
                if c.is_zero():
                    continue
                for t in range(D):
                    g[k][t] += 2 * c * arb(Mq[k][t] - Xq[i][t])
        return [[g[k][t] + arb(exact[k][t]) for t in range(D)] for k in range(K)]


# --------------------------------------------------------------------------- error measures
def abs_error(computed: Any, ref: arb, *, prec: int = DEFAULT_PREC) -> float:
    """``|computed - ref|`` as a float (upper end of the ball; ``nan``/``inf`` pass through)."""
    c = float(computed)
    if c != c:
        return float("nan")
    if c in (float("inf"), float("-inf")):
        return float("inf")
    with ctx.workprec(prec):
        return float(abs(arb(exact_rational(c)) - ref).upper())


def rel_error(computed: Any, ref: arb, *, prec: int = DEFAULT_PREC) -> float:
    """``|computed - ref| / |ref|`` as a float; ``0`` if both are exactly 0, ``inf`` if only ref is.

    >>> rel_error(0.0, to_arb("1e-500"))
    1.0
    >>> rel_error(1.0, to_arb(1))
    0.0
    """
    c = float(computed)
    if c != c:
        return float("nan")
    if c in (float("inf"), float("-inf")):
        return float("inf")
    if ref.is_zero():
        return 0.0 if c == 0 else float("inf")
    with ctx.workprec(prec):
        e = abs(arb(exact_rational(c)) - ref) / abs(ref)
        return float(e.mid())
