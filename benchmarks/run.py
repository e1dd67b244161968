#!/usr/bin/python3
"""Benchmark runner: seqnet against PyTorch on DeepBind-style and Basset models, on this machine's CPU.

    /usr/bin/python3 benchmarks/run.py [--quick] [--no-install] [--threads 1,2] [--with-jit]
                                       [--cases all|models|interpret]

Installs what it needs (scripts/install-deps bench), builds benchmarks/seqnet_bench, measures the FP32
peak, writes shared random one-hot inputs, then runs every case (model x forward b1 / forward b64 /
train b64 x threads) for seqnet and for PyTorch in two configurations ("tuned" and "as-installed"),
each measurement in its own subprocess, and the interpretation cases on Basset (ISM, DeepLIFT,
integrated gradients; at the largest thread count) after checking that seqnet's and PyTorch's
attributions agree. Prints the tables and writes benchmarks/results/latest.md and
benchmarks/results/latest.json (--quick: quick.md, quick.json; --cases interpret: latest-interpret.*,
quick-interpret.*). See benchmarks/README.md.
"""
import argparse
import datetime
import json
import os
import random
import resource
import struct
import subprocess
import sys
import sysconfig
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(ROOT, "build-bench")
BENCH = os.path.join(BUILD, "benchmarks", "seqnet_bench")
RESULTS = os.path.join(HERE, "results")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
TORCH_BENCH = os.path.join(HERE, "torch_bench.py")
MULTIARCH = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
LIBDIR = f"/usr/lib/{MULTIARCH}"

MODELS = {"deepbind": 101, "basset": 600}
CASES = [("forward", 1), ("forward", 64), ("train", 64)]
# Interpretation cases, all on Basset: (row label, seqnet case, PyTorch case, sequences per call).
# ism-fast and ism-naive are both compared with the same PyTorch measurement (naive batched ISM).
INTERPRET_MODEL = "basset"
INTERPRET = [("ISM (1,800 mutants)", "ism-fast", "ism", 1),
             ("ISM (1,800 mutants)", "ism-naive", "ism", 1),
             ("DeepLIFT (uniform ref.)", "deeplift", "deeplift", 16),
             ("IG (50 steps, zero baseline)", "ig", "ig", 4)]
INTERPRET_WHAT = {
    "ism-fast": ("fast_ism (recomputes only what a substitution changes)", "naive batched ISM, inference_mode"),
    "ism-naive": ("naive_ism (every mutant through predict())", "naive batched ISM, inference_mode"),
    "deeplift": ("deeplift(), rescale rule", "autograd, rescale rule via autograd.Function (Captum's rules)"),
    "ig": ("integrated_gradients(), Gauss-Legendre", "autograd.grad over batched path points"),
}
# PyTorch's batch-size candidates: tried once each in the first round, the faster used from then on.
TORCH_CANDIDATES = {"ism": ("--ism-batch", "ism_batch", "128,256"),
                    "ig": ("--ig-batch", "points_per_pass", "50,100,200")}
# Agreement check before timing: (seqnet case, PyTorch case, sequences, tolerance on the largest
# difference relative to the sequence's largest attribution).
# IG's tolerance is looser: its path starts at the zero input, where max-pool windows nearly tie and
# float rounding picks arg-maxes differently (PyTorch float32 against float64 differs by ~1e-3 itself).
# DeepLIFT reports which sequences have such near-ties (each routes a window's whole difference).
AGREEMENT = [("deeplift", "deeplift", 4, 1e-3), ("ism-fast", "ism", 1, 1e-3), ("ig", "ig", 2, 1e-2)]
ORDER = CASES + [("ism-fast", 1), ("ism-naive", 1), ("ism", 1), ("deeplift", 16), ("ig", 4)]  # detail table
# Variables that any of the configurations sets; stripped from the inherited environment so that each
# configuration gets exactly what it says.
TWEAKS = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MALLOC_MMAP_MAX_",
          "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES", "LD_PRELOAD")
# A run during which other processes used more than this many cores is repeated (up to RETRIES times).
FOREIGN_LIMIT = 0.2
RETRIES = 2


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------- machine

def cpu_busy_seconds():
    """Non-idle CPU seconds of the whole machine so far (all processes, all cores)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def wait_for_quiet(max_wait):
    """Waits (up to max_wait s) until other processes use less than FOREIGN_LIMIT cores."""
    t_end = time.time() + max_wait
    warned = False
    while True:
        b0 = cpu_busy_seconds()
        time.sleep(0.5)
        load = (cpu_busy_seconds() - b0) / 0.5
        if load < FOREIGN_LIMIT or time.time() > t_end:
            if warned:
                log(f"  (machine {'quiet' if load < FOREIGN_LIMIT else 'still busy: going on'})")
            return load
        if not warned:
            log(f"  waiting for the machine to go quiet (other processes use {load:.1f} cores)...")
            warned = True


def cpu_model():
    info = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if ":" in line:
                k, v = (s.strip() for s in line.split(":", 1))
                info.setdefault(k, v)
    flags = info.get("flags", "").split()
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
    return (f"{info.get('model name', 'unknown')} (family {info.get('cpu family', '?')}, "
            f"model {info.get('model', '?')}, {isa})")


def alternatives(name):
    try:
        out = subprocess.run(["update-alternatives", "--display", name], capture_output=True, text=True).stdout
    except OSError:
        return ""
    return out.strip()


# ---------------------------------------------------------------------------------------------- steps

def install(skip):
    if skip:
        return
    script = os.path.join(ROOT, "scripts", "install-deps")
    log(f"== installing dependencies: {script} bench")
    r = subprocess.run([script, "bench"])
    if r.returncode != 0:
        log("   install-deps failed; going on with what is installed")


def torch_available():
    r = subprocess.run([PYTHON, "-c", "import torch"], capture_output=True, text=True)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["?"])[-1]
        log(f"!! PyTorch cannot be imported by {PYTHON} ({last}).\n"
            f"!! Install it with `scripts/install-deps bench` (Debian's python3-torch).\n"
            f"!! Benchmarking seqnet alone.")
        return False
    return True


def build():
    log("== building seqnet_bench (Release)")
    configure = ["cmake", "-S", ROOT, "-B", BUILD, "-DCMAKE_BUILD_TYPE=Release", "-DSEQNET_BUILD_TESTS=OFF",
                 "-DSEQNET_BUILD_EXAMPLES=OFF", "-DSEQNET_BUILD_BENCHMARKS=ON"]
    for cmd in (configure, ["cmake", "--build", BUILD, "-j2", "--target", "seqnet_bench"]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"build failed: {' '.join(cmd)}\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")


def write_inputs(directory):
    """One random one-hot file per model at batch 64, and files holding its first 16, 4, 2 and 1."""
    os.makedirs(directory, exist_ok=True)
    rng = random.Random(2024)
    files = {}
    for model, length in MODELS.items():
        seqs = []
        for _ in range(64):
            x = [0.0] * (4 * length)  # layout C x L, channels A, C, G, T
            for pos in range(length):
                x[rng.randrange(4) * length + pos] = 1.0
            seqs.append(struct.pack(f"<{4 * length}f", *x))
        for batch in (64, 16, 4, 2, 1):  # the first `batch` sequences
            path = os.path.join(directory, f"{model}_b{batch}.f32")
            with open(path, "wb") as f:
                f.write(b"".join(seqs[:batch]))
            files[(model, batch)] = path
    return files


def base_env():
    env = dict(os.environ)
    for k in TWEAKS:
        env.pop(k, None)
    return env


def prepend_path(env, key, dirs):
    env[key] = ":".join(dirs + ([env[key]] if env.get(key) else []))


def run_json(cmd, env, label, max_wait):
    """Runs one measurement; repeats it when other processes disturbed it. Returns the parsed record."""
    best = None
    for attempt in range(RETRIES + 1):
        wait_for_quiet(max_wait)
        b0, c0, t0 = cpu_busy_seconds(), children_cpu_seconds(), time.time()
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        wall = time.time() - t0
        foreign = max(0.0, (cpu_busy_seconds() - b0 - (children_cpu_seconds() - c0)) / wall)
        if r.returncode != 0:
            log(f"!! {label} failed: {r.stderr.strip()[-2000:]}")
            return None
        rec = json.loads(r.stdout.strip().splitlines()[-1])
        rec["foreign_cores"] = round(foreign, 2)
        rec["attempt"] = attempt + 1
        if best is None or foreign < best["foreign_cores"]:
            best = rec
        if foreign < FOREIGN_LIMIT:
            break
        log(f"  {label}: other processes used {foreign:.2f} cores meanwhile; repeating")
    best["disturbed"] = best["foreign_cores"] >= FOREIGN_LIMIT
    return best


def torch_configs(threads_list):
    """The environments of the two PyTorch configurations, checked against the BLAS really loaded."""
    def probe(env, name):
        r = subprocess.run([PYTHON, TORCH_BENCH, "--probe", "--config", name], env=env, capture_output=True,
                           text=True)
        if r.returncode != 0:
            log(f"!! probe of {name} failed: {r.stderr.strip()[-1000:]}")
            return None
        return json.loads(r.stdout.strip().splitlines()[-1])

    configs = {}
    # tuned: OpenBLAS for the dense layers (and for the im2col convolutions PyTorch runs without
    # oneDNN), told its core type; glibc malloc kept from returning big blocks to the kernel.
    tuned = base_env()
    tuned.update({"OPENBLAS_CORETYPE": "SkylakeX", "MALLOC_MMAP_MAX_": "0",
                  "MALLOC_TRIM_THRESHOLD_": "17179869184"})
    p = probe(tuned, "tuned")
    if p and p["blas"] != "OpenBLAS":
        for flavour in ("openblas-openmp", "openblas-pthread", "openblas-serial"):
            d = os.path.join(LIBDIR, flavour)
            if os.path.exists(os.path.join(d, "libblas.so.3")):
                prepend_path(tuned, "LD_LIBRARY_PATH", [d])
                p = probe(tuned, "tuned")
                break
    if p:
        if p["blas"] != "OpenBLAS":
            log(f"!! tuned: OpenBLAS could not be put in use; PyTorch uses {p['blas']}")
        configs["tuned"] = {"env": tuned, "probe": p, "omp_threads": True}
    # as-installed: no environment tweaks, and the BLAS that Debian's python3-torch gets without
    # OpenBLAS (libblas3 / liblapack3, the reference implementations).
    plain = base_env()
    ref = [d for d, lib in ((os.path.join(LIBDIR, "blas"), "libblas.so.3"),
                            (os.path.join(LIBDIR, "lapack"), "liblapack.so.3"))
           if os.path.exists(os.path.join(d, lib))]
    if ref:
        prepend_path(plain, "LD_LIBRARY_PATH", ref)
    p = probe(plain, "as-installed")
    if p:
        if "reference" not in p["blas"]:
            log(f"!! as-installed: reference BLAS not found; this configuration uses {p['blas']}")
        configs["as-installed"] = {"env": plain, "probe": p, "omp_threads": False}
    return configs


# ---------------------------------------------------------------------------------------------- report

def median_round(records):
    """The record of the median round (by sequences per second), annotated with every round's rate."""
    ok = sorted((r for r in records if r), key=lambda r: r["seq_per_s"])
    if not ok:
        return None
    rec = dict(ok[(len(ok) - 1) // 2])
    rec["rounds_seq_per_s"] = [r["seq_per_s"] for r in records if r]
    return rec


def fmt_rate(x):
    if x is None:
        return "n/a"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def best_of(records):
    records = [r for r in records if r]
    return max(records, key=lambda r: r["seq_per_s"]) if records else None


def mark(rec):
    return "*" if rec and rec.get("disturbed") else ""


def build_table(results, peaks, threads_list):
    head = (["model", "case", "batch"] + [f"seqnet {t}t seq/s" for t in threads_list] +
            ["PyTorch tuned seq/s (threads)", "seqnet / tuned", "PyTorch as-installed seq/s (threads)",
             "seqnet / as-installed", "seqnet GFLOP/s (threads)", "% of peak"])
    rows = []
    for model in MODELS:
        for case, batch in CASES:
            key = lambda lib, t: results.get((lib, model, case, batch, t))  # noqa: E731
            sq = [key("seqnet", t) for t in threads_list]
            s_best = best_of(sq)
            row = [model, case, str(batch)] + [fmt_rate(r["seq_per_s"]) + mark(r) if r else "n/a" for r in sq]
            for cfg in ("tuned", "as-installed"):
                pb = best_of([key(cfg, t) for t in threads_list])
                if pb:
                    row.append(f"{fmt_rate(pb['seq_per_s'])}{mark(pb)} ({pb['threads']}t)")
                    row.append(f"{s_best['seq_per_s'] / pb['seq_per_s']:.2f}" if s_best else "n/a")
                else:
                    row += ["n/a", "n/a"]
            if s_best:
                peak = peaks.get(s_best["threads"])
                row.append(f"{s_best['gflops']:.1f} ({s_best['threads']}t)")
                row.append(f"{100 * s_best['gflops'] / peak:.0f}%" if peak else "n/a")
            else:
                row += ["n/a", "n/a"]
            rows.append(row)
    return head, rows


def build_detail(results, threads_list):
    head = ["model", "case", "batch", "threads", "library / config", "median ms", "seq/s", "GFLOP/s",
            "seq/s of each round", "samples", "CPU busy", "other load"]
    rows = []
    order = ["seqnet", "tuned", "as-installed"]
    for (lib, model, case, batch, t), r in sorted(results.items(), key=lambda kv: (
            ORDER.index((kv[0][2], kv[0][3])) >= len(CASES), list(MODELS).index(kv[0][1]),
            ORDER.index((kv[0][2], kv[0][3])), kv[0][4], order.index(kv[0][0]))):
        if not r:
            continue
        knobs = [f"{k} {r[k]}" for k in ("ism_batch", "pairs_per_pass", "points_per_pass") if k in r]
        rows.append([model, case, str(batch), str(t),
                     (lib if lib == "seqnet" else f"pytorch {lib}") + (f" ({', '.join(knobs)})" if knobs else ""),
                     f"{1e3 * r['median_s']:.4g}", fmt_rate(r["seq_per_s"]),
                     f"{r['gflops']:.1f}" if r.get("gflops") is not None else "-",
                     " / ".join(fmt_rate(x) for x in r.get("rounds_seq_per_s", [r["seq_per_s"]])),
                     str(r["samples"]), str(r.get("cpu_busy", "")), f"{r['foreign_cores']:.2f}"])
    return head, rows


def fmt_ms(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def build_interpret_table(results, threads):
    """Time per sequence of each interpretation case; ratios = PyTorch time / seqnet time (the same as
    seqnet's rate over PyTorch's, as in the main table)."""
    head = ["method", "seqnet", "PyTorch", "seq/call", "threads", "seqnet ms/seq", "seqnet seq/s",
            "PyTorch tuned ms/seq", "seqnet / tuned", "PyTorch as-installed ms/seq", "seqnet / as-installed"]
    rows = []
    for label, scase, tcase, batch in INTERPRET:
        s = results.get(("seqnet", INTERPRET_MODEL, scase, batch, threads))
        what_s, what_t = INTERPRET_WHAT[scase]
        row = [label, what_s, what_t, str(batch), str(threads),
               fmt_ms(1e3 * s["median_s"] / batch) + mark(s) if s else "n/a", fmt_rate(s["seq_per_s"]) if s else "n/a"]
        for cfg in ("tuned", "as-installed"):
            p = results.get((cfg, INTERPRET_MODEL, tcase, batch, threads))
            if p:
                knob = next((f" (batch {p[k]})" for k in ("ism_batch", "points_per_pass") if k in p), "")
                row.append(fmt_ms(1e3 * p["median_s"] / batch) + mark(p) + knob)
                row.append(f"{p['median_s'] / s['median_s']:.2f}" if s else "n/a")
            else:
                row += ["n/a", "n/a"]
        rows.append(row)
    return head, rows


def check_output(cmd, env, label):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        log(f"!! {label} failed: {r.stderr.strip()[-2000:]}")
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def agreement_check(inputs, configs, threads):
    """Before timing: seqnet's and PyTorch's attributions for the same weights (PyTorch's random init,
    BatchNorm statistics randomised, exported as .npz) and the same sequences. Reported, not enforced."""
    directory = os.path.join(RESULTS, "interpret")
    os.makedirs(directory, exist_ok=True)
    cfg = configs.get("tuned") or next(iter(configs.values()))
    env = dict(cfg["env"])
    if cfg["omp_threads"]:
        env["OMP_NUM_THREADS"] = str(threads)
    weights = os.path.join(directory, f"{INTERPRET_MODEL}_weights.npz")
    log(f"== agreement of seqnet's and PyTorch's attributions (shared weights {os.path.relpath(weights, ROOT)})")
    if not check_output([PYTHON, TORCH_BENCH, "--model", INTERPRET_MODEL, "--export-weights", weights], env,
                        "weight export"):
        return []
    records = []
    for scase, tcase, batch, tol in AGREEMENT:
        dump = os.path.join(directory, f"seqnet_{scase}_b{batch}.f32")
        common = ["--model", INTERPRET_MODEL, "--batch", str(batch), "--threads", str(threads),
                  "--input", inputs[(INTERPRET_MODEL, batch)], "--weights", weights]
        srec = check_output([BENCH, "run", "--case", scase, "--dump", dump] + common, base_env(), f"seqnet {scase} dump")
        if not srec:
            continue
        rec = check_output([PYTHON, TORCH_BENCH, "--case", tcase, "--compare", dump, "--tolerance", str(tol)] + common,
                           env, f"pytorch {tcase} comparison")
        if not rec:
            continue
        rec["seqnet_case"] = scase
        rec["seqnet_worst_relative_delta"] = srec.get("worst_relative_delta")
        records.append(rec)
        log("   " + agreement_note(rec))
    return records


def agreement_note(rec):
    per_seq = ", ".join(f"{v:.1e}" for v in rec["rel_diff_per_seq"])
    text = (f"{rec['seqnet_case']} vs PyTorch {rec['case']} on {rec['batch']} sequence(s), same weights: largest "
            f"|difference| relative to the sequence's largest |attribution| {per_seq} (rms over all "
            f"{rec['rel_rms_diff']:.1e}): {'within' if rec['agree'] else 'NOT all within'} {rec['tolerance']:g}")
    if "near_tie_windows_per_seq" in rec:
        ties = rec["near_tie_windows_per_seq"]
        text += (f"; max-pool windows whose top two inputs tie within 1e-5 (relative): {ties} per sequence"
                 + (f"; sequences without such ties within {rec['tolerance']:g}: "
                    f"{'yes' if rec['agree_without_near_ties'] else 'NO'}"
                    if rec.get("max_rel_diff_without_near_ties") is not None else "")
                 + f"; summation-to-delta error: seqnet {rec['seqnet_worst_relative_delta']:.1e} (relative), "
                   f"PyTorch {max(abs(v) for v in rec['torch_summation_delta']):.1e} (absolute)")
    return text + "."


def markdown(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def text_table(head, rows):
    w = [max(len(x) for x in col) for col in zip(head, *rows)]
    line = lambda r: "  ".join(x.rjust(n) if i > 1 else x.ljust(n) for i, (x, n) in enumerate(zip(r, w)))  # noqa
    return "\n".join([line(head), "  ".join("-" * n for n in w)] + [line(r) for r in rows])


# ---------------------------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="few repetitions (smoke test; figures are rough)")
    ap.add_argument("--no-install", action="store_true", help="skip scripts/install-deps bench")
    ap.add_argument("--threads", default="1,2", help="thread counts, comma-separated (default 1,2)")
    ap.add_argument("--cases", choices=("all", "models", "interpret"), default="all",
                    help="models: forward and train cases; interpret: ISM, DeepLIFT and integrated gradients on "
                         "Basset (at the largest thread count); all: both (default)")
    ap.add_argument("--with-jit", action="store_true",
                    help="also time PyTorch forward with torch.jit.trace + freeze (tuned config)")
    ap.add_argument("--max-wait", type=float, default=300,
                    help="seconds to wait for other processes to go quiet before each run (default 300)")
    ap.add_argument("--no-torch", action="store_true", help="benchmark seqnet alone")
    ap.add_argument("--rounds", type=int, default=3,
                    help="measure every case this many times, libraries interleaved, and report the median "
                         "round (a shared virtual machine drifts by 5-10%% between minutes; default 3)")
    a = ap.parse_args()
    threads_list = [int(t) for t in a.threads.split(",")]
    run_models = a.cases in ("all", "models")
    run_interpret = a.cases in ("all", "interpret")
    interpret_threads = max(threads_list)
    command = " ".join([sys.executable, os.path.relpath(os.path.abspath(sys.argv[0]), ROOT)] + sys.argv[1:])
    started = datetime.datetime.now(datetime.timezone.utc)
    max_wait = min(a.max_wait, 15) if a.quick else a.max_wait
    if a.quick:
        log("** --quick: few repetitions per case; the figures are a smoke test, not a measurement **")

    install(a.no_install)
    have_torch = not a.no_torch and torch_available()
    build()

    log("== FP32 peak (FMA loop)")
    peaks, peak_records = {}, []
    for t in threads_list:
        rec = run_json([BENCH, "peak", "--threads", str(t)], base_env(), f"peak {t}t", max_wait)
        if not rec:
            sys.exit("seqnet_bench peak failed")
        peaks[t] = rec["peak_gflops"]
        peak_records.append(rec)
        log(f"   {t} thread(s): {rec['peak_gflops']:.1f} GFLOP/s ({rec['simd']}, {rec['lanes']} lanes)")

    inputs = write_inputs(os.path.join(RESULTS, "inputs"))

    configs = torch_configs(threads_list) if have_torch else {}
    for name, c in configs.items():
        p = c["probe"]
        d = p["blas_detail"]
        core = f", OpenBLAS core {d['openblas_core']}" if "openblas_core" in d else ""
        extra = {k: v for k, v in c["env"].items() if k in TWEAKS or k == "LD_LIBRARY_PATH"}
        log(f"== PyTorch {p['torch']} '{name}': BLAS {p['blas']} (sgemm_ from {d.get('sgemm_from', '?')}{core});"
            f" env {extra or 'unchanged'}")
    torch_default_threads = next(iter(configs.values()))["probe"]["default_threads"] if configs else None

    agreement = agreement_check(inputs, configs, interpret_threads) if run_interpret and configs else []

    reps = ["--reps", "5"] if a.quick else []
    interpret_reps = ["--reps", "3"] if a.quick else []
    results = {}
    jit_records = []
    chosen = {}  # (config, PyTorch case) -> batch size PyTorch chose in the first round
    rounds = 1 if a.quick else max(1, a.rounds)

    def torch_env(c, t):
        env = dict(c["env"])
        if c["omp_threads"]:
            env["OMP_NUM_THREADS"] = str(t)
        return env

    log(f"== running cases (each in its own process), {rounds} round(s)")
    for round_index in range(rounds):
        for model in MODELS if run_models else []:
            for case, batch in CASES:
                for t in threads_list:
                    common = ["--model", model, "--case", case, "--batch", str(batch), "--threads", str(t),
                              "--input", inputs[(model, batch)]] + reps
                    label = f"{model} {case} b{batch} {t}t"
                    rec = run_json([BENCH, "run"] + common, base_env(), f"seqnet {label}", max_wait)
                    if rec:
                        rec["config"] = "seqnet"
                    results.setdefault(("seqnet", model, case, batch, t), []).append(rec)
                    line = [f"seqnet {fmt_rate(rec['seq_per_s']) if rec else 'failed'}"]
                    for name, c in configs.items():
                        env = torch_env(c, t)
                        rec = run_json([PYTHON, TORCH_BENCH, "--config", name] + common, env, f"pytorch {name} {label}",
                                       max_wait)
                        results.setdefault((name, model, case, batch, t), []).append(rec)
                        line.append(f"{name} {fmt_rate(rec['seq_per_s']) if rec else 'failed'}")
                        if a.with_jit and name == "tuned" and case == "forward":
                            jr = run_json([PYTHON, TORCH_BENCH, "--config", name, "--variant", "jit-freeze"] + common,
                                          env, f"pytorch jit {label}", max_wait)
                            if jr:
                                jit_records.append(jr)
                                line.append(f"tuned+jit {fmt_rate(jr['seq_per_s'])}")
                    log(f"   [{round_index + 1}/{rounds}] {label:24s} " + ", ".join(line) + " seq/s")
        if not run_interpret:
            continue
        t, model = interpret_threads, INTERPRET_MODEL
        timed_torch = set()
        for _, scase, tcase, batch in INTERPRET:
            common = ["--model", model, "--batch", str(batch), "--threads", str(t),
                      "--input", inputs[(model, batch)]] + interpret_reps
            label = f"{model} {scase} b{batch} {t}t"
            rec = run_json([BENCH, "run", "--case", scase] + common, base_env(), f"seqnet {label}", max_wait)
            if rec:
                rec["config"] = "seqnet"
            results.setdefault(("seqnet", model, scase, batch, t), []).append(rec)
            line = [f"seqnet {fmt_ms(1e3 * rec['median_s'] / batch) if rec else 'failed'}"]
            if tcase not in timed_torch:  # one PyTorch ISM measurement serves both seqnet ISM cases
                timed_torch.add(tcase)
                for name, c in configs.items():
                    knob = []
                    if tcase in TORCH_CANDIDATES:
                        flag, key, candidates = TORCH_CANDIDATES[tcase]
                        knob = [flag, str(chosen.get((name, tcase), candidates))]
                    rec = run_json([PYTHON, TORCH_BENCH, "--config", name, "--case", tcase] + common + knob,
                                   torch_env(c, t), f"pytorch {name} {tcase} b{batch} {t}t", max_wait)
                    if rec and tcase in TORCH_CANDIDATES:
                        chosen.setdefault((name, tcase), rec[TORCH_CANDIDATES[tcase][1]])
                    results.setdefault((name, model, tcase, batch, t), []).append(rec)
                    line.append(f"{name} {tcase} {fmt_ms(1e3 * rec['median_s'] / batch) if rec else 'failed'}")
            log(f"   [{round_index + 1}/{rounds}] {label:24s} " + ", ".join(line) + " ms/seq")

    results = {k: median_round(v) for k, v in results.items()}

    head, rows = build_table(results, peaks, threads_list)
    ihead, irows = build_interpret_table(results, interpret_threads)
    dhead, drows = build_detail(results, threads_list)
    disturbed = any(r and r.get("disturbed") for r in results.values())
    cpu = cpu_model()
    cores = os.cpu_count()
    blas_lines = [f"- PyTorch '{n}': {c['probe']['blas']} — sgemm_ resolved from "
                  f"`{c['probe']['blas_detail'].get('sgemm_from', '?')}`"
                  + (f", OpenBLAS core type {c['probe']['blas_detail']['openblas_core']}"
                     if "openblas_core" in c["probe"]["blas_detail"] else "")
                  + "; environment: " + (", ".join(f"`{k}={v}`" for k, v in c["env"].items()
                                                   if k in TWEAKS or k == "LD_LIBRARY_PATH") or "unchanged")
                  + (", `OMP_NUM_THREADS`=thread count" if c["omp_threads"] else "")
                  for n, c in configs.items()]
    notes = [
        "seq/s = sequences per second (batch / median seconds per call). forward = inference "
        "(seqnet predict(), PyTorch eval() + inference_mode()); train = one step (forward in training mode, "
        "BCE with logits, backward, Adam).",
        "PyTorch columns: its better thread count; ratios compare seqnet at its better thread count with it.",
        f"seqnet GFLOP/s counts convolution and dense multiply-adds (Basset: 298.147 MFLOP per sequence; a "
        f"train step counts 3x); % of peak is against the measured FMA peak for the same thread count "
        f"({', '.join(f'{t}t: {peaks[t]:.1f}' for t in threads_list)} GFLOP/s).",
    ]
    inotes = [
        f"Basset, inference mode (BatchNorm running statistics), target = logit of task 0, {interpret_threads} "
        "thread(s). ms/seq = median seconds per call / sequences per call; ratios = PyTorch time / seqnet time. "
        "PyTorch ISM (both ISM rows: the same measurement) builds the 1,800 single-base mutants of the sequence "
        "and runs them batched (the batch size in brackets, the faster of "
        f"{TORCH_CANDIDATES['ism'][2]} in the first round) under inference_mode, minus the reference output; "
        f"PyTorch IG batches the path points ({TORCH_CANDIDATES['ig'][2]} per pass tried likewise); "
        "seqnet uses its defaults (ISM 128 mutants per pass, DeepLIFT 32 pairs, IG 64 points).",
    ]
    fast = results.get(("seqnet", INTERPRET_MODEL, "ism-fast", 1, interpret_threads))
    torch_ism = best_of([results.get((cfg, INTERPRET_MODEL, "ism", 1, interpret_threads))
                         for cfg in ("tuned", "as-installed")])
    if fast and torch_ism:
        ratio = torch_ism["median_s"] / fast["median_s"]
        inotes.append(f"Fast ISM vs PyTorch's naive batched ISM ({torch_ism['config']}, the faster configuration): "
                      f"{ratio:.1f}x (target: at least 10x — {'met' if ratio >= 10 else 'NOT met'}).")
    inotes += ["Agreement (checked before timing): " + agreement_note(r) for r in agreement]
    quick_note = ["**--quick run: few repetitions; rough figures for smoke-testing only.**"] if a.quick else []
    disturbed_note = ["* other processes used more than "
                      f"{FOREIGN_LIMIT} cores during this measurement even after {RETRIES} repeats."] if disturbed else []
    notes = quick_note + notes + disturbed_note
    if not run_models:
        inotes = quick_note + inotes + disturbed_note

    log("")
    if run_models:
        log(text_table(head, rows))
        for n in notes:
            log("  " + n)
    if run_interpret:
        if run_models:
            log("")
        log(text_table(ihead, irows))
        for n in inotes:
            log("  " + n)

    os.makedirs(RESULTS, exist_ok=True)
    torch_version = next(iter(configs.values()))["probe"]["torch"] if configs else "not available"
    md = [f"# seqnet vs PyTorch — {started.strftime('%Y-%m-%d %H:%M UTC')}", "",
          f"- command: `{command}`" + (" (quick)" if a.quick else ""),
          f"- CPU: {cpu}, {cores} cores; measured FP32 peak "
          + ", ".join(f"{peaks[t]:.1f} GFLOP/s at {t} thread{'s' if t > 1 else ''}" for t in threads_list),
          f"- PyTorch {torch_version} (Debian python3-torch); default intra-op threads "
          f"{torch_default_threads}; interop threads set to 1"] + blas_lines + [""]
    if run_models:
        md += [markdown(head, rows), ""] + [f"- {n}" for n in notes] + [""]
    if run_interpret:
        md += ["## Interpretation (Basset)", "", markdown(ihead, irows), ""] + [f"- {n}" for n in inotes] + [""]
    md += ["## All measurements", "", markdown(dhead, drows), "",
           "CPU busy: the PyTorch process's CPU seconds per wall second while timing. Other load: cores used "
           "by other processes during the run (a run above "
           f"{FOREIGN_LIMIT} is repeated up to {RETRIES} times).", ""]
    if jit_records:
        md += ["## PyTorch forward with torch.jit.trace + torch.jit.freeze (tuned)", "",
               markdown(["model", "batch", "threads", "seq/s", "eager seq/s"],
                        [[r["model"], str(r["batch"]), str(r["threads"]), fmt_rate(r["seq_per_s"]),
                          fmt_rate((results.get(("tuned", r["model"], "forward", r["batch"], r["threads"]))
                                    or {}).get("seq_per_s"))] for r in jit_records]), ""]
    # A smoke test never overwrites the last real figures; an interpretation-only run has files of its own.
    stem = ("quick" if a.quick else "latest") + ("-interpret" if a.cases == "interpret" else "")
    with open(os.path.join(RESULTS, stem + ".md"), "w") as f:
        f.write("\n".join(md))
    with open(os.path.join(RESULTS, stem + ".json"), "w") as f:
        json.dump({
            "command": command, "date": started.isoformat(), "quick": a.quick, "cases": a.cases, "cpu": cpu,
            "cores": cores, "peaks": peak_records, "torch": torch_version,
            "torch_default_threads": torch_default_threads,
            "configs": {n: {"probe": c["probe"],
                            "env": {k: v for k, v in c["env"].items() if k in TWEAKS or k == "LD_LIBRARY_PATH"},
                            "omp_num_threads_per_run": c["omp_threads"]} for n, c in configs.items()},
            "alternatives": {"libblas.so.3": alternatives(f"libblas.so.3-{MULTIARCH}"),
                             "liblapack.so.3": alternatives(f"liblapack.so.3-{MULTIARCH}")},
            "records": [r for r in results.values() if r] + jit_records,
            "agreement": agreement,
        }, f, indent=1)
    log(f"\nwrote {os.path.relpath(os.path.join(RESULTS, stem + '.md'), ROOT)} and {stem}.json")


if __name__ == "__main__":
    main()
