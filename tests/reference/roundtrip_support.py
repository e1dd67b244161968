"""Helpers shared by cli_roundtrip.py and danq_roundtrip.py, the end-to-end comparisons of the seqnet
command-line tool with PyTorch: test sequences, FASTA, running the tool, reading its model file and
its `predict` TSV, and comparing values within TOL.

Imports numpy and torch: each script imports this module only after checking that both are installed
(exit status 77 otherwise).
"""

import importlib.util
import json
import math
import re
import struct
import subprocess

import numpy as np
import torch

TOL = 1e-5  # both scripts' tolerance: see their docstrings for the error measures


class Checker:
    def __init__(self):
        self.failures = []

    def fail(self, message):
        self.failures.append(message)
        print("FAIL " + message)

    def ok(self, message):
        print("ok   " + message)


# ---- sequences ------------------------------------------------------------------------------------

def random_sequences(rng, n, length):
    """n random sequences, named seq0, seq1, ...: every fourth (from the second) with a lowercase
    stretch of 10-40% of its length, every third (from the first) with one N or n, and the last with
    a run of 12 Ns."""
    seqs = []
    for i in range(n):
        s = [rng.choice("ACGT") for _ in range(length)]
        if i % 4 == 1:
            span = rng.randint(length // 10, 2 * length // 5)
            start = rng.randint(0, length - span)
            s[start:start + span] = [c.lower() for c in s[start:start + span]]
        if i % 3 == 0:
            s[rng.randrange(length)] = rng.choice("Nn")
        if i == n - 1:
            start = rng.randint(0, length - 12)
            s[start:start + 12] = "N" * 12
        seqs.append("".join(s))
    return [f"seq{i}" for i in range(n)], seqs


def one_hot(seqs, lowercase=True, n_value=0.0):
    """(N, 4, L) float64 torch tensor, channels A, C, G, T, either case. Anything else (N) is
    `n_value` in every channel (seqnet: 0). With lowercase=False, lowercase letters read as N: the
    wrong readings of cli_roundtrip.py's discrimination check."""
    x = np.zeros((len(seqs), 4, len(seqs[0])))
    for i, s in enumerate(seqs):
        for j, c in enumerate(s):
            if c in "ACGT" or (lowercase and c in "acgt"):
                x[i, "ACGT".index(c.upper()), j] = 1.0
            else:
                x[i, :, j] = n_value
    return torch.from_numpy(x)


def write_fasta(path, names, seqs, width=60):
    with open(path, "w") as f:
        for name, s in zip(names, seqs):
            f.write(f">{name}\n")
            for k in range(0, len(s), width):
                f.write(s[k:k + width] + "\n")


# ---- the command-line tool and its outputs --------------------------------------------------------

def run_command(checker, cmd, timeout=300):
    """(stdout, stderr) of `cmd`, or None after reporting its failure."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        checker.fail(f"{' '.join(cmd)}: {e}")
        return None
    if proc.returncode != 0:
        checker.fail(f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stderr.strip()}")
        return None
    return proc.stdout, proc.stderr


def read_model_file(path):
    """(tensors, metadata, header size) of a safetensors file, parsed here independently of seqnet
    and the exporter. Tensors must be F32 and fill the data section back to back."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = memoryview(raw)[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors, end = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, stop = info["data_offsets"]
        if info["dtype"] != "F32":
            raise ValueError(f"{name} is {info['dtype']}, not F32")
        if begin != end:
            raise ValueError(f"{name} starts at byte {begin} of the data, expected {end}")
        shape = tuple(info["shape"])
        if stop - begin != 4 * math.prod(shape):
            raise ValueError(f"{name}: {stop - begin} bytes for shape {shape}")
        tensors[name] = np.frombuffer(data[begin:stop], "<f4").reshape(shape)
        end = stop
    if end != len(data):
        raise ValueError(f"{len(data) - end} bytes after the last tensor")
    return tensors, metadata, n


def check_tensors(checker, path, tensors, state, source):
    """The model file's `tensors` are those of `state` (name -> numpy array), no more, no fewer, each
    bit-exact; `source` names `state` in the failure messages."""
    if sorted(tensors) != sorted(state):
        checker.fail(f"{path}: tensors {sorted(tensors)}, expected {sorted(state)}")
    for name in sorted(set(tensors) & set(state)):
        if tensors[name].shape != state[name].shape or not np.array_equal(tensors[name], state[name]):
            checker.fail(f"{path}: {name} differs from {source}")


def parse_predictions(checker, label, text, names, tasks, brief_header=False):
    """The values of seqnet predict's TSV as an (N, tasks) array, or None after reporting what is
    wrong with it. brief_header: a wrong header is reported by its first 80 characters and the number
    of tasks (for models with hundreds of tasks), not in full."""
    lines = text.rstrip("\n").split("\n")
    header = lines[0].split("\t")
    if header != ["name"] + tasks:
        if brief_header:
            return checker.fail(f"{label}: header {lines[0][:80]!r}..., expected name and {len(tasks)} tasks")
        return checker.fail(f"{label}: header {header}, expected {['name'] + tasks}")
    rows = [line.split("\t") for line in lines[1:]]
    if [r[0] for r in rows] != names:
        return checker.fail(f"{label}: {len(rows)} rows named {[r[0] for r in rows][:5]}..., expected "
                            f"{len(names)} rows {names[:5]}... in FASTA order")
    bad = [r for r in rows if len(r) != 1 + len(tasks)]
    if bad:
        return checker.fail(f"{label}: row {bad[0][0]} has {len(bad[0]) - 1} values for {len(tasks)} tasks")
    try:
        values = np.array([[float(v) for v in r[1:]] for r in rows], np.float64)
    except ValueError as e:
        return checker.fail(f"{label}: {e}")
    mantissas = [re.split("[eE]", v)[0] for r in rows for v in r[1:]]
    digits = [len(re.sub(r"[^0-9]", "", m).lstrip("0")) for m in mantissas]
    if sum(d >= 8 for d in digits) < 0.9 * len(digits):
        checker.fail(f"{label}: values printed with too few digits (e.g. {rows[0][1]!r}); float32 needs 9")
    return values


def compare(checker, label, actual, expected, scale, names, tasks, seqs=None):
    """max |actual - expected| / scale <= TOL, or a report of the worst value (with `seqs`, also the
    sequence it belongs to)."""
    err = np.abs(actual - expected) / scale
    err[~np.isfinite(err)] = math.inf
    i, t = (int(k) for k in np.unravel_index(np.argmax(err), err.shape))
    if not err.max() <= TOL:
        message = (f"{label}: max relative error {err.max():.3g} > {TOL:g} at {names[i]} {tasks[t]}: "
                   f"seqnet {actual[i, t]!r}, PyTorch {expected[i, t]!r}")
        if seqs is not None:
            message += f"\n  {names[i]} = {seqs[i]}"
        return checker.fail(message)
    checker.ok(f"{label}: max relative error {err.max():.2e} over {err.size} values")


def load_exporter(path):
    """examples/python/export_pytorch.py as a module, from its path."""
    spec = importlib.util.spec_from_file_location("export_pytorch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
