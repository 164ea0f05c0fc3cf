r"""Operation counts of one Lloyd and one entmax-1.5 iteration (KR §5.3, KR-S53-cheaper).

Per iteration on :math:`N` points in :math:`\mathbb R^D` and :math:`K` centroids, counting
floating-point operations of the leading terms of each stage (the model the paper's own
complexity discussion uses):

==============================  ===========================  =====================================
stage                           Lloyd                        entmax-1.5 (sparse accumulation)
==============================  ===========================  =====================================
distances (GEMM form)           :math:`2NKD`                 :math:`2NKD`
assignment                      :math:`NK` (arg min)         :math:`NK\log_2K` (sort) + :math:`3NK`
                                                             (threshold, :math:`p=[z/2-\tau]_+^2`)
accumulation :math:`\sum w x`   :math:`ND` (one add per      :math:`2\,\mathrm{nnz}\,D` (multiply-add per
                                point and coordinate)        nonzero) + :math:`\mathrm{nnz}` (masses)
division                        :math:`KD`                   :math:`KD`
==============================  ===========================  =====================================

with :math:`N\le\mathrm{nnz}\le NK` (every entmax row has at least one nonzero).  The difference is
:math:`NK\log_2K+2NK+(2\,\mathrm{nnz}-N)D+\mathrm{nnz}\ge NK\log_2K+2NK+ND+N>0`: at every
sparsity, one-hot included, the entmax-1.5 iteration does strictly more work than the Lloyd
iteration, so it can be cheaper only through a slower Lloyd implementation.

Examples
--------
>>> kr_s53_opcount().run(n_points=2).status
'passed'
"""

from __future__ import annotations

import functools

import sympy as sp

from .derivation import Derivation
from .obligations import Identity, Sign
from .spotcheck import uniform_sampler

__all__ = ["kr_s53_opcount", "lloyd_ops", "entmax15_ops"]

N, K, D = sp.symbols("N K D", positive=True)
nnz = sp.Symbol(r"\mathrm{nnz}", positive=True)
e, k1 = sp.symbols("e k_1", nonnegative=True)


def lloyd_ops(n: sp.Expr, k: sp.Expr, d: sp.Expr) -> sp.Expr:
    r"""Leading operation count of one Lloyd iteration: :math:`2NKD+NK+ND+KD`.

    Parameters
    ----------
    n, k, d : sympy.Expr or number
        :math:`N`, :math:`K`, :math:`D`.

    Returns
    -------
    sympy.Expr
        Distances (GEMM), arg min, accumulation, division.

    Examples
    --------
    >>> lloyd_ops(10, 2, 3)
    176
    """
    return 2 * n * k * d + n * k + n * d + k * d


def entmax15_ops(n: sp.Expr, k: sp.Expr, d: sp.Expr, nz: sp.Expr) -> sp.Expr:
    r"""Leading operation count of one entmax-1.5 iteration with sparse accumulation.

    :math:`2NKD+NK\log_2K+3NK+2\,\mathrm{nnz}\,D+\mathrm{nnz}+KD`.

    Parameters
    ----------
    n, k, d : sympy.Expr or number
        :math:`N`, :math:`K`, :math:`D`.
    nz : sympy.Expr or number
        Nonzero responsibilities, :math:`N\le\mathrm{nnz}\le NK`.

    Returns
    -------
    sympy.Expr
        Distances (GEMM), sort, threshold, accumulation over the nonzeros, division.

    Examples
    --------
    >>> entmax15_ops(10, 2, 3, 10)
    276
    """
    return 2 * n * k * d + n * k * sp.log(k, 2) + 3 * n * k + 2 * nz * d + nz + k * d


@functools.lru_cache(maxsize=None)
def kr_s53_opcount() -> Derivation:
    r"""KR §5.3: one entmax-1.5 iteration needs more operations than one Lloyd iteration at every sparsity."""
    D_ = Derivation(
        "KR-S53-cheaper: operation counts of a Lloyd and an entmax-1.5 iteration",
        r"With $N\le\mathrm{nnz}\le NK$: $C_{1.5}-C_{\rm Lloyd}=NK\log_2K+2NK+(2\,\mathrm{nnz}-N)D+\mathrm{nnz}"
        r"\ge NK\log_2K+2NK+ND+N>0$, so sparsity never brings the count of an entmax-1.5 iteration "
        r"below Lloyd's.",
    )
    cl, ce = lloyd_ops(N, K, D), entmax15_ops(N, K, D, nnz)
    D_.step(r"Lloyd: distances, arg min, accumulation, division:", sp.Eq(sp.Symbol(r"C_{\rm Lloyd}"), cl))
    D_.step(r"Entmax-1.5: distances, sort, threshold, sparse accumulation, division:",
            sp.Eq(sp.Symbol(r"C_{1.5}"), ce))
    diff = N * K * sp.log(K, 2) + 2 * N * K + (2 * nnz - N) * D + nnz
    samp = uniform_sampler({N: (1, 1000), K: (1, 64), D: (1, 512), nnz: (1, 1000)})
    D_.oblige(Identity("difference of the counts", ce - cl, diff, sampler=samp,
                       statement=r"C_{1.5}-C_{\rm Lloyd}=NK\log_2K+2NK+(2\,\mathrm{nnz}-N)D+\mathrm{nnz}"))
    # nnz = N + e (e >= 0: every row has a nonzero), K = 1 + k_1 (k_1 >= 0)
    sub = {nnz: N + e, K: 1 + k1}
    sampe = uniform_sampler({N: (1, 1000), k1: (0, 63), D: (1, 512), e: (0, 1000)})
    D_.step(r"Every entmax row has at least one nonzero: $\mathrm{nnz}=N+e$, $e\ge0$; $K=1+k_1$, $k_1\ge0$.")
    D_.oblige(Sign("entmax-1.5 count exceeds Lloyd's", (ce - cl).subs(sub), ">", sampler=sampe,
                   statement=r"C_{1.5}-C_{\rm Lloyd}>0\quad(\mathrm{nnz}\ge N)"))
    lower = N * K * sp.log(K, 2) + 2 * N * K + N * D + N
    D_.oblige(Sign("excess at least NK log2 K + 2NK + ND + N", (diff - lower).subs(sub), ">=", sampler=sampe,
                   statement=r"C_{1.5}-C_{\rm Lloyd}\ge NK\log_2K+2NK+ND+N"))
    D_.conclusion = (r"At every sparsity ($\mathrm{nnz}\ge N$) an entmax-1.5 iteration does at least "
                     r"$NK\log_2K+2NK+ND+N$ more operations than a Lloyd iteration; the one-hot limit "
                     r"($\mathrm{nnz}=N$) only removes the $(\mathrm{nnz}-N)D$ part of the excess.")
    return D_
