"""The one import shim for the array API.

This is the **only** module of :mod:`kmrbf.numerics` that imports
``array_api_compat`` (and, for the conversions scipy needs, NumPy).  Every
kernel calls :func:`array_namespace` at its entry and then uses only the
returned namespace ``xp``; the input arrays choose the backend (NumPy,
array-api-strict, PyTorch on any device), never a global flag.

Inputs that are not arrays of any namespace (Python lists, tuples, scalars)
are converted with NumPy, so ``softmax([1.0, 2.0])`` returns a NumPy array.
"""

from __future__ import annotations

import contextlib
from typing import Any

import array_api_compat
import numpy as _np
from array_api_compat import numpy as _xp_numpy

__all__ = [
    "array_namespace",
    "asarray_in",
    "device_of",
    "is_array",
    "is_masked_array",
    "is_numpy_namespace",
    "is_torch_namespace",
    "on_accelerator",
    "quiet_fp",
    "to_numpy",
]


def is_array(x: Any) -> bool:
    """True when ``x`` is an array of a namespace array-api-compat knows.

    >>> import numpy as np
    >>> is_array(np.zeros(2)), is_array([0.0, 1.0])
    (True, False)
    """
    return bool(array_api_compat.is_array_api_obj(x))


def is_masked_array(x: Any) -> bool:
    """True when ``x`` is a NumPy masked array (``numpy.ma.MaskedArray``).

    array-api-compat treats it as a plain NumPy array, so without this check the mask
    would be silently ignored or broadcast; validation rejects it.

    >>> import numpy as np
    >>> is_masked_array(np.ma.array([1.0, 2.0], mask=[0, 1])), is_masked_array(np.zeros(2))
    (True, False)
    """
    return isinstance(x, _np.ma.MaskedArray)


def array_namespace(*xs: Any) -> Any:
    """The array-API namespace of the arrays among ``xs``.

    Non-array arguments (lists, Python scalars, ``None``) are ignored; when no
    argument is an array the (compat-wrapped) NumPy namespace is returned.
    Mixing arrays of different namespaces raises ``TypeError``.

    >>> import numpy as np
    >>> array_namespace(np.ones(3), 2.0).__name__
    'array_api_compat.numpy'
    >>> array_namespace([1.0, 2.0]).__name__
    'array_api_compat.numpy'
    """
    arrays = [x for x in xs if is_array(x)]
    if not arrays:
        return _xp_numpy
    return array_api_compat.array_namespace(*arrays)


def device_of(x: Any) -> Any:
    """The device of array ``x`` (``None`` for non-arrays).

    >>> import numpy as np
    >>> device_of(np.zeros(1))
    'cpu'
    """
    if not is_array(x):
        return None
    return array_api_compat.device(x)


def on_accelerator(x: Any) -> bool:
    """Whether array ``x`` lives in an accelerator's memory: a torch tensor off the CPU, or a
    CuPy array.

    Parameters
    ----------
    x : array
        Any array (NumPy, torch, CuPy, array-api-strict, dask, ...); a non-array is on no
        device.

    Returns
    -------
    bool
        True for a torch tensor whose device is not the CPU and for a CuPy array; False for
        everything else (NumPy, torch CPU tensors, array-api-strict's simulated devices,
        dask, and what is not an array).

    Examples
    --------
    >>> import numpy as np
    >>> on_accelerator(np.zeros(1))
    False
    """
    if not is_array(x):
        return False
    module = type(x).__module__.split(".")[0]
    if module == "torch":
        return x.device.type != "cpu"
    return module == "cupy"


def asarray_in(x: Any, xp: Any, *, device: Any = None, dtype: Any = None) -> Any:
    """``x`` as an array of namespace ``xp`` (on ``device``), optionally cast to ``dtype``.

    Arrays already in ``xp`` are not copied; NumPy arrays headed for another
    namespace go through DLPack / the buffer protocol.

    >>> import numpy as np
    >>> asarray_in([1, 2], array_namespace(np.ones(1)), dtype=np.float64)
    array([1., 2.])
    """
    if is_array(x) and array_namespace(x) is not xp and isinstance(x, _np.ndarray):
        x = _np.ascontiguousarray(x)
    kwargs = {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    if device is not None:
        kwargs["device"] = device
    return xp.asarray(x, **kwargs)


def to_numpy(x: Any) -> _np.ndarray:
    """A NumPy copy/view of array ``x`` (moved to host memory if needed).

    Used only where a NumPy-only library is unavoidable (scipy's Hungarian
    solver in :func:`kmrbf.numerics.centroid_discrepancy`).

    >>> import numpy as np
    >>> to_numpy(np.arange(3))
    array([0, 1, 2])
    """
    if isinstance(x, _np.ndarray):
        return x
    if array_api_compat.is_torch_array(x):
        return x.detach().cpu().numpy()
    if is_array(x):
        try:
            return _np.from_dlpack(array_api_compat.to_device(x, "cpu"))
        except Exception:  # noqa: BLE001 - fall back to the buffer protocol
            return _np.asarray(x)
    return _np.asarray(x)


def is_numpy_namespace(xp: Any) -> bool:
    """True for NumPy (plain or compat-wrapped).

    >>> import numpy as np
    >>> is_numpy_namespace(array_namespace(np.ones(1)))
    True
    """
    return bool(array_api_compat.is_numpy_namespace(xp))


def is_torch_namespace(xp: Any) -> bool:
    """True for PyTorch (plain or compat-wrapped).

    >>> import numpy as np
    >>> is_torch_namespace(array_namespace(np.ones(1)))
    False
    """
    return bool(array_api_compat.is_torch_namespace(xp))


@contextlib.contextmanager
def quiet_fp(*, invalid: bool = False):
    """Silence NumPy's floating-point *warnings* for intended overflow / log(0).

    The kernels overflow on purpose (a logit difference of ``-2e308`` becomes
    ``-inf`` and gets probability 0; ``log(0) = -inf`` for an all ``-inf`` row).
    ``invalid=True`` also silences ``inf/inf`` and ``0/0`` (only the naive softmax,
    whose NaN is the object of study).  Other backends do not warn; this is a no-op
    for them.

    >>> import numpy as np
    >>> with quiet_fp():
    ...     float(np.log(np.float64(0.0)))
    -inf
    """
    with _np.errstate(over="ignore", divide="ignore", under="ignore",
                      invalid="ignore" if invalid else "warn"):
        yield
