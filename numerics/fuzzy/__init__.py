r"""Variational Fuzzy K-Means (VF): the free energy, the two membership updates and the annealing
schedule, as functions (the estimators are in :mod:`kmrbf.cluster`).

The free energy of VF eq. 3/6, for memberships :math:`u_i\in\Delta^{K-1}`,

.. math::

    \mathcal L(u,M;u^{prev})=\sum_{ik}u_{ik}d_{ik}
      -\lambda_e\sum_{ik}u_{ik}\log u_{ik}
      +\lambda_{kl}\sum_{ik}u_{ik}\log\frac{u_{ik}}{u^{prev}_{ik}},
    \qquad d_{ik}=\lVert x_i-\mu_k\rVert^2 ,

with :math:`0\log0=0` and :math:`0\log(0/q)=0`.  Two membership updates:

* ``update="published"`` (VF eq. 5/10), effective temperature :math:`\tau=\lambda_e-\lambda_{kl}`:
  :math:`u_{ik}\propto(u^{prev}_{ik})^{-\lambda_{kl}/\tau}\exp(-d_{ik}/\tau)`, applied literally,
  also when :math:`\tau<0`.  It is *not* the stationary point of eq. 8, which is
  :math:`\propto(u^{prev})^{-\lambda_{kl}/\tau}e^{+d/\tau}` (the sign of :math:`d` flips; a maximum of
  :math:`\mathcal L` for :math:`\lambda_e>\lambda_{kl}`): see claim VF-E10.
* ``update="consistent"`` (the proximal step), :math:`\tau=\lambda_e+\lambda_{kl}`:
  :math:`u_{ik}\propto(u^{prev}_{ik})^{\lambda_{kl}/\tau}\exp(-d_{ik}/\tau)`, the unique
  minimiser over the simplex of
  :math:`\sum_k u_kd_k+\lambda_e\sum_ku_k\log u_k+\lambda_{kl}\mathrm{KL}(u\Vert u^{prev})`
  (entropy sign as VF's text intends: entropy is *rewarded*).

Both are computed in the log domain and gap first: :math:`\log u=z-\operatorname{logsumexp}(z)`
with :math:`z=(n-n^*)/\tau`, :math:`n=c\,\log u^{prev}-d` and :math:`n^*` its row maximum (minimum
for a negative :math:`\tau`), so the largest logit is exactly 0: no exponential of a large
number is ever formed, and a subnormal temperature gives one-hot rows, not ``inf - inf``.

The author's public code (abhisheksharma026/variational-fuzzy-kmeans) departs from eq. 10 in two
constants, available as options of the published update (defaults: eq. 10 as printed):
``temperature_floor`` (the code clamps :math:`\lambda_e-\lambda_{kl}` at ``1e-8`` instead of
applying a non-positive temperature) and ``prev_offset`` (the code anchors on
:math:`\log(u^{prev}+10^{-10})`).

Validation at the door: the public functions raise ``ValueError`` / ``TypeError`` naming the
parameter and the offending value (arrays: its index) for NaN or infinite lambdas, NaN, infinite or
negative distances, arrays that are not 2-D, non-real dtypes, and inconsistent shapes; lists and
integer arrays are converted to float64.

Iteration (VF §3.2; the order of the author's public code, abhisheksharma026/variational-fuzzy-kmeans):
start from centroids :math:`M^{(0)}` and :math:`u^{(0)}` = the update with :math:`u^{prev}` uniform;
for :math:`t=0,1,\dots`: :math:`M^{(t+1)}=` eq. 4 from :math:`u^{(t)}`, then
:math:`u^{(t+1)}=` update(:math:`d(M^{(t+1)})`, :math:`u^{prev}=u^{(t)}`, :math:`\lambda_e^{(t)}`);
the recorded free energy is :math:`\mathcal L_t=\mathcal L(u^{(t+1)},M^{(t+1)};u^{(t)})`
with :math:`\lambda_e^{(t)}`.

Annealing (VF Table 1, :math:`\gamma=0.02`): the paper only says that annealing "gradually
decreases :math:`\lambda_e`"; we use the schedule of the author's public code,
:math:`\lambda_e^{(t)}=\lambda_e\,e^{-\gamma t}` (multiplied by :math:`e^{-\gamma}` after each
iteration).  For the published update :math:`\tau_t=\lambda_e e^{-\gamma t}-\lambda_{kl}`
changes sign at :math:`t^*=\ln(\lambda_e/\lambda_{kl})/\gamma` (115.1 for the paper's values).

Temperature conventions (SPEC §1: :math:`\sigma` divides squared distances): VF eq. 1's soft
K-means temperature :math:`T` **is** :math:`\sigma`, :math:`u=\operatorname{softmax}(-d/T)`; VF's
soft K-means baselines are :class:`kmrbf.cluster.SoftKMeans` (``sigma=T``) and
:class:`kmrbf.cluster.AnnealedSoftKMeans`.  A Gaussian width :math:`s` corresponds to
:math:`\sigma=2s^2`.

The estimator :class:`kmrbf.cluster.VariationalFuzzyKMeans` runs the iteration above with these
kernels; nothing here needs it.

Layout: :mod:`._free_energy` (free energy, objective, log-domain updates, annealing schedule),
:mod:`._params` (input checks), :mod:`._kernels` (the log-domain kernels: gap-first normalisation,
the two updates, free-energy and objective evaluators).
"""

from __future__ import annotations

from ._free_energy import (
    consistent_log_update,
    consistent_objective,
    free_energy,
    lambda_e_schedule,
    published_log_update,
)

__all__ = [
    "free_energy",
    "consistent_objective",
    "published_log_update",
    "consistent_log_update",
    "lambda_e_schedule",
]
