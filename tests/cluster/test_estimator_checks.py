"""scikit-learn's estimator checks (``parametrize_with_checks``) on every :mod:`kmrbf.cluster` estimator.

Instances are small (few clusters, few iterations) so the suite stays fast; every expected failure
is listed by :func:`expected_failures` with its reason (``xfail_strict``: a listed check that passes
fails the run).
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from kmrbf.cluster import AnnealedSoftKMeans, SoftKMeans, VariationalFuzzyKMeans

ESTIMATORS = [
    SoftKMeans(3, random_state=0),
    SoftKMeans(3, alpha=1.5, sigma=2.0, sigma_final=0.01, n_sigma=4, max_iter=50, random_state=0),
    SoftKMeans(3, alpha=2.0, update="gradient", sigma=0.5, max_iter=50, n_init=2, random_state=0),
    AnnealedSoftKMeans(3, max_iter=20, init="k-means++", random_state=0),
    VariationalFuzzyKMeans(3, max_iter=20, init="k-means++", random_state=0),
    VariationalFuzzyKMeans(3, lambda_e=0.6, max_iter=20, init="k-means++", random_state=0),
    VariationalFuzzyKMeans(3, update="consistent", lambda_e=0.5, max_iter=20, init="k-means++", random_state=0),
]

_COLLAPSE = ("VF's default lambda_e=5 (temperature tau = lambda_e - lambda_kl = 4.5) is far above the critical "
             "temperature of the check's standardised blobs: within 20 iterations every centroid collapses "
             "to the mean and a label goes unused (with lambda_e=0.6 the same check passes)")


def expected_failures(estimator):
    """Check name -> reason for the checks ``estimator`` is expected to fail."""
    if isinstance(estimator, VariationalFuzzyKMeans) and estimator.update == "published" \
            and estimator.lambda_e == 5.0:
        return {"check_clustering": _COLLAPSE}
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
