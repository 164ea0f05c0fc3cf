"""Validation at the door: every public function of :mod:`kmrbf.numerics` calls these.

Private kernels assume their input passed these checks.  Errors state the facts:
the parameter, the offending value and (for arrays) its index.

Documented input policy
-----------------------
* **dtype.**  Real floating arrays of any precision (float16, float32, float64)
  and integer arrays are accepted and **converted to float64** before any
  arithmetic; results are float64.  ``bool`` and complex arrays raise
  ``TypeError``.  Python lists are converted with NumPy.
* **X** (data) must be 2-D ``(N, D)`` with ``N >= 1``, ``D >= 1`` and finite
  entries (NaN or ±inf raises ``ValueError`` with the first bad index).  A 1-D
  array raises ``ValueError`` (reshape it to ``(N, 1)`` or ``(1, D)`` yourself:
  the meaning is ambiguous).
* **M** (centroids) must be 2-D ``(K, D)`` with the same ``D`` as ``X``,
  ``1 <= K <= N`` and finite entries.
* **Magnitude.**  With ``B = max(|x_ij|, |mu_kj|)`` we require
  ``4 * D * N * B**2 <= finfo(float64).max``: then every squared distance
  (``<= D (2B)^2``), every GEMM term and every sum of ``N`` squared distances is
  finite.  Larger inputs raise ``ValueError`` ("squares overflow"): rescale the
  data (all functionals are homogeneous of degree 2 under ``X, M, sigma ->
  cX, cM, c^2 sigma``).
* **sigma** must be a real number with ``0 < sigma < inf`` (0, negatives, NaN
  and inf raise ``ValueError``; bool/complex/strings raise ``TypeError``).
  Subnormal sigma is allowed.
* **alpha** must be a real number ``1 <= alpha < inf``.
* **Integer parameters** (``max_iter``, ``n_iter``, ``chunk_size``) accept any integer
  type (``int``, NumPy integers); ``bool``, floats (even integral ones such as ``2.0``)
  and strings raise ``TypeError``; values below 1 raise ``ValueError``.
* **Tolerances** (``tol``, ``rtol``) must be real numbers (``TypeError`` otherwise,
  naming the parameter), finite and ``>= 0`` (``ValueError``).
* **Masked arrays** (``numpy.ma.MaskedArray``) are rejected with ``TypeError`` naming
  the parameter: the kernels would silently drop or broadcast the mask; pass
  ``a.filled(...)`` or the unmasked rows ``a[~a.mask.any(axis=1)].data`` instead.
* **logits** ``z`` must be at least 1-D, non-empty along ``axis``, contain no NaN
  and no ``+inf``; ``-inf`` entries are allowed (they get probability 0) but a
  slice along ``axis`` that is entirely ``-inf`` raises ``ValueError`` for the
  probability maps (its normalisation is undefined); :func:`log_sum_exp` returns
  ``-inf`` for such a slice (``log 0``), which is the exact answer.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ._compat import (array_namespace, asarray_in, device_of, is_array, is_masked_array, is_numpy_namespace,
                      is_torch_namespace, on_accelerator)

__all__ = [
    "check_alpha",
    "check_array_float64",
    "check_chunk_size",
    "check_data",
    "check_instance",
    "check_logits",
    "check_positive_int",
    "check_sigma",
    "check_tolerance",
    "DEFAULT_CHUNK_SIZE",
    "DEVICE_BLOCK_ENTRIES",
    "on_accelerator",
]

#: Rows processed per block; no call materialises more than ``chunk_size * K`` floats
#: (plus the ``chunk_size * D`` block of data).
DEFAULT_CHUNK_SIZE = 4096

#: Distances (or entries of ``X``, whichever are more) per block on an accelerator when
#: ``chunk_size`` is None (:func:`check_chunk_size`: ``max(DEFAULT_CHUNK_SIZE,
#: DEVICE_BLOCK_ENTRIES // max(K, D))`` rows, 128 MiB per float64 block).
#: A block is a few dozen kernel launches there, so small blocks leave the card idle: on an
#: H200 at N = 200 000, K = 64, D = 32 a softmax step took 19.4 ms in blocks of 4096 rows and
#: 3.1 ms in one block of 200 000 (benchmarks/README.md, "On a GPU").
DEVICE_BLOCK_ENTRIES = 1 << 24


def _first_bad_index(mask: Any, xp: Any) -> tuple[int, ...]:
    idx = xp.nonzero(mask)
    return tuple(int(i[0]) for i in idx)


def check_array_float64(x: Any, name: str, xp: Any | None = None) -> tuple[Any, Any]:
    """``x`` as a float64 array of its own namespace; ``TypeError`` for bool/complex/other.

    Integer and real floating dtypes of any width are cast to float64 (no copy
    when already float64).  No shape or finiteness check.

    Parameters
    ----------
    x : array or array-like
        The input: an array of any supported namespace (NumPy, array-api-strict,
        torch, ...), or a nested sequence / scalar convertible by ``xp.asarray``.
        Strings and bytes are rejected.
    name : str
        Name of the parameter, used in error messages.
    xp : namespace or None, optional
        Namespace used to convert a non-array ``x``.  None: the namespace of ``x``
        (NumPy for lists and scalars).

    Returns
    -------
    x64 : array
        ``x`` with dtype float64, in namespace ``xp``, same shape (and device).
    xp : namespace
        The array namespace of ``x64``.

    Raises
    ------
    TypeError
        If ``x`` is a string/bytes or a NumPy masked array, cannot be converted to an
        array, or has a bool, complex or other non-real-numeric dtype.

    Examples
    --------
    >>> import numpy as np
    >>> check_array_float64(np.array([1, 2], dtype=np.int8), "X")[0]
    array([1., 2.])
    >>> check_array_float64(np.array([True]), "X")
    Traceback (most recent call last):
    ...
    TypeError: X must have a real numeric dtype (integer or floating); got bool
    """
    if is_masked_array(x):
        raise TypeError(
            f"{name} is a numpy masked array; masked entries have no defined value here: "
            f"pass {name}.filled(value) or drop the masked entries (e.g. the rows "
            f"{name}[~{name}.mask.any(axis=1)].data)"
        )
    if xp is None:
        xp = array_namespace(x)
    if not is_array(x):
        if isinstance(x, (str, bytes)):
            raise TypeError(f"{name} must be an array of real numbers; got {type(x).__name__}")
        try:
            x = asarray_in(x, xp)
        except Exception as exc:  # noqa: BLE001 - re-raised with the parameter name
            raise TypeError(f"{name} must be an array of real numbers; got {x!r:.80}") from exc
    dt = x.dtype
    if xp.isdtype(dt, "bool") or xp.isdtype(dt, "complex floating") or not (
        xp.isdtype(dt, "integral") or xp.isdtype(dt, "real floating")
    ):
        raise TypeError(
            f"{name} must have a real numeric dtype (integer or floating); got {dt}"
        )
    if dt != xp.float64:
        x = xp.astype(x, xp.float64)
    return x, xp


#: NumPy arrays of at least this many entries are reduced by the compiled kernel, on every
#: core (NumPy's ``max`` and ``min`` are two single-threaded passes).
EXTREMES_COMPILED_MIN = 1 << 16


def _extremes(x: Any, xp: Any) -> tuple[float, float] | None:
    """``(max x, min x)`` where these reductions propagate NaN and allocate nothing of the
    size of ``x`` (NumPy, torch); None elsewhere (the caller then checks elementwise)."""
    if x.shape[0] == 0 or not (is_numpy_namespace(xp) or is_torch_namespace(xp)):
        return None
    if is_numpy_namespace(xp) and x.size >= EXTREMES_COMPILED_MIN and x.flags.c_contiguous:
        from .compiled._kernels import _extremes_compiled  # numba: imported on first large call
        return _extremes_compiled(x)
    return float(xp.max(x)), float(xp.min(x))


def _check_finite(x: Any, name: str, xp: Any, ext: tuple[float, float] | None) -> None:
    """Raise unless ``x`` is finite; ``ext`` is :func:`_extremes` of ``x``, already computed."""
    if ext is not None and math.isfinite(ext[0]) and math.isfinite(ext[1]):
        return  # no NaN (max and min propagate it) and no +-inf: no N x D temporary
    bad = ~xp.isfinite(x)
    if bool(xp.any(bad)):
        idx = _first_bad_index(bad, xp)
        raise ValueError(f"{name} must be finite; found {float(x[idx])} at index {idx}")


def check_data(X: Any, *, name: str = "X") -> tuple[Any, Any]:
    r"""Validate data ``X`` (N, D): 2-D, non-empty, finite; return ``(X64, xp)``.

    Also enforces the magnitude rule of the module docstring:
    :math:`\max_{ij}|x_{ij}| \le \sqrt{\text{max\_float}/(4DN)}`, so that every sum of
    ``N`` squared distances is finite.

    Parameters
    ----------
    X : array-like of shape (N, D)
        The data, N points in D dimensions (any real numeric dtype; cast to float64).
    name : str, optional
        Name of the parameter, used in error messages.

    Returns
    -------
    X64 : array of shape (N, D)
        float64 data, in the namespace of ``X``.
    xp : namespace
        The array namespace of ``X64``.

    Raises
    ------
    TypeError
        If ``X`` has a bool, complex or non-numeric dtype.
    ValueError
        If ``X`` is not 2-D, has ``N == 0`` or ``D == 0``, has a NaN/±inf entry,
        or an entry whose squares overflow (see above).

    Examples
    --------
    >>> import numpy as np
    >>> check_data(np.array([1.0, 2.0]))
    Traceback (most recent call last):
    ...
    ValueError: X must be 2-D (N, D); got shape (2,)
    """
    X, xp = check_array_float64(X, name)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (N, D); got shape {tuple(X.shape)}")
    n, d = X.shape
    if n < 1:
        raise ValueError(f"{name} must have at least one row; got shape {tuple(X.shape)}")
    if d < 1:
        raise ValueError(f"{name} must have at least one column; got shape {tuple(X.shape)}")
    _check_values(X, name, xp, n, d)
    return X, xp


def _check_values(arr: Any, name: str, xp: Any, n: int, d: int) -> None:
    """Raise unless ``arr`` is finite and ``4 * D * N * B**2`` is finite (module docstring):
    one max/min pass (:func:`_extremes`) serves both checks."""
    if arr.shape[0] == 0:
        return
    ext = _extremes(arr, xp)
    _check_finite(arr, name, xp, ext)
    limit = math.sqrt(1.7976931348623157e308 / (4.0 * d * max(n, 1)))
    b = max(abs(ext[0]), abs(ext[1])) if ext is not None else float(xp.max(xp.abs(arr)))
    if b > limit:
        idx = _first_bad_index(xp.abs(arr) == b, xp)
        raise ValueError(
            f"{name} has an entry of magnitude {b:.6g} at index {idx}, whose squares "
            f"overflow float64 in sums of squared distances (need max|entry| <= "
            f"{limit:.6g} = sqrt(max_float / (4 D N)) for D={d}, N={n}); rescale the data"
        )


def check_instance(X: Any, M: Any, *, x_name: str = "X", m_name: str = "M") -> tuple[Any, Any, Any]:
    """Validate data and centroids together; return ``(X64, M64, xp)``.

    Checks everything :func:`check_data` checks, plus: ``M`` 2-D ``(K, D)`` with the
    same ``D``, ``1 <= K <= N``, finite, same namespace as ``X``.

    Parameters
    ----------
    X : array-like of shape (N, D)
        The data.
    M : array-like of shape (K, D)
        The centroids, ``1 <= K <= N``.  A non-array ``M`` (list) is converted into
        the namespace and device of ``X``.
    x_name : str, optional
        Name of ``X`` in error messages.
    m_name : str, optional
        Name of ``M`` in error messages.

    Returns
    -------
    X64 : array of shape (N, D)
        float64 data.
    M64 : array of shape (K, D)
        float64 centroids, same namespace as ``X64``.
    xp : namespace
        The common array namespace.

    Raises
    ------
    TypeError
        If ``X`` and ``M`` are arrays of different namespaces, or either has a
        bool, complex or non-numeric dtype.
    ValueError
        Everything :func:`check_data` raises for ``X``; and if ``M`` is not 2-D, its
        ``D`` differs from that of ``X``, ``K < 1`` or ``K > N``, it has a non-finite
        entry, or its squares overflow.

    Examples
    --------
    >>> import numpy as np
    >>> check_instance(np.zeros((2, 3)), np.zeros((3, 3)))
    Traceback (most recent call last):
    ...
    ValueError: M has K=3 centroids but X has only N=2 points; need 1 <= K <= N
    """
    if is_array(X) and is_array(M):
        try:
            array_namespace(X, M)
        except TypeError as exc:
            raise TypeError(
                f"{x_name} and {m_name} must come from the same array namespace; got "
                f"{type(X).__name__} and {type(M).__name__}"
            ) from exc
    X, xp = check_data(X, name=x_name)
    M, _ = check_array_float64(M, m_name, xp if is_array(M) else None)
    if not is_array(M) or array_namespace(M) is not xp:
        M = asarray_in(M, xp, device=device_of(X), dtype=xp.float64)
    if M.ndim != 2:
        raise ValueError(f"{m_name} must be 2-D (K, D); got shape {tuple(M.shape)}")
    n, d = X.shape
    k, dm = M.shape
    if dm != d:
        raise ValueError(
            f"{m_name} has D={dm} columns but {x_name} has D={d}; the dimensions must match"
        )
    if k < 1:
        raise ValueError(f"{m_name} must have at least one centroid; got K={k}")
    if k > n:
        raise ValueError(
            f"{m_name} has K={k} centroids but {x_name} has only N={n} points; need 1 <= K <= N"
        )
    _check_values(M, m_name, xp, n, d)  # X: already by check_data, with the same N and D
    return X, M, xp


def _real_scalar(value: Any, name: str) -> float:
    if isinstance(value, bool) or isinstance(value, (str, bytes, complex)):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    if is_array(value):
        xp = array_namespace(value)
        if value.ndim != 0 and math.prod(value.shape) != 1:
            raise TypeError(f"{name} must be a real scalar; got an array of shape {tuple(value.shape)}")
        if xp.isdtype(value.dtype, "bool") or xp.isdtype(value.dtype, "complex floating"):
            raise TypeError(f"{name} must be a real number; got dtype {value.dtype}")
        return float(xp.reshape(value, ()))
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number; got {value!r}") from exc


def check_sigma(sigma: Any, *, name: str = "sigma") -> float:
    r"""Validate a temperature: a real number with ``0 < sigma < inf``.

    The temperature divides **squared** distances: logits
    :math:`z_{ik} = -\lVert x_i-\mu_k\rVert^2/\sigma`.

    Parameters
    ----------
    sigma : real scalar
        The temperature (Python/NumPy real, or a 0-d / one-element array).
        Subnormal values are allowed.
    name : str, optional
        Name of the parameter, used in error messages.

    Returns
    -------
    float
        ``sigma`` as a Python float.

    Raises
    ------
    TypeError
        If ``sigma`` is a bool, complex, string, an array of more than one element,
        or not convertible to float.
    ValueError
        If ``sigma`` is not in ``(0, inf)`` (zero, negative, NaN or inf).

    Examples
    --------
    >>> check_sigma(2)
    2.0
    >>> check_sigma(0.0)
    Traceback (most recent call last):
    ...
    ValueError: sigma must satisfy 0 < sigma < inf; got 0.0
    """
    s = _real_scalar(sigma, name)
    if not (s > 0.0 and math.isfinite(s)):
        raise ValueError(f"{name} must satisfy 0 < sigma < inf; got {s!r}")
    return s


def check_alpha(alpha: Any, *, name: str = "alpha") -> float:
    r"""Validate an entmax parameter: a real number with ``1 <= alpha < inf``.

    Parameters
    ----------
    alpha : real scalar
        The entmax parameter :math:`\alpha` (Peters et al. 2019): 1 is softmax,
        1.5 entmax-1.5, 2 sparsemax.
    name : str, optional
        Name of the parameter, used in error messages.

    Returns
    -------
    float
        ``alpha`` as a Python float.

    Raises
    ------
    TypeError
        If ``alpha`` is a bool, complex, string, an array of more than one element,
        or not convertible to float.
    ValueError
        If ``alpha`` is not in ``[1, inf)`` (including NaN).

    Examples
    --------
    >>> check_alpha(1.5)
    1.5
    >>> check_alpha(0.5)
    Traceback (most recent call last):
    ...
    ValueError: alpha must satisfy 1 <= alpha < inf; got 0.5
    """
    a = _real_scalar(alpha, name)
    if not (a >= 1.0 and math.isfinite(a)):
        raise ValueError(f"{name} must satisfy 1 <= alpha < inf; got {a!r}")
    return a


def check_positive_int(value: Any, name: str) -> int:
    """Validate a positive integer parameter (``max_iter``, ``n_iter``): return it as an ``int``.

    Any integer type is accepted (``int``, ``numpy.int64``, ...); ``bool`` is not an
    integer here, and floats are rejected even when integral (``2.0``).

    Parameters
    ----------
    value : int
        The parameter value, ``>= 1``.
    name : str
        Name of the parameter, used in error messages.

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    TypeError
        If ``value`` is a bool or not an integer (float, string, None, ...).
    ValueError
        If ``value < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> check_positive_int(np.int64(5), "max_iter")
    5
    >>> check_positive_int(2.0, "max_iter")
    Traceback (most recent call last):
    ...
    TypeError: max_iter must be a positive int; got 2.0 of type float
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive int; got {value!r} of type {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1; got {int(value)}")
    return int(value)


def check_tolerance(value: Any, name: str) -> float:
    """Validate a tolerance (``tol``, ``rtol``): a finite real number ``>= 0``.

    Parameters
    ----------
    value : real scalar
        The tolerance (Python/NumPy real, or a 0-d / one-element array).
    name : str
        Name of the parameter, used in error messages.

    Returns
    -------
    float
        ``value`` as a Python float.

    Raises
    ------
    TypeError
        If ``value`` is a bool, complex, string, an array of more than one element, or
        not convertible to float.
    ValueError
        If ``value`` is negative, NaN or infinite.

    Examples
    --------
    >>> check_tolerance(0, "tol")
    0.0
    >>> check_tolerance("1e-3", "tol")
    Traceback (most recent call last):
    ...
    TypeError: tol must be a real number; got '1e-3'
    """
    t = _real_scalar(value, name)
    if not (t >= 0.0 and math.isfinite(t)):
        raise ValueError(f"{name} must be finite and >= 0; got {t!r}")
    return t


def check_chunk_size(chunk_size: Any, X: Any = None, k: Any = None) -> int:
    """``None`` -> the default rows per block; otherwise a positive int.

    Parameters
    ----------
    chunk_size : int or None
        Rows of ``X`` processed per block (memory is ``O(chunk_size * K)``).  None for
        :data:`DEFAULT_CHUNK_SIZE` rows, or, where ``X`` lives on an accelerator
        (:func:`on_accelerator`) and ``k`` (the number of centroids) is given, for blocks of
        about :data:`DEVICE_BLOCK_ENTRIES` distances or entries of ``X``
        (``max(DEFAULT_CHUNK_SIZE, DEVICE_BLOCK_ENTRIES // max(k, D))`` rows).  Any integer
        type (NumPy integers too).
    X : array, optional
        The data, for its device.
    k : int, optional
        The number of centroids.

    Returns
    -------
    int
        The chunk size, ``>= 1``.

    Raises
    ------
    TypeError
        If ``chunk_size`` is a bool or not an integer.
    ValueError
        If ``chunk_size < 1``.

    Examples
    --------
    >>> check_chunk_size(None)
    4096
    """
    if chunk_size is None:
        if X is not None and k is not None and on_accelerator(X):
            width = max(int(k), int(X.shape[1]) if X.ndim == 2 else 1, 1)  # distances, and the copies of X_b
            return max(DEFAULT_CHUNK_SIZE, DEVICE_BLOCK_ENTRIES // width)
        return DEFAULT_CHUNK_SIZE
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, numbers.Integral):
        raise TypeError(f"chunk_size must be a positive int or None; got {chunk_size!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1; got {chunk_size}")
    return int(chunk_size)


def check_logits(z: Any, axis: Any, *, name: str = "z", allow_all_neg_inf: bool = False) -> tuple[Any, Any, int]:
    """Validate logits; return ``(z64, xp, axis)`` with ``axis`` normalised to be non-negative.

    Rules (module docstring): at least 1-D, non-empty along ``axis``, no NaN, no
    ``+inf``; ``-inf`` allowed, but a slice entirely ``-inf`` raises unless
    ``allow_all_neg_inf``.

    Parameters
    ----------
    z : array-like
        The logits, at least 1-D, any real numeric dtype (cast to float64).
    axis : int
        The axis along which the map normalises (or reduces); negative values
        count from the end.
    name : str, optional
        Name of the parameter, used in error messages.
    allow_all_neg_inf : bool, optional
        Accept slices along ``axis`` that are entirely ``-inf`` (log-sum-exp).

    Returns
    -------
    z64 : array
        float64 logits, same shape and namespace as ``z``.
    xp : namespace
        The array namespace of ``z64``.
    axis : int
        ``axis`` normalised to ``0 <= axis < z.ndim``.

    Raises
    ------
    TypeError
        If ``z`` has a bool/complex/non-numeric dtype, or ``axis`` is not an int.
    ValueError
        If ``z`` is 0-d, ``axis`` is out of range, ``z`` is empty along ``axis``,
        contains NaN or ``+inf``, or (unless ``allow_all_neg_inf``) has a slice
        along ``axis`` that is entirely ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> check_logits(np.array([0.0, np.nan]), -1)
    Traceback (most recent call last):
    ...
    ValueError: z must not contain NaN; found nan at index (1,)
    """
    z, xp = check_array_float64(z, name)
    if z.ndim < 1:
        raise ValueError(f"{name} must be at least 1-D; got a 0-d array")
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an int; got {axis!r}")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis={axis} is out of range for {name} with ndim={z.ndim}")
    axis = int(axis) % z.ndim
    if z.shape[axis] == 0:
        raise ValueError(f"{name} must be non-empty along axis {axis}; got shape {tuple(z.shape)}")
    if math.prod(z.shape) == 0:
        return z, xp, axis
    ext = _extremes(z, xp)
    if ext is not None and not math.isnan(ext[0]) and ext[0] < math.inf:
        # no NaN (max propagates it), no +inf; an all -inf slice has maximum -inf: one
        # reduction instead of three N-sized masks
        if allow_all_neg_inf or ext[1] > -math.inf or bool(xp.all(xp.max(z, axis=axis) > -math.inf)):
            return z, xp, axis
    nan = xp.isnan(z)
    if bool(xp.any(nan)):
        raise ValueError(f"{name} must not contain NaN; found nan at index {_first_bad_index(nan, xp)}")
    pinf = z == math.inf
    if bool(xp.any(pinf)):
        raise ValueError(f"{name} must not contain +inf; found inf at index {_first_bad_index(pinf, xp)}")
    if not allow_all_neg_inf:
        all_ninf = xp.all(z == -math.inf, axis=axis)
        if bool(xp.any(all_ninf)):
            where = _first_bad_index(all_ninf, xp) if all_ninf.ndim else ()
            raise ValueError(
                f"{name} has a slice along axis {axis} that is entirely -inf (at index {where} of "
                f"the other axes); its normalisation is undefined"
            )
    return z, xp, axis
