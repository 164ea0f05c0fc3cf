r"""Clustering functionals and gradients in ``arb``: squared distances, responsibilities,
soft centroids, :math:`G_\sigma`, :math:`W_\sigma` and :math:`\nabla W_\sigma`.

:math:`d_{ik}=\lVert x_i-\mu_k\rVert^2` and the logits :math:`z_{ik}=-d_{ik}/\sigma` are exact
rationals; only the activations round (:mod:`kmrbf.numerics.arb.activations`).
"""

from __future__ import annotations

from typing import Any

from flint import arb, ctx, fmpq

from ._kernels import _check_prec, _jacobian_weights
from .activations import arb_entmax, arb_log_sum_exp
from .convert import DEFAULT_PREC, exact_matrix, exact_rational

__all__ = ["exact_sq_distances", "arb_responsibilities", "arb_soft_centroids", "arb_G_sigma",
           "arb_W_sigma", "arb_grad_W_sigma"]

# --------------------------------------------------------------------------- clustering maps
def exact_sq_distances(X: Any, M: Any) -> list[list[fmpq]]:
    r"""Exact rational :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2` for rational ``X`` (N x D), ``M`` (K x D).

    Parameters
    ----------
    X : sequence of N rows of D real numbers, or array of shape (N, D)
        Data points :math:`x_i`, converted exactly to rationals (floats, ints,
        Fractions, decimal strings, ``fmpq``, ``mpf``).
    M : sequence of K rows of D real numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, converted exactly; same ``D`` as ``X``.

    Returns
    -------
    list of list of flint.fmpq
        N rows of K exact rationals :math:`d_{ik}=\sum_j(x_{ij}-\mu_{kj})^2`.

    Raises
    ------
    ValueError
        If ``X`` or ``M`` is empty or has rows of different lengths, an entry is
        NaN/inf.
    TypeError
        If ``X`` or ``M`` is not a sequence of sequences (or array), or an entry is
        not a real number.

    Examples
    --------
    >>> exact_sq_distances([[0, 0]], [[3, 4], [0.5, 0]])
    [[25, 1/4]]
    """
    Xq, Mq = exact_matrix(X), exact_matrix(M)
    if not Xq or not Mq:
        raise ValueError("X and M must be non-empty")
    D = len(Xq[0])
    if any(len(r) != D for r in Xq) or any(len(r) != D for r in Mq):
        raise ValueError(f"rows of X and M must all have D={D} entries")
    return [[sum(((a - b) ** 2 for a, b in zip(x, m)), fmpq(0)) for m in Mq] for x in Xq]


def _logits(X: Any, M: Any, sigma: Any) -> tuple[list[list[fmpq]], list[list[fmpq]], fmpq]:
    sigma_q = exact_rational(sigma)
    if sigma_q <= 0:
        raise ValueError(f"sigma={sigma!r} must be > 0")
    d = exact_sq_distances(X, M)
    return d, [[-v / sigma_q for v in row] for row in d], sigma_q


def arb_responsibilities(X: Any, M: Any, sigma: Any, *, alpha: Any = 1,
                         prec: int = DEFAULT_PREC) -> list[list[arb]]:
    r"""Rows :math:`\operatorname{entmax}_\alpha(-d_{i\cdot}/\sigma)` (softmax for ``alpha=1``).

    Parameters
    ----------
    X : sequence of N rows of D real numbers, or array of shape (N, D)
        Data points :math:`x_i`, converted exactly to rationals (floats, ints,
        Fractions, decimal strings, ``fmpq``, ``mpf``).
    M : sequence of K rows of D real numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, converted exactly; same ``D`` as ``X``.
    sigma : real or str
        Temperature :math:`\sigma>0`, converted exactly; divides squared distances,
        logits :math:`z_{ik}=-d_{ik}/\sigma`.
    alpha : real or str, optional
        entmax parameter :math:`\alpha\ge1` (default 1: softmax), converted exactly;
        :math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`.
    prec : int, optional
        Working precision in bits (``>= 16``; default 128).

    Returns
    -------
    list of list of flint.arb
        N rows of K balls containing :math:`r_{ik}`; each row sums to 1, entries
        off the entmax support are the exact ball 0.

    Raises
    ------
    ValueError
        If ``X`` or ``M`` is empty or has rows of different lengths, an entry is
        NaN/inf, ``sigma <= 0``, ``alpha < 1``, ``prec < 16``, or (general
        :math:`\alpha`) an entmax support cannot be decided at ``prec``.
    TypeError
        If ``X`` or ``M`` is not a sequence of sequences (or array), or an entry is
        not a real number.
    """
    _, z, _ = _logits(X, M, sigma)
    return [arb_entmax(row, alpha, prec=prec) for row in z]


def arb_soft_centroids(X: Any, M: Any, sigma: Any, *, alpha: Any = 1,
                       prec: int = DEFAULT_PREC) -> list[list[arb]]:
    r"""One soft-Lloyd step :math:`\hat\mu_k=\sum_iw_{ik}x_i/\sum_iw_{ik}`.

    A centroid whose total weight is exactly zero (possible for entmax) is
    undefined and returned as nan balls.

    Parameters
    ----------
    X : sequence of N rows of D real numbers, or array of shape (N, D)
        Data points :math:`x_i`, converted exactly to rationals (floats, ints,
        Fractions, decimal strings, ``fmpq``, ``mpf``).
    M : sequence of K rows of D real numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, converted exactly; same ``D`` as ``X``.
    sigma : real or str
        Temperature :math:`\sigma>0`, converted exactly; divides squared distances,
        logits :math:`z_{ik}=-d_{ik}/\sigma`.
    alpha : real or str, optional
        entmax parameter :math:`\alpha\ge1` (default 1: softmax), converted exactly;
        :math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`.
    prec : int, optional
        Working precision in bits (``>= 16``; default 128).

    Returns
    -------
    list of list of flint.arb
        K rows of D balls containing :math:`\hat\mu_{kj}`, with
        :math:`w_{ik}=r_{ik}` the responsibilities of :func:`arb_responsibilities`
        (nan balls for a cluster whose total weight is exactly 0; the float64
        kernel keeps :math:`\mu_k` instead).

    Raises
    ------
    ValueError
        If ``X`` or ``M`` is empty or has rows of different lengths, an entry is
        NaN/inf, ``sigma <= 0``, ``alpha < 1``, ``prec < 16``, or (general
        :math:`\alpha`) an entmax support cannot be decided at ``prec``.
    TypeError
        If ``X`` or ``M`` is not a sequence of sequences (or array), or an entry is
        not a real number.

    Examples
    --------
    >>> from kmrbf.numerics.arb import arb_to_float
    >>> c = arb_soft_centroids([[0.0], [1.0], [10.0]], [[0.0], [10.0]], 0.01, alpha=1.5)
    >>> [[arb_to_float(v) for v in row] for row in c]
    [[0.5], [10.0]]
    """
    w = arb_responsibilities(X, M, sigma, alpha=alpha, prec=prec)
    Xq = exact_matrix(X)
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
    r""":math:`G_\sigma(M)=-\sigma\sum_i\log\sum_ke^{-d_{ik}/\sigma}`.

    Parameters
    ----------
    X : sequence of N rows of D real numbers, or array of shape (N, D)
        Data points :math:`x_i`, converted exactly to rationals (floats, ints,
        Fractions, decimal strings, ``fmpq``, ``mpf``).
    M : sequence of K rows of D real numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, converted exactly; same ``D`` as ``X``.
    sigma : real or str
        Temperature :math:`\sigma>0`, converted exactly; divides squared distances,
        logits :math:`z_{ik}=-d_{ik}/\sigma`.
    prec : int, optional
        Working precision in bits (``>= 16``; default 128).

    Returns
    -------
    flint.arb
        Ball containing :math:`G_\sigma(M)=-\sigma\sum_i\log\sum_ke^{-d_{ik}/\sigma}`.

    Raises
    ------
    ValueError
        If ``X`` or ``M`` is empty or has rows of different lengths, an entry is
        NaN/inf, ``sigma <= 0`` or ``prec < 16``.
    TypeError
        If ``X`` or ``M`` is not a sequence of sequences (or array), or an entry is
        not a real number.
    """
    _, z, sigma_q = _logits(X, M, sigma)
    with ctx.workprec(prec):
        return -arb(sigma_q) * sum((arb_log_sum_exp(row, prec=prec) for row in z), arb(0))


def arb_W_sigma(X: Any, M: Any, sigma: Any, *, alpha: Any = 1, prec: int = DEFAULT_PREC) -> arb:
    r""":math:`W_\sigma(M)=\sum_{ik}p_{ik}d_{ik}` with softmax/entmax responsibilities.

    Parameters
    ----------
    X : sequence of N rows of D real numbers, or array of shape (N, D)
        Data points :math:`x_i`, converted exactly to rationals (floats, ints,
        Fractions, decimal strings, ``fmpq``, ``mpf``).
    M : sequence of K rows of D real numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, converted exactly; same ``D`` as ``X``.
    sigma : real or str
        Temperature :math:`\sigma>0`, converted exactly; divides squared distances,
        logits :math:`z_{ik}=-d_{ik}/\sigma`.
    alpha : real or str, optional
        entmax parameter :math:`\alpha\ge1` (default 1: softmax), converted exactly;
        :math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`.
    prec : int, optional
        Working precision in bits (``>= 16``; default 128).

    Returns
    -------
    flint.arb
        Ball containing :math:`W^{(\alpha)}_\sigma(M)=\sum_{ik}p_{ik}d_{ik}`.

    Raises
    ------
    ValueError
        If ``X`` or ``M`` is empty or has rows of different lengths, an entry is
        NaN/inf, ``sigma <= 0``, ``alpha < 1``, ``prec < 16``, or (general
        :math:`\alpha`) an entmax support cannot be decided at ``prec``.
    TypeError
        If ``X`` or ``M`` is not a sequence of sequences (or array), or an entry is
        not a real number.
    """
    d, z, _ = _logits(X, M, sigma)
    with ctx.workprec(prec):
        tot = arb(0)
        for drow, zrow in zip(d, z):
            p = arb_entmax(zrow, alpha, prec=prec)
            tot += sum((pk * arb(dk) for pk, dk in zip(p, drow)), arb(0))
        return tot


def _jd_stable(p: list[arb], drow: list[fmpq], a: fmpq) -> list[arb]:
    r""":math:`(Jd)_k=s_k\sum_js_j(d_k-d_j)/\sum_js_j` with exact rational differences."""
    s = _jacobian_weights(p, a)
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

    Parameters
    ----------
    X : sequence of N rows of D real numbers, or array of shape (N, D)
        Data points :math:`x_i`, converted exactly to rationals (floats, ints,
        Fractions, decimal strings, ``fmpq``, ``mpf``).
    M : sequence of K rows of D real numbers, or array of shape (K, D)
        Centroids :math:`\mu_k`, converted exactly; same ``D`` as ``X``.
    sigma : real or str
        Temperature :math:`\sigma>0`, converted exactly; divides squared distances,
        logits :math:`z_{ik}=-d_{ik}/\sigma`.
    alpha : real or str, optional
        entmax parameter :math:`\alpha\ge1` (default 1: softmax), converted exactly;
        :math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`.
    prec : int, optional
        Working precision in bits (``>= 16``; default 128).

    Returns
    -------
    list of list of flint.arb
        K rows of D balls; row ``k`` contains :math:`\nabla_{\mu_k}W^{(\alpha)}_\sigma`.

    Raises
    ------
    ValueError
        If ``X`` or ``M`` is empty or has rows of different lengths, an entry is
        NaN/inf, ``sigma <= 0``, ``alpha < 1``, ``prec < 16``, or (general
        :math:`\alpha`) an entmax support cannot be decided at ``prec``.
    TypeError
        If ``X`` or ``M`` is not a sequence of sequences (or array), or an entry is
        not a real number.

    Examples
    --------
    >>> from kmrbf.numerics.arb import arb_to_float, to_arb
    >>> g = arb_grad_W_sigma([[0.0], [2.0]], [[0.5], [2.0]], 1e-3, alpha=1.5)
    >>> [[arb_to_float(v) for v in row] for row in g]
    [[1.0], [0.0]]
    >>> g = arb_grad_W_sigma([[-2.0], [0.0], [4.0], [6.0]], [[-1.0], [5.0]], "0.01")
    >>> 0 < abs(g[0][0]) < to_arb("1e-1000")     # exp(-2400)-size terms: no cancellation
    True
    """
    _check_prec(prec)
    a = exact_rational(alpha)
    d, z, sigma_q = _logits(X, M, sigma)
    Xq, Mq = exact_matrix(X), exact_matrix(M)
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
                    c = -(sum((p[j] for j in range(K) if j != k), arb(0)) + jd[k] / arb(sigma_q))
                else:
                    c = p[k] - jd[k] / arb(sigma_q)
                if c.is_zero():
                    continue
                for t in range(D):
                    g[k][t] += 2 * c * arb(Mq[k][t] - Xq[i][t])
        return [[g[k][t] + arb(exact[k][t]) for t in range(D)] for k in range(K)]
