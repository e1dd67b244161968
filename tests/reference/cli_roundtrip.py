#!/usr/bin/env python3
"""The seqnet command-line tool end to end, against PyTorch.

    cli_roundtrip.py --seqnet <seqnet CLI> --exporter <examples/python/export_pytorch.py> --workdir <dir>
                     --model deepbind|basset --route export|import-safetensors|import-npz

Builds a model in PyTorch from a fixed seed (DeepBind-style: conv, global max pool, two dense layers;
or Basset-style at reduced width: three conv/BatchNorm/pool blocks and three dense layers, BatchNorm
with random running statistics), turns it into a seqnet model file by one route, then runs
`seqnet predict` on 64 random sequences and compares its TSV with PyTorch:

  export              export_pytorch.export(); the file is read back byte by byte (format, spec,
                      bit-exact float32 tensors), and export_pytorch.py's command line on the pickled
                      model must write the same bytes
  import-safetensors  spec_of() to SPEC.json, the state_dict (num_batches_tracked included, as I64) with
                      write_safetensors(), then `seqnet import --spec --weights --out`
  import-npz          the same with np.savez_compressed (num_batches_tracked as int64)

Both import routes read seqnet's model file back too: every parameter and running statistic
bit-exact, no num_batches_tracked, the spec's tasks, length and layer types. Then `seqnet predict`
(default: probabilities; and --logits with --batch 10 --threads 2, so that the last batch is partial)
must print the header "name<TAB>task..." and one row per FASTA record in file order, and `seqnet info`
must mention PyTorch's parameter count (sum of p.numel()). Exit status: 0 all agree, 1 a disagreement
or a failure, 77 torch or numpy is not installed (CTest reports the test as skipped).

Sequences: uniform random A/C/G/T, some with a soft-masked (lowercase) stretch, some with one N and one
with a run of Ns, written as FASTA wrapped at 60 columns. seqnet encodes N as an all-zero column; the
PyTorch side does the same. The script checks that these sequences matter: read the wrong way
(lowercase as N, N as 0.25 in every channel), the PyTorch outputs move by far more than the tolerance.

The weights are drawn in float32, so they reach both frameworks exactly, and PyTorch computes the
reference in float64 from those values (model.double()): the measured error is seqnet's own.

Error measures and tolerances:
  logits         |seqnet - torch| / (sum of |terms| of the last dense layer, |W| |h| + |b| in float64)
                 <= 1e-5, the measure of torch_reference.py's "terms": immune to cancellation in a
                 logit near 0. PyTorch's own float32 forward stays below 4e-7 on these models (printed
                 for comparison), so 1e-5 leaves room for seqnet's summation order and BatchNorm
                 folding, and is still 100x below the effect of a wrong weight, channel order, window
                 or N encoding.
  probabilities  |seqnet - torch| / |torch| <= 1e-5, plain relative error. Since dp / p = (1 - p) dx,
                 a probability's relative error is at most its logit's absolute error, which float32
                 bounds only relative to the sum of |terms|: 1e-5 holds with margin because the last
                 layer is initialised at half gain, keeping that sum below ~13 (PyTorch float32:
                 ~1e-6). A model whose logits add up hundreds of large terms cannot meet a plain
                 relative 1e-5 on small probabilities in float32, seqnet or PyTorch.
The TSV must also carry enough digits: at least 90% of the values with 8 or more significant digits
(float32 needs up to 9 to round-trip; a 6-digit %g would lose up to 5e-6 and hide inside the tolerance).

The sequences, FASTA, running seqnet, reading its model file and TSV, and the comparison within the
tolerance are shared with danq_roundtrip.py, in roundtrip_support.py beside this script.
"""

import argparse
import copy
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
from roundtrip_support import (TOL, Checker, check_tensors, compare, load_exporter, one_hot,  # noqa: E402
                               parse_predictions, random_sequences, read_model_file, run_command, write_fasta)

N_SEQUENCES = 64
SEED = 20240611
DISCRIMINATION = 100 * TOL  # reading lowercase or N the wrong way must move some logit this much


# ---- the models -----------------------------------------------------------------------------------

def deepbind():
    model = nn.Sequential(
        nn.Conv1d(4, 16, 24), nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(),
        nn.Linear(16, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 1))
    types = ["conv1d", "relu", "global_maxpool", "flatten", "dense", "relu", "dropout", "dense"]
    return model, 101, ["bound"], types


def basset():
    # 600 -> conv 19: 582 -> pool 3: 194 -> conv 11: 184 -> pool 4: 46 -> conv 7: 40 -> pool 4: 10,
    # so the flattened size is 20 * 10 = 200.
    model = nn.Sequential(
        nn.Conv1d(4, 30, 19), nn.BatchNorm1d(30), nn.ReLU(), nn.MaxPool1d(3),
        nn.Conv1d(30, 20, 11), nn.BatchNorm1d(20), nn.ReLU(), nn.MaxPool1d(4),
        nn.Conv1d(20, 20, 7), nn.BatchNorm1d(20), nn.ReLU(), nn.MaxPool1d(4),
        nn.Flatten(),
        nn.Linear(200, 100), nn.BatchNorm1d(100), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(100, 100), nn.BatchNorm1d(100), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(100, 12))
    block = ["conv1d", "batchnorm", "relu", "maxpool"]
    dense = ["dense", "batchnorm", "relu", "dropout"]
    types = block * 3 + ["flatten"] + dense * 2 + ["dense"]
    return model, 600, [f"task_{i}" for i in range(12)], types


MODELS = {"deepbind": deepbind, "basset": basset}


def randomize(model, x):
    """Weights N(0, (1.5 / sqrt(fan_in))^2), counting only the 1-of-4 active inputs of the first
    convolution, so that activations stay O(1) and vary from sequence to sequence; the last layer at
    half gain (see the probability tolerance); biases N(0, 0.1^2). BatchNorm: weight U(0.5, 1.5),
    bias N(0, 0.2^2), running_mean N(0, 0.5^2), running_var U(0.5, 2). Finally the last bias is
    shifted so that every task's mean logit over the sequences `x` is 0: probabilities spread around
    0.5 instead of saturating."""
    linear = [m for m in model if isinstance(m, (nn.Conv1d, nn.Linear))]
    with torch.no_grad():
        for m in model:
            if isinstance(m, (nn.Conv1d, nn.Linear)):
                fan_in = m.weight[0].numel() // (4 if m is linear[0] else 1)
                gain = 0.5 if m is linear[-1] else 1.5
                m.weight.normal_(0, gain / math.sqrt(fan_in))
                m.bias.normal_(0, 0.1)
            elif isinstance(m, nn.BatchNorm1d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(1000)
        model.eval()
        linear[-1].bias -= model(x).mean(dim=0)


# ---- model files ----------------------------------------------------------------------------------

def check_model_file(checker, path, model, spec_types, length, tasks, expected_spec=None):
    """The model file holds the model's state_dict (float32, bit-exact, without num_batches_tracked)
    and a spec with its tasks, input length and layer types."""
    try:
        tensors, metadata, n = read_model_file(path)
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as e:
        return checker.fail(f"{path}: not a readable model file: {e}")
    failures = len(checker.failures)
    if n % 8:
        checker.fail(f"{path}: header of {n} bytes, not padded to a multiple of 8")
    if metadata.get("format") != "seqnet-model":
        checker.fail(f"{path}: __metadata__.format is {metadata.get('format')!r}, not 'seqnet-model'")
    try:
        spec = json.loads(metadata.get("spec", ""))
    except json.JSONDecodeError as e:
        return checker.fail(f"{path}: __metadata__.spec is not JSON: {e}")
    if expected_spec is not None and spec != expected_spec:
        checker.fail(f"{path}: the stored spec differs from spec_of(model):\n  {spec}\n  {expected_spec}")
    if spec.get("tasks") != tasks or spec.get("input_length") != length:
        checker.fail(f"{path}: spec has tasks {spec.get('tasks')} and length {spec.get('input_length')}")
    types = [layer.get("type") for layer in spec.get("layers", [])]
    if types != spec_types:
        checker.fail(f"{path}: spec layers {types}, expected {spec_types}")
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()
             if not k.endswith("num_batches_tracked")}
    check_tensors(checker, path, tensors, state, "the state_dict")
    if len(checker.failures) == failures:
        checker.ok(f"{os.path.basename(path)}: spec and {len(tensors)} tensors as in the state_dict")


def make_model_file(checker, route, exporter, model, length, tasks, spec_types, work):
    """The seqnet model file of `model` by `route`; None if that failed."""
    path = os.path.join(work, "model.safetensors")
    spec = exporter.spec_of(model, length, tasks)
    state = model.state_dict()
    if route == "export":
        exporter.export(model, path, length, tasks)
        check_model_file(checker, path, model, spec_types, length, tasks, expected_spec=spec)
        # The command line on the pickled model must write the same bytes.
        pickled, again, spec_path = (os.path.join(work, f) for f in ("model.pt", "again.safetensors",
                                                                   "spec-only.json"))
        torch.save(model, pickled)
        cmd = [sys.executable, ARGS.exporter, pickled, "--input-length", str(length),
               "--tasks", ",".join(tasks), "--out", again, "--spec-only", spec_path]
        if run_command(checker, cmd) is not None:
            with open(path, "rb") as a, open(again, "rb") as b:
                same_file = a.read() == b.read()
            with open(spec_path) as f:
                same_spec = json.load(f) == spec
            if not same_file:
                checker.fail("export_pytorch.py's command line wrote a different file than export()")
            if not same_spec:
                checker.fail("export_pytorch.py --spec-only wrote a different spec than spec_of()")
            if same_file and same_spec:
                checker.ok("export_pytorch.py's command line writes the same file and spec")
        return path
    spec_path = os.path.join(work, "spec.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f, indent=2)
    if route == "import-safetensors":
        weights = os.path.join(work, "state_dict.safetensors")
        exporter.write_safetensors(weights, state)  # num_batches_tracked stays int64 (I64)
    else:
        weights = os.path.join(work, "state_dict.npz")
        np.savez_compressed(weights, **{k: v.numpy() for k, v in state.items()})
    if run_command(checker, [ARGS.seqnet, "import", "--spec", spec_path, "--weights", weights,
                             "--out", path]) is None:
        return None
    check_model_file(checker, path, model, spec_types, length, tasks)
    return path


# ---- the reference and the checks ----------------------------------------------------------------

def reference_outputs(model, x):
    """PyTorch's float64 logits, probabilities and the sum of |terms| of each logit (the last layer,
    a Linear, on absolute values) for one-hot float64 input x."""
    model64 = copy.deepcopy(model).double()
    with torch.no_grad():
        h = model64[:-1](x)
        last = model64[-1]
        logits = last(h)
        terms = h.abs() @ last.weight.abs().T + last.bias.abs()
    return logits.numpy(), torch.sigmoid(logits).numpy(), terms.numpy()


def check_discrimination(checker, model, seqs, terms):
    """Reading the lowercase letters as N, or N as 0.25 per channel, must change some logit by more
    than DISCRIMINATION (in the logits' error measure, 100x the tolerance), so that the comparison
    proves both are read as seqnet documents."""
    model64 = copy.deepcopy(model).double()
    with torch.no_grad():
        right = model64(one_hot(seqs)).numpy()
        for what, x in (("lowercase read as N", one_hot(seqs, lowercase=False)),
                        ("N read as 0.25", one_hot(seqs, n_value=0.25))):
            moved = (np.abs(model64(x).numpy() - right) / terms).max()
            if not moved > DISCRIMINATION:
                checker.fail(f"test design: {what} moves the logits by only {moved:.2g}")
            else:
                checker.ok(f"test design: {what} would move some logit by {moved:.2g} of its |terms|")


def check_info(checker, path, model):
    params = sum(p.numel() for p in model.parameters())
    result = run_command(checker, [ARGS.seqnet, "info", path])
    if result is None:
        return
    text = result[0]
    plain = re.sub(r"(?<=\d)[,_' \u2009\u202f](?=\d{3}(?!\d))", "", text)  # 12,345 or 12 345 -> 12345
    if not re.search(rf"(?<!\d){params}(?!\d)", plain):
        return checker.fail(f"seqnet info does not mention the parameter count {params}:\n{text}")
    checker.ok(f"seqnet info reports {params} parameters")


# ---- main -----------------------------------------------------------------------------------------

def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seqnet", required=True, help="path of the seqnet command-line tool")
    parser.add_argument("--exporter", required=True, help="path of examples/python/export_pytorch.py")
    parser.add_argument("--workdir", required=True, help="scratch directory (one subdirectory per run)")
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--route", choices=["export", "import-safetensors", "import-npz"], required=True)
    ARGS = parser.parse_args()
    torch.set_num_threads(1)
    checker = Checker()
    work = os.path.join(ARGS.workdir, f"cli-{ARGS.model}-{ARGS.route}")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    exporter = load_exporter(ARGS.exporter)
    torch.manual_seed(SEED)
    model, length, tasks, spec_types = MODELS[ARGS.model]()
    names, seqs = random_sequences(random.Random(SEED), N_SEQUENCES, length)
    x = one_hot(seqs)
    randomize(model, x.float())
    fasta = os.path.join(work, "sequences.fa")
    write_fasta(fasta, names, seqs)

    logits, probs, terms = reference_outputs(model, x)
    with torch.no_grad():
        f32 = model(x.float()).double().numpy()
    print(f"{ARGS.model}: {len(tasks)} tasks, logits in [{logits.min():.3g}, {logits.max():.3g}], "
          f"sums of |terms| up to {terms.max():.3g}; PyTorch float32 errors for comparison: logits "
          f"{(np.abs(f32 - logits) / terms).max():.2e}, probabilities "
          f"{(np.abs(1 / (1 + np.exp(-f32)) - probs) / probs).max():.2e}")
    check_discrimination(checker, model, seqs, terms)

    try:
        path = make_model_file(checker, ARGS.route, exporter, model, length, tasks, spec_types, work)
    except (OSError, ValueError) as e:
        path = checker.fail(f"making the model file by {ARGS.route}: {e}")
    if path is not None:
        for label, flags, expected, scale in (
                ("predict", [], probs, np.maximum(np.abs(probs), 1e-30)),
                ("predict --logits", ["--logits", "--batch", "10", "--threads", "2"], logits, terms)):
            result = run_command(checker, [ARGS.seqnet, "predict", "--model", path, "--fasta", fasta] + flags)
            if result is None:
                continue
            values = parse_predictions(checker, label, result[0], names, tasks)
            if values is not None:
                compare(checker, label, values, expected, scale, names, tasks, seqs=seqs)
        check_info(checker, path, model)

    print(f"{ARGS.model} via {ARGS.route}: {len(checker.failures)} failures")
    for f in checker.failures:
        print("  " + f.split("\n")[0])
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
