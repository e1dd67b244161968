#!/usr/bin/python3
"""torch_bench: times PyTorch on the same cases as seqnet_bench and prints one JSON object per line.

    /usr/bin/python3 benchmarks/torch_bench.py --model deepbind|basset --case forward|train --batch B
        --threads N [--reps R] [--input FILE] [--config NAME] [--variant eager|jit-freeze]
    /usr/bin/python3 benchmarks/torch_bench.py --model basset --case ism|deeplift|ig --batch B
        --threads N [--reps R] [--input FILE] [--ism-batch M[,M2...]] [--ig-batch P] [--weights FILE]
        [--compare SEQNET_DUMP]
    /usr/bin/python3 benchmarks/torch_bench.py --model basset --export-weights FILE

The models mirror benchmarks/models.hpp. forward = the model in eval mode under torch.inference_mode();
train = one step: forward in train mode, BCEWithLogitsLoss against fixed 0/1 labels,
zero_grad(set_to_none=True), backward, Adam(lr=1e-3) step. Timing follows seqnet_bench: at least
0.2 s of warm-up, then about 2 s of samples, each a group of calls lasting about 1 ms (one call if it
takes longer); the median sample gives seconds per call.

Interpretation cases (eval mode, target = logit of task 0, one call explains all B sequences), written
as a careful user would without a library, to compare with seqnet's interpret/ functions:
  ism       naive batched saturation mutagenesis: all 3L single-base mutants, --ism-batch per forward
            under torch.inference_mode(), minus the reference output (given a list, each batch size is
            timed once after the warm-up and the faster is used; the record says which)
  deeplift  DeepLIFT, rescale rule as Captum implements it: input and reference (uniform 0.25) as one
            doubled batch; ReLU's backward replaced by the secant slope (y - y0)/(x - x0) (its gradient
            where |x - x0| < 1e-6), MaxPool1d's by Captum's routing of max(y, y0) (custom
            torch.autograd.Function's); attributions (x - x0) * multiplier
  ig        integrated gradients, 50 Gauss-Legendre steps, zero baseline, --ig-batch path points per
            forward/backward (torch.autograd.grad with respect to the points)
Parameters have requires_grad off for deeplift and ig (no weight gradients are computed). Warm-up is at
least one call and 0.2 s and further, up to 5 calls, until 3 s have passed; then at least 3 samples
(these calls take up to seconds).
--export-weights writes the model's state dict (BatchNorm running statistics and affine parameters
randomised so that they matter) as .npz; --weights loads one (seqnet_bench --weights reads the same
file). --compare computes the case once with those weights and compares it with seqnet_bench --dump's
output for the same inputs, printing the agreement as JSON (no timing).

The environment (BLAS, malloc tuning, OMP_NUM_THREADS) is chosen by whoever starts this process
(benchmarks/run.py); --config only labels the record. The record says which BLAS was really loaded.
"""
import argparse
import ctypes
import json
import os
import sys
import time

import torch
from torch import nn


def deepbind():
    return nn.Sequential(
        nn.Conv1d(4, 16, 24), nn.ReLU(),
        nn.AdaptiveMaxPool1d(1), nn.Flatten(),
        nn.Linear(16, 32), nn.ReLU(),
        nn.Linear(32, 1))


def basset():
    m = nn.Sequential(
        nn.Conv1d(4, 300, 19), nn.BatchNorm1d(300), nn.ReLU(), nn.MaxPool1d(3),
        nn.Conv1d(300, 200, 11), nn.BatchNorm1d(200), nn.ReLU(), nn.MaxPool1d(4),
        nn.Conv1d(200, 200, 7), nn.BatchNorm1d(200), nn.ReLU(), nn.MaxPool1d(4),
        nn.Flatten(),
        nn.Linear(2000, 1000), nn.BatchNorm1d(1000), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(1000, 1000), nn.BatchNorm1d(1000), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(1000, 164))
    params = sum(p.numel() for p in m.parameters())
    assert params == 4_135_064, f"Basset has {params} parameters, expected 4,135,064"
    return m


MODELS = {"deepbind": (deepbind, 101), "basset": (basset, 600)}


def flops_per_sequence(model, length):
    """Multiply-adds x 2 of the convolutions and dense layers (seqnet_bench's convention), and the
    number of outputs per sequence."""
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        if isinstance(mod, nn.Conv1d):
            total += 2 * mod.weight.numel() * out.shape[-1]
        elif isinstance(mod, nn.Linear):
            total += 2 * mod.weight.numel()

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv1d, nn.Linear))]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        outputs = model(torch.zeros(1, 4, length)).shape[1]
    model.train(was_training)
    for h in handles:
        h.remove()
    return total, outputs


# ---------------------------------------------------------------------------------------- interpretation

DEEPLIFT_EPS = 1e-6  # |x - x0| below which a nonlinearity uses its gradient (seqnet's default)


class RescaleReLU(torch.autograd.Function):
    """ReLU over a doubled batch (inputs, then references) whose backward is DeepLIFT's rescale rule."""

    @staticmethod
    def forward(ctx, z):
        y = torch.relu(z)
        ctx.save_for_backward(z, y)
        return y

    @staticmethod
    def backward(ctx, g):
        z, y = ctx.saved_tensors
        x, x0 = z.chunk(2)
        y1, y0 = y.chunk(2)
        d = x - x0
        slope = torch.where(d.abs() < DEEPLIFT_EPS, (x > 0).to(g.dtype), (y1 - y0) / d)
        return g * torch.cat([slope, slope])


class RoutedMaxPool1d(torch.autograd.Function):
    """MaxPool1d over a doubled batch whose backward routes differences as Captum does: per window,
    with y* = max(y, y0), (y* - y0) goes to the input's arg-max and (y - y*) to the reference's, each
    times the window's multiplier; a position's multiplier is what it received over its own x - x0
    (the ordinary gradient where |x - x0| < eps). Both halves of the batch carry the input half's
    multipliers (they are equal all the way down, the target being seeded on both halves)."""

    @staticmethod
    def forward(ctx, z, kernel, stride):
        y, idx = nn.functional.max_pool1d(z, kernel, stride, return_indices=True)
        ctx.save_for_backward(z, y, idx)
        return y

    @staticmethod
    def backward(ctx, g):
        z, y, idx = ctx.saved_tensors
        x, x0 = z.chunk(2)
        y1, y0 = y.chunk(2)
        gx = g.chunk(2)[0]
        top = torch.maximum(y1, y0)
        routed = torch.zeros_like(z).scatter_add_(2, idx, torch.cat([gx * (top - y0), gx * (y1 - top)]))
        received = routed[: x.shape[0]] + routed[x.shape[0]:]
        plain = torch.zeros_like(x).scatter_add_(2, idx[: x.shape[0]], gx)  # gradient of the input half
        d = x - x0
        m = torch.where(d.abs() < DEEPLIFT_EPS, plain, received / d)
        return torch.cat([m, m]), None, None


def deeplift_forward(model, z):
    """model(z) for an nn.Sequential, with DeepLIFT's backward at its ReLU and MaxPool1d layers."""
    for layer in model:
        if isinstance(layer, nn.ReLU):
            z = RescaleReLU.apply(z)
        elif isinstance(layer, nn.MaxPool1d):
            if layer.padding != 0 or layer.dilation != 1 or layer.ceil_mode:
                raise ValueError("deeplift_forward: MaxPool1d without padding, dilation or ceil_mode only")
            z = RoutedMaxPool1d.apply(z, layer.kernel_size, layer.stride)
        elif isinstance(layer, (nn.Conv1d, nn.BatchNorm1d, nn.Linear, nn.Flatten, nn.Dropout)):
            z = layer(z)  # linear in eval mode: multipliers are gradients
        else:
            raise ValueError(f"deeplift_forward: no DeepLIFT rule for {type(layer).__name__}")
    return z


def deeplift_attributions(model, x, task=0):
    """DeepLIFT (rescale) scores of output `task` against the uniform reference; model in eval mode.
    Returns (scores, summation-to-delta error per sequence)."""
    x0 = torch.full_like(x, 0.25)
    z = torch.cat([x, x0]).requires_grad_()
    out = deeplift_forward(model, z)[:, task]
    (g,) = torch.autograd.grad(out.sum(), z)  # seeds both halves: their multipliers stay equal
    scores = (x - x0) * g[: x.shape[0]]
    with torch.no_grad():
        delta = scores.sum(dim=(1, 2)) - (out[: x.shape[0]] - out[x.shape[0]:])
    return scores, delta


def gauss_legendre(steps):
    """Nodes in [0, 1] and weights (summing to 1) of the Gauss-Legendre rule, as seqnet's."""
    import numpy as np
    t, w = np.polynomial.legendre.leggauss(steps)
    return torch.tensor(0.5 * (t + 1.0), dtype=torch.float32), torch.tensor(0.5 * w, dtype=torch.float32)


def integrated_gradients(model, x, steps, batch, task=0):
    """IG of output `task` with a zero baseline: path points (sequence, step) `batch` at a time."""
    nodes, weights = gauss_legendre(steps)
    n = x.shape[0]
    baseline = torch.zeros_like(x)
    seq = torch.arange(n).repeat_interleave(steps)
    alpha, w = nodes.repeat(n), weights.repeat(n)
    total = torch.zeros_like(x)
    for p0 in range(0, n * steps, batch):
        s, a = seq[p0:p0 + batch], alpha[p0:p0 + batch, None, None]
        points = (baseline[s] + a * (x[s] - baseline[s])).requires_grad_()
        (g,) = torch.autograd.grad(model(points)[:, task].sum(), points)
        total.index_add_(0, s, g * w[p0:p0 + batch, None, None])
    return (x - baseline) * total


def naive_ism(model, x, batch, task=0):
    """alt - ref of output `task` for every single-base substitution of each one-hot sequence of x."""
    n, c, length = x.shape
    d = torch.zeros_like(x)
    with torch.inference_mode():
        for i in range(n):
            xi = x[i]
            ref = model(xi[None])[0, task]
            present = xi.argmax(0)
            pos, base = (torch.arange(c)[None, :] != present[:, None]).nonzero(as_tuple=True)  # (l, b), l-major
            diff = torch.empty(pos.numel())
            for m0 in range(0, pos.numel(), batch):
                p, b = pos[m0:m0 + batch], base[m0:m0 + batch]
                rows = torch.arange(p.numel())
                mutants = xi.expand(p.numel(), c, length).clone()
                mutants[rows, :, p] = 0.0
                mutants[rows, b, p] = 1.0
                diff[m0:m0 + p.numel()] = model(mutants)[:, task] - ref
            d[i, base, pos] = diff
    return d


def near_tie_windows(model, x, rel=1e-5):
    """Per sequence: max-pool windows (input half, any MaxPool1d) whose largest two inputs are nonzero
    and within `rel` of each other (relative), where the arg-max depends on float rounding."""
    counts = torch.zeros(x.shape[0], dtype=torch.long)
    z = x
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.MaxPool1d):
                k, s = layer.kernel_size, layer.stride
                w = z.unfold(2, k, s)  # N x C x windows x k
                top2 = w.topk(2, dim=-1).values
                gap = top2[..., 0] - top2[..., 1]
                near = (top2[..., 0] != 0) & (gap <= rel * top2[..., 0].abs())
                counts += near.flatten(1).sum(1)
            z = layer(z)
    return counts.tolist()


def export_weights(model, path):
    """Randomises BatchNorm's running statistics and affine parameters (so that they matter), then
    writes the state dict as .npz (PyTorch names; seqnet's load_state_dict reads it)."""
    import numpy as np
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                c = m.num_features
                m.running_mean.copy_(0.2 * torch.randn(c, generator=g))
                m.running_var.copy_(0.5 + torch.rand(c, generator=g))
                m.weight.copy_(0.5 + torch.rand(c, generator=g))
                m.bias.copy_(0.2 * torch.randn(c, generator=g))
    arrays = {k: v.detach().numpy() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def load_weights(model, path):
    import numpy as np
    with np.load(path) as z:
        state = {k: torch.from_numpy(z[k].copy()) for k in z.files}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        sys.exit(f"torch_bench: {path}: missing {missing}, unexpected {unexpected}")


def read_input(path, batch, length):
    count = batch * 4 * length
    if path:
        with open(path, "rb") as f:
            data = f.read(count * 4)
        if len(data) != count * 4:
            sys.exit(f"torch_bench: {path}: expected {count} float32 values")
        return torch.frombuffer(bytearray(data), dtype=torch.float32).reshape(batch, 4, length).clone()
    g = torch.Generator().manual_seed(17)
    idx = torch.randint(0, 4, (batch, length), generator=g)
    return nn.functional.one_hot(idx, 4).permute(0, 2, 1).contiguous().float()


def loaded_blas():
    """Which BLAS/LAPACK this process really mapped, and which library resolves sgemm_ for libtorch."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            if p.startswith("/") and any(k in os.path.basename(p) for k in ("blas", "lapack", "mkl", "blis")):
                libs.add(p)
    info = {"mapped": sorted(libs)}
    try:
        class DlInfo(ctypes.Structure):
            _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                        ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]
        torch_cpu = ctypes.CDLL("libtorch_cpu.so.1.13", mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
        addr = ctypes.cast(torch_cpu.sgemm_, ctypes.c_void_p).value
        di = DlInfo()
        if ctypes.CDLL("libc.so.6").dladdr(ctypes.c_void_p(addr), ctypes.byref(di)):
            info["sgemm_from"] = os.path.realpath(di.dli_fname.decode())
    except (OSError, AttributeError):
        pass
    for p in libs:
        if "openblas" in os.path.basename(p):
            try:
                ob = ctypes.CDLL(p, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
                ob.openblas_get_corename.restype = ctypes.c_char_p
                ob.openblas_get_config.restype = ctypes.c_char_p
                info["openblas_core"] = ob.openblas_get_corename().decode()
                info["openblas_config"] = ob.openblas_get_config().decode().strip()
            except (OSError, AttributeError):
                pass
    src = info.get("sgemm_from", "")
    info["name"] = ("OpenBLAS" if "openblas" in src else
                    "reference BLAS (libblas3)" if "/blas/" in src else (src or "unknown"))
    return info


INTERPRET_CASES = ("ism", "deeplift", "ig")
IG_STEPS = 50


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=MODELS, default="basset")
    ap.add_argument("--case", choices=("forward", "train") + INTERPRET_CASES, default="forward")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=2.0, help="target timing duration")
    ap.add_argument("--input", default="")
    ap.add_argument("--config", default="default", help="label of the environment this process runs in")
    ap.add_argument("--probe", action="store_true",
                    help="print only the environment (torch version, default threads, BLAS really loaded)")
    ap.add_argument("--variant", choices=("eager", "jit-freeze"), default="eager",
                    help="jit-freeze: torch.jit.trace + torch.jit.freeze (forward only; BN folded into conv)")
    ap.add_argument("--ism-batch", default="128,256",
                    help="ism: mutants per forward pass; a comma-separated list: time each once, use the faster")
    ap.add_argument("--ig-batch", default="50,100,200",
                    help="ig: path points per forward/backward pass; a list: time each once, use the faster")
    ap.add_argument("--weights", default="", help="load this state dict (.npz) instead of the random init")
    ap.add_argument("--export-weights", default="", metavar="FILE",
                    help="write the model's state dict, BatchNorm statistics randomised, as .npz and exit")
    ap.add_argument("--compare", default="", metavar="SEQNET_DUMP",
                    help="interpretation cases: compute once and compare with seqnet_bench --dump's output")
    ap.add_argument("--tolerance", type=float, default=1e-3,
                    help="--compare: largest difference, relative to the sequence's largest attribution, "
                         "that counts as agreement (reported, never an error)")
    a = ap.parse_args()

    if a.probe:
        default_threads = torch.get_num_threads()
        torch.mm(torch.ones(256, 256), torch.ones(256, 256))  # make sure the BLAS is loaded and used
        blas = loaded_blas()
        print(json.dumps({"library": "pytorch", "probe": True, "config": a.config, "torch": torch.__version__,
                          "default_threads": default_threads, "blas": blas["name"], "blas_detail": blas}))
        return
    torch.set_num_interop_threads(1)  # before any parallel work (PyTorch refuses it afterwards)
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    make, length = MODELS[a.model]
    model = make()
    if a.export_weights:
        export_weights(model, a.export_weights)
        print(json.dumps({"library": "pytorch", "model": a.model, "exported": a.export_weights}))
        return
    if a.weights:
        load_weights(model, a.weights)
    interpret = a.case in INTERPRET_CASES
    if (a.compare or a.weights) and not interpret:
        sys.exit("torch_bench: --compare and --weights are for the interpretation cases")
    flops, outputs = flops_per_sequence(model, length)
    flops *= a.batch * (3 if a.case == "train" else 1)
    x = read_input(a.input, a.batch, length)
    extra = {}

    if a.case == "forward":
        model.eval()
        if a.variant == "jit-freeze":
            with torch.no_grad():
                model = torch.jit.freeze(torch.jit.trace(model, x))

        def once():
            with torch.inference_mode():
                model(x)
    elif a.case == "train":
        if a.variant != "eager":
            sys.exit("torch_bench: --variant jit-freeze is for the forward case only")
        model.train()
        n = a.batch * outputs
        labels = torch.tensor([float((i * 7919) % 3 == 0) for i in range(n)]).reshape(a.batch, outputs)
        loss_fn = nn.BCEWithLogitsLoss()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def once():
            loss = loss_fn(model(x), labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    else:
        if a.variant != "eager":
            sys.exit("torch_bench: --variant jit-freeze is for the forward case only")
        model.eval()  # BatchNorm running statistics, dropout off
        for p in model.parameters():
            p.requires_grad_(False)  # input gradients only
        # The batch-size knob of the case and its candidates (a list: each is tried, the faster kept).
        knob, candidates = {"ism": ("ism_batch", a.ism_batch), "ig": ("points_per_pass", a.ig_batch),
                            "deeplift": ("pairs_per_pass", str(a.batch))}[a.case]
        candidates = [int(b) for b in candidates.split(",")]
        extra[knob] = candidates[0]
        if a.case == "ism":
            def once():
                return naive_ism(model, x, extra[knob])
        elif a.case == "deeplift":
            def once():
                return deeplift_attributions(model, x)[0]  # all pairs in one pass
        else:
            def once():
                return integrated_gradients(model, x, IG_STEPS, extra[knob])

        if a.compare:
            extra[knob] = candidates[0]
            compare(a, model, x, once())
            return

    if not interpret:
        # Warm up (oneDNN primitives, allocator, Adam state; the JIT's profiling runs) for at least 0.2 s,
        # then time groups of calls lasting about 1 ms for about 2 s, as seqnet_bench does.
        w0 = time.perf_counter()
        warm_calls = 0
        while warm_calls < (3 if a.variant == "eager" else 5) or time.perf_counter() - w0 < 0.2:
            once()
            warm_calls += 1
        w1 = time.perf_counter()
        for _ in range(3):
            once()
        per_call = (time.perf_counter() - w1) / 3
        min_samples = 5
    else:
        # Calls of up to seconds: warm up for at least one call and 0.2 s and further, up to 5 calls,
        # until 3 s have passed (glibc's heap takes a few calls to reach its size: the first DeepLIFT
        # calls take 3x longer), for each candidate batch size (each needs its own oneDNN primitives);
        # with several candidates, time one more call of each and keep the faster. The last call sizes
        # the samples, as seqnet_bench does for these cases.
        trials = {}
        for b in candidates:
            extra[knob] = b
            w0 = time.perf_counter()
            calls = 0
            while True:
                t0 = time.perf_counter()
                once()
                trials[b] = time.perf_counter() - t0
                calls += 1
                elapsed = time.perf_counter() - w0
                if elapsed >= 0.2 and (calls >= 5 or elapsed >= 3.0):
                    break
        if len(candidates) > 1:
            for b in candidates:  # a second, warm call of each
                extra[knob] = b
                t0 = time.perf_counter()
                once()
                trials[b] = time.perf_counter() - t0
            extra[knob] = min(trials, key=trials.get)
            extra[knob + "_trials_s"] = {str(b): round(t, 4) for b, t in trials.items()}
        per_call = trials[extra[knob]]
        min_samples = 3
    group = max(1, int(1e-3 / max(per_call, 1e-9)))
    samples = a.reps if a.reps > 0 else min(max(int(a.seconds / (per_call * group)), min_samples), 2000)
    times = []
    cpu0, wall0 = os.times(), time.perf_counter()
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(group):
            once()
        times.append((time.perf_counter() - t0) / group)
    cpu1, wall1 = os.times(), time.perf_counter()
    cpu_busy = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / (wall1 - wall0)
    times.sort()
    median = times[len(times) // 2]  # same (upper) median as seqnet_bench

    blas = loaded_blas()
    env_keys = ("OPENBLAS_CORETYPE", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS",
                "LD_LIBRARY_PATH", "LD_PRELOAD")
    rec = {
        "library": "pytorch", "model": a.model, "case": a.case, "batch": a.batch, "threads": a.threads,
        "median_s": float(f"{median:.6e}"),
        "seq_per_s": round(a.batch / median, 3 if interpret else 1),
        "gflops": None if interpret else round(flops / median / 1e9, 2), "samples": len(times),
    }
    if interpret:
        rec["ms_per_seq"] = round(1e3 * median / a.batch, 3)
    rec.update(extra)
    rec.update({
        "cpu_busy": round(cpu_busy, 2),
        "config": a.config, "variant": a.variant,
        "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "blas": blas["name"], "blas_detail": blas,
        "env": {k: os.environ[k] for k in env_keys if k in os.environ},
    })
    print(json.dumps(rec), flush=True)


def compare(a, model, x, ours):
    """Agreement of this process's result for the case with seqnet_bench --dump's."""
    with open(a.compare, "rb") as f:
        data = f.read()
    if len(data) != ours.numel() * 4:
        sys.exit(f"torch_bench: {a.compare}: {len(data)} bytes, expected {ours.numel()} float32 values")
    theirs = torch.frombuffer(bytearray(data), dtype=torch.float32).reshape(ours.shape)
    ours = ours.detach().to(torch.float64)
    theirs = theirs.to(torch.float64)
    diff = (ours - theirs).abs()
    scale = theirs.abs().max().item()
    # per sequence: the largest difference relative to that sequence's largest attribution
    per_seq = [(diff[i].max() / max(theirs[i].abs().max().item(), 1e-30)).item() for i in range(ours.shape[0])]
    rec = {"library": "pytorch", "compare": a.compare, "model": a.model, "case": a.case, "batch": a.batch,
           "max_abs_diff": float(f"{diff.max().item():.3e}"), "max_abs": float(f"{scale:.4e}"),
           "max_rel_diff": float(f"{max(per_seq):.3e}"),
           "rel_diff_per_seq": [float(f"{v:.3e}") for v in per_seq],
           "rel_rms_diff": float(f"{(diff.norm() / max(theirs.norm().item(), 1e-30)).item():.3e}"),
           "sum_torch": [round(v, 6) for v in ours.sum(dim=(1, 2)).tolist()],
           "sum_seqnet": [round(v, 6) for v in theirs.sum(dim=(1, 2)).tolist()]}
    rec["tolerance"] = a.tolerance
    rec["agree"] = rec["max_rel_diff"] <= a.tolerance
    if a.case == "deeplift":
        rec["torch_summation_delta"] = [float(f"{v:.3e}") for v in deeplift_attributions(model, x)[1].tolist()]
        # DeepLIFT's max-pool rule routes each window's whole difference to one arg-max, so where the top
        # two inputs of a window nearly tie, float rounding (seqnet and PyTorch agree to ~1e-6) may pick
        # another position and move that window's share of the attributions. Count such windows.
        ties = near_tie_windows(model, x)
        rec["near_tie_windows_per_seq"] = ties
        clean = [v for v, t in zip(per_seq, ties) if t == 0]
        rec["max_rel_diff_without_near_ties"] = float(f"{max(clean):.3e}") if clean else None
        rec["agree_without_near_ties"] = bool(clean) and max(clean) <= a.tolerance
    print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
