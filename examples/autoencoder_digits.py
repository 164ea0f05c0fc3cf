r"""Joint representation + clustering (KR §5) on scikit-learn's digits, against K-means on a frozen embedding.

KR §5 proposes to train a network and its cluster centres together by adding the centroid
loss :math:`\lambda\sum_{ik}r_{ik}\lVert z_i-\mu_k\rVert^2` (the weighted distortion of KR
eq. 13, :func:`kmrbf.torch.centroid_loss`) to the task loss, instead of running K-means on
the embedding of a network trained without it.  This script measures both on the
8 x 8 digits bundled with scikit-learn (1797 images, 10 classes; nothing is downloaded):

* **AE + K-means**: an autoencoder trained on reconstruction only for
  ``pretrain + joint`` epochs; scikit-learn's ``KMeans`` (10 restarts) on its frozen
  embedding;
* **AE + centroid loss**: the *same* autoencoder after ``pretrain`` epochs (identical
  weights, same seed), centres initialised by ``KMeans`` on that embedding, then ``joint``
  epochs of reconstruction + :math:`\lambda` centroid loss (:class:`kmrbf.torch.RBFClustering`,
  entmax-:math:`\alpha`, temperature :math:`\sigma`), centres trained by the same optimiser;
  clusters are the layer's hard assignment (nearest centre); the row "+ K-means" reruns
  ``KMeans`` on the jointly trained embedding;
* **K-means on pixels**: the reference without any network.

The embedding ends in a ``BatchNorm1d(affine=False)``: every latent coordinate has unit
variance, so the centroid loss cannot be lowered by shrinking the embedding (the trivial
collapse of joint training) and :math:`\sigma` has a fixed scale.  Reported per method: ARI
and NMI against the digit labels (the labels are used for scoring only), the
reconstruction MSE on [0, 1] pixels (what the clustering term costs the representation) and
the training time (what it costs in time), mean +- sd over the seeds.

Run ``python examples/autoencoder_digits.py`` (default: 5 seeds, 60 + 60 epochs, well
under 2 minutes on one CPU core); ``--quick`` is a smoke run of a few seconds.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from collections.abc import Sequence

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from torch import nn

from kmrbf.torch import RBFClustering

METHODS = ("K-means on pixels", "AE + K-means (frozen embedding)",
           "AE + centroid loss (joint, layer)", "AE + centroid loss (joint) + K-means")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--seeds", type=int, default=5, help="number of seeds (0, 1, ...)")
    p.add_argument("--epochs", type=int, default=60,
                   help="epochs of each phase: pretraining, then joint (or reconstruction only)")
    p.add_argument("--latent", type=int, default=10, help="embedding dimension")
    p.add_argument("--alpha", type=float, default=1.5, help="entmax alpha of the clustering layer")
    p.add_argument("--sigma", type=float, default=1.0, help="temperature (divides squared distances)")
    p.add_argument("--lam", type=float, default=0.01, help="weight of the centroid loss")
    p.add_argument("--batch", type=int, default=128, help="minibatch size")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 seed, 2 + 2 epochs, 400 images (seconds)")
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs = 1, 2
    for name in ("seeds", "epochs", "latent", "batch", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1; got {getattr(args, name)}")
    return args


def load(quick: bool) -> tuple[torch.Tensor, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    if quick:
        X, y = X[:400], y[:400]
    return torch.as_tensor(X / 16.0, dtype=torch.float32), y


def autoencoder(n_in: int, latent: int) -> tuple[nn.Module, nn.Module]:
    enc = nn.Sequential(nn.Linear(n_in, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                        nn.Linear(128, latent), nn.BatchNorm1d(latent, affine=False))
    dec = nn.Sequential(nn.Linear(latent, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(),
                        nn.Linear(256, n_in))
    return enc, dec


def train(enc: nn.Module, dec: nn.Module, X: torch.Tensor, args: argparse.Namespace,
          gen: torch.Generator, layer: RBFClustering | None = None) -> float:
    """``args.epochs`` epochs of Adam on MSE (+ ``lam`` * centroid loss when ``layer``); seconds."""
    params = [*enc.parameters(), *dec.parameters(), *(layer.parameters() if layer else [])]
    opt = torch.optim.Adam(params, lr=args.lr)
    enc.train(), dec.train()
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        for idx in torch.randperm(len(X), generator=gen).split(args.batch):
            if len(idx) < 2:  # BatchNorm needs two rows
                continue
            xb = X[idx]
            z = enc(xb)
            loss = nn.functional.mse_loss(dec(z), xb)
            if layer is not None:
                loss = loss + args.lam * layer.centroid_loss(z)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return time.perf_counter() - t0


@torch.no_grad()
def embed(enc: nn.Module, dec: nn.Module, X: torch.Tensor) -> tuple[np.ndarray, float]:
    enc.eval(), dec.eval()
    z = enc(X)
    return z.numpy().astype(np.float64), float(nn.functional.mse_loss(dec(z), X))


def kmeans(Z: np.ndarray, k: int, seed: int) -> KMeans:
    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit(Z)


def one_seed(seed: int, X: torch.Tensor, y: np.ndarray, args: argparse.Namespace) -> dict[str, dict]:
    """Every method of :data:`METHODS` for one seed: ARI, NMI, reconstruction MSE, seconds."""
    k = int(y.max()) + 1
    out: dict[str, dict] = {}

    def score(name: str, labels: np.ndarray, mse: float, seconds: float) -> None:
        out[name] = {"ARI": adjusted_rand_score(y, labels), "NMI": normalized_mutual_info_score(y, labels),
                     "MSE": mse, "time": seconds}

    t0 = time.perf_counter()
    score(METHODS[0], kmeans(X.numpy(), k, seed).labels_, float("nan"), time.perf_counter() - t0)

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    enc, dec = autoencoder(X.shape[1], args.latent)
    t_pre = train(enc, dec, X, args, gen)
    Z0, _ = embed(enc, dec, X)
    branch = copy.deepcopy((enc, dec, gen.get_state()))

    # arm 1: reconstruction only, then K-means on the frozen embedding
    t_rec = train(enc, dec, X, args, gen)
    Z, mse = embed(enc, dec, X)
    t0 = time.perf_counter()
    labels = kmeans(Z, k, seed).labels_
    score(METHODS[1], labels, mse, t_pre + t_rec + time.perf_counter() - t0)

    # arm 2: same pretrained weights and data order, centres from K-means, joint training
    enc, dec, state = branch
    gen.set_state(state)
    t0 = time.perf_counter()
    init = kmeans(Z0, k, seed).cluster_centers_
    layer = RBFClustering(k, args.latent, alpha=args.alpha, sigma=args.sigma, centroids=init)
    t_init = time.perf_counter() - t0
    t_joint = train(enc, dec, X, args, gen, layer)
    Z, mse = embed(enc, dec, X)
    labels = layer.predict(torch.as_tensor(Z, dtype=torch.float32)).numpy()
    score(METHODS[2], labels, mse, t_pre + t_init + t_joint)
    t0 = time.perf_counter()
    score(METHODS[3], kmeans(Z, k, seed).labels_, mse, t_pre + t_init + t_joint + time.perf_counter() - t0)
    out["_phase_seconds"] = {"reconstruction only": t_rec, "joint": t_joint}
    return out


def run(args: argparse.Namespace) -> dict:
    """All seeds; returns ``{"per_seed": [...], "summary": {method: {metric: (mean, sd)}}, ...}``."""
    torch.set_num_threads(args.threads)
    X, y = load(args.quick)
    t0 = time.perf_counter()
    per_seed = [one_seed(s, X, y, args) for s in range(args.seeds)]
    wall = time.perf_counter() - t0

    def ms(values: list[float]) -> tuple[float, float]:
        v = np.asarray(values, dtype=float)
        return float(v.mean()), (float(v.std(ddof=1)) if len(v) > 1 else 0.0)

    summary = {m: {key: ms([r[m][key] for r in per_seed]) for key in ("ARI", "NMI", "MSE", "time")}
               for m in METHODS}
    paired = {key: [r[METHODS[2]][key] - r[METHODS[1]][key] for r in per_seed] for key in ("ARI", "NMI")}
    rec = [r["_phase_seconds"]["reconstruction only"] for r in per_seed]
    joint = [r["_phase_seconds"]["joint"] for r in per_seed]
    return {"per_seed": per_seed, "summary": summary, "wall_seconds": wall,
            "phase_seconds": {"reconstruction only": ms(rec), "joint": ms(joint)},
            "paired": {key: (*ms(v), sum(x > 0 for x in v)) for key, v in paired.items()},
            "n": len(y), "args": vars(args)}


def table(result: dict) -> str:
    """The summary as a Markdown table, with the time and what the clustering term costs."""
    a = result["args"]
    lines = [f"digits (N = {result['n']}), {a['seeds']} seed(s), {a['epochs']} + {a['epochs']} epochs, "
             f"latent {a['latent']}, entmax alpha = {a['alpha']}, sigma = {a['sigma']}, lambda = {a['lam']}",
             "",
             "| method | ARI | NMI | recon. MSE | train + cluster time (s) |",
             "|---|---|---|---|---|"]
    for m in METHODS:
        s = result["summary"][m]
        cells = [f"{s[key][0]:.3f} ± {s[key][1]:.3f}" for key in ("ARI", "NMI")]
        cells.append("–" if np.isnan(s["MSE"][0]) else f"{s['MSE'][0]:.4f} ± {s['MSE'][1]:.4f}")
        cells.append(f"{s['time'][0]:.2f}")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    rec, joint = result["phase_seconds"]["reconstruction only"][0], result["phase_seconds"]["joint"][0]
    lines += [""]
    for key, (mean, sd, wins) in result["paired"].items():
        lines.append(f"joint (layer) - frozen, paired by seed: {key} {mean:+.3f} ± {sd:.3f}, "
                     f"higher in {wins} of {a['seeds']} seeds")
    lines += [
              f"second phase per seed: reconstruction only {rec:.2f} s, joint {joint:.2f} s "
              f"(clustering term: x{joint / rec:.2f} time)",
              f"wall time: {result['wall_seconds']:.1f} s"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    print(table(run(parse_args(argv))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
