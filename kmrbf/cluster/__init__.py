r"""scikit-learn estimators for soft / entmax K-means (KR) and Variational Fuzzy K-Means (VF).

* :class:`SoftKMeans` -- softmax (``alpha=1``) or entmax-α responsibilities at temperature σ,
  soft-Lloyd or KR's full-gradient RBF update, optionally annealed geometrically to ``sigma_final``
  (the zero-temperature limit KR studies); fits NumPy data or a row-chunked ``dask.array``.
* :class:`AnnealedSoftKMeans` -- VF's Table 2 baseline: softmax, σ annealed linearly, one step
  per temperature.
* :class:`VariationalFuzzyKMeans` -- VF's free-energy iteration (published eq. 10 or the
  consistent proximal update).

All three share one base (:mod:`kmrbf.cluster._base`): one fit loop over temperature levels,
parameters checked in ``fit`` against a declarative ``_parameter_constraints`` table
(:class:`InvalidParameterError`, a ``ValueError`` and a ``TypeError``, naming the parameter and
the value), scikit-learn's data validation (``n_features_in_``, ``feature_names_in_``), and one
empty-cluster policy, that of :mod:`kmrbf.numerics`: a cluster of zero total weight keeps its
centroid, and ``fit`` warns once with :class:`kmrbf.numerics.EmptyClusterWarning`.  Methods:
``fit``, ``predict`` (nearest centroid), ``transform`` (**squared** distances), ``score``,
``fit_predict``, ``fit_transform``, ``set_output``; ``predict_proba`` (responsibilities) for the
soft estimators.  ``verbose`` writes progress lines to ``stderr``; results are attributes.

Layer: above :mod:`kmrbf.numerics` (its kernels do the arithmetic), below the evidence.

Examples
--------
>>> import numpy as np
>>> from kmrbf.cluster import SoftKMeans
>>> X = np.random.default_rng(0).normal(size=(300, 2)) + np.repeat([[0, 0], [6, 0], [0, 6]], 100, axis=0)
>>> km = SoftKMeans(3, alpha=1.5, sigma=4.0, sigma_final=1e-3, random_state=0).fit(X)
>>> sorted(np.bincount(km.labels_).tolist()), km.converged_, km.objective_name_
([99, 100, 101], True, 'W_sigma')
>>> km.predict_proba([[6.0, 0.0]]).tolist()   # entmax-1.5 at sigma = 1e-3: exactly one-hot
[[1.0, 0.0, 0.0]]
"""

from __future__ import annotations

from ._params import InvalidParameterError
from ._soft import AnnealedSoftKMeans, SoftKMeans
from ._vf import VariationalFuzzyKMeans

__all__ = ["SoftKMeans", "AnnealedSoftKMeans", "VariationalFuzzyKMeans", "InvalidParameterError"]
