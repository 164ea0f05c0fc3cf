r"""Probability maps on logits: softmax, log-sum-exp, entmax-1.5, sparsemax, entmax-alpha.

Each map has a **public** function (validates, converts to float64, works along
``axis`` on NumPy / array-api-strict / torch inputs and returns the input's
namespace) and a **private dtype-preserving kernel** ``_name(z, xp, axis=-1)``
(no validation, no cast: computes in the dtype of ``z``; used by the precision
study, KR-S36-underflow).

Conventions and edge cases (public functions)
---------------------------------------------
* All maps are **max-shifted**: they work on :math:`z - \max z`, so they are
  exactly invariant to a common offset that float64 can represent.  Adding an
  offset such as ``1e300`` to moderate logits absorbs their differences
  (``1e300 + 5 == 1e300``): the row is then constant and the result uniform,
  which is the exact answer for the stored input.
* Logit differences that overflow (e.g. ``[1e308, -1e308]``) give ``-inf`` after
  the shift and probability exactly 0; no NaN.
* ``-inf`` entries get probability exactly 0.  A slice that is **entirely**
  ``-inf`` raises ``ValueError`` for the probability maps (normalisation
  undefined); :func:`log_sum_exp` returns ``-inf`` for it (:math:`\log 0`).
  NaN or ``+inf`` anywhere raise ``ValueError``.
* A single entry maps to ``1.0``; tied entries get exactly equal probabilities.
* :func:`softmax_naive` is the textbook :math:`e^{z}/\sum e^{z}` (no shift),
  kept only as an object of study: it returns NaN (``inf/inf``) when some
  :math:`z_j > 709.78` and NaN (``0/0``) when all :math:`z_j < -745.1`; it still
  validates its input like the others.

References
----------
B. Peters, V. Niculae, A. F. T. Martins, "Sparse Sequence-to-Sequence Models",
ACL 2019, arXiv:1905.14006 (entmax-alpha, exact sort for alpha = 1.5, bisection).
A. F. T. Martins, R. F. Astudillo, "From Softmax to Sparsemax", ICML 2016,
arXiv:1602.02068.
"""

from __future__ import annotations

from typing import Any

from ._compat import quiet_fp
from ._kernels import _entmax_bisect, _log_sum_exp, _softmax, _softmax_naive
from .backends._kernels import _fast_sparse_map
from .validation import check_alpha, check_logits, check_positive_int

__all__ = [
    "entmax15",
    "entmax_bisect",
    "log_sum_exp",
    "softmax",
    "softmax_naive",
    "sparsemax",
]


def softmax(z: Any, /, *, axis: int = -1) -> Any:
    r"""Max-shifted softmax :math:`p_j = e^{z_j-m}/\sum_l e^{z_l-m}`, :math:`m=\max_l z_l`.

    Parameters
    ----------
    z : array of any shape (at least 1-D)
        Logits (any real dtype; computed in float64).  ``-inf`` entries allowed
        (probability 0); a slice entirely ``-inf``, NaN or ``+inf`` raise ``ValueError``.
    axis : int, optional
        Axis along which the probabilities sum to one (default: last).

    Returns
    -------
    array
        float64 probabilities, same shape and namespace as ``z``; each slice along
        ``axis`` is non-negative and sums to 1.

    Raises
    ------
    TypeError
        If ``z`` has a bool, complex or non-numeric dtype, or ``axis`` is not an int.
    ValueError
        If ``z`` is 0-d, ``axis`` is out of range, ``z`` is empty along ``axis``,
        contains NaN or ``+inf``, or has a slice along ``axis`` that is entirely ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    >>> softmax(np.array([1e300, 1e300 + 5.0]))  # offset absorbed the difference
    array([0.5, 0.5])
    """
    z, xp, axis = check_logits(z, axis)
    with quiet_fp():
        return _softmax(z, xp, axis)


def softmax_naive(z: Any, /, *, axis: int = -1) -> Any:
    r"""Textbook softmax :math:`e^{z_j}/\sum_l e^{z_l}` **without** the max shift.

    Object of study only (KR-S36-underflow).  Input is validated like
    :func:`softmax`, but the result is NaN when some :math:`z_j > 709.78`
    (``inf/inf``) or when every :math:`z_j < -745.1` (``0/0``).

    Parameters
    ----------
    z : array of any shape (at least 1-D)
        Logits (validated like :func:`softmax`).
    axis : int, optional
        Axis along which the probabilities sum to one (default: last).

    Returns
    -------
    array
        float64 :math:`e^{z_j}/\sum_le^{z_l}`, same shape and namespace as ``z``
        (NaN in a slice where it over/underflows).

    Raises
    ------
    TypeError
        If ``z`` has a bool, complex or non-numeric dtype, or ``axis`` is not an int.
    ValueError
        If ``z`` is 0-d, ``axis`` is out of range, ``z`` is empty along ``axis``,
        contains NaN or ``+inf``, or has a slice along ``axis`` that is entirely ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> softmax_naive(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    >>> softmax_naive(np.array([-800.0, -801.0]))  # underflow: 0/0
    array([nan, nan])
    """
    z, xp, axis = check_logits(z, axis)
    with quiet_fp(invalid=True):  # NumPy's inf/inf, 0/0 warnings: the NaN is the point
        return _softmax_naive(z, xp, axis)


def log_sum_exp(z: Any, /, *, axis: int = -1) -> Any:
    r""":math:`\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j-m}`, :math:`m=\max_j z_j`.

    Reduces ``axis``.  A slice entirely ``-inf`` gives ``-inf`` (exact);
    NaN or ``+inf`` raise ``ValueError``.

    Parameters
    ----------
    z : array of any shape (at least 1-D)
        Logits (any real dtype; computed in float64); a slice entirely ``-inf``
        gives ``-inf``.
    axis : int, optional
        Axis reduced (default: last).

    Returns
    -------
    array
        float64 :math:`\log\sum_je^{z_j}`, shape of ``z`` with ``axis`` removed
        (a 0-d array for 1-D ``z``), same namespace as ``z``.

    Raises
    ------
    TypeError
        If ``z`` has a bool, complex or non-numeric dtype, or ``axis`` is not an int.
    ValueError
        If ``z`` is 0-d, ``axis`` is out of range, ``z`` is empty along ``axis``,
        contains NaN or ``+inf``.

    Examples
    --------
    >>> import numpy as np
    >>> float(log_sum_exp(np.array([1000.0, 1000.0])))  # 1000 + log 2, no overflow
    1000.6931471805599
    >>> log_sum_exp(np.array([[-np.inf, -np.inf]]))
    array([-inf])
    """
    z, xp, axis = check_logits(z, axis, allow_all_neg_inf=True)
    with quiet_fp():
        return _log_sum_exp(z, xp, axis)


def entmax15(z: Any, /, *, axis: int = -1) -> Any:
    r"""1.5-entmax by the exact sort-based threshold (Peters et al. 2019).

    .. math::

        \operatorname{entmax}_{1.5}(z) = \arg\max_{p\in\Delta}\ p^\top z + H^T_{1.5}(p),
        \qquad p_j = [z_j/2 - \tau]_+^2,\ \sum_j p_j = 1.

    Exactly one-hot when the top logit gap is ``>= 2``.  Edge cases as in the
    module docstring.

    Parameters
    ----------
    z : array of any shape (at least 1-D)
        Logits (any real dtype; computed in float64); edge cases as in the module
        docstring.
    axis : int, optional
        Axis along which the probabilities sum to one (default: last).

    Returns
    -------
    array
        float64 probabilities, same shape and namespace as ``z``; each slice along
        ``axis`` is non-negative and sums to 1.

    Raises
    ------
    TypeError
        If ``z`` has a bool, complex or non-numeric dtype, or ``axis`` is not an int.
    ValueError
        If ``z`` is 0-d, ``axis`` is out of range, ``z`` is empty along ``axis``,
        contains NaN or ``+inf``, or has a slice along ``axis`` that is entirely ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> entmax15(np.array([0.0, 0.0]))
    array([0.5, 0.5])
    >>> entmax15(np.array([3.0, 1.0, -5.0]))  # gap 2: one-hot
    array([1., 0., 0.])
    >>> entmax15(np.array([0.4, 0.0]))
    array([0.64, 0.36])
    """
    z, xp, axis = check_logits(z, axis)
    with quiet_fp():
        return _fast_sparse_map(z, xp, axis, 1.5)


def sparsemax(z: Any, /, *, axis: int = -1) -> Any:
    r"""Sparsemax: the Euclidean projection of ``z`` onto the simplex.

    .. math::

        \operatorname{sparsemax}(z)=\arg\min_{p\in\Delta}\lVert p-z\rVert_2^2 = [z-\tau]_+.

    One-hot when the top logit gap is ``>= 1``.

    Parameters
    ----------
    z : array of any shape (at least 1-D)
        Logits (any real dtype; computed in float64); edge cases as in the module
        docstring.
    axis : int, optional
        Axis along which the probabilities sum to one (default: last).

    Returns
    -------
    array
        float64 probabilities, same shape and namespace as ``z``; each slice along
        ``axis`` is non-negative and sums to 1.

    Raises
    ------
    TypeError
        If ``z`` has a bool, complex or non-numeric dtype, or ``axis`` is not an int.
    ValueError
        If ``z`` is 0-d, ``axis`` is out of range, ``z`` is empty along ``axis``,
        contains NaN or ``+inf``, or has a slice along ``axis`` that is entirely ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> sparsemax(np.array([0.5, 0.0, -3.0]))
    array([0.75, 0.25, 0.  ])
    """
    z, xp, axis = check_logits(z, axis)
    with quiet_fp():
        return _fast_sparse_map(z, xp, axis, 2.0)


def entmax_bisect(z: Any, /, alpha: float, *, axis: int = -1, n_iter: int | None = None) -> Any:
    r"""alpha-entmax for any ``alpha >= 1`` by bisection on the threshold.

    .. math::

        p_j = [(\alpha-1)(z_j-\max z) - \tau]_+^{1/(\alpha-1)},\qquad \sum_j p_j = 1,

    with :math:`\tau\in[-1,-K^{1-\alpha}]`.  ``alpha == 1`` returns
    :func:`softmax`; ``alpha == 2`` is sparsemax; ``alpha == 1.5`` agrees with
    :func:`entmax15` to a few ulps.  The result is normalised after the bisection.

    **Two parametrisations** (:math:`\varepsilon=\alpha-1`, :math:`\beta=1/\varepsilon`,
    :math:`y=z-\max z`, :math:`u=2^{-53}`):

    * :math:`\tau`-form (:math:`\varepsilon\ge1/8`): :math:`p_j=b_j^{\beta}`,
      :math:`b_j=\varepsilon y_j-\tau`.  Bisection fixes :math:`\tau` to about :math:`u`
      (absolute; :math:`|\tau|\le1`), so :math:`p_j` has relative error about
      :math:`\beta u/b_j\ge u/(\alpha-1)`: harmless for :math:`\alpha` away from 1, but
      :math:`1.7\cdot10^{-2}` at :math:`\alpha=1+2^{-52}` (every :math:`b_j` is
      :math:`1+O(\varepsilon)`, and float64 stores that :math:`O(\varepsilon)` part with
      absolute precision :math:`u`).  Returning softmax instead would cost
      :math:`|\operatorname{entmax}_\alpha-\operatorname{softmax}|=O(\varepsilon\,
      \max_j y_j^2)` (:math:`\log p_j=\lambda+y_j-\varepsilon(y_j+\lambda)^2/2+\dots`); the better
      of the two still loses half the digits at the crossover
      :math:`\varepsilon\approx\sqrt u`.
    * :math:`\lambda`-form (:math:`\varepsilon<1/8`): :math:`\tau=-1-\varepsilon\lambda`,

      .. math::

          p_j=\exp\bigl(\operatorname{log1p}(\varepsilon(y_j+\lambda))/\varepsilon\bigr),
          \qquad \lambda\in[-\log K,0],

      bisection on the :math:`O(1)` unknown :math:`\lambda` to absolute precision
      :math:`u`.  ``log1p`` of the argument :math:`\varepsilon(y_j+\lambda)` (relative
      error :math:`\le 3u`) is divided by :math:`\varepsilon` exactly in relative terms, so
      :math:`\log p_j` has absolute error :math:`O(u(|y_j|+\log K))/b_j` and :math:`p_j`
      relative error :math:`O(u(|y_j|+\log K+|\log p_j|))`, independent of :math:`\alpha`
      (where :math:`b_j\ll1`, :math:`p_j=b_j^\beta` is tiny and its absolute error
      :math:`b_j^{\beta-1}O(u)` smaller still).  As :math:`\varepsilon\to0`,
      :math:`\lambda\to-\log\sum_je^{y_j}` and :math:`p\to\operatorname{softmax}(z)` with
      the same accuracy as :func:`softmax`.

    The switch at :math:`\varepsilon=1/8`: above it the :math:`\tau`-form's factor
    :math:`\beta\le8` costs at most 8 times the :math:`\lambda`-form's error, and keeping it
    keeps established results (``alpha`` in {1.25, 3}) bit for bit.

    Parameters
    ----------
    z : array
        Logits (computed in float64).
    alpha : float
        entmax parameter, :math:`1\le\alpha<\infty` (1 softmax, 1.5 entmax-1.5,
        2 sparsemax; larger values are sparser).
    axis : int, optional
        Axis along which the probabilities sum to one (default: last).
    n_iter : int or None, optional
        Number of bisection halvings of the bracket of :math:`\tau` (or :math:`\lambda`),
        ``>= 1``, any integer type; None: until the bracket is two adjacent floats
        (:math:`\lambda`-form: or narrower than :math:`u`), at most 2000 halvings.
        Ignored for ``alpha == 1``.

    Returns
    -------
    array
        float64 probabilities, same shape and namespace as ``z``; each slice along
        ``axis`` is non-negative and sums to 1.

    Raises
    ------
    TypeError
        If ``z`` has a bool, complex or non-numeric dtype, ``axis`` is not an int,
        ``alpha`` is not a real number, or ``n_iter`` is neither None nor an integer
        (bool and float included).
    ValueError
        If ``alpha`` is not in ``[1, inf)``; ``n_iter < 1``; ``z`` is 0-d, empty along
        ``axis``, contains NaN or ``+inf``, or has a slice along ``axis`` that is entirely
        ``-inf``; or ``axis`` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> entmax_bisect(np.array([0.4, 0.0]), 1.5)
    array([0.64, 0.36])
    >>> entmax_bisect(np.array([0.5, 0.0, -3.0]), 2.0)
    array([0.75, 0.25, 0.  ])
    >>> p = entmax_bisect(np.array([0.0, np.log(3.0)]), 1.0 + 2.0**-52)  # lambda-form
    >>> bool(np.all(np.abs(p - [0.25, 0.75]) < 1e-15))
    True
    """
    a = check_alpha(alpha)
    if n_iter is not None:
        n_iter = check_positive_int(n_iter, "n_iter")
    z, xp, axis = check_logits(z, axis)
    with quiet_fp():
        return _entmax_bisect(z, xp, axis, alpha=a, n_iter=n_iter)
