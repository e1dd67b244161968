#!/usr/bin/env python3
"""`seqnet interpret` end to end, against independent PyTorch implementations of every method.

    interpret_roundtrip.py --seqnet <seqnet CLI> --exporter <examples/python/export_pytorch.py>
                           --workdir <dir> --model deepbind|basset

Builds a model in PyTorch from a fixed seed (DeepBind-style: conv, ReLU, global max pool, two dense
layers, 3 outputs, L = 101; or Basset-style at reduced size: two conv/BatchNorm/ReLU/max-pool blocks
with pools of 3 and 4 that leave a remainder, then dense/BatchNorm/ReLU/dropout and a dense layer with
4 outputs, L = 200; BatchNorm with random running statistics), exports it with export_pytorch.export(),
runs `seqnet interpret` on 24 sequences with each method, and compares PREFIX.npz with PyTorch,
computed in float64 (model.double()) from the same float32 weights. The sequences are
roundtrip_support.random_sequences (soft-masked stretches, single Ns, a run of 12 Ns; seqnet encodes N
as an all-zero column, and so does the PyTorch side) with two low-complexity ones whose dinucleotide
shuffles keep part or all of the sequence: 40 As before C/G/T only, and As then Cs. Their shuffled
references equal the input over whole conv windows, so DeepLIFT-SHAP meets |x - x0| < 1e-6 in every
layer (the gradient fallbacks) and exact ties inside pool windows; the script prints how often each
branch of the DeepLIFT rules is taken. The methods on the PyTorch side:

  saliency, gxi  autograd gradient of the target; --correct subtracts the mean over the four channels
  ig             (x - x0) * sum_k w_k grad(x0 + a_k (x - x0)), Gauss-Legendre nodes and weights from
                 numpy.polynomial.legendre.leggauss mapped to [0, 1]; baselines zeros and uniform (0.25)
  deeplift       the rescale rule written here as a reverse pass over the recorded activations of x
                 and x0: ReLU multiplier (y - y0) / (x - x0), the gradient at x where |x - x0| < 1e-6;
                 max pools (MaxPool1d and the global AdaptiveMaxPool1d(1)) by Captum's routing: per
                 window y* = max(y, y0), (y* - y0) m to the first arg-max of the input's window,
                 (y - y*) m to the first arg-max of the reference's, added up and divided per position
                 by x - x0 (the input's arg-max takes m itself where |x - x0| < 1e-6); linear layers
                 (Conv1d, BatchNorm1d in eval, Linear, Flatten, Dropout in eval) by autograd of the
                 layer alone. attributions = (x - x0) m, hypothetical = m - sum_c x0[c] m[c]; references
                 zeros and uniform; a --probability target starts from the sigmoid's secant slope
  deepshap       the same averaged over dinucleotide-shuffled references. The shuffles are seqnet's
                 (seeded Altschul-Erickson shuffle of the columns, interpret/references.hpp and
                 data/shuffle.hpp), re-implemented here with its xoshiro256** generator so that the
                 references are the same; that they are is confirmed by 'difference' (f(x) - mean f(r))
  ism            every single-base substitution (all four bases at an N) run through the model in
                 batches: f(mutant) - f(x), exactly 0 at the base present; fast (default) and
                 --naive-ism must both match, and match each other
The PyTorch side shares nothing with seqnet but the shuffles' generator: no Captum, no seqnet code.

Targets: the logit of task 0, the sum of two tasks (--task 0 --task 2 and similar), and sums of
probabilities (--probability) for ig, deeplift and ism. Some runs use --batch 7 / --threads 2 so that
batches are partial. The npz must also carry 'names' and 'sequences' as in the FASTA file and
'settings' (JSON) with the method, tasks and scale.

Error measure and tolerance: per run and array, max |seqnet - torch| / max |torch| over all N x 4 x L
values (and for ig/deeplift/deepshap 'difference' by the same measure) <= 1e-4. seqnet computes in
float32, so a gradient or multiplier carries relative errors of a few 1e-7 from the summation order of
each layer; 1e-4 leaves room for that (PyTorch's own float32 errors against its float64 are printed for
comparison) while a wrong rule (max-pool routing by gradient, the reference's arg-max ignored, the
wrong quadrature or baseline, a missing correction) moves the results by far more: the script checks
that some of those wrong variants would move them by more than 100x the tolerance, and that the float64
DeepLIFT reference itself satisfies summation-to-delta to 1e-9.
Measured (this machine): every array within 2e-6 except DeepLIFT-SHAP on the Basset-style model
(~6e-6 for attributions and hypothetical contributions, where PyTorch's float32 is at ~1e-5 too: the
float32 multiplier of a ReLU or pool position whose x - x0 is small but above eps is ill-conditioned).
Invariants checked on seqnet's own output: DeepLIFT/DeepSHAP |delta| <= 1e-4 max(1, |difference|) per
sequence (float32; SCIENCE.md 17(c) expects ~1e-6) and delta = sum(attributions) - difference; ISM
exactly 0 at every base present; fast ISM within 1e-5 (max |fast - naive| / max |naive|) of naive ISM.
Runtime: about 2 s (DeepBind) and 10 s (Basset, mostly PyTorch's 19,200 float64 ISM mutants).

Exit status: 0 all agree, 1 a disagreement or a failure, 77 torch or numpy is not installed (CTest
reports the test as skipped).
"""

import argparse
import collections
import copy
import json
import math
import os
import random
import shutil
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"SKIP: python3-torch or numpy not installed ({e})")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # roundtrip_support.py, beside this script
from roundtrip_support import Checker, load_exporter, one_hot, random_sequences, run_command, write_fasta  # noqa: E402

TOL = 1e-4           # max |seqnet - torch| / max |torch|, per run and array
FAST_TOL = 1e-5      # fast ISM against naive ISM, both seqnet's
DELTA_TOL = 1e-4     # DeepLIFT summation-to-delta, |delta| / max(1, |difference|), seqnet's float32
EPS = 1e-6           # DeepLIFT's threshold on |x - x0| (seqnet's deeplift_options::eps)
N_SEQUENCES = 24
SEED = 20240612
DISCRIMINATION = 100 * TOL


# ---- the models -----------------------------------------------------------------------------------

def deepbind():
    model = nn.Sequential(
        nn.Conv1d(4, 16, 24), nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(),
        nn.Linear(16, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 3))
    return model, 101, ["a", "b", "c"]


def basset():
    # 200 -> conv 19: 182 -> pool 3: 60 (2 left over) -> conv 11: 50 -> pool 4: 12 (2 left over),
    # flattened 16 * 12 = 192.
    model = nn.Sequential(
        nn.Conv1d(4, 24, 19), nn.BatchNorm1d(24), nn.ReLU(), nn.MaxPool1d(3),
        nn.Conv1d(24, 16, 11), nn.BatchNorm1d(16), nn.ReLU(), nn.MaxPool1d(4),
        nn.Flatten(),
        nn.Linear(192, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(32, 4))
    return model, 200, [f"task_{i}" for i in range(4)]


MODELS = {"deepbind": deepbind, "basset": basset}
LINEAR = (nn.Conv1d, nn.BatchNorm1d, nn.Linear, nn.Flatten, nn.Dropout)


def randomize(model, x):
    """Weights N(0, (1.5 / sqrt(fan_in))^2) (the first convolution's fan-in counting only its 1-of-4
    active inputs), the last layer at half gain, biases N(0, 0.1^2); BatchNorm weight U(0.5, 1.5),
    bias N(0, 0.2^2), running_mean N(0, 0.5^2), running_var U(0.5, 2). The last bias is shifted so
    that every task's mean logit over `x` is 0 (probabilities near 0.5, not saturated)."""
    linear = [m for m in model if isinstance(m, (nn.Conv1d, nn.Linear))]
    with torch.no_grad():
        for m in model:
            if isinstance(m, (nn.Conv1d, nn.Linear)):
                fan_in = m.weight[0].numel() // (4 if m is linear[0] else 1)
                m.weight.normal_(0, (0.5 if m is linear[-1] else 1.5) / math.sqrt(fan_in))
                m.bias.normal_(0, 0.1)
            elif isinstance(m, nn.BatchNorm1d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.5)
                m.running_var.uniform_(0.5, 2.0)
        model.eval()
        linear[-1].bias -= model(x).mean(dim=0)


# ---- the target -----------------------------------------------------------------------------------

def target_values(out, tasks, probability):
    """f per sample: the sum of the chosen outputs, or of their sigmoids."""
    z = out[:, tasks]
    return (torch.sigmoid(z) if probability else z).sum(dim=1)


def gradient(model, x, tasks, probability):
    """df/dx for every sample (the model is in eval mode: samples do not interact)."""
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(target_values(model(x), tasks, probability).sum(), x)
    return g


def centre(g):
    return g - g.mean(dim=1, keepdim=True)


# ---- saliency, gradient x input, integrated gradients ----------------------------------------------

def ref_saliency(model, x, tasks, probability, correct):
    g = gradient(model, x, tasks, probability)
    return centre(g) if correct else g


def ref_gxi(model, x, tasks, probability, correct):
    return x * ref_saliency(model, x, tasks, probability, correct)


def ref_ig(model, x, x0, tasks, probability, steps, correct, nodes="gauss_legendre"):
    """IG from baseline x0 (same shape as x) by an m-point rule; also f(x) - f(x0)."""
    if nodes == "gauss_legendre":
        xi, w = np.polynomial.legendre.leggauss(steps)
        alphas, weights = (1 + xi) / 2, w / 2
    else:  # riemann_right: a wrong rule, for the discrimination check
        alphas, weights = np.arange(1, steps + 1) / steps, np.full(steps, 1 / steps)
    acc = torch.zeros_like(x)
    for a, wk in zip(alphas, weights):
        g = gradient(model, x0 + float(a) * (x - x0), tasks, probability)
        acc += float(wk) * (centre(g) if correct else g)
    with torch.no_grad():
        diff = target_values(model(x), tasks, probability) - target_values(model(x0), tasks, probability)
    return (x - x0) * acc, diff


# ---- DeepLIFT (rescale) -------------------------------------------------------------------------

def first_argmax(w):
    """Index of the first maximum along the last axis (explicitly the first, whatever argmax does)."""
    k = w.shape[-1]
    idx = torch.arange(k).expand_as(w)
    return torch.where(w == w.max(dim=-1, keepdim=True).values, idx, torch.full_like(idx, k)).min(dim=-1).values


def maxpool_rule(layer, xin, rin, xout, m_out, eps, routing="captum", stats=None):
    """Captum's max-pool rule over windows of the length axis; routing="gradient" sends m to the
    input's arg-max only (kundajelab's MaxPoolDeepLiftMode.gradient) and "last-tie" breaks ties in the
    reference's window towards the last index: wrong rules here, for the discrimination check."""
    L = xin.shape[2]
    if isinstance(layer, nn.AdaptiveMaxPool1d):
        assert layer.output_size in (1, (1,))
        k = s = L
    else:
        k, s = layer.kernel_size, layer.stride
        k, s = (k[0] if isinstance(k, tuple) else k), (s[0] if isinstance(s, tuple) else s)
        assert layer.padding in (0, (0,)) and layer.dilation in (1, (1,)) and not layer.ceil_mode
    xw, rw = xin.unfold(2, k, s), rin.unfold(2, k, s)  # N x C x Lout x k
    assert xw.shape[2] == xout.shape[2] == m_out.shape[2]
    start = torch.arange(xw.shape[2]) * s
    ax, ar = first_argmax(xw), first_argmax(rw)
    if routing == "last-tie":  # ties in the reference's window to the last index: a wrong rule here
        ar = k - 1 - first_argmax(rw.flip(-1))
    px, pr = start + ax, start + ar  # positions in the input row
    y, y0 = xw.gather(-1, ax[..., None])[..., 0], rw.gather(-1, ar[..., None])[..., 0]
    d = xin - rin
    if routing == "gradient":
        return torch.zeros_like(xin).scatter_add_(2, px, m_out)
    top = torch.maximum(y, y0)
    if stats is not None:
        stats["pool windows where the reference wins"] += int((y < y0).sum())
        stats["pool windows with different arg-max"] += int((px != pr).sum())
        stats["pool positions below eps"] += int((d.gather(2, px).abs() < eps).sum())
    routed = torch.zeros_like(xin)
    routed.scatter_add_(2, px, (top - y0) * m_out)
    routed.scatter_add_(2, pr, (y - top) * m_out)
    moved = d.abs() >= eps
    m_in = torch.where(moved, routed / torch.where(moved, d, torch.ones_like(d)), torch.zeros_like(d))
    still = d.gather(2, px).abs() < eps  # the gradient where the input's arg-max did not move
    return m_in.scatter_add_(2, px, torch.where(still, m_out, torch.zeros_like(m_out)))


def relu_rule(xin, rin, xout, rout, m_out, eps, stats=None):
    d = xin - rin
    moved = d.abs() >= eps
    if stats is not None:
        stats["ReLU inputs straddling 0"] += int(((xin > 0) != (rin > 0)).sum())
        stats["ReLU inputs below eps"] += int((~moved).sum())
    secant = (xout - rout) / torch.where(moved, d, torch.ones_like(d))
    return m_out * torch.where(moved, secant, (xin > 0).to(xin.dtype))


def deeplift_multipliers(model, x, r, tasks, probability, eps=EPS, routing="captum", stats=None):
    """Multipliers m at the input for the pairs (x[n], r[n]), and f(x), f(r). `stats` (a Counter)
    counts how often each branch of the rules is taken."""
    with torch.no_grad():
        xs, rs = [x], [r]
        for layer in model:
            xs.append(layer(xs[-1]))
            rs.append(layer(rs[-1]))
    z, z0 = xs[-1][:, tasks], rs[-1][:, tasks]
    m = torch.zeros_like(xs[-1])
    if probability:
        dz = z - z0
        moved = dz.abs() >= eps
        secant = (torch.sigmoid(z) - torch.sigmoid(z0)) / torch.where(moved, dz, torch.ones_like(dz))
        m[:, tasks] = torch.where(moved, secant, torch.sigmoid(z) * (1 - torch.sigmoid(z)))
    else:
        m[:, tasks] = 1.0
    for i in reversed(range(len(model))):
        layer, xin, rin, xout, rout = model[i], xs[i], rs[i], xs[i + 1], rs[i + 1]
        if isinstance(layer, nn.ReLU):
            m = relu_rule(xin, rin, xout, rout, m, eps, stats)
        elif isinstance(layer, (nn.MaxPool1d, nn.AdaptiveMaxPool1d)):
            m = maxpool_rule(layer, xin, rin, xout, m, eps, routing, stats)
        elif isinstance(layer, LINEAR):
            inp = xin.detach().clone().requires_grad_(True)
            (m,) = torch.autograd.grad(layer(inp), inp, grad_outputs=m)
        else:
            raise ValueError(f"no DeepLIFT rule here for {type(layer).__name__}")
    return m, target_values(xs[-1], tasks, probability), target_values(rs[-1], tasks, probability)


def ref_deeplift(model, x, refs, tasks, probability, routing="captum", stats=None):
    """DeepLIFT averaged over the references refs[k] (each N x 4 x L): attributions, hypothetical,
    f(x) - mean f(r), and the largest summation-to-delta error of any single (x, r) pair."""
    attr, hyp, f_ref, worst = torch.zeros_like(x), torch.zeros_like(x), 0.0, 0.0
    for r in refs:
        m, fx, fr = deeplift_multipliers(model, x, r, tasks, probability, routing=routing, stats=stats)
        a = (x - r) * m
        worst = max(worst, ((a.sum(dim=(1, 2)) - (fx - fr)).abs() / (fx - fr).abs().clamp(min=1)).max().item())
        attr += a / len(refs)
        hyp += (m - (r * m).sum(dim=1, keepdim=True)) / len(refs)
        f_ref = f_ref + fr / len(refs)
    return attr, hyp, fx - f_ref, worst


# ---- seqnet's dinucleotide shuffles of the references ----------------------------------------------

M64 = (1 << 64) - 1


def mix64(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class Xoshiro256:
    """seqnet::random_engine: xoshiro256** seeded by SplitMix64."""

    def __init__(self, seed):
        self.s, z = [], seed
        for _ in range(4):
            z = mix64(z)
            self.s.append(z)

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & M64

    def next(self):
        s = self.s
        result = (self.rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self.rotl(s[3], 45)
        return result

    def below(self, n):
        """Uniform in [0, n) by Lemire's multiply-and-reject, as seqnet's uniform_below."""
        m = self.next() * n
        if (m & M64) < n:
            threshold = ((1 << 64) - n) % n
            while (m & M64) < threshold:
                m = self.next() * n
        return m >> 64


def shuffle_tokens(tok, rng):
    """seqnet's dinucleotide_shuffle on a list of tokens numbered by first appearance."""
    n, k = len(tok), max(tok) + 1
    if n < 3 or k == 1:
        return list(tok)
    out = [[] for _ in range(k)]
    for i in range(n - 1):
        out[tok[i]].append(tok[i + 1])
    root = tok[-1]
    in_tree, last = [False] * k, [0] * k
    in_tree[root] = True
    for v in range(k):  # Wilson's algorithm: a random last-exit tree towards the last letter
        u = v
        while not in_tree[u]:
            last[u] = rng.below(len(out[u]))
            u = out[u][last[u]]
        u = v
        while not in_tree[u]:
            in_tree[u] = True
            u = out[u][last[u]]
    for v in range(k):
        e = out[v]
        if not e:
            continue
        others = len(e)
        if v != root:
            e[last[v]], e[-1] = e[-1], e[last[v]]
            others -= 1
        for i in range(others, 1, -1):
            j = rng.below(i)
            e[i - 1], e[j] = e[j], e[i - 1]
    nxt, u, result = [0] * k, tok[0], [tok[0]]
    for _ in range(1, n):
        u2 = out[u][nxt[u]]
        nxt[u] += 1
        u = u2
        result.append(u)
    return result


def shuffled_references(x, count, seed):
    """refs[k][n]: seqnet's shuffle k of sample n (reference_seed = mix64(mix64(seed ^ mix64(n)) + k)),
    a dinucleotide shuffle of its columns (an all-zero N column is a letter of its own)."""
    refs = torch.zeros((count,) + tuple(x.shape), dtype=x.dtype)
    for n in range(x.shape[0]):
        cols = [tuple(c) for c in x[n].T.tolist()]
        ids, tok = {}, []
        for c in cols:
            tok.append(ids.setdefault(c, len(ids)))
        column_of = {v: c for c, v in ids.items()}
        for k in range(count):
            shuffled = shuffle_tokens(tok, Xoshiro256(mix64((mix64(seed ^ mix64(n)) + k) & M64)))
            assert sorted(zip(shuffled, shuffled[1:])) == sorted(zip(tok, tok[1:]))  # dinucleotides kept
            refs[k, n] = torch.tensor([column_of[t] for t in shuffled], dtype=x.dtype).T
    return refs


# ---- in-silico mutagenesis ------------------------------------------------------------------------

def mutant_outputs(model, x):
    """The model's outputs (N x 4 x L x tasks) for every single-base substitution of every sample, and
    its outputs for the samples themselves (the identity substitutions are run too)."""
    N, C, L = x.shape
    b, l, rows = torch.arange(C).repeat_interleave(L), torch.arange(L).repeat(C), torch.arange(C * L)
    with torch.no_grad():
        y0 = model(x)
        out = torch.empty((N, C, L, y0.shape[1]), dtype=x.dtype)
        for n in range(N):
            mutants = x[n].repeat(C * L, 1, 1)
            mutants[rows, :, l] = 0
            mutants[rows, b, l] = 1
            out[n] = model(mutants).view(C, L, -1)
    return out, y0


def ref_ism(outputs, x, tasks, probability):
    """f(x with position l set to base b) - f(x) from mutant_outputs(), exactly 0 at the base present."""
    mutants, y0 = outputs
    N, C, L = x.shape
    f = target_values(mutants.reshape(N * C * L, -1), tasks, probability).view(N, C, L)
    d = f - target_values(y0, tasks, probability)[:, None, None]
    one_hot_col = (x.sum(dim=1) == 1) & (x.max(dim=1).values == 1)
    d[(x == 1) & one_hot_col[:, None, :]] = 0.0
    return d


# ---- the runs -------------------------------------------------------------------------------------

# (label, method, flags, tasks, probability)
RUNS = [
    ("saliency", "saliency", [], [0], False),
    ("saliency --correct, tasks 0+2", "saliency", ["--correct", "--task", "0", "--task", "2"], [0, 2], False),
    ("gxi, batch 7", "gxi", ["--batch", "7", "--threads", "2"], [0], False),
    ("gxi --correct --probability", "gxi", ["--correct", "--probability"], [0], True),
    ("ig zeros, 24 steps", "ig", ["--steps", "24"], [0], False),
    ("ig uniform --correct, 16 steps, tasks 1+2, batch 7", "ig",
     ["--baseline", "uniform", "--correct", "--steps", "16", "--task", "1", "--task", "2", "--batch", "7"],
     [1, 2], False),
    ("ig zeros --probability, task 1, 20 steps", "ig", ["--probability", "--task", "1", "--steps", "20"], [1], True),
    ("deeplift uniform", "deeplift", ["--baseline", "uniform"], [0], False),
    ("deeplift zeros, tasks 0+2, batch 7", "deeplift",
     ["--baseline", "zeros", "--task", "0", "--task", "2", "--batch", "7", "--threads", "2"], [0, 2], False),
    ("deeplift uniform --probability, task 1", "deeplift", ["--baseline", "uniform", "--probability", "--task", "1"],
     [1], True),
    ("deepshap 4 shuffles, seed 11, batch 7", "deepshap", ["--references", "4", "--seed", "11", "--batch", "7"],
     [0], False),
    ("ism", "ism", [], [0], False),
    ("ism --naive-ism", "ism", ["--naive-ism"], [0], False),
    ("ism --probability, tasks 1+2", "ism", ["--probability", "--task", "1", "--task", "2"], [1, 2], True),
    ("ism --naive-ism --probability, tasks 1+2, batch 7", "ism",
     ["--naive-ism", "--probability", "--task", "1", "--task", "2", "--batch", "7", "--threads", "2"], [1, 2], True),
]


def reference(model, x, method, flags, tasks, probability, cache):
    """PyTorch's arrays for one run: {'attributions': ..., ['hypothetical', 'difference', 'delta']},
    plus the DeepLIFT reference's own summation-to-delta error (or None). `cache` keeps the outputs of
    all mutants between the ISM runs."""
    def opt(name, default):
        return flags[flags.index(name) + 1] if name in flags else default
    correct = "--correct" in flags
    if method in ("saliency", "gxi"):
        fn = ref_saliency if method == "saliency" else ref_gxi
        return {"attributions": fn(model, x, tasks, probability, correct)}, None
    if method == "ig":
        x0 = torch.full_like(x, 0.25) if opt("--baseline", "zeros") == "uniform" else torch.zeros_like(x)
        a, diff = ref_ig(model, x, x0, tasks, probability, int(opt("--steps", "50")), correct)
        return {"attributions": a, "difference": diff, "delta": a.sum(dim=(1, 2)) - diff}, None
    if method in ("deeplift", "deepshap"):
        if method == "deepshap":
            refs = shuffled_references(x, int(opt("--references", "10")), int(opt("--seed", "0")))
        else:
            refs = [torch.full_like(x, 0.25) if opt("--baseline", "uniform") == "uniform" else torch.zeros_like(x)]
        stats = collections.Counter()
        a, h, diff, worst = ref_deeplift(model, x, refs, tasks, probability, stats=stats)
        if cache is not None and x.dtype == torch.float64:
            print(f"     {method}: branches taken (all pairs): "
                  + ", ".join(f"{k} {v}" for k, v in stats.items()))
        delta = a.sum(dim=(1, 2)) - diff
        return {"attributions": a, "hypothetical": h, "difference": diff, "delta": delta}, worst
    if method == "ism":
        if cache is None:
            cache = {}
        if "ism" not in cache:
            cache["ism"] = mutant_outputs(model, x)
        return {"attributions": ref_ism(cache["ism"], x, tasks, probability)}, None
    raise ValueError(method)


def relative_error(actual, expected):
    scale = np.abs(expected).max()
    return np.abs(actual - expected).max() / (scale if scale > 0 else 1.0)


def worst_place(actual, expected, names, seqs):
    """Where seqnet and PyTorch differ most, in words."""
    i = np.unravel_index(np.argmax(np.abs(actual - expected)), expected.shape)
    if len(i) == 1:
        return f"{names[i[0]]}: seqnet {actual[i]!r}, PyTorch {expected[i]!r}"
    n, c, l = (int(v) for v in i)
    bad = np.abs(actual[n] - expected[n]) > TOL * np.abs(expected).max()
    where = sorted({int(p) for p in np.nonzero(bad)[1]})
    return (f"{names[n]} base {'ACGT'[c]} position {l} (sequence has {seqs[n][l]!r}): seqnet "
            f"{actual[n, c, l]!r}, PyTorch {expected[n, c, l]!r}; positions of {names[n]} out of tolerance: "
            f"{where[:20]}{' ...' if len(where) > 20 else ''}; sequences out of tolerance: "
            f"{int((np.abs(actual - expected) > TOL * np.abs(expected).max()).any(axis=(1, 2)).sum())}")


def read_npz(checker, path, label, names, seqs):
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as e:
        return checker.fail(f"{label}: cannot read {path}: {e}")
    if list(arrays.get("names", [])) != names or list(arrays.get("sequences", [])) != seqs:
        checker.fail(f"{label}: 'names' / 'sequences' are not the FASTA records in order")
    return arrays


def check_settings(checker, label, arrays, method, tasks, probability):
    try:
        settings = json.loads(str(arrays["settings"][()]))
    except (KeyError, ValueError) as e:
        return checker.fail(f"{label}: no readable 'settings': {e}")
    expected = {"method": method, "tasks": tasks, "scale": "probability" if probability else "logit"}
    got = {k: settings.get(k) for k in expected}
    if got != expected:
        checker.fail(f"{label}: settings {got}, expected {expected}")


def check_run(checker, label, method, arrays, expected, worst_ref, names, seqs, x, f32):
    """Compares one run's npz with PyTorch's float64 arrays; returns the errors for the summary."""
    errors = {}
    keys = ["attributions"] + [k for k in ("hypothetical", "difference") if k in expected]
    for key in ["attributions", "hypothetical", "difference", "delta"]:
        if (key in expected) != (key in arrays):
            checker.fail(f"{label}: '{key}' {'missing from' if key in expected else 'unexpected in'} the npz")
    for key in keys:
        if key not in arrays:
            continue
        actual, want = arrays[key].astype(np.float64), expected[key].numpy()
        if arrays[key].dtype != np.float32 or actual.shape != want.shape:
            checker.fail(f"{label}: '{key}' is {arrays[key].dtype} {actual.shape}, expected float32 {want.shape}")
            continue
        err = relative_error(actual, want)
        errors[key] = err
        torch_f32 = f" (PyTorch float32: {relative_error(f32[key].numpy(), want):.1e})" if f32 and key in f32 else ""
        if not err <= TOL:
            hint = ("\n  (a wrong 'difference' of deepshap: are the references still seqnet's shuffles, "
                    "interpret/references.hpp and data/shuffle.hpp?)" if method == "deepshap" and
                    key == "difference" else "")
            checker.fail(f"{label}: '{key}' max |seqnet - torch| / max |torch| = {err:.3g} > {TOL:g}{torch_f32} "
                         f"at {worst_place(actual, want, names, seqs)}{hint}")
        else:
            checker.ok(f"{label}: '{key}' error {err:.2e}{torch_f32}, max |torch| {np.abs(want).max():.3g}")
    if "delta" in arrays and "difference" in arrays:
        a = arrays["attributions"].astype(np.float64)
        d, diff = arrays["delta"].astype(np.float64), arrays["difference"].astype(np.float64)
        # delta as stored is sum(attributions) - difference, each in float32
        inconsistent = np.abs(d - (a.sum(axis=(1, 2)) - diff)) / np.maximum(1, np.abs(diff))
        if not inconsistent.max() <= 1e-5:
            checker.fail(f"{label}: 'delta' is not sum(attributions) - difference (off by {inconsistent.max():.2g})")
        if method in ("deeplift", "deepshap"):
            rel = np.abs(d) / np.maximum(1, np.abs(diff))
            if not rel.max() <= DELTA_TOL:
                n = int(np.argmax(rel))
                checker.fail(f"{label}: summation-to-delta: |delta| / max(1, |difference|) = {rel.max():.3g} > "
                             f"{DELTA_TOL:g} at {names[n]} (delta {d[n]!r}, difference {diff[n]!r})")
            else:
                checker.ok(f"{label}: summation-to-delta, |delta| / max(1, |difference|) <= {rel.max():.2e}")
            errors["delta"] = rel.max()
        else:  # ig: the quadrature's completeness error, seqnet's against PyTorch's
            err = np.abs(d - expected["delta"].numpy()).max() / max(1.0, np.abs(diff).max())
            if not err <= TOL:
                checker.fail(f"{label}: IG's 'delta' differs from PyTorch's by {err:.3g} of max(1, |difference|)")
    if worst_ref is not None and not worst_ref <= 1e-9:
        checker.fail(f"{label}: test design: the float64 DeepLIFT reference misses summation-to-delta by "
                     f"{worst_ref:.2g}")
    if method == "ism":
        a = arrays["attributions"]
        present = (x.numpy() == 1) & ((x.numpy().sum(axis=1) == 1)[:, None, :])
        if np.any(a[present] != 0):
            checker.fail(f"{label}: {int(np.count_nonzero(a[present]))} nonzero values at bases present")
        else:
            checker.ok(f"{label}: exactly 0 at all {int(present.sum())} bases present")
        n_cols = x.numpy().sum(axis=1) == 0  # all four substitutions count at an N: PyTorch's must matter
        effects = np.abs(expected["attributions"].numpy().transpose(0, 2, 1)[n_cols])
        if not effects.max() > DISCRIMINATION * np.abs(expected["attributions"].numpy()).max():
            checker.fail(f"{label}: test design: substitutions at the {int(n_cols.sum())} N positions hardly matter")
    return errors


def check_discrimination(checker, model64, x, tasks):
    """Wrong rules must move the reference by more than DISCRIMINATION (relative), so that a pass
    shows seqnet follows the right ones. The max-pool routing is checked with the shuffled references
    of the deepshap run: with a constant reference row (uniform or zeros into the first max pool) the
    two routings agree wherever the input's window max is at least the reference's."""
    shuffles = list(shuffled_references(x, 4, 11))
    uniform = [torch.full_like(x, 0.25)]

    def dl(refs, routing="captum"):
        return ref_deeplift(model64, x, refs, tasks, False, routing)[0]

    ig, _ = ref_ig(model64, x, torch.zeros_like(x), tasks, False, 24, False)
    ig_wrong, _ = ref_ig(model64, x, torch.zeros_like(x), tasks, False, 24, False, nodes="riemann_right")
    g = gradient(model64, x, tasks, False)
    required = (("DeepSHAP with max-pool gradient routing", dl(shuffles, "gradient"), dl(shuffles)),
                ("DeepLIFT from zeros instead of uniform", dl([torch.zeros_like(x)]), dl(uniform)),
                ("IG by the right Riemann sum", ig_wrong, ig),
                ("the gradient without --correct", g, centre(g)))
    informative = (("DeepLIFT (uniform) with max-pool gradient routing", dl(uniform, "gradient"), dl(uniform)),
                   ("DeepLIFT (uniform) with ties in the reference's windows to the last index",
                    dl(uniform, "last-tie"), dl(uniform)))
    for what, a, b in required:
        moved = relative_error(a.numpy(), b.numpy())
        if not moved > DISCRIMINATION:
            checker.fail(f"test design: {what} moves the result by only {moved:.2g}")
        else:
            checker.ok(f"test design: {what} would move it by {moved:.2g}")
    for what, a, b in informative:  # may be small: see above (DeepBind's global pool: 1 window)
        checker.ok(f"test design: {what} would move it by {relative_error(a.numpy(), b.numpy()):.2g} (informative)")


# ---- main -----------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seqnet", required=True, help="path of the seqnet command-line tool")
    parser.add_argument("--exporter", required=True, help="path of examples/python/export_pytorch.py")
    parser.add_argument("--workdir", required=True, help="scratch directory (one subdirectory per run)")
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--no-float32", action="store_true", help="skip PyTorch's float32 errors (informative)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.time()
    checker = Checker()
    work = os.path.join(args.workdir, f"interpret-{args.model}")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    exporter = load_exporter(args.exporter)
    torch.manual_seed(SEED)
    model, length, tasks = MODELS[args.model]()
    rng = random.Random(SEED)
    names, seqs = random_sequences(rng, N_SEQUENCES, length)
    # Two sequences whose shuffles keep (part of) the input, so that the DeepLIFT-SHAP run meets
    # |x - x0| < eps in every layer: a run of 40 As before C/G/T only (A's last exit is its only AC,
    # so the first 40 bases stay in place), and As then Cs (no other arrangement: shuffle = input).
    seqs[5] = "A" * 40 + "".join(rng.choice("CGT") for _ in range(length - 40))
    seqs[10] = "A" * (length // 2) + "C" * (length - length // 2)
    x = one_hot(seqs)
    randomize(model, x.float())
    model.eval()
    model64 = copy.deepcopy(model).double().eval()
    fasta = os.path.join(work, "sequences.fa")
    write_fasta(fasta, names, seqs)
    path = os.path.join(work, "model.safetensors")
    try:
        exporter.export(model, path, length, tasks)
    except (OSError, ValueError) as e:
        checker.fail(f"export: {e}")
        return 1
    with torch.no_grad():
        logits = model64(x)
    print(f"{args.model}: {len(tasks)} tasks, L = {length}, {N_SEQUENCES} sequences, logits in "
          f"[{logits.min():.3g}, {logits.max():.3g}]")
    check_discrimination(checker, model64, x, [0])

    summary = []
    ism_results, cache = {}, {}
    for label, method, flags, run_tasks, probability in RUNS:
        prefix = os.path.join(work, label.split(",")[0].replace(" ", "_").replace("-", ""))
        cmd = [args.seqnet, "interpret", "--model", path, "--fasta", fasta, "--method", method,
               "--out", prefix] + flags
        t0 = time.time()
        if run_command(checker, cmd) is None:
            continue
        t_seqnet = time.time() - t0
        arrays = read_npz(checker, prefix + ".npz", label, names, seqs)
        if arrays is None:
            continue
        check_settings(checker, label, arrays, method, run_tasks, probability)
        t0 = time.time()
        expected, worst_ref = reference(model64, x, method, flags, run_tasks, probability, cache)
        f32 = None
        if not args.no_float32 and method != "ism":
            f32, _ = reference(model, x.float(), method, flags, run_tasks, probability, None)
            f32 = {k: v.double() for k, v in f32.items()}
        t_torch = time.time() - t0
        errors = check_run(checker, label, method, arrays, expected, worst_ref, names, seqs, x, f32)
        summary.append((label, errors, t_seqnet, t_torch))
        if method == "ism":
            ism_results.setdefault((tuple(run_tasks), probability), {})["--naive-ism" in flags] = \
                arrays["attributions"].astype(np.float64)

    for (run_tasks, probability), pair in ism_results.items():
        if len(pair) == 2:
            err = relative_error(pair[False], pair[True])
            what = f"fast ISM against naive ISM (tasks {list(run_tasks)}{', probability' if probability else ''})"
            if not err <= FAST_TOL:
                checker.fail(f"{what}: max |fast - naive| / max |naive| = {err:.3g} > {FAST_TOL:g}")
            else:
                checker.ok(f"{what}: {err:.2e}")

    print(f"\n{args.model}: max |seqnet - torch| / max |torch| per run (delta: max |delta| / max(1, |difference|))")
    for label, errors, t_seqnet, t_torch in summary:
        cells = ", ".join(f"{k} {v:.2e}" for k, v in errors.items())
        print(f"  {label:55s} {cells}   [seqnet {t_seqnet:.2f} s, torch {t_torch:.2f} s]")
    print(f"{args.model}: {len(checker.failures)} failures, {time.time() - start:.1f} s")
    for f in checker.failures:
        print("  " + f.split("\n")[0])
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
