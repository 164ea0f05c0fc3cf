r"""Gradient descent on the weighted quadratic of KR Lemma 1 and Theorem 2, written out independently of the kernels."""

from __future__ import annotations

import numpy as np

__all__ = ["gd_step"]


def gd_step(X: np.ndarray, w: np.ndarray, mu: np.ndarray, eta: float) -> np.ndarray:
    r"""One step :math:`\mu-\eta\nabla L` on :math:`L(\mu)=\tfrac12\sum_iw_i\lVert x_i-\mu\rVert^2`.

    :math:`\nabla L=\sum_iw_i(\mu-x_i)`, so :math:`\eta=1/\sum_iw_i` lands on the weighted mean.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Data.
    w : ndarray of shape (N,)
        Non-negative weights.
    mu : ndarray of shape (D,)
        Current point.
    eta : float
        Step size.

    Returns
    -------
    ndarray of shape (D,)
        The point after one step.

    Examples
    --------
    >>> X = np.array([[0.0], [2.0]])
    >>> gd_step(X, np.ones(2), np.array([5.0]), 0.5)
    array([1.])
    """
    return mu - eta * (w[:, None] * (mu[None, :] - X)).sum(axis=0)
