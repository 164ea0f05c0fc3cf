r"""Exact K-means optimum by enumerating partitions, and global minimisation of :math:`W_\sigma`.

For small data (``N <= 10``, ``K <= 3``: at most :math:`S(10,3)=9330` partitions) the
K-means optimum is found exactly: for a partition :math:`P=(P_1,\dots,P_K)` with
non-empty blocks the best centroids are the block means and

.. math::

    \operatorname{SS}(P)=\sum_k\sum_{i\in P_k}\lVert x_i-\bar x_{P_k}\rVert^2
    =\sum_i\lVert x_i\rVert^2-\sum_k\frac{\lVert\sum_{i\in P_k}x_i\rVert^2}{\lvert P_k\rvert},
    \qquad \min_M F_0(M)=\min_P\operatorname{SS}(P)

(for ``N >= K``: a centroid with an empty cell can be moved onto a point of a block with
two distinct points without increasing :math:`F_0`, and splitting a block never increases
SS).  All partitions are scored in float64; the candidates within the float64 error of
the minimum are re-scored in exact rational arithmetic, so the optimal value and the
*set* of optimal partitions are exact.

:func:`minimise_W_sigma` minimises :math:`W_\sigma(M)=\sum_{ik}r_{ik}(M,\sigma)d_{ik}` with
L-BFGS (analytic gradient
:math:`\nabla_{\mu_k}W_\sigma=2\sum_ir_{ik}(\mu_k-x_i)[1-(d_{ik}-\bar d_i)/\sigma]`) from the
means of every partition :math:`P` with :math:`\operatorname{SS}(P)\le\min F_0+N(K-1)\sigma/e`.
Why these starts: the global minimiser :math:`M_\sigma` satisfies
:math:`F_0(M_\sigma)\le W_\sigma(M_\sigma)\le W_\sigma(M_{\rm opt})\le\min F_0+N(K-1)\sigma/e`,
and its Voronoi partition :math:`P` has :math:`\operatorname{SS}(P)\le F_0(M_\sigma)`, so
the start at :math:`P`'s means is among them (a start set that contains a point of the
global minimiser's cell; local optimisation from there is the remaining heuristic).

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0], [1.0], [5.0], [6.0], [6.5]])
>>> opt = kmeans_optimum(X, 2)
>>> opt.value, [p.tolist() for p in opt.partitions], opt.centroids[0].ravel().tolist()
(Fraction(5, 3), [[0, 0, 1, 1, 1]], [0.5, 5.833333333333333])
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.optimize import minimize

__all__ = ["labelings", "partition_costs", "kmeans_optimum", "KMeansOptimum",
           "W_and_grad", "minimise_W_sigma", "distance_to_set"]

_U = float(np.finfo(np.float64).eps) / 2  # unit roundoff (numerics does not import kmrbf.evidence)


def labelings(n: int, k: int) -> np.ndarray:
    r"""All partitions of ``n`` points into exactly ``k`` non-empty blocks, once each.

    Rows are restricted growth strings (``label[0] = 0``, each new label is one more
    than the largest so far), so there are :math:`S(n,k)` (Stirling 2nd kind) rows.

    Parameters
    ----------
    n : int
        Number of points, ``k <= n <= 12``.
    k : int
        Number of non-empty blocks, ``1 <= k``, with ``k**n <= 2e7``.

    Returns
    -------
    ndarray of shape (S(n, k), n), int64
        One labelling per row, labels ``0..k-1`` numbered by first appearance.

    Raises
    ------
    ValueError
        Unless ``1 <= k <= n <= 12`` and ``k**n <= 2e7``.

    Examples
    --------
    >>> labelings(4, 2).shape[0], labelings(10, 3).shape[0]
    (7, 9330)
    """
    if not (1 <= k <= n <= 12) or k ** n > 2e7:
        raise ValueError(f"need 1 <= k={k} <= n={n} <= 12 and k**n <= 2e7")
    grid = np.array(list(itertools.product(range(k), repeat=n - 1)), dtype=np.int8).reshape(-1, n - 1)
    lab = np.concatenate([np.zeros((grid.shape[0], 1), np.int8), grid], axis=1)
    runmax = np.maximum.accumulate(lab, axis=1)
    ok = np.all(lab[:, 1:] <= runmax[:, :-1] + 1, axis=1) & (runmax[:, -1] == k - 1)
    return lab[ok].astype(np.int64)


def partition_costs(X: np.ndarray, labs: np.ndarray) -> np.ndarray:
    r"""float64 SS of every row of ``labs`` (see the module docstring).

    Parameters
    ----------
    X : ndarray of shape (N, D)
        float64 data.
    labs : ndarray of shape (P, N), int
        Labellings with labels ``0..k-1``, ``k = labs.max() + 1``; every block of
        every row must be non-empty (an empty block gives NaN).

    Returns
    -------
    ndarray of shape (P,)
        float64 :math:`\operatorname{SS}(P)=\sum_i\lVert x_i\rVert^2-\sum_k\lVert\sum_{i\in P_k}x_i\rVert^2/|P_k|`
        of each labelling (the subtraction formula: absolute error
        :math:`O(u(N+D)\sum_i\lVert x_i\rVert^2)`).
    """
    k = int(labs.max()) + 1
    onehot = (labs[:, :, None] == np.arange(k)[None, None, :]).astype(np.float64)  # (P,N,K)
    sums = np.einsum("pnk,nd->pkd", onehot, X)
    counts = onehot.sum(1)
    return float((X**2).sum()) - ((sums**2).sum(-1) / counts).sum(-1)


def _exact_cost(Xq: list[list[Fraction]], lab: np.ndarray, k: int) -> Fraction:
    tot = Fraction(0)
    for b in range(k):
        rows = [Xq[i] for i in np.flatnonzero(lab == b)]
        mean = [sum(col, Fraction(0)) / len(rows) for col in zip(*rows)]
        tot += sum((sum(((a - m) ** 2 for a, m in zip(r, mean)), Fraction(0)) for r in rows),
                   Fraction(0))
    return tot


def _means(X: np.ndarray, lab: np.ndarray, k: int) -> np.ndarray:
    return np.stack([X[lab == b].mean(0) for b in range(k)])


@dataclass(frozen=True)
class KMeansOptimum:
    r"""Exact K-means optimum: ``value`` (Fraction), optimal ``partitions``, their ``centroids``,
    and every partition (``all_labelings``) with its float64 cost ``all_costs``.

    Parameters
    ----------
    value : Fraction
        Exact optimal cost :math:`\min_M F_0(M)=\min_P\operatorname{SS}(P)` of the
        exact (dyadic) data.
    partitions : list of ndarray of shape (N,)
        Every optimal labelling (int64, labels ``0..k-1`` by first appearance).
    centroids : list of ndarray of shape (k, D)
        float64 block means of each optimal partition, in the same order.
    all_labelings : ndarray of shape (S(N, k), N)
        Every partition (:func:`labelings`).
    all_costs : ndarray of shape (S(N, k),)
        Their float64 costs (:func:`partition_costs`).
    """

    value: Fraction
    partitions: list[np.ndarray]
    centroids: list[np.ndarray]
    all_labelings: np.ndarray
    all_costs: np.ndarray


def kmeans_optimum(X: np.ndarray, k: int) -> KMeansOptimum:
    r"""The exact optimum :math:`\min_M F_0(M)` over ``k`` centroids and all its partitions.

    Parameters
    ----------
    X : array-like of shape (N, D)
        Data, cast to float64; the exact values of the floats are used.  ``N <= 12``.
    k : int
        Number of clusters, ``1 <= k <= N`` with ``k**N <= 2e7``.

    Returns
    -------
    KMeansOptimum
        The exact optimal value, the set of optimal partitions and their means, and
        the float64 cost of every partition.

    Raises
    ------
    ValueError
        If ``X`` is not 2-D, or ``N``, ``k`` are out of the range of :func:`labelings`.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be (N, D), got shape {X.shape}")
    labs = labelings(X.shape[0], k)
    costs = partition_costs(X, labs)
    # float64 error of the subtraction formula: gamma_{2N+2D} * (sum |x|^2) covers both terms
    tol = 4 * (2 * X.shape[0] + 2 * X.shape[1] + 4) * _U * float((X**2).sum()) + 1e-300
    cand = np.flatnonzero(costs <= costs.min() + 2 * tol)
    Xq = [[Fraction(float(v)) for v in row] for row in X]
    exact = [_exact_cost(Xq, labs[c], k) for c in cand]
    best = min(exact)
    parts = [labs[c] for c, e in zip(cand, exact) if e == best]
    return KMeansOptimum(best, parts, [_means(X, p, k) for p in parts], labs, costs)


def W_and_grad(flat: np.ndarray, X: np.ndarray, k: int, sigma: float) -> tuple[float, np.ndarray]:  # noqa: N802
    r""":math:`W_\sigma(M)` and its gradient for flattened ``M`` (the optimiser's kernel).

    Max-shifted softmax; independent of :mod:`kmrbf.numerics` (tests compare the two).

    Parameters
    ----------
    flat : ndarray of shape (k*D,)
        Centroids :math:`M` of shape (k, D), flattened in C order.
    X : ndarray of shape (N, D)
        float64 data.
    k : int
        Number of centroids.
    sigma : float
        Temperature :math:`\sigma`, ``0 < sigma < inf`` (divides squared distances;
        not validated).

    Returns
    -------
    value : float
        :math:`W_\sigma(M)=\sum_{ik}r_{ik}d_{ik}` with softmax responsibilities.
    grad : ndarray of shape (k*D,)
        :math:`\nabla_{\mu_k}W_\sigma=2\sum_ir_{ik}(\mu_k-x_i)[1-(d_{ik}-\bar d_i)/\sigma]`,
        :math:`\bar d_i=\sum_jr_{ij}d_{ij}`, flattened like ``flat``.
    """
    M = flat.reshape(k, X.shape[1])
    diff = M[None, :, :] - X[:, None, :]  # (N,K,D)
    d = (diff**2).sum(-1)
    z = -(d - d.min(1, keepdims=True)) / sigma
    e = np.exp(z)
    r = e / e.sum(1, keepdims=True)
    dbar = (r * d).sum(1, keepdims=True)
    g = 2 * ((r * (1 - (d - dbar) / sigma))[:, :, None] * diff).sum(0)
    return float((r * d).sum()), g.ravel()


def distance_to_set(M: np.ndarray, targets: list[np.ndarray]) -> float:
    r""":math:`\min_{T}\min_\pi\lVert M-T_\pi\rVert_F` over ``targets`` and centroid permutations.

    Parameters
    ----------
    M : ndarray of shape (K, D)
        Centroids.
    targets : sequence of ndarray of shape (K, D)
        Target centroid sets (non-empty sequence).

    Returns
    -------
    float
        :math:`\min_T\min_{\pi\in S_K}\bigl(\sum_k\lVert\mu_{\pi(k)}-t_k\rVert^2\bigr)^{1/2}`
        (Euclidean, not squared; :math:`O(K!)` permutations are tried).
    """
    k = M.shape[0]
    return min(float(np.sqrt(((M[list(p)] - T) ** 2).sum()))
               for T in targets for p in itertools.permutations(range(k)))


def minimise_W_sigma(X: np.ndarray, k: int, sigma: float, *, optimum: KMeansOptimum | None = None,
                     max_starts: int = 200) -> tuple[float, np.ndarray, int]:
    r"""Global minimum of :math:`W_\sigma` over ``k`` centroids (multistart, see module doc).

    Returns ``(value, M, n_starts)``.  At most ``max_starts`` starts (the lowest-SS ones)
    are used; the optimal partitions' means are always among them.

    Parameters
    ----------
    X : array-like of shape (N, D)
        Data, cast to float64 (``N <= 12``, as for :func:`kmeans_optimum`).
    k : int
        Number of centroids.
    sigma : float
        Temperature :math:`\sigma`, ``0 < sigma < inf`` (divides squared distances;
        not validated).
    optimum : KMeansOptimum or None, optional
        :func:`kmeans_optimum` of ``(X, k)`` (supplies the starts); computed if None.
    max_starts : int, optional
        Maximum number of L-BFGS starts (the lowest-SS partitions within the budget
        :math:`\min F_0+N(K-1)\sigma/e` are used first).

    Returns
    -------
    value : float
        The smallest :math:`W_\sigma` found (softmax, :func:`W_and_grad`).
    M : ndarray of shape (k, D)
        Its minimiser.
    n_starts : int
        Number of starts used.
    """
    X = np.asarray(X, dtype=np.float64)
    opt = kmeans_optimum(X, k) if optimum is None else optimum
    budget = float(opt.value) + X.shape[0] * (k - 1) * sigma / math.e
    order = np.argsort(opt.all_costs, kind="stable")
    starts = [i for i in order if opt.all_costs[i] <= budget * (1 + 1e-12) + 1e-12][:max_starts]
    if not starts:
        starts = [int(order[0])]
    best_val, best_M = math.inf, None
    for i in starts:
        M0 = _means(X, opt.all_labelings[i], k).ravel()
        res = minimize(W_and_grad, M0, args=(X, k, sigma), jac=True, method="L-BFGS-B",
                       options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 500})
        if res.fun < best_val:
            best_val, best_M = float(res.fun), res.x.reshape(k, -1)
    return best_val, best_M, len(starts)
