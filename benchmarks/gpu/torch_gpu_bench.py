#!/usr/bin/env python3
"""torch_gpu_bench: seqnet_gpu_bench's cases in PyTorch on a CUDA GPU, one JSON object per line.

    python3 benchmarks/gpu/torch_gpu_bench.py [--config fp32|as-installed|tf32] [--cases LIST] [--seconds S]
        [--ism-batch M[,M2...]] [--ig-batch P] [--smoke]

The model is Basset as in benchmarks/torch_bench.py (imported from there, with its DeepLIFT rules), on
cuda:0, written as a careful user would: model.eval() and torch.inference_mode() for inference,
torch.backends.cudnn.benchmark = True, everything on the device. Configurations (--config):
  fp32          TF32 off for cuDNN convolutions and for matmuls: the same FP32 arithmetic as seqnet
  as-installed  PyTorch's precision defaults left as they are (cuDNN convolutions may use TF32)
  tf32          TF32 on for both (for reference)
The record says which precision settings were in force.

Cases (as seqnet_gpu_bench; LIST is a comma-separated subset, default all):
  ceilings   torch.mm 8192^3 in float32 under the configuration's matmul precision, and a 1 GiB
             device-to-device copy (bytes read plus written): a cross-check of seqnet_gpu_bench's
  forward    model(x) on a device tensor, batch 1, 256, 4096
  train      one step at batch 256: forward in training mode, BCEWithLogitsLoss against fixed labels,
             zero_grad(set_to_none=True), backward, Adam(lr=1e-3) step
  ism        naive batched ISM of one 600 bp sequence: the 1,800 mutants built on the device, --ism-batch
             per forward under torch.inference_mode(), minus the reference output
  deeplift   DeepLIFT (rescale; Captum's max-pool routing) of 256 sequences against the uniform 0.25
             reference: input and reference as one doubled batch (torch_bench.deeplift_attributions)
  ig         integrated gradients of 256 sequences, 50 Gauss-Legendre steps, zero baseline, --ig-batch
             path points per forward/backward
  saliency   the gradient of the logit of task 0 with respect to 256 inputs, one pass
The interpretation cases explain the logit of task 0 with parameters' requires_grad off, and take the
sequences from host memory and return the result to host memory, as seqnet's functions do.

Timing as seqnet_gpu_bench: warm-up of at least 2 calls and 0.25 s (cuDNN's benchmark mode tries its
algorithms on the first call of each shape), then samples of a group of calls lasting about 2 ms, each
group followed by torch.cuda.synchronize(), for about --seconds; the median sample. FLOP counts use
seqnet's convention (2 per multiply-add of convolutions and dense layers) and the same pass counts.

--smoke runs every case at tiny sizes (batch 1-2, 32 ISM mutants, 4 IG steps; on the CPU where there is
no GPU) to check this script; its figures mean nothing. Without a GPU and without --smoke it says so and exits 77.
"""
import argparse
import copy
import json
import os
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import torch_bench as tb  # noqa: E402  (the Basset model and the DeepLIFT rules of the CPU benchmark)

CASES = ("ceilings", "forward", "train", "ism", "deeplift", "ig", "saliency")
LENGTH = 600


# ------------------------------------------------------------------------------------------- precision

def _new_precision_api():
    """PyTorch 2.9+ sets TF32 per backend with fp32_precision (allow_tf32 is deprecated there, and the
    two are not to be mixed): use it where it exists."""
    try:  # older versions answer an unknown attribute of torch.backends.cuda.matmul with AssertionError
        return (isinstance(torch.backends.cuda.matmul.fp32_precision, str) and
                isinstance(torch.backends.cudnn.conv.fp32_precision, str))
    except (AttributeError, AssertionError):
        return False


def set_precision(config):
    torch.backends.cudnn.benchmark = True
    if config == "as-installed":
        return
    tf32 = config == "tf32"
    if _new_precision_api():
        torch.backends.cuda.matmul.fp32_precision = "tf32" if tf32 else "ieee"
        torch.backends.cudnn.conv.fp32_precision = "tf32" if tf32 else "ieee"
    else:
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32


def _setting(obj, name):
    try:
        return getattr(obj, name)
    except (AttributeError, AssertionError):
        return "none"


def precision_state():
    if _new_precision_api():
        # "none" at one level means the level above decides (conv -> cudnn -> torch.backends).
        def effective(*levels):
            return next((v for v in levels if v != "none"), "none")
        top = _setting(torch.backends, "fp32_precision")
        return {"matmul": effective(torch.backends.cuda.matmul.fp32_precision, top),
                "cudnn_conv": effective(torch.backends.cudnn.conv.fp32_precision,
                                        _setting(torch.backends.cudnn, "fp32_precision"), top),
                "cudnn_benchmark": torch.backends.cudnn.benchmark}
    return {"matmul": "tf32" if torch.backends.cuda.matmul.allow_tf32 else "ieee",
            "cudnn_conv": "tf32" if torch.backends.cudnn.allow_tf32 else "ieee",
            "cudnn_benchmark": torch.backends.cudnn.benchmark}


# --------------------------------------------------------------------------------------------- methods

def naive_ism(model, x_host, batch, device, task=0, limit=None):
    """alt - ref of output `task` for every single-base substitution of each one-hot sequence, the
    mutants written on the device (torch_bench.naive_ism with every tensor on `device`). `limit` keeps
    only the first substitutions (--smoke: the CPU is too slow for all 1,800)."""
    x = x_host.to(device)
    n, c, length = x.shape
    d = torch.zeros_like(x)
    with torch.inference_mode():
        bases = torch.arange(c, device=device)
        for i in range(n):
            xi = x[i]
            ref = model(xi[None])[0, task]
            pos, base = (bases[None, :] != xi.argmax(0)[:, None]).nonzero(as_tuple=True)  # (l, b), l-major
            pos, base = pos[:limit], base[:limit]
            diff = torch.empty(pos.numel(), device=device)
            for m0 in range(0, pos.numel(), batch):
                p, b = pos[m0:m0 + batch], base[m0:m0 + batch]
                rows = torch.arange(p.numel(), device=device)
                mutants = xi.expand(p.numel(), c, length).clone()
                mutants[rows, :, p] = 0.0
                mutants[rows, b, p] = 1.0
                diff[m0:m0 + p.numel()] = model(mutants)[:, task] - ref
            d[i, base, pos] = diff
    return d.cpu()


def integrated_gradients(model, x_host, steps, batch, device, task=0):
    """IG of output `task` with a zero baseline, path points (sequence, step) `batch` at a time
    (torch_bench.integrated_gradients with every tensor on `device`)."""
    x = x_host.to(device)
    nodes, weights = (t.to(device) for t in tb.gauss_legendre(steps))
    n = x.shape[0]
    seq = torch.arange(n, device=device).repeat_interleave(steps)
    alpha, w = nodes.repeat(n), weights.repeat(n)
    total = torch.zeros_like(x)
    for p0 in range(0, n * steps, batch):
        s = seq[p0:p0 + batch]
        points = (alpha[p0:p0 + batch, None, None] * x[s]).requires_grad_()  # baseline 0: a x
        (g,) = torch.autograd.grad(model(points)[:, task].sum(), points)
        total.index_add_(0, s, g * w[p0:p0 + batch, None, None])
    return (x * total).cpu()


def deeplift(model, x_host, device):
    return tb.deeplift_attributions(model, x_host.to(device))[0].cpu()


def saliency(model, x_host, device, task=0):
    x = x_host.to(device, copy=True).requires_grad_()  # a copy also on the CPU (--smoke): x_host stays as it is
    (g,) = torch.autograd.grad(model(x)[:, task].sum(), x)
    return g.cpu()


# ---------------------------------------------------------------------------------------------- timing

def time_calls(once, seconds, smoke, sync):
    """Median seconds per call, samples, calls per sample (seqnet_gpu_bench's scheme)."""
    min_warm, warm_seconds = (1, 0.0) if smoke else (2, 0.25)
    w0 = time.perf_counter()
    calls, per_call = 0, 0.0
    while calls < min_warm or time.perf_counter() - w0 < warm_seconds:
        c0 = time.perf_counter()
        once()
        sync()
        per_call = time.perf_counter() - c0
        calls += 1
    group = max(1, int(2e-3 / max(per_call, 1e-9)))
    min_samples = 3 if smoke or per_call > 0.1 else 5
    samples = min(max(int(seconds / (per_call * group)), min_samples), 500)
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(group):
            once()
        sync()
        times.append((time.perf_counter() - t0) / group)
    times.sort()
    return times[len(times) // 2], len(times), group  # the upper median, as seqnet_gpu_bench


# ------------------------------------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", choices=("fp32", "as-installed", "tf32"), default="fp32")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--seconds", type=float, default=None, help="sampling time per case (default 1, --smoke 0)")
    ap.add_argument("--ism-batch", default=None, help="mutants per pass, comma-separated (default 128,256)")
    ap.add_argument("--ig-batch", type=int, default=None, help="IG path points per pass (default 1000)")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, the CPU where there is no GPU")
    a = ap.parse_args()
    cases = [c for c in a.cases.split(",") if c]
    for c in cases:
        if c not in CASES:
            sys.exit(f"torch_gpu_bench: unknown case {c}")

    has_cuda = torch.cuda.is_available()
    if not has_cuda and not a.smoke:
        print("torch_gpu_bench: no CUDA device (torch.cuda.is_available() is False); --smoke runs on the CPU")
        sys.exit(77)
    device = torch.device("cuda:0" if has_cuda else "cpu")
    sync = torch.cuda.synchronize if has_cuda else (lambda: None)
    set_precision(a.config)

    # Sizes: seqnet_gpu_bench's, or tiny ones for --smoke.
    if a.smoke:
        forward_batches, train_batch, explain_batch = (1, 2), 2, 2
        ism_batches, ism_limit, ig_steps, ig_batch, mm_n, copy_values = [16], 32, 4, 8, 256, 1 << 20
    else:
        forward_batches, train_batch, explain_batch = (1, 256, 4096), 256, 256
        ism_batches, ism_limit, ig_steps, ig_batch, mm_n, copy_values = [128, 256], None, 50, 1000, 8192, 1 << 28
    if a.ism_batch:
        ism_batches = [int(b) for b in a.ism_batch.split(",")]
    if a.ig_batch:
        ig_batch = a.ig_batch
    seconds = a.seconds if a.seconds is not None else (0.0 if a.smoke else 1.0)

    head = {"library": "pytorch", "config": a.config,
            "device": torch.cuda.get_device_name(0) if has_cuda else "cpu", "model": "basset"}
    tail = {"precision": precision_state(), "torch": torch.__version__, "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version() if has_cuda else None}

    def emit(rec):
        print(json.dumps({**head, **rec, **tail}), flush=True)

    def failed(case, e, **extra):
        # Out of memory, a CUDA error: reported as a record, and the other cases still run.
        emit({"case": case, **extra, "error": f"{type(e).__name__}: {e}"})
        if has_cuda:
            torch.cuda.empty_cache()

    def report(case, batch, once, flops_per_seq, **extra):
        try:
            median, samples, group = time_calls(once, seconds, a.smoke, sync)
        except Exception as e:  # noqa: BLE001 (any failure of one case)
            failed(case, e, batch=batch, **extra)
            return
        emit({"case": case, "batch": batch, "median_s": float(f"{median:.6e}"),
              "seq_per_s": float(f"{batch / median:.4g}"), "flops_per_seq": flops_per_seq,
              "tflops": float(f"{flops_per_seq * batch / median / 1e12:.4g}"),
              "samples": samples, "calls_per_sample": group, **extra})

    if "ceilings" in cases:
        g = torch.Generator(device=device).manual_seed(3)
        try:
            m1 = torch.rand(mm_n, mm_n, device=device, generator=g) * 2 - 1
            m2 = torch.rand(mm_n, mm_n, device=device, generator=g) * 2 - 1
            median, samples, _ = time_calls(lambda: torch.mm(m1, m2), seconds, a.smoke, sync)
            emit({"case": "mm_fp32", "n": mm_n, "median_s": float(f"{median:.6e}"),
                  "tflops": float(f"{2 * mm_n ** 3 / median / 1e12:.4g}"), "samples": samples})
            del m1, m2
        except Exception as e:  # noqa: BLE001
            failed("mm_fp32", e)
        try:
            src = torch.rand(copy_values, device=device, generator=g)
            dst = torch.empty_like(src)
            median, samples, _ = time_calls(lambda: dst.copy_(src), seconds, a.smoke, sync)
            emit({"case": "memcpy_d2d", "bytes": copy_values * 4, "median_s": float(f"{median:.6e}"),
                  "gbps_read_write": float(f"{2 * copy_values * 4 / median / 1e9:.5g}"), "samples": samples})
            del src, dst
        except Exception as e:  # noqa: BLE001
            failed("memcpy_d2d", e)
        if has_cuda:
            torch.cuda.empty_cache()

    torch.manual_seed(1)
    model = tb.basset()
    flops, outputs = tb.flops_per_sequence(model, LENGTH)  # on the CPU, before the move
    train_model = copy.deepcopy(model).to(device).train()
    model = model.to(device).eval()
    for p in model.parameters():
        p.requires_grad_(False)  # inference and input gradients only

    largest = max(max(forward_batches), train_batch, explain_batch)
    g = torch.Generator().manual_seed(17)
    idx = torch.randint(0, 4, (largest, LENGTH), generator=g)
    x_host = nn.functional.one_hot(idx, 4).permute(0, 2, 1).contiguous().float()
    x_dev = x_host.to(device)

    if "forward" in cases:
        for b in forward_batches:
            xb = x_dev[:b]

            def forward():
                with torch.inference_mode():
                    model(xb)
            report("forward", b, forward, flops)

    if "train" in cases:
        b = train_batch
        n = b * outputs
        labels = torch.tensor([float((i * 7919) % 3 == 0) for i in range(n)], device=device).reshape(b, outputs)
        loss_fn = nn.BCEWithLogitsLoss()
        opt = torch.optim.Adam(train_model.parameters(), lr=1e-3)
        xb = x_dev[:b]

        def step():
            loss = loss_fn(train_model(xb), labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        report("train", b, step, 3 * flops, loss_on="device")
        del opt, train_model
        if has_cuda:
            torch.cuda.empty_cache()

    x_explain = x_host[:explain_batch]
    if "ism" in cases:
        for mb in ism_batches:
            mutants = 3 * LENGTH if ism_limit is None else min(3 * LENGTH, ism_limit)
            report("ism", 1, lambda: naive_ism(model, x_host[:1], mb, device, limit=ism_limit),
                   (mutants + 1) * flops, ism_batch=mb)
    if "deeplift" in cases:
        report("deeplift", explain_batch, lambda: deeplift(model, x_explain, device), 4 * flops,
               pairs_per_pass=explain_batch)
    if "ig" in cases:
        report("ig", explain_batch, lambda: integrated_gradients(model, x_explain, ig_steps, ig_batch, device),
               2 * ig_steps * flops, steps=ig_steps, points_per_pass=ig_batch)
    if "saliency" in cases:
        report("saliency", explain_batch, lambda: saliency(model, x_explain, device), 2 * flops,
               per_pass=explain_batch)


if __name__ == "__main__":
    main()
