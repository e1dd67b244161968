#!/usr/bin/env python3
"""A DanQ-style model (Quang & Xie 2016) end to end through the seqnet command-line tool, against a
PyTorch reference built with nn.LSTM.

    danq_roundtrip.py --seqnet <seqnet CLI> --workdir <dir> [--full]

The PyTorch model (class DanQ below): Conv1d -> ReLU -> MaxPool1d(13, 13) -> Dropout -> nn.LSTM
(bidirectional, batch_first) over the pooled positions -> flatten -> Linear -> ReLU -> Linear
(-> sigmoid). By default a reduced DanQ that runs in seconds (300 bp, conv 32 x 26, pool 13, 24 hidden
units per direction, dense 64, 12 tasks; 32 sequences); with --full the published sizes (1000 bp,
conv 320 x 26, pool 13, BiLSTM 320, dense 925, 919 tasks; 4 sequences), where `seqnet import` must also
report PyTorch's parameter count, 46,929,039 (docs/zoo.md: both LSTM bias vectors counted, as PyTorch
does). The paper's second dropout (0.5, after the LSTM) is left out: like every dropout it does nothing
at inference.

Bringing a DanQ over from PyTorch: the one thing to do by hand
---------------------------------------------------------------
seqnet's spec for this model is

    conv1d F x K, relu, maxpool 13, dropout, bilstm H (named "lstm"), flatten, dense U, relu, dense tasks, sigmoid

and `seqnet import` takes the state_dict by name: the conv as "0.*", the LSTM with nn.LSTM's own names
under the layer's "name" ("lstm.weight_ih_l0", "lstm.bias_hh_l0_reverse", ...: same layouts, same gate
order i, f, g, o), the dense layers as "6.*" and "8.*" (their indices in the spec). All of these go over
unchanged -- except the first dense layer's weight, whose columns must be permuted:

  * PyTorch's LSTM output is (N, L', 2H), position-major, so `out.flatten(1)` puts feature c of pooled
    position l at column l * 2H + c of fc1.weight (c < H: forward direction, c >= H: backward).
  * seqnet's bilstm outputs (2H, L') per sequence, channel-major like every seqnet layer (channels
    0..H-1 forward, H..2H-1 backward), and its flatten puts the same value at column c * L' + l.

So  W_seqnet[u, c * L' + l] = W_torch[u, l * 2H + c],  in PyTorch:

    U = fc1.weight.shape[0]
    w = fc1.weight.reshape(U, L', 2 * H).permute(0, 2, 1).reshape(U, 2 * H * L')

(see seqnet_state_dict below). Skip it and every shape still matches -- `seqnet import` cannot notice
-- but the predictions are wrong; this script checks that they would be. A Keras DanQ flattens its
(L', 2H) LSTM output position-major too, so the same permutation applies to its first dense layer (its
LSTM weights need converting separately, and Keras 1's hard-sigmoid gates are not reproduced: see
docs/zoo.md).

What the script does
--------------------
Weights drawn in float32 from a fixed torch seed: the convolution N(0, (1.5 / sqrt(K))^2) (a one-hot
input has K active values per window), so that the pooled features the LSTM reads are O(1) and differ
between sequences; the LSTM at nn.LSTM's default init; fc1 N(0, (1.5 / sqrt(fan_in))^2) and fc2 at half
that gain; biases N(0, 0.1^2); then fc2's bias is shifted so that every task's mean logit over the test
sequences is 0 (probabilities spread around 0.5). model.eval(). Sequences: seeded uniform A/C/G/T, some
with a lowercase stretch, some with one N, the last with a run of 12 Ns, written as FASTA (seqnet encodes
N as an all-zero column; so does the reference).

The state_dict (fc1's weight permuted, keys renamed: conv.* -> 0.*, lstm.* -> lstm.*, fc1.* -> 6.*,
fc2.* -> 8.*) is saved with np.savez, the spec as JSON; `seqnet import` makes the model file, which is
read back (every tensor bit-exact, the spec's layers and tasks); then `seqnet predict --logits` (--batch
10 --threads 2 by default, so that the last batch is partial and the LSTM's per-sequence work is split
between threads) and plain `seqnet predict` (the model ends in sigmoid: seqnet's own output) are
compared with PyTorch computed in float64 on the same float32 weights (model.double()), so the measured
error is seqnet's own.

Error measures and tolerances (those of cli_roundtrip.py):
  logits         |seqnet - torch| / (sum of |terms| of the last dense layer, |W| |h| + |b| in float64)
                 <= 1e-5: immune to cancellation in a logit near 0. PyTorch's own float32 forward stays
                 below 4e-7 on both models (printed for comparison): the LSTM's 21 (or 75) recurrent
                 steps add little, since its gates are bounded and the forget gate damps old rounding.
                 An importer mistake moves the logits by 1e-2 to 1 of their |terms| (checked, see below).
  probabilities  |seqnet - torch| / |torch| <= 1e-5. A probability's relative error is at most its
                 logit's absolute error (dp / p = (1 - p) dx); the half-gain last layer keeps the sums of
                 |terms| small (printed) so that float32 meets this with margin.
The TSV must carry at least 8 significant digits for 90% of the values.

The test must be able to fail: the reference is also evaluated, in float64, with a hand-written LSTM
(first checked to agree with nn.LSTM to 1e-12) for each mistake an importer could make -- fc1 not
permuted, the two directions' output channels swapped, the backward direction not reversed, gates in
TensorFlow's order i, g, f, o, bias_hh ignored (Keras has one bias), hard-sigmoid gates (Keras 1) -- and
each must move some logit by more than 100x the tolerance (relative to its |terms|).

Exit status: 0 all agree, 1 a disagreement or a failure, 77 torch or numpy is not installed (CTest
reports the test as skipped).

The sequences, FASTA, running seqnet, reading its model file and TSV, and the comparison within the
tolerance are shared with cli_roundtrip.py, in roundtrip_support.py beside this script.
"""

import time

_START = time.monotonic()  # the run time printed at the end includes importing torch

import argparse
import json
import math
import os
import random
import re
import shutil
import sys

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"SKIP: python3-torch or numpy not installed ({e})")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # roundtrip_support.py, beside this script
from roundtrip_support import (TOL, Checker, check_tensors, compare, one_hot, parse_predictions,  # noqa: E402
                               random_sequences, read_model_file, run_command, write_fasta)

COMMAND_TIMEOUT = 600  # seconds each seqnet command may take (--full: 46.9M parameters, 190 MB files)
DISCRIMINATION = 100 * TOL  # every importer mistake must move some logit this much (of its |terms|)
SEED = 20160415
PUBLISHED_PARAMETERS = 46_929_039  # docs/zoo.md, PyTorch's LSTM layout (two biases per direction)

# length, filters, kernel, pool, hidden per direction, fc1 units, tasks, sequences, --batch
REDUCED = dict(length=300, filters=32, kernel=26, pool=13, hidden=24, units=64, tasks=12, sequences=32, batch=10)
FULL = dict(length=1000, filters=320, kernel=26, pool=13, hidden=320, units=925, tasks=919, sequences=4, batch=3)

SPEC_TYPES = ["conv1d", "relu", "maxpool", "dropout", "bilstm", "flatten", "dense", "relu", "dense", "sigmoid"]


# ---- the model ------------------------------------------------------------------------------------

class DanQ(nn.Module):
    def __init__(self, length, filters, kernel, pool, hidden, units, tasks, dropout=0.2):
        super().__init__()
        self.conv = nn.Conv1d(4, filters, kernel)
        self.pool = nn.MaxPool1d(pool, pool)
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(filters, hidden, batch_first=True, bidirectional=True)
        self.positions = (length - kernel + 1) // pool  # L'
        self.fc1 = nn.Linear(self.positions * 2 * hidden, units)
        self.fc2 = nn.Linear(units, tasks)

    def features(self, x):
        """(N, 4, L) one-hot -> the LSTM's input, (N, L', F)."""
        return self.dropout(self.pool(torch.relu(self.conv(x)))).permute(0, 2, 1)

    def head(self, out):
        """LSTM output (N, L', 2H) -> logits: flattened position-major, index l * 2H + c."""
        return self.fc2(torch.relu(self.fc1(out.flatten(1))))

    def forward(self, x):  # logits; the spec's final sigmoid is applied outside
        out, _ = self.lstm(self.features(x))
        return self.head(out)


def spec_of(cfg, tasks):
    return {"input_length": cfg["length"], "tasks": tasks, "layers": [
        {"type": "conv1d", "filters": cfg["filters"], "kernel": cfg["kernel"]},
        {"type": "relu"},
        {"type": "maxpool", "size": cfg["pool"]},
        {"type": "dropout", "p": 0.2},
        {"type": "bilstm", "hidden": cfg["hidden"], "name": "lstm"},
        {"type": "flatten"},
        {"type": "dense", "units": cfg["units"]},
        {"type": "relu"},
        {"type": "dense", "units": "tasks"},
        {"type": "sigmoid"}]}


def seqnet_state_dict(model):
    """The state_dict under the spec's names, as float32 numpy arrays, with fc1's weight permuted from
    PyTorch's position-major flatten (column l * 2H + c) to seqnet's channel-major one (c * L' + l)."""
    U, L, H2 = model.fc1.out_features, model.positions, 2 * model.lstm.hidden_size
    fc1 = model.fc1.weight.detach().reshape(U, L, H2).permute(0, 2, 1).reshape(U, H2 * L)
    out = {}
    for key, value in model.state_dict().items():
        module, _, param = key.partition(".")
        if key == "fc1.weight":
            value = fc1
        name = {"conv": "0", "lstm": "lstm", "fc1": "6", "fc2": "8"}[module] + "." + param
        out[name] = np.ascontiguousarray(value.detach().numpy().astype(np.float32))
    return out


def randomize(model, x):
    """See the module docstring. The LSTM keeps nn.LSTM's default init (drawn at construction)."""
    with torch.no_grad():
        K = model.conv.kernel_size[0]
        model.conv.weight.normal_(0, 1.5 / math.sqrt(K))
        model.conv.bias.normal_(0, 0.1)
        for m, gain in ((model.fc1, 1.5), (model.fc2, 0.5)):
            m.weight.normal_(0, gain / math.sqrt(m.in_features))
            m.bias.normal_(0, 0.1)
        model.eval()
        model.fc2.bias -= model(x).mean(dim=0)


# ---- the reference and its deliberately wrong variants --------------------------------------------

def hard_sigmoid(z):
    return torch.clamp(0.2 * z + 0.5, 0.0, 1.0)


def lstm_direction(x, w_ih, w_hh, b_ih, b_hh, reverse, gate=torch.sigmoid, order=(0, 1, 2, 3)):
    """One LSTM direction by hand: x (N, T, D) -> (N, T, H). `order` gives the row blocks read as
    i, f, g, o; `gate` is the gates' squashing function."""
    N, T, _ = x.shape
    H = w_hh.shape[1]
    proj = x @ w_ih.T + b_ih + b_hh
    h = x.new_zeros(N, H)
    c = x.new_zeros(N, H)
    out = x.new_zeros(N, T, H)
    for t in (reversed(range(T)) if reverse else range(T)):
        z = proj[:, t] + h @ w_hh.T
        zi, zf, zg, zo = (z[:, k * H:(k + 1) * H] for k in order)
        c = gate(zf) * c + gate(zi) * torch.tanh(zg)
        h = gate(zo) * torch.tanh(c)
        out[:, t] = h
    return out


def lstm_by_hand(lstm, x, reverse_backward=True, gate=torch.sigmoid, order=(0, 1, 2, 3), bias_hh=True):
    outs = []
    for suffix, reverse in (("", False), ("_reverse", reverse_backward)):
        p = {n: getattr(lstm, n + suffix) for n in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")}
        b_hh = p["bias_hh_l0"] if bias_hh else torch.zeros_like(p["bias_hh_l0"])
        outs.append(lstm_direction(x, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], b_hh, reverse,
                                   gate, order))
    return torch.cat(outs, dim=2)


def reference_outputs(model64, x):
    """PyTorch's float64 logits (nn.LSTM), probabilities and the sum of |terms| of each logit."""
    with torch.no_grad():
        out, _ = model64.lstm(model64.features(x))
        h = torch.relu(model64.fc1(out.flatten(1)))
        logits = model64.fc2(h)
        terms = h.abs() @ model64.fc2.weight.abs().T + model64.fc2.bias.abs()
    return out, logits.numpy(), torch.sigmoid(logits).numpy(), terms.numpy()


def check_design(checker, model64, x, lstm_out, logits, terms):
    """The hand-written LSTM agrees with nn.LSTM, and each importer mistake moves the logits by more
    than DISCRIMINATION: the comparison with seqnet can tell them apart."""
    with torch.no_grad():
        feats = model64.features(x)
        mine = lstm_by_hand(model64.lstm, feats)
        agree = (mine - lstm_out).abs().max().item()
        if not agree <= 1e-12:
            return checker.fail(f"test design: the hand-written LSTM differs from nn.LSTM by {agree:.3g}")
        checker.ok(f"test design: the hand-written LSTM agrees with nn.LSTM to {agree:.1e}")
        H = model64.lstm.hidden_size

        def unpermuted(out):  # seqnet's channel-major flatten against PyTorch's fc1 columns
            return model64.fc2(torch.relu(model64.fc1(out.permute(0, 2, 1).flatten(1))))

        variants = [
            ("fc1 weight not permuted", unpermuted(lstm_out)),
            ("LSTM directions swapped", model64.head(torch.cat([lstm_out[..., H:], lstm_out[..., :H]], dim=2))),
            ("backward direction not reversed", model64.head(lstm_by_hand(model64.lstm, feats, reverse_backward=False))),
            ("gates read as i, g, f, o", model64.head(lstm_by_hand(model64.lstm, feats, order=(0, 2, 1, 3)))),
            ("bias_hh ignored", model64.head(lstm_by_hand(model64.lstm, feats, bias_hh=False))),
            ("hard-sigmoid gates", model64.head(lstm_by_hand(model64.lstm, feats, gate=hard_sigmoid))),
        ]
    for what, wrong in variants:
        moved = (np.abs(wrong.numpy() - logits) / terms).max()
        if not moved > DISCRIMINATION:
            checker.fail(f"test design: {what} moves the logits by only {moved:.2g} of their |terms|")
        else:
            checker.ok(f"test design: {what} would move some logit by {moved:.2g} of its |terms|")


# ---- checks ---------------------------------------------------------------------------------------

def check_model_file(checker, path, state, tasks, length):
    try:
        tensors, metadata, _ = read_model_file(path)
        spec = json.loads(metadata.get("spec", ""))
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as e:
        return checker.fail(f"{path}: not a readable model file: {e}")
    failures = len(checker.failures)
    types = [layer.get("type") for layer in spec.get("layers", [])]
    if metadata.get("format") != "seqnet-model" or types != SPEC_TYPES:
        checker.fail(f"{path}: format {metadata.get('format')!r}, layers {types}")
    if spec.get("tasks") != tasks or spec.get("input_length") != length:
        checker.fail(f"{path}: spec has {len(spec.get('tasks', []))} tasks and length {spec.get('input_length')}")
    check_tensors(checker, path, tensors, state, "the saved weights")
    if len(checker.failures) == failures:
        checker.ok(f"{os.path.basename(path)}: spec and {len(tensors)} tensors bit-exact as saved")


def check_parameter_count(checker, stderr, expected, full):
    m = re.search(r"(\d+) parameters", stderr)
    if not m or int(m.group(1)) != expected:
        return checker.fail(f"seqnet import reports {m.group(1) if m else 'no'} parameters, PyTorch has "
                            f"{expected}:\n{stderr.strip()}")
    if full and expected != PUBLISHED_PARAMETERS:
        return checker.fail(f"PyTorch's DanQ has {expected} parameters, docs/zoo.md says {PUBLISHED_PARAMETERS}")
    checker.ok(f"seqnet import reports PyTorch's {expected:,} parameters")


# ---- main -----------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seqnet", required=True, help="path of the seqnet command-line tool")
    parser.add_argument("--workdir", required=True, help="scratch directory (one subdirectory per run)")
    parser.add_argument("--full", action="store_true", help="the published sizes (1000 bp, 919 tasks)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    checker = Checker()
    cfg = FULL if args.full else REDUCED
    label = "danq-full" if args.full else "danq-reduced"
    work = os.path.join(args.workdir, label)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    torch.manual_seed(SEED)
    model = DanQ(**{k: cfg[k] for k in ("length", "filters", "kernel", "pool", "hidden", "units", "tasks")})
    tasks = [f"task_{i}" for i in range(cfg["tasks"])]
    names, seqs = random_sequences(random.Random(SEED), cfg["sequences"], cfg["length"])
    x = one_hot(seqs)
    randomize(model, x.float())
    fasta = os.path.join(work, "sequences.fa")
    write_fasta(fasta, names, seqs)

    model64 = DanQ(**{k: cfg[k] for k in ("length", "filters", "kernel", "pool", "hidden", "units", "tasks")})
    model64.load_state_dict(model.state_dict())
    model64.double().eval()
    lstm_out, logits, probs, terms = reference_outputs(model64, x)
    with torch.no_grad():
        f32 = model(x.float()).double().numpy()
    params = sum(p.numel() for p in model.parameters())
    print(f"{label}: {cfg['length']} bp, conv {cfg['filters']}x{cfg['kernel']}, pool {cfg['pool']} -> "
          f"{model.positions} positions, BiLSTM {cfg['hidden']}, dense {cfg['units']}, {len(tasks)} tasks; "
          f"{params:,} parameters; {len(seqs)} sequences")
    print(f"  LSTM outputs: mean |h| {lstm_out.abs().mean():.3f}, std over sequences "
          f"{lstm_out.std(dim=0).mean():.3f}; logits in [{logits.min():.3g}, {logits.max():.3g}], sums of "
          f"|terms| up to {terms.max():.3g}; PyTorch float32 errors for comparison: logits "
          f"{(np.abs(f32 - logits) / terms).max():.2e}, probabilities "
          f"{(np.abs(1 / (1 + np.exp(-f32)) - probs) / probs).max():.2e}")
    check_design(checker, model64, x, lstm_out, logits, terms)
    del model64, lstm_out

    state = seqnet_state_dict(model)
    spec_path, weights, path = (os.path.join(work, f) for f in ("spec.json", "state_dict.npz", "model.safetensors"))
    with open(spec_path, "w") as f:
        json.dump(spec_of(cfg, tasks), f, indent=2)
    np.savez(weights, **state)
    result = run_command(checker, [args.seqnet, "import", "--spec", spec_path, "--weights", weights, "--out", path],
                         COMMAND_TIMEOUT)
    if result is not None:
        check_parameter_count(checker, result[1], params, args.full)
        check_model_file(checker, path, state, tasks, cfg["length"])
        for what, flags, expected, scale in (
                ("predict", [], probs, np.maximum(np.abs(probs), 1e-30)),
                ("predict --logits", ["--logits", "--batch", str(cfg["batch"]), "--threads", "2"], logits, terms)):
            result = run_command(checker, [args.seqnet, "predict", "--model", path, "--fasta", fasta] + flags,
                                 COMMAND_TIMEOUT)
            if result is None:
                continue
            values = parse_predictions(checker, what, result[0], names, tasks, brief_header=True)
            if values is not None:
                compare(checker, what, values, expected, scale, names, tasks)

    if args.full and not checker.failures:  # 190 MB each; kept for inspection when something failed
        for f in (weights, path):
            os.remove(f)
    print(f"{label}: {len(checker.failures)} failures, {time.monotonic() - _START:.1f} s")
    for f in checker.failures:
        print("  " + f.split("\n")[0])
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
