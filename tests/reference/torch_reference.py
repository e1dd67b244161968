#!/usr/bin/env python3
"""PyTorch as an independent reference for seqnet.

    torch_reference.py --runner <seqnet_reference_runner> --workdir <dir> --case <case>

For one case (conv1d, maxpool, global_maxpool, dense, batchnorm, model, bce, train) this script draws
inputs and weights with torch from fixed seeds, writes each configuration to its own directory
(manifest.txt plus raw float64 tensors, see runner.cpp), runs the seqnet runner once over all of them,
and compares seqnet's outputs with PyTorch's. Exit status: 0 all agree, 1 a disagreement or a runner
failure, 77 torch is not installed (CTest reports the test as skipped).

Every input is drawn in float32, so it reaches both frameworks exactly. PyTorch computes the reference
in float64 on those values, so the measured error is seqnet's own: a float32 run is compared with the
exact answer, not with another float32 computation that has its own rounding.

Error measures (Checker.compare), all relative:
  terms  Convolution and dense: each entry's error divided by the sum of |terms| that the entry adds
         up (the same operation on absolute values), the quantity rounding-error analysis bounds.
         Immune to cancellation: a bias gradient summing to 0.012 from terms of total size 34 is
         judged against 34, not 0.012.
  max    Everything else: max |seqnet - torch| / max |torch| over the tensor.
  l2     Parameters along the ten optimiser steps: ||seqnet - torch|| / ||torch|| per tensor, as
         seqnet's gradcheck measures. Not the max: Adam divides each update by that parameter's own
         gradient scale, so an entry whose gradient is near zero amplifies rounding by up to lr / eps
         (2e5 here). In these runs PyTorch's own float32 training deviates from its float64 training by
         up to 4.5e-5 in single entries (AdamW with batch statistics), 2e-6 in the 2-norm.
Tolerances:
  float32  1e-5   Unit roundoff is 6e-8. The longest reductions here (weight gradients over
                  N * L_out <= ~2,100 products, dense inputs D <= 300, BatchNorm over N * L) accumulate
                  rounding like sqrt(n) * u relative to the sum of |terms|, i.e. a few 1e-7; 1e-5
                  leaves room for the depth of the small model and ten optimiser steps, and is still
                  100x below the error of an indexing, tie-breaking, padding, momentum or bias-correction
                  mistake (1e-4 to 1).
  float64  1e-12  The same computation in double: only summation order differs.
  exact    0      Max pooling forward (and its gradient when windows do not overlap) and global max
                  pooling select or copy values, so seqnet must return PyTorch's values bit for bit.
  loss     1e-12  seqnet accumulates the BCE loss in double whatever its scalar type, from inputs that
                  are exact in both frameworks.
"""

import argparse
import copy
import itertools
import math
import os
import random
import shutil
import subprocess
import sys
import warnings

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"SKIP: python3-torch not installed ({e})")
    sys.exit(77)

# PyTorch's note that padding='same' with an even kernel copies the input is about speed only.
warnings.filterwarnings("ignore", message="Using padding='same'")

TOL = {"float32": 1e-5, "float64": 1e-12}
EXACT = 0.0
LOSS_TOL = 1e-12


# ---- talking to the runner ------------------------------------------------------------------------

class Run:
    """One runner input directory: settings and tensors for seqnet, plus PyTorch's expected outputs."""

    def __init__(self, root, index, label, dtype):
        self.dir = os.path.join(root, f"{index:04d}")
        os.makedirs(self.dir)
        self.label = f"{label} [{dtype}]"
        self.dtype = dtype
        self.lines = [f"text dtype {dtype}"]
        self.expected = {}  # output name -> (float64 array, tolerance, norm, scale)
        self.expected_names = None  # [(kind, name, shape)] seqnet must expose, in order

    def int(self, key, value):
        self.lines.append(f"int {key} {int(value)}")

    def real(self, key, value):
        self.lines.append(f"real {key} {float(value)!r}")

    def text(self, key, value):
        self.lines.append(f"text {key} {value}")

    def tensor(self, name, t):
        a = t.detach().to(torch.float64).contiguous().numpy()
        a.astype("<f8").tofile(os.path.join(self.dir, name + ".f64"))
        self.lines.append(f"tensor {name} {a.ndim} " + " ".join(str(d) for d in a.shape))

    def expect(self, name, t, tol=None, norm="max", scale=None):
        """seqnet's output `name` must match t: see Checker.compare for `norm` and `scale`."""
        def array(v):  # a copy: PyTorch reuses .grad and state tensors in place later on
            return v.detach().to(torch.float64).numpy().copy() if torch.is_tensor(v) else np.array(v, np.float64)
        self.expected[name] = (array(t), TOL[self.dtype] if tol is None else tol,
                               "terms" if scale is not None else norm, None if scale is None else array(scale))

    def finish(self):
        with open(os.path.join(self.dir, "manifest.txt"), "w") as f:
            f.write("\n".join(self.lines) + "\n")

    def outputs(self):
        """seqnet's tensors by name, and the state names/shapes it exposed."""
        tensors, names = {}, []
        out = os.path.join(self.dir, "out")
        with open(os.path.join(out, "index.txt")) as f:
            for line in f:
                kind, name, rank, *dims = line.split()
                shape = tuple(int(d) for d in dims)
                assert len(shape) == int(rank), line
                if kind == "tensor":
                    a = np.fromfile(os.path.join(out, name + ".f64"), dtype="<f8")
                    assert a.size == math.prod(shape), f"{name}: {a.size} values for shape {shape}"
                    tensors[name] = a.reshape(shape)
                else:
                    names.append((kind, name, shape))
        return tensors, names


class Checker:
    def __init__(self):
        self.failures = []
        self.comparisons = 0

    def fail(self, message):
        self.failures.append(message)
        print("FAIL " + message)

    def compare(self, what, actual, expected, tol, norm="max", scale=None):
        """Relative error of seqnet's `actual` against PyTorch's `expected`:
          max    max |a - e| / max |e|: error relative to the tensor's scale
          l2     ||a - e|| / ||e||
          terms  max_i |a_i - e_i| / scale_i, where scale_i is the sum of |terms| that entry i adds up
                 (the bound of rounding-error analysis; immune to cancellation in the entry itself)"""
        self.comparisons += 1
        actual = np.asarray(actual, np.float64).ravel()
        expected = np.asarray(expected, np.float64).ravel()
        if actual.size != expected.size:
            return self.fail(f"{what}: seqnet has {actual.size} values, PyTorch {expected.size}")
        if not np.isfinite(expected).all():
            return self.fail(f"{what}: the PyTorch reference is not finite")
        if not np.abs(expected).max() > 0:
            return self.fail(f"{what}: the PyTorch reference is all zero, so the comparison would prove nothing")
        diff = np.abs(actual - expected)
        diff[~np.isfinite(diff)] = math.inf
        if norm == "terms":
            scale = np.asarray(scale, np.float64).ravel()
            with np.errstate(divide="ignore", invalid="ignore"):  # an entry without terms must be exact
                per_entry = np.where(scale > 0, diff / scale, np.where(diff == 0, 0.0, math.inf))
        else:
            per_entry = diff / np.abs(expected).max()
        err = np.linalg.norm(diff) / np.linalg.norm(expected) if norm == "l2" else per_entry.max()
        if not err <= tol:
            worst = int(np.argmax(per_entry))
            return self.fail(f"{what}: error {err:.3g} > {tol:g} (worst at flat index {worst}: seqnet "
                             f"{actual[worst]!r}, PyTorch {expected[worst]!r})")
        return err

    def check_run(self, run, tensors, names):
        failures, worst = len(self.failures), 0.0
        for name, (expected, tol, norm, scale) in run.expected.items():
            if name not in tensors:
                self.fail(f"{run.label}: seqnet wrote no '{name}'")
                continue
            err = self.compare(f"{run.label} {name}", tensors[name], expected, tol, norm, scale)
            worst = max(worst, err or 0.0)
        if run.expected_names is not None and names != run.expected_names:
            self.fail(f"{run.label}: seqnet's state names and shapes {names} differ from PyTorch's "
                      f"{run.expected_names}")
        status = "ok  " if len(self.failures) == failures else "BAD "
        print(f"{status} {run.label}: {len(run.expected)} tensors, worst passing relative error {worst:.2e}")


def execute(runner, case, runs, checker):
    for r in runs:
        r.finish()
    proc = subprocess.run([runner, case] + [r.dir for r in runs], capture_output=True, text=True)
    if proc.returncode != 0:
        checker.fail(f"runner exited with {proc.returncode}: {proc.stderr.strip()}")
        return
    for r in runs:
        tensors, names = r.outputs()
        checker.check_run(r, tensors, names)


def grads_of(fn, r, *inputs):
    """Runs y = fn(*inputs) on float64 leaf copies of `inputs` (None passes through) and returns
    (y, gradients of sum(y * r) with respect to each input)."""
    leaves = [None if t is None else t.detach().to(torch.float64).requires_grad_() for t in inputs]
    y = fn(*leaves)
    (y * r.to(torch.float64)).sum().backward()
    return y.detach(), [None if t is None else t.grad for t in leaves]


def term_magnitudes(fn, r, *inputs):
    """For fn linear in each input (convolution, dense): the same outputs and gradients computed on
    absolute values, i.e. for every result entry the sum of |terms| that floating point adds up."""
    return grads_of(fn, r.abs(), *[None if t is None else t.abs() for t in inputs])


def state_names(module):
    """(kind, name, shape) of the parameters, then buffers, as seqnet must expose them."""
    params = [("param", n, tuple(p.shape)) for n, p in module.named_parameters()]
    buffers = [("buffer", n, tuple(b.shape)) for n, b in module.named_buffers()
               if not n.endswith("num_batches_tracked")]
    return params + buffers


def write_state(run, module):
    """Writes module.state_dict() as state.<name> tensors. num_batches_tracked is left out: it only
    matters to PyTorch's momentum=None (cumulative average) mode, which seqnet does not have."""
    for name, t in module.state_dict().items():
        if not name.endswith("num_batches_tracked"):
            run.tensor("state." + name, t)


# ---- conventions of the reference itself ----------------------------------------------------------

def check_reference_conventions(checker):
    """The comparisons rely on two PyTorch conventions (SCIENCE.md sections 1 and 2); if a future
    PyTorch changed them, say so instead of reporting seqnet bugs."""
    x = torch.arange(1.0, 11.0).reshape(1, 1, 10)
    w = torch.zeros(1, 1, 4)
    w[0, 0, 0] = 1.0  # picks the window's first position: y[j] = x[j - p_l]
    y = F.conv1d(x, w, padding="same")
    if y[0, 0, 0].item() != 0.0 or y[0, 0, 1].item() != 1.0:
        checker.fail("reference: PyTorch padding='same' with an even kernel no longer puts the extra zero "
                     f"on the right (got {y.flatten().tolist()})")
    x = torch.tensor([[[0.0, 2.0, 2.0, 1.0, 1.0, 1.0]]], requires_grad=True)
    F.max_pool1d(x, 3, 3).sum().backward()
    if x.grad.flatten().tolist() != [0.0, 1.0, 0.0, 1.0, 0.0, 0.0]:
        checker.fail("reference: PyTorch max_pool1d no longer routes ties to the first maximum "
                     f"(gradient {x.grad.flatten().tolist()})")


# ---- cases ----------------------------------------------------------------------------------------


def linear_layer_case(run, w, b, x, r, y, dx, dw, db):
    """Inputs and PyTorch's results for a conv1d or dense layer: weight (and bias unless b is None),
    input x, upstream gradient r; y, dx, dw, db are (tensor, error scale) pairs."""
    run.tensor("state.weight", w)
    if b is not None:
        run.tensor("state.bias", b)
    run.tensor("x", x)
    run.tensor("dy", r)
    run.expect("y", y[0], scale=y[1])
    run.expect("dx", dx[0], scale=dx[1])
    run.expect("grad.weight", dw[0], scale=dw[1])
    names = [("param", "weight", tuple(w.shape))]
    if b is not None:
        run.expect("grad.bias", db[0], scale=db[1])
        names.append(("param", "bias", tuple(b.shape)))
    run.expected_names = names

def conv1d_case(root, checker):
    """Forward, input gradient and weight/bias gradients against F.conv1d over kernels 1..25,
    dilations 1/2/4, strides 1/2/3 and every padding mode."""
    gen = torch.Generator().manual_seed(101)
    rng = random.Random(101)
    configs = []
    for K, d, s in itertools.product([1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 19, 24, 25], (1, 2, 4), (1, 2, 3)):
        span = d * (K - 1) + 1
        p = rng.randint(0, 3)
        configs.append((K, d, s, "valid", 0, 0))
        configs.append((K, d, s, "same", None, None))
        configs.append((K, d, s, "explicit", p, p))  # PyTorch's numeric padding
        if (K + d + s) % 3 == 0:
            configs.append((K, d, s, "explicit", rng.randint(0, span), rng.randint(0, 3)))  # asymmetric
    runs = []
    for i, (K, d, s, mode, pl, pr) in enumerate(configs):
        span = d * (K - 1) + 1
        C, Fo, N = rng.choice([1, 4, 7]), rng.choice([1, 3, 8, 13]), rng.choice([1, 2, 3])
        need = span if mode == "valid" else (1 if mode == "same" else max(1, span - pl - pr))
        L = need + rng.randint(0, 50)
        runs += conv1d_runs(root, len(runs), gen, K, d, s, mode, pl, pr, C, Fo, N, L,
                            bias=rng.random() > 0.15, threads=1 + i % 2, float64=i % 4 == 0)
    # Large enough to cross the GEMM's K blocks (C*K > 256) and N blocks (L_out > 512) in every pass.
    runs += conv1d_runs(root, len(runs), gen, 19, 1, 1, "valid", 0, 0, 24, 13, 3, 700,
                        bias=True, threads=2, float64=True)
    runs += conv1d_runs(root, len(runs), gen, 11, 2, 1, "same", None, None, 30, 37, 2, 600,
                        bias=True, threads=2, float64=True)
    execute(ARGS.runner, "conv1d", runs, checker)


def conv1d_runs(root, index, gen, K, d, s, mode, pl, pr, C, Fo, N, L, bias, threads, float64):
    span = d * (K - 1) + 1
    if mode == "same":
        # seqnet's rule (SCIENCE.md section 1): K_eff - 1 zeros for stride 1, TensorFlow's for s > 1.
        out = -(-L // s)
        total = span - 1 if s == 1 else max((out - 1) * s + span - L, 0)
        pl, pr = total // 2, total - total // 2
    x = torch.randn(N, C, L, generator=gen)
    w = torch.randn(Fo, C, K, generator=gen) / math.sqrt(C * K)
    b = torch.randn(Fo, generator=gen) if bias else None
    L_out = (L + pl + pr - span) // s + 1
    r = torch.randn(N, Fo, L_out, generator=gen)

    def conv(x, w, b):
        if mode == "same" and s == 1:
            return F.conv1d(x, w, b, padding="same", dilation=d)  # PyTorch's own 'same'
        if pl == pr:
            return F.conv1d(x, w, b, stride=s, padding=pl, dilation=d)
        # asymmetric: TensorFlow-style 'same' with stride > 1, or explicit pad(l, r)
        return F.conv1d(F.pad(x, (pl, pr)), w, b, stride=s, dilation=d)

    y, (dx, dw, db) = grads_of(conv, r, x, w, b)
    my, (mdx, mdw, mdb) = term_magnitudes(conv, r, x, w, b)
    assert y.shape == (N, Fo, L_out)
    label = (f"conv1d K={K} d={d} s={s} {mode}" + (f"({pl},{pr})" if mode == "explicit" else "") +
             f" C={C} F={Fo} N={N} L={L}" + ("" if bias else " no-bias") + f" threads={threads}")
    runs = []
    for dtype in ("float32", "float64") if float64 else ("float32",):
        run = Run(root, index + len(runs), label, dtype)
        for k, v in dict(batch=N, channels=C, length=L, filters=Fo, kernel=K, stride=s, dilation=d,
                         bias=int(bias), threads=threads, pad_left=pl, pad_right=pr).items():
            run.int(k, v)
        run.text("padding", mode)
        run.text("phase", "inference")
        linear_layer_case(run, w, b if bias else None, x, r, (y, my), (dx, mdx), (dw, mdw), (db, mdb))
        runs.append(run)
    return runs


def tie_rich_input(gen, N, C, L):
    """Channels cycling through: ReLU output (many exact zeros), small integers (ties among positive
    and negative values), a constant (every window tied), and continuous values."""
    x = torch.empty(N, C, L)
    for c in range(C):
        kind = c % 4
        if kind == 0:
            x[:, c] = torch.relu(torch.randn(N, L, generator=gen))
        elif kind == 1:
            x[:, c] = torch.randint(-2, 3, (N, L), generator=gen).float()
        elif kind == 2:
            x[:, c] = 0.75
        else:
            x[:, c] = torch.randn(N, L, generator=gen)
    return x


def count_tied_windows(x, size, stride):
    w = x.unfold(2, size, stride)  # N x C x L_out x size
    return int(((w == w.max(dim=3, keepdim=True).values).sum(dim=3) > 1).sum())


def maxpool_case(root, checker):
    """Forward and input gradient against F.max_pool1d: non-overlapping, overlapping (stride < size)
    and strided (stride > size) windows, floor-mode tails, and exact ties."""
    gen = torch.Generator().manual_seed(202)
    configs = [  # (L, size, stride); stride 0 means "same as size" in seqnet
        (30, 2, 0), (31, 3, 0), (42, 4, 0), (100, 13, 0), (57, 9, 0),  # size > 8: the general path
        (33, 3, 1), (35, 4, 2), (37, 5, 3), (60, 9, 8), (50, 10, 5), (20, 1, 1), (21, 1, 2),
        (19, 2, 3), (23, 23, 0), (24, 23, 1)]
    runs, tied = [], 0
    for i, (L, size, stride) in enumerate(configs):
        N, C = 3, 8
        step = stride or size
        x = tie_rich_input(gen, N, C, L)
        L_out = (L - size) // step + 1
        r = torch.randn(N, C, L_out, generator=gen)
        y, (dx,) = grads_of(lambda x: F.max_pool1d(x, size, step), r, x)
        assert y.shape == (N, C, L_out)
        tied += count_tied_windows(x, size, step) if size > 1 else 0
        for dtype in ("float32", "float64"):
            run = Run(root, len(runs), f"maxpool L={L} size={size} stride={step}", dtype)
            for k, v in dict(batch=N, channels=C, length=L, size=size, stride=stride, threads=1 + i % 2).items():
                run.int(k, v)
            run.text("phase", "inference")
            run.tensor("x", x)
            run.tensor("dy", r)
            run.expect("y", y, EXACT)
            # Non-overlapping windows route each dy to one input: exact. Overlapping windows add dys.
            run.expect("dx", dx, EXACT if step >= size else None)
            run.expected_names = []
            runs.append(run)
    if tied < 100:
        checker.fail(f"maxpool: only {tied} windows with tied maxima; the tie-breaking check is too weak")
    print(f"maxpool: {tied} windows have tied maxima")
    execute(ARGS.runner, "maxpool", runs, checker)


def global_maxpool_case(root, checker):
    """Forward and input gradient against max_pool1d over the whole length (first-index ties)."""
    gen = torch.Generator().manual_seed(303)
    runs = []
    for i, (N, C, L) in enumerate([(3, 8, 50), (2, 4, 1), (5, 12, 257)]):
        x = tie_rich_input(gen, N, C, L)
        r = torch.randn(N, C, 1, generator=gen)
        y, (dx,) = grads_of(lambda x: F.max_pool1d(x, L), r, x)
        for dtype in ("float32", "float64"):
            run = Run(root, len(runs), f"global_maxpool N={N} C={C} L={L}", dtype)
            for k, v in dict(batch=N, channels=C, length=L, threads=1 + i % 2).items():
                run.int(k, v)
            run.text("phase", "inference")
            run.tensor("x", x)
            run.tensor("dy", r)
            run.expect("y", y, EXACT)
            run.expect("dx", dx, EXACT)
            run.expected_names = []
            runs.append(run)
    execute(ARGS.runner, "global_maxpool", runs, checker)


def dense_case(root, checker):
    """Forward, input gradient and weight/bias gradients against F.linear, for batch sizes on both
    sides of seqnet's matrix-vector / GEMM switch (N < 4) and D across a GEMM K block (256)."""
    gen = torch.Generator().manual_seed(404)
    runs = []
    for i, (N, D, U, bias, threads) in enumerate([
            (1, 20, 7, True, 1), (3, 50, 13, True, 2), (8, 300, 37, True, 2), (9, 16, 40, False, 1),
            (5, 257, 1, True, 2), (4, 120, 32, True, 1)]):
        x = torch.randn(N, D, generator=gen)
        w = torch.randn(U, D, generator=gen) / math.sqrt(D)
        b = torch.randn(U, generator=gen) if bias else None
        r = torch.randn(N, U, generator=gen)
        y, (dx, dw, db) = grads_of(F.linear, r, x, w, b)
        my, (mdx, mdw, mdb) = term_magnitudes(F.linear, r, x, w, b)
        for dtype in ("float32", "float64"):
            run = Run(root, len(runs), f"dense N={N} D={D} U={U}" + ("" if bias else " no-bias") +
                      f" threads={threads}", dtype)
            for k, v in dict(batch=N, features=D, units=U, bias=int(bias), threads=threads).items():
                run.int(k, v)
            run.text("phase", "inference")
            linear_layer_case(run, w, b if bias else None, x, r, (y, my), (dx, mdx), (dw, mdw), (db, mdb))
            runs.append(run)
    execute(ARGS.runner, "dense", runs, checker)


def batchnorm_case(root, checker):
    """BatchNorm1d on (N, C, L) and (N, C): inference with random running statistics, and training
    (batch statistics, gradients through them, and the running statistics after one forward)."""
    gen = torch.Generator().manual_seed(505)
    runs = []
    configs = [  # (N, C, L, training, eps, momentum); L = 0 means a (N, C) input
        (4, 6, 33, False, 1e-5, 0.1), (4, 6, 33, True, 1e-5, 0.1), (16, 10, 0, False, 1e-5, 0.1),
        (16, 10, 0, True, 1e-5, 0.1), (2, 5, 0, True, 1e-5, 0.1), (3, 7, 40, True, 1e-3, 0.01),
        (1, 3, 12, True, 1e-5, 0.1), (8, 32, 15, True, 1e-5, 0.1)]
    for i, (N, C, L, training, eps, momentum) in enumerate(configs):
        shape = (N, C, L) if L else (N, C)
        # Per-channel offsets and scales, so that the mean and variance matter.
        offset = torch.randn(C, generator=gen) * 2
        scale = torch.rand(C, generator=gen) * 2 + 0.2
        x = torch.randn(*shape, generator=gen) * (scale[:, None] if L else scale) + (offset[:, None] if L else offset)
        gamma = torch.rand(C, generator=gen) + 0.5
        beta = torch.randn(C, generator=gen) * 0.3
        running_mean = torch.randn(C, generator=gen)
        running_var = torch.rand(C, generator=gen) * 1.5 + 0.5
        r = torch.randn(*shape, generator=gen)
        rm, rv = running_mean.double(), running_var.double()  # updated in place by F.batch_norm

        def bn(x, gamma, beta):
            return F.batch_norm(x, rm, rv, gamma, beta, training=training, momentum=momentum, eps=eps)

        y, (dx, dg, db) = grads_of(bn, r, x, gamma, beta)
        label = (f"batchnorm {'training' if training else 'inference'} shape={shape} eps={eps} "
                 f"momentum={momentum}")
        for dtype in ("float32", "float64"):
            run = Run(root, len(runs), label, dtype)
            for k, v in dict(batch=N, channels=C, length=max(L, 1), threads=1 + i % 2).items():
                run.int(k, v)
            run.real("eps", eps)
            run.real("momentum", momentum)
            run.text("phase", "training" if training else "inference")
            run.tensor("state.weight", gamma)
            run.tensor("state.bias", beta)
            run.tensor("state.running_mean", running_mean)
            run.tensor("state.running_var", running_var)
            run.tensor("x", x)
            run.tensor("dy", r)
            run.expect("y", y)
            # With two values per channel the normalised values are +-1 up to eps, and the training
            # dx = k (dy - mean(dy) - xhat mean(dy xhat)) cancels to eps-sized terms: about 1e-3 of its
            # inputs' scale here, so float32 (PyTorch's own included, measured 1.5e-3 relative) cannot
            # resolve it. That configuration's dx is checked in float64 only.
            if not (training and N * max(L, 1) == 2 and dtype == "float32"):
                run.expect("dx", dx)
            run.expect("grad.weight", dg)
            run.expect("grad.bias", db)
            run.expect("state.running_mean", rm)
            run.expect("state.running_var", rv)
            run.expected_names = [("param", "weight", (C,)), ("param", "bias", (C,)),
                                  ("buffer", "running_mean", (C,)), ("buffer", "running_var", (C,))]
            runs.append(run)
    execute(ARGS.runner, "batchnorm", runs, checker)


def basset_like(batchstats=False, seed=0):
    """The runner's basset_like / basset_like_batchstats, layer for layer, with random batch-norm
    parameters and running statistics so that no layer is an identity."""
    torch.manual_seed(seed)
    bias = not batchstats
    m = nn.Sequential(
        nn.Conv1d(4, 16, 9, bias=bias), nn.BatchNorm1d(16), nn.ReLU(), nn.MaxPool1d(3),
        nn.Conv1d(16, 8, 5, bias=bias), nn.BatchNorm1d(8), nn.ReLU(), nn.MaxPool1d(4),
        nn.Flatten(),
        nn.Linear(120, 32, bias=bias), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.0 if batchstats else 0.3),
        nn.Linear(32, 3))
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for mod in m:
            if isinstance(mod, nn.BatchNorm1d):
                C = mod.num_features
                mod.weight.copy_(torch.rand(C, generator=gen) + 0.5)
                mod.bias.copy_(torch.randn(C, generator=gen) * 0.2)
                mod.running_mean.copy_(torch.randn(C, generator=gen) * 0.2)
                mod.running_var.copy_(torch.rand(C, generator=gen) * 0.5 + 0.1)
    return m


def one_hot_batch(gen, N, L):
    """Random one-hot DNA (N, 4, L) with a few unknown bases encoded as all zeros."""
    idx = torch.randint(0, 4, (N, L), generator=gen)
    x = F.one_hot(idx, 4).permute(0, 2, 1).float().contiguous()
    unknown = torch.rand(N, L, generator=gen) < 0.02
    x[unknown.unsqueeze(1).expand(N, 4, L)] = 0.0
    return x


def model_case(root, checker):
    """A Basset-like model loaded from a PyTorch state_dict: output (forward and fused predict),
    input gradient and parameter gradients of sum(output * r) in eval mode."""
    gen = torch.Generator().manual_seed(606)
    model = basset_like(seed=7)
    torch_only = [k for k in model.state_dict() if k not in {n for _, n, _ in state_names(model)}]
    if any(not k.endswith("num_batches_tracked") for k in torch_only):
        checker.fail(f"model: unexpected PyTorch-only state {torch_only}")
    ref = copy.deepcopy(model).double().eval()
    runs = []
    for N, dtype, threads in [(8, "float32", 2), (1, "float32", 1), (5, "float64", 2)]:
        x = one_hot_batch(gen, N, 200)
        r = torch.randn(N, 3, generator=gen)
        ref.zero_grad()
        x64 = x.double().requires_grad_()
        y = ref(x64)
        (y * r.double()).sum().backward()
        run = Run(root, len(runs), f"basset-like model N={N} threads={threads}", dtype)
        run.int("batch", N)
        run.int("threads", threads)
        write_state(run, model)
        run.tensor("x", x)
        run.tensor("dy", r)
        run.expect("y", y)
        run.expect("predict", y)
        run.expect("dx", x64.grad)
        for name, p in ref.named_parameters():
            run.expect("grad." + name, p.grad)
        run.expected_names = state_names(model)
        runs.append(run)
    execute(ARGS.runner, "model", runs, checker)


def bce_case(root, checker):
    """Loss and gradient against BCEWithLogitsLoss (mean), and the masked mean of reduction='none'."""
    gen = torch.Generator().manual_seed(707)
    N, T = 6, 5
    z = torch.randn(N, T, generator=gen) * 3
    z.view(-1)[:8] = torch.tensor([1e4, -1e4, 80.0, -80.0, 30.0, -30.0, 0.0, 1e-3])  # stability
    hard = torch.randint(0, 2, (N, T), generator=gen).float()
    soft = torch.rand(N, T, generator=gen)
    mask = (torch.rand(N, T, generator=gen) > 0.3).float()
    mask[0, :2] = 1.0  # keep the extreme logits in the masked loss
    runs = []
    for labels_kind, y in (("hard", hard), ("soft", soft)):
        for masked in (False, True):
            def loss_fn(z):
                if not masked:
                    return nn.BCEWithLogitsLoss()(z, y.double())
                per = nn.BCEWithLogitsLoss(reduction="none")(z, y.double())
                return (per * mask.double()).sum() / mask.double().sum()

            z64 = z.double().requires_grad_()
            loss = loss_fn(z64)
            loss.backward()
            for dtype in ("float32", "float64"):
                run = Run(root, len(runs), f"bce {labels_kind} labels" + (" masked" if masked else ""), dtype)
                run.tensor("logits", z)
                run.tensor("labels", y)
                if masked:
                    run.tensor("mask", mask)
                run.expect("loss", [loss.item()], LOSS_TOL)
                run.expect("grad", z64.grad)
                runs.append(run)
    execute(ARGS.runner, "bce", runs, checker)


def train_case(root, checker):
    """Ten Adam / Adam+L2 / AdamW steps on masked BCE: in eval mode (running statistics, dropout off)
    and in training mode with batch statistics (dropout p = 0). Parameters, running statistics and
    the loss are compared after every step."""
    gen = torch.Generator().manual_seed(808)
    N, steps = 8, 10
    x = one_hot_batch(gen, N, 200)
    labels = torch.randint(0, 2, (N, 3), generator=gen).float()
    mask = (torch.rand(N, 3, generator=gen) > 0.25).float()
    optimisers = {  # name: (class, kwargs, decoupled); "adam" is PyTorch's defaults
        "adam": (torch.optim.Adam, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0), False),
        "adam+l2": (torch.optim.Adam, dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2), False),
        "adamw": (torch.optim.AdamW, dict(lr=1e-3, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), True),
    }
    runs = []
    for arch, batchstats in (("basset_like", False), ("basset_like_batchstats", True)):
        for opt_name, (opt_class, kw, decoupled) in optimisers.items():
            model = basset_like(batchstats=batchstats, seed=11)
            ref = copy.deepcopy(model).double()
            ref.train(batchstats)
            opt = opt_class(ref.parameters(), **kw)
            losses, states = [], []
            for _ in range(steps):
                opt.zero_grad()
                per = F.binary_cross_entropy_with_logits(ref(x.double()), labels.double(), reduction="none")
                loss = (per * mask.double()).sum() / mask.double().sum()
                loss.backward()
                opt.step()
                losses.append(loss.item())
                states.append({k: v.clone() for k, v in ref.state_dict().items()})
            for dtype in ("float32", "float64"):
                mode = "training" if batchstats else "inference"
                run = Run(root, len(runs), f"train {arch} ({mode} mode) {opt_name}", dtype)
                run.text("model", arch)
                run.text("phase", mode)
                run.int("batch", N)
                run.int("threads", 2)
                run.int("steps", steps)
                run.real("lr", kw["lr"])
                run.real("beta1", kw["betas"][0])
                run.real("beta2", kw["betas"][1])
                run.real("eps", kw["eps"])
                run.real("weight_decay", kw["weight_decay"])
                run.int("decoupled", decoupled)
                write_state(run, model)
                run.tensor("x", x)
                run.tensor("labels", labels)
                run.tensor("mask", mask)
                run.expect("loss", losses)  # the loss before each step, relative to the largest
                for t, state in enumerate(states, start=1):
                    for name, v in state.items():
                        if not name.endswith("num_batches_tracked"):
                            run.expect(f"step{t}.{name}", v, norm="l2")
                run.expected_names = state_names(model)
                runs.append(run)
    execute(ARGS.runner, "train", runs, checker)


def bilstm_case(root, checker):
    """Forward, input gradient and every weight and bias gradient against
    nn.LSTM(bidirectional=True, batch_first=True), PyTorch in float64 on float32-exact values; seqnet's
    (N, D, T) input is PyTorch's (N, T, D) transposed, and its parameters must carry nn.LSTM's names."""
    gen = torch.Generator().manual_seed(505)
    runs = []
    for N, D, T, H, threads in [(2, 4, 7, 3, 1), (3, 6, 12, 5, 2), (1, 3, 2, 4, 1), (2, 8, 20, 16, 2)]:
        lstm = nn.LSTM(D, H, batch_first=True, bidirectional=True).double()
        with torch.no_grad():
            for p in lstm.parameters():
                p.copy_((torch.randn(p.shape, generator=gen) * 0.5).double())
        x = torch.randn(N, D, T, generator=gen).double().requires_grad_(True)
        r = torch.randn(N, 2 * H, T, generator=gen).double()
        out, _ = lstm(x.transpose(1, 2))  # (N, T, 2H): forward direction first, as seqnet's channels
        y = out.transpose(1, 2)
        lstm.zero_grad()
        (y * r).sum().backward()
        for dtype in ("float32", "float64"):
            run = Run(root, len(runs), f"bilstm N={N} D={D} T={T} H={H} threads={threads}", dtype)
            for k, v in dict(batch=N, features=D, length=T, hidden=H, threads=threads).items():
                run.int(k, v)
            run.text("phase", "inference")
            write_state(run, lstm)
            run.tensor("x", x)
            run.tensor("dy", r)
            run.expect("y", y)
            run.expect("dx", x.grad)
            for name, p in lstm.named_parameters():
                run.expect("grad." + name, p.grad)
            run.expected_names = [("param", name, tuple(p.shape)) for name, p in lstm.named_parameters()]
            runs.append(run)
    execute(ARGS.runner, "bilstm", runs, checker)


CASES = {"conv1d": conv1d_case, "maxpool": maxpool_case, "global_maxpool": global_maxpool_case,
         "dense": dense_case, "batchnorm": batchnorm_case, "model": model_case, "bce": bce_case,
         "train": train_case, "bilstm": bilstm_case}


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runner", required=True, help="path of seqnet_reference_runner")
    parser.add_argument("--workdir", required=True, help="scratch directory (one subdirectory per case)")
    parser.add_argument("--case", choices=sorted(CASES), action="append",
                        help="case to run (repeatable; default: all)")
    ARGS = parser.parse_args()
    torch.set_num_threads(1)
    checker = Checker()
    check_reference_conventions(checker)
    for case in ARGS.case or sorted(CASES):
        root = os.path.join(ARGS.workdir, case)
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        CASES[case](root, checker)
    print(f"{checker.comparisons} comparisons, {len(checker.failures)} failures")
    for f in checker.failures:
        print("  " + f)
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
