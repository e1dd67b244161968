#!/usr/bin/python3
"""torch_bench: times PyTorch on the same cases as seqnet_bench and prints one JSON object per line.

    /usr/bin/python3 benchmarks/torch_bench.py --model deepbind|basset --case forward|train --batch B
        --threads N [--reps R] [--input FILE] [--config NAME] [--variant eager|jit-freeze]

The models mirror benchmarks/models.hpp. forward = the model in eval mode under torch.inference_mode();
train = one step: forward in train mode, BCEWithLogitsLoss against fixed 0/1 labels,
zero_grad(set_to_none=True), backward, Adam(lr=1e-3) step. Timing follows seqnet_bench: at least
0.2 s of warm-up, then about 2 s of samples, each a group of calls lasting about 1 ms (one call if it
takes longer); the median sample gives seconds per call.

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=MODELS, default="basset")
    ap.add_argument("--case", choices=("forward", "train"), default="forward")
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
    flops, outputs = flops_per_sequence(model, length)
    flops *= a.batch * (3 if a.case == "train" else 1)
    x = read_input(a.input, a.batch, length)

    if a.case == "forward":
        model.eval()
        if a.variant == "jit-freeze":
            with torch.no_grad():
                model = torch.jit.freeze(torch.jit.trace(model, x))

        def once():
            with torch.inference_mode():
                model(x)
    else:
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
    group = max(1, int(1e-3 / max(per_call, 1e-9)))
    samples = a.reps if a.reps > 0 else min(max(int(a.seconds / (per_call * group)), 5), 2000)
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
    print(json.dumps({
        "library": "pytorch", "model": a.model, "case": a.case, "batch": a.batch, "threads": a.threads,
        "median_s": float(f"{median:.6e}"), "seq_per_s": round(a.batch / median, 1),
        "gflops": round(flops / median / 1e9, 2), "samples": len(times),
        "cpu_busy": round(cpu_busy, 2),
        "config": a.config, "variant": a.variant,
        "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "blas": blas["name"], "blas_detail": blas,
        "env": {k: os.environ[k] for k in env_keys if k in os.environ},
    }), flush=True)


if __name__ == "__main__":
    main()
