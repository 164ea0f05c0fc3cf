r"""Vector maps in ``arb``: log-sum-exp, softmax, :math:`\alpha`-entmax and its Jacobian.

Logits are converted exactly to rationals (:func:`~kmrbf.numerics.arb.convert.exact_rational`);
only ``exp``/``log``/``sqrt``/powers round, inside arb's error tracking.
:math:`\alpha`-entmax: :math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`, :math:`\alpha=1` is softmax.
"""

from __future__ import annotations

from typing import Any

from flint import arb, ctx, fmpq

from ._kernels import _check_prec, _jacobian_weights
from .convert import DEFAULT_PREC, exact_rational, exact_vector

__all__ = ["arb_log_sum_exp", "arb_softmax", "arb_entmax15", "arb_entmax", "arb_jvp"]


def _logit_vector(z: Any, prec: int) -> list[fmpq]:
    """Check ``prec`` and convert the logits ``z`` exactly (non-empty)."""
    _check_prec(prec)
    zq = exact_vector(z)
    if not zq:
        raise ValueError("z is empty")
    return zq


# --------------------------------------------------------------------------- vector maps
def arb_log_sum_exp(z: Any, *, prec: int = DEFAULT_PREC) -> arb:
    r"""Enclosure of :math:`\log\sum_j e^{z_j}` (max-shifted; exact rational shift).

    Parameters
    ----------
    z : sequence of real numbers or 1-D array
        Logits :math:`z_j`, non-empty, converted exactly to rationals (floats, ints,
        Fractions, decimal strings, ``fmpq``, ``mpf``; NaN/inf raise).
    prec : int, optional
        Working precision in bits (``>= 16``; default 128), scoped with
        ``flint.ctx.workprec``.

    Returns
    -------
    flint.arb
        Ball containing :math:`\log\sum_je^{z_j}=m+\log\sum_je^{z_j-m}`,
        :math:`m=\max_jz_j` (exact rational shift).

    Raises
    ------
    ValueError
        If ``prec < 16`` (or not an int), ``z`` is empty, or an entry is NaN/inf.
    TypeError
        If ``z`` is not a sequence (or array), or an entry is not a real number.

    Examples
    --------
    >>> from flint import arb
    >>> v = arb_log_sum_exp([0, 0], prec=64)
    >>> v.overlaps(arb(2).log())
    True
    """
    zq = _logit_vector(z, prec)
    m = max(zq)
    with ctx.workprec(prec):
        s = sum((arb(v - m).exp() for v in zq), arb(0))
        return arb(m) + s.log()


def arb_softmax(z: Any, *, prec: int = DEFAULT_PREC) -> list[arb]:
    r"""Enclosures of :math:`e^{z_j}/\sum_l e^{z_l}`; every entry has full relative accuracy.

    Parameters
    ----------
    z : sequence of real numbers or 1-D array
        Logits :math:`z_j`, non-empty, converted exactly to rationals (floats, ints,
        Fractions, decimal strings, ``fmpq``, ``mpf``; NaN/inf raise).
    prec : int, optional
        Working precision in bits (``>= 16``; default 128), scoped with
        ``flint.ctx.workprec``.

    Returns
    -------
    list of flint.arb
        One ball per logit, containing :math:`e^{z_j-m}/\sum_le^{z_l-m}`, :math:`m=\max z`.

    Raises
    ------
    ValueError
        If ``prec < 16`` (or not an int), ``z`` is empty, or an entry is NaN/inf.
    TypeError
        If ``z`` is not a sequence (or array), or an entry is not a real number.

    Examples
    --------
    >>> from kmrbf.numerics.arb import arb_to_float
    >>> [arb_to_float(p) for p in arb_softmax([1.0, 1.0])]
    [0.5, 0.5]
    """
    zq = _logit_vector(z, prec)
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

    Parameters
    ----------
    z : sequence of real numbers or 1-D array
        Logits :math:`z_j`, non-empty, converted exactly to rationals (floats, ints,
        Fractions, decimal strings, ``fmpq``, ``mpf``; NaN/inf raise).
    prec : int, optional
        Working precision in bits (``>= 16``; default 128), scoped with
        ``flint.ctx.workprec``.

    Returns
    -------
    list of flint.arb
        One ball per logit containing :math:`p_j`; entries off the (exactly
        decided) support are the exact ball 0.

    Raises
    ------
    ValueError
        If ``prec < 16`` (or not an int), ``z`` is empty, or an entry is NaN/inf.
    TypeError
        If ``z`` is not a sequence (or array), or an entry is not a real number.

    Examples
    --------
    >>> from kmrbf.numerics.arb import arb_to_float
    >>> [arb_to_float(p) for p in arb_entmax15([0, 0, -10])]
    [0.5, 0.5, 0.0]
    """
    zq = _logit_vector(z, prec)
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

    Parameters
    ----------
    z : sequence of real numbers or 1-D array
        Logits :math:`z_j`, non-empty, converted exactly to rationals (floats, ints,
        Fractions, decimal strings, ``fmpq``, ``mpf``; NaN/inf raise).
    alpha : real or str, optional
        entmax parameter :math:`\alpha\ge1` (default ``"1.5"``), converted exactly
        (e.g. ``"1.25"``, ``Fraction(5, 4)``, 2).
    prec : int, optional
        Working precision in bits (``>= 16``; default 128), scoped with
        ``flint.ctx.workprec``.

    Returns
    -------
    list of flint.arb
        One ball per logit containing :math:`p_j`; entries off the support are
        the exact ball 0.

    Raises
    ------
    ValueError
        If ``prec < 16`` (or not an int), ``z`` is empty, or an entry is NaN/inf, ``alpha < 1``, or (general
        :math:`\alpha`) the support cannot be decided at ``prec``.
    TypeError
        If ``z`` is not a sequence (or array), or an entry is not a real number or ``alpha`` is a bool.

    Examples
    --------
    >>> from kmrbf.numerics.arb import arb_to_float
    >>> [round(arb_to_float(p), 12) for p in arb_entmax([0, -0.5, -10], 2)]
    [0.75, 0.25, 0.0]
    """
    _check_prec(prec)
    a = exact_rational(alpha)
    if a < 1:
        raise ValueError(f"alpha={alpha!r} must be >= 1")
    zq = exact_vector(z)
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

    Parameters
    ----------
    z : sequence of real numbers or 1-D array
        Logits :math:`z_j`, non-empty, converted exactly to rationals (floats, ints,
        Fractions, decimal strings, ``fmpq``, ``mpf``; NaN/inf raise).
    v : sequence of real numbers or 1-D array
        Tangent vector :math:`v`, same length as ``z``, converted exactly.
    alpha : real or str, optional
        entmax parameter :math:`\alpha\ge1` (default 1: softmax), converted exactly.
    prec : int, optional
        Working precision in bits (``>= 16``; default 128), scoped with
        ``flint.ctx.workprec``.

    Returns
    -------
    list of flint.arb
        One ball per entry containing :math:`(J(z)v)_j=s_jv_j-s_j(s^\top v)/\sum_ls_l`.

    Raises
    ------
    ValueError
        If ``prec < 16`` (or not an int), ``z`` is empty, or an entry is NaN/inf, ``alpha < 1``, ``len(v) != len(z)``,
        or the support cannot be decided at ``prec``.
    TypeError
        If ``z`` is not a sequence (or array), or an entry is not a real number.

    Examples
    --------
    >>> from kmrbf.numerics.arb import arb_to_float
    >>> [arb_to_float(x) for x in arb_jvp([0, 0], [1, 0])]
    [0.25, -0.25]
    """
    _check_prec(prec)
    a = exact_rational(alpha)
    p = arb_entmax(z, a, prec=prec)
    vq = exact_vector(v)
    if len(vq) != len(p):
        raise ValueError(f"len(v)={len(vq)} differs from len(z)={len(p)}")
    with ctx.workprec(prec):
        s = _jacobian_weights(p, a)
        ssum = sum(s, arb(0))
        sv = sum((si * arb(vi) for si, vi in zip(s, vq)), arb(0))
        return [si * arb(vi) - si * sv / ssum for si, vi in zip(s, vq)]
