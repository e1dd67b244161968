#!/usr/bin/env python3
"""run_gpu: seqnet against PyTorch on a CUDA GPU. Builds seqnet_gpu_bench, runs it and
torch_gpu_bench.py (in each PyTorch configuration), and writes a markdown report and the raw records.

    python3 benchmarks/gpu/run_gpu.py [--out DIR] [--build-dir DIR] [--no-build] [--jobs N]
        [--cuda-arch A] [--configs fp32,as-installed] [--cases LIST] [--seconds S] [--no-torch] [--emulated]

Build: CMake, Release, SEQNET_ENABLE_CUDA=ON and SEQNET_BUILD_BENCHMARKS=ON, target seqnet_gpu_bench.
A new build directory is configured without the tests and examples (the benchmark needs neither);
an existing one (scripts/device-run-gpu's) keeps its settings. .device/prefix (scripts/device-prep) is
put on CMAKE_PREFIX_PATH when it exists.

Output, in --out (default benchmarks/results/gpu/): report.md (the tables, the device, versions and
commands) and records.jsonl (every JSON record of both programs). The table is printed last too.

--emulated runs seqnet_gpu_bench --emulated and torch_gpu_bench.py --smoke (tiny sizes, no GPU
needed): a check of this pipeline whose figures mean nothing. Exits 77 when there is no GPU
(seqnet_gpu_bench says so) and --emulated is not given.
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def log(msg):
    print(f"run_gpu: {msg}", flush=True)


def run(cmd, **kw):
    log("$ " + " ".join(cmd))
    return subprocess.run(cmd, text=True, **kw)


def build(a):
    """Configures (when needed) and builds seqnet_gpu_bench; returns the program's path."""
    build_dir = os.path.abspath(a.build_dir)
    cmd = ["cmake", "-S", ROOT, "-B", build_dir, "-DSEQNET_ENABLE_CUDA=ON", "-DSEQNET_BUILD_BENCHMARKS=ON"]
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        if shutil.which("ninja"):
            cmd += ["-G", "Ninja"]
        cmd += ["-DCMAKE_BUILD_TYPE=Release", "-DSEQNET_BUILD_TESTS=OFF", "-DSEQNET_BUILD_EXAMPLES=OFF",
                "-DSEQNET_INSTALL=OFF"]
        prefix = os.path.join(ROOT, ".device", "prefix")
        if os.path.isdir(prefix):
            cmd.append(f"-DCMAKE_PREFIX_PATH={prefix}")
    if a.cuda_arch:
        cmd.append(f"-DCMAKE_CUDA_ARCHITECTURES={a.cuda_arch}")
    if run(cmd).returncode != 0:
        sys.exit("run_gpu: CMake configuration failed")
    if run(["cmake", "--build", build_dir, "--target", "seqnet_gpu_bench", "-j", str(a.jobs)]).returncode != 0:
        sys.exit("run_gpu: the build failed")
    return bench_path(a)


def bench_path(a):
    return os.path.join(os.path.abspath(a.build_dir), "benchmarks", "gpu", "seqnet_gpu_bench")


def records_of(cmd, what):
    """Runs a benchmark program; returns (return code, its JSON records). Other output is shown."""
    p = run(cmd, stdout=subprocess.PIPE)
    recs = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                recs.append(json.loads(line))
                print(line, flush=True)
                continue
            except json.JSONDecodeError:
                pass
        if line:
            print(f"[{what}] {line}", flush=True)
    return p.returncode, recs


def device_info():
    """The GPU as nvidia-smi describes it, or as PyTorch does."""
    smi = shutil.which("nvidia-smi")
    if smi:
        q = "name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit"
        p = subprocess.run([smi, f"--query-gpu={q}", "--format=csv,noheader"], text=True, capture_output=True)
        if p.returncode == 0 and p.stdout.strip():
            vals = [v.strip() for v in p.stdout.strip().splitlines()[0].split(",")]
            return dict(zip(q.split(","), vals)) | {"source": "nvidia-smi"}
    try:
        import torch
        if torch.cuda.is_available():
            pr = torch.cuda.get_device_properties(0)
            return {"name": pr.name, "memory.total": f"{pr.total_memory / 2**20:.0f} MiB",
                    "multiprocessors": pr.multi_processor_count, "source": "torch"}
    except ImportError:
        pass
    return {"name": "unknown", "source": "none"}


# ----------------------------------------------------------------------------------------------- report

def key(r):
    return (r["case"], r.get("batch"), r.get("ism_batch"))


def fmt(v, digits=3):
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


def ceiling_table(recs, configs):
    """The card's ceilings as each program measured them."""
    seq = {r["case"]: r for r in recs if r["library"] == "seqnet" and r["case"] in ("sgemm_fp32", "sgemm_tf32", "memcpy_d2d")}
    tor = {(r["config"], r["case"]): r for r in recs if r["library"] == "pytorch" and r["case"] in ("mm_fp32", "memcpy_d2d")}
    head = "| ceiling | seqnet_gpu_bench | " + " | ".join(f"PyTorch ({c})" for c in configs) + " |"
    lines = [head, "|---|---:|" + "---:|" * len(configs)]

    def cell(r, field):
        return fmt(r[field], 4) if r and field in r else "-"
    some = [r for r in recs if r["case"] in ("sgemm_fp32", "mm_fp32") and "n" in r]
    n = some[0]["n"] if some else 8192
    some = [r for r in recs if r["case"] == "memcpy_d2d" and "bytes" in r]
    size = f"{some[0]['bytes'] / 2**20:.0f} MiB" if some else "1 GiB"
    lines.append(f"| SGEMM {n}³ FP32 (TFLOP/s) | " + cell(seq.get("sgemm_fp32"), "tflops") + " | " +
                 " | ".join(cell(tor.get((c, "mm_fp32")), "tflops") for c in configs) + " |")
    lines.append(f"| SGEMM {n}³ TF32 tensor cores (TFLOP/s) | " + cell(seq.get("sgemm_tf32"), "tflops") + " | " +
                 " | ".join("-" for _ in configs) + " |")
    lines.append(f"| device-to-device copy of {size} (GB/s, read + write) | " +
                 cell(seq.get("memcpy_d2d"), "gbps_read_write") + " | " +
                 " | ".join(cell(tor.get((c, "memcpy_d2d")), "gbps_read_write") for c in configs) + " |")
    return lines, seq


def case_label(k):
    case, batch, ism_batch = k
    names = {"forward": "forward (inference)", "train": "train step", "ism": "naive ISM, 600 bp", "fast_ism": "fast ISM, 600 bp",
             "deeplift": "DeepLIFT (uniform ref.)", "ig": "IG, 50 steps", "saliency": "saliency"}
    label = names.get(case, case)
    if ism_batch:
        label += f", {ism_batch} mutants/pass"
    return label


def forward_bytes(model, batch):
    """Bytes a forward pass moves at least, unfused: the parameters read once, the input read, and every
    layer's output written once and read once."""
    return 4 * (model["parameters"] + batch * (model["input_values_per_seq"] + 2 * model["activation_values_per_seq"]))


def model_table(recs, configs, ceilings):
    peak = ceilings.get("sgemm_fp32", {}).get("tflops")
    copy = ceilings.get("memcpy_d2d", {}).get("gbps_read_write")
    model = next((r for r in recs if r["library"] == "seqnet" and r["case"] == "model"), None)
    seq = {key(r): r for r in recs if r["library"] == "seqnet" and "seq_per_s" in r}  # errors have none
    tor = {(r["config"], key(r)): r for r in recs if r["library"] == "pytorch" and "seq_per_s" in r}
    order = {"forward": 0, "train": 1, "ism": 2, "fast_ism": 3, "deeplift": 4, "ig": 5, "saliency": 6}
    keys = sorted(set(seq) | {k for _, k in tor}, key=lambda k: (order.get(k[0], 9), k[1] or 0, k[2] or 0))
    head = ["case", "sequences per call", "seqnet seq/s"]
    for c in configs:
        head += [f"PyTorch {c} seq/s", f"seqnet / PyTorch {c}"]
    head += ["seqnet TFLOP/s", "% of FP32 SGEMM", "seqnet est. GB/s", "% of copy"]
    head += [f"PyTorch {c} TFLOP/s" for c in configs]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for k in keys:
        s = seq.get(k)
        row = [case_label(k), str(k[1]), fmt(s["seq_per_s"]) if s else "-"]
        for c in configs:
            t = tor.get((c, k))
            row.append(fmt(t["seq_per_s"]) if t else "-")
            row.append(f"{s['seq_per_s'] / t['seq_per_s']:.2f}×" if s and t else "-")
        row.append(fmt(s["tflops"]) if s else "-")
        row.append(f"{100 * s['tflops'] / peak:.0f} %" if s and peak else "-")
        gbps = forward_bytes(model, k[1]) / s["median_s"] / 1e9 if s and model and k[0] == "forward" else None
        row.append(fmt(gbps) if gbps else "-")
        row.append(f"{100 * gbps / copy:.0f} %" if gbps and copy else "-")
        row += [fmt(tor[(c, k)]["tflops"]) if (c, k) in tor else "-" for c in configs]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def bar_lines(recs, configs):
    """The issue's bars: forward at batch 4096 at least as fast as PyTorch, fast ISM at least 10x PyTorch's
    naive batched ISM (each side at its best batch of mutants)."""
    def best(lib, case, config=None, batch=None):
        rs = [r for r in recs if r["library"] == lib and r["case"] == case and "seq_per_s" in r
              and (config is None or r.get("config") == config) and (batch is None or r.get("batch") == batch)]
        return max(rs, key=lambda r: r["seq_per_s"]) if rs else None
    out = []
    fwd, fast = best("seqnet", "forward", batch=4096), best("seqnet", "fast_ism")
    for c in configs:
        t = best("pytorch", "forward", c, 4096)
        if fwd and t:
            ratio = fwd["seq_per_s"] / t["seq_per_s"]
            out.append(f"- forward at batch 4096 vs PyTorch `{c}`: {ratio:.2f}x (bar: at least 1x) "
                       f"{'met' if ratio >= 1 else 'NOT met'}")
        t = best("pytorch", "ism", c)
        if fast and t:
            ratio = fast["seq_per_s"] / t["seq_per_s"]
            out.append(f"- fast ISM ({fast.get('ism_batch')} mutants/pass) vs PyTorch `{c}` naive ISM at its best "
                       f"batch ({t.get('ism_batch')}): {ratio:.1f}x (bar: at least 10x) {'met' if ratio >= 10 else 'NOT met'}")
    return out


def precision_lines(recs, configs):
    out = []
    for c in configs:
        r = next((r for r in recs if r["library"] == "pytorch" and r.get("config") == c and "precision" in r), None)
        if r:
            p = r["precision"]
            out.append(f"- PyTorch `{c}`: torch {r['torch']}, CUDA {r['cuda']}, cuDNN {r['cudnn']}; matmul FP32 "
                       f"precision `{p['matmul']}`, cuDNN convolution `{p['cudnn_conv']}`, "
                       f"cudnn.benchmark {p['cudnn_benchmark']}")
    return out


def error_lines(recs):
    errors = [r for r in recs if "error" in r]
    if not errors:
        return []
    out = ["## Failed cases", ""]
    for r in errors:
        what = r["library"] + (f" {r['config']}" if r.get("config") else "")
        out.append(f"- {what}, {r['case']}" + (f" (batch {r['batch']})" if "batch" in r else "") + f": {r['error']}")
    return out + [""]


def model_line(recs):
    m = next((r for r in recs if r["library"] == "seqnet" and r["case"] == "model"), None)
    if not m:
        return "Basset (published architecture, 600 bp, 164 tasks)"
    what = "Basset (published architecture, 600 bp, 164 tasks)" if m["model"] == "basset" else m["model"]
    return f"{what}: {m['parameters']:,} parameters, {m['flops_per_seq'] / 1e6:.1f} MFLOP per sequence"


def write_report(a, recs, dev, commands, configs):
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "records.jsonl"), "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
    ceil_lines, ceilings = ceiling_table(recs, configs)
    table = model_table(recs, configs, ceilings)
    try:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], text=True,
                                capture_output=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], text=True,
                               capture_output=True).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except OSError:
        commit = "unknown"
    name = dev.get("name", "unknown")
    md = [f"# seqnet vs PyTorch on {name}{' (EMULATED: figures mean nothing)' if a.emulated else ''}", "",
          f"{datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}, seqnet {commit}. "
          f"Device: " + ", ".join(f"{k} {v}" for k, v in dev.items() if k != "source") + f" (from {dev.get('source')}).",
          "", f"{model_line(recs)}, random weights, FP32, random one-hot sequences. "
          "Sequences per second from the median time per call; ratios above 1 mean seqnet is faster. TFLOP/s "
          "count 2 per multiply-add of the convolutions and dense layers, per sequence forward, times the "
          "passes each case implies (train 3, ISM 3L + 1 per sequence for naive and fast ISM alike, "
          "saliency 2, DeepLIFT 4, IG 2 per path point: nominal for the explanations). The estimated GB/s of "
          "the forward rows count the bytes an unfused forward pass moves at least (parameters read once, each "
          "layer's output written once and read once) over the median time.", "",
          "## Ceilings (measured on this card)", "", *ceil_lines, "",
          "## Throughput", "", *table, "",
          "## Bars", "", *(["- EMULATED run (and PyTorch on the CPU): these ratios mean nothing"] if a.emulated else []),
          *(bar_lines(recs, configs) or ["- not measured in this run"]), "",
          "## Configurations", "",
          "- seqnet: FP32 throughout (cuBLAS default math mode, no TF32); `to_device<cuda>` of the CPU model; "
          "forward and train on device-resident inputs; the train step computes BCE and its gradient on the device "
          "from uploaded labels (what `train()` does); the explanations take and return host arrays.",
          *precision_lines(recs, configs),
          "- PyTorch: `model.eval()` and `torch.inference_mode()` for inference, parameters' `requires_grad` off "
          "for the explanations, host tensors in and out of the explanations (as seqnet), the loss on the device.",
          "", *error_lines(recs),
          "## Commands", "", "```", *commands, "```", "",
          "Raw records: `records.jsonl` beside this file.", ""]
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write("\n".join(md))
    print("\n".join(["", *ceil_lines, "", *table, ""]), flush=True)
    log(f"wrote {os.path.join(a.out, 'report.md')} and records.jsonl")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", "gpu"))
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-gpu-bench"))
    ap.add_argument("--no-build", action="store_true", help="use the program already built in --build-dir")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--cuda-arch", default="", help="CMAKE_CUDA_ARCHITECTURES (default: the project's, 90)")
    ap.add_argument("--configs", default="fp32,as-installed", help="PyTorch configurations (torch_gpu_bench.py --config)")
    ap.add_argument("--cases", default="", help="a subset of the cases, comma-separated (default all)")
    ap.add_argument("--seconds", type=float, default=None, help="sampling time per case")
    ap.add_argument("--no-torch", action="store_true", help="seqnet alone")
    ap.add_argument("--emulated", action="store_true", help="no GPU: emulated seqnet, PyTorch --smoke on the CPU")
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)
    configs = [] if a.no_torch else [c for c in a.configs.split(",") if c]

    bench = bench_path(a) if a.no_build else build(a)
    if not os.path.exists(bench):
        sys.exit(f"run_gpu: {bench} does not exist (build it, or leave out --no-build)")
    common = (["--cases", a.cases] if a.cases else []) + (["--seconds", str(a.seconds)] if a.seconds is not None else [])
    dev = device_info()
    log(f"device: {dev}")

    commands, recs = [], []
    cmd = [bench, *common] + (["--emulated"] if a.emulated else [])
    commands.append(" ".join(cmd))
    rc, r = records_of(cmd, "seqnet")
    if rc == 77:
        log("no CUDA device: nothing to measure (--emulated checks the pipeline without one)")
        sys.exit(77)
    if rc != 0:
        log(f"seqnet_gpu_bench failed with exit status {rc}; reporting what it printed")
    recs += r

    if configs and subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode != 0:
        log(f"PyTorch cannot be imported by {sys.executable}: seqnet alone")
        configs = []
    # PyTorch has no fast ISM: the bar compares seqnet's with PyTorch's naive ISM.
    torch_cases = [c for c in a.cases.split(",") if c and c != "fast_ism"] if a.cases else []
    if a.cases and not torch_cases:
        configs = []
    torch_common = (["--cases", ",".join(torch_cases)] if torch_cases else []) + common[2 if a.cases else 0:]
    for c in configs:
        cmd = [sys.executable, os.path.join(HERE, "torch_gpu_bench.py"), "--config", c, *torch_common]
        cmd += ["--smoke"] if a.emulated else []
        commands.append(" ".join(cmd))
        rc, r = records_of(cmd, f"pytorch {c}")
        if rc != 0:
            log(f"torch_gpu_bench.py --config {c} exited with status {rc}")
        recs += r

    if not recs:
        sys.exit("run_gpu: no records")
    if not dev.get("name") or dev["name"] == "unknown":
        dev["name"] = next((r["device"] for r in recs if "device" in r), "unknown")
    write_report(a, recs, dev, commands, configs)


if __name__ == "__main__":
    main()
