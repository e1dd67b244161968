#!/usr/bin/env python3
"""Checks of examples/python/export_pytorch.py that need no seqnet binary.

    export_pytorch_test.py --exporter <examples/python/export_pytorch.py> --workdir <dir>

  spec        spec_of on models using every supported module and setting: one spec compared with a
              hand-written one, and for all of them the shapes of walk() (seqnet's view) against the
              shapes PyTorch's forward actually produces, layer by layer
  rejections  unsupported modules and settings raise ValueError naming the layer and the problem
  tensors     model_tensors: missing, extra and misshapen tensors are errors, num_batches_tracked is not
  safetensors write_safetensors / read_safetensors round trip (F64 and F16 become F32, I64 and BOOL
              stay), header padded with spaces to a multiple of 8, a BF16 file written by hand
  export      export() and the command line (pickled model, --spec-only, a state_dict is refused)

Exit status: 0 all pass, 1 a failure, 77 torch or numpy is not installed (CTest: skipped).
"""

import argparse
import contextlib
import importlib.util
import io
import json
import os
import shutil
import struct
import sys

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"SKIP: python3-torch or numpy not installed ({e})")
    sys.exit(77)

FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL " + message)
    return condition


def expect_error(fn, fragment, what):
    try:
        fn()
    except ValueError as e:
        return check(fragment in str(e), f"{what}: message {str(e)!r} lacks {fragment!r}")
    return check(False, f"{what}: no ValueError")


# ---- spec -----------------------------------------------------------------------------------------

def models():
    """(model, input_length, n_tasks) covering every module and setting spec_of accepts."""
    return [
        (nn.Sequential(nn.Conv1d(4, 8, 5, padding="same"), nn.BatchNorm1d(8), nn.ReLU(),
                       nn.MaxPool1d(3, stride=2), nn.Conv1d(8, 6, 4, padding="same", dilation=2, bias=False),
                       nn.Softmax(dim=1), nn.Conv1d(6, 5, 3, stride=2, padding=3), nn.Sigmoid(),
                       nn.MaxPool1d((2,)), nn.Flatten(), nn.Dropout(0.2), nn.Linear(5 * 13, 7),
                       nn.BatchNorm1d(7), nn.ReLU(), nn.Linear(7, 3, bias=False), nn.Softmax(dim=1)), 101, 3),
        (nn.Sequential(nn.Conv1d(4, 16, 24), nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(),
                       nn.Linear(16, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 1)), 101, 1),
        # A fully convolutional model: the output is (tasks, 1) after the global pool, no Flatten.
        (nn.Sequential(nn.Conv1d(4, 6, 7, padding=(3,), stride=3), nn.ReLU(), nn.Conv1d(6, 2, 1),
                       nn.AdaptiveMaxPool1d((1,))), 50, 2),
        # Flatten of an already flat tensor is PyTorch's identity.
        (nn.Sequential(nn.Flatten(), nn.Linear(4 * 10, 2), nn.Flatten()), 10, 2),
    ]


def check_spec(ep):
    model, length, n = models()[1]
    spec = ep.spec_of(model, length, ["bound"])
    expected = {"input_length": 101, "input_channels": 4, "tasks": ["bound"], "layers": [
        {"type": "conv1d", "filters": 16, "kernel": 24, "padding": "valid", "stride": 1, "dilation": 1,
         "bias": True},
        {"type": "relu"}, {"type": "global_maxpool"}, {"type": "flatten"},
        {"type": "dense", "units": 32, "bias": True}, {"type": "relu"}, {"type": "dropout", "p": 0.5},
        {"type": "dense", "units": 1, "bias": True}]}
    check(spec == expected, f"DeepBind spec:\n  {spec}\nexpected\n  {expected}")
    check(json.loads(json.dumps(spec)) == spec, "the spec does not survive JSON")

    for k, (model, length, n) in enumerate(models()):
        tasks = [f"t{i}" for i in range(n)]
        spec = ep.spec_of(model, length, tasks)
        shapes = []
        hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[1:]))) for m in model]
        model.eval()
        with torch.no_grad():
            model(torch.randn(2, 4, length))
        for h in hooks:
            h.remove()
        torch_shapes = [s if len(s) == 2 else (s[0], 1) for s in shapes]  # (N, D) is seqnet's (D, 1)
        walked = [shape for _, shape, _ in ep.walk(spec)]
        check(walked == torch_shapes, f"model {k}: seqnet shapes {walked}, PyTorch {torch_shapes}")
        state = {name: tuple(t.shape) for name, t in model.state_dict().items()
                 if not name.endswith("num_batches_tracked")}
        check(ep.tensor_shapes(spec) == state, f"model {k}: tensors {ep.tensor_shapes(spec)}, "
              f"state_dict {state}")
    spec = ep.spec_of(models()[0][0], 101, ["a", "b", "c"])
    conv = [layer for layer in spec["layers"] if layer["type"] == "conv1d"]
    check([c["padding"] for c in conv] == ["same", "same", 3], f"paddings {conv}")
    check(spec["layers"][3] == {"type": "maxpool", "size": 3, "stride": 2}, f"{spec['layers'][3]}")
    check(spec["layers"][8] == {"type": "maxpool", "size": 2, "stride": 2}, f"{spec['layers'][8]}")

    # Hand-written specs: explicit names, units "tasks", [L, R] padding, TensorFlow's 'same' for stride 2.
    spec = {"input_length": 11, "tasks": ["x", "y"], "layers": [
        {"type": "conv1d", "name": "c", "filters": 3, "kernel": 4, "padding": [2, 1], "bias": False},
        {"type": "conv1d", "filters": 5, "kernel": 3, "padding": "same", "stride": 2},
        {"type": "flatten"}, {"type": "dense", "name": "out", "units": "tasks"}]}
    walked = [(name, shape) for name, shape, _ in ep.walk(spec)]
    check(walked == [("c", (3, 11)), ("1", (5, 6)), ("2", (30, 1)), ("out", (2, 1))], f"walk {walked}")
    check(list(ep.tensor_shapes(spec)) == ["c.weight", "1.weight", "1.bias", "out.weight", "out.bias"],
          f"tensor names {list(ep.tensor_shapes(spec))}")
    bad = dict(spec, layers=spec["layers"][:2] + spec["layers"][3:])
    expect_error(lambda: ep.walk(bad), "put a flatten", "dense on a feature map")
    expect_error(lambda: ep.walk(dict(spec, tasks=["x", "x"])), "unique", "repeated task")


def check_rejections(ep):
    S = nn.Sequential

    def conv(c_in=4):
        return nn.Conv1d(c_in, 4, 3)

    cases = [
        (S(nn.MaxPool1d(3, ceil_mode=True)), "layer 0: MaxPool1d with ceil_mode=True is not supported"),
        (S(nn.MaxPool1d(3, padding=1)), "MaxPool1d with padding=1"),
        (S(nn.MaxPool1d(3, dilation=2)), "MaxPool1d with dilation=2"),
        (S(nn.Conv1d(4, 4, 3, groups=2)), "layer 0: Conv1d with groups=2"),
        (S(nn.Conv1d(4, 4, 3, padding=1, padding_mode="reflect")), "padding_mode='reflect'"),
        (S(conv(), nn.BatchNorm1d(4, affine=False)), "layer 1: BatchNorm1d with affine=False"),
        (S(conv(), nn.BatchNorm1d(4, track_running_stats=False)), "track_running_stats=False"),
        (S(conv(), nn.Softmax()), "layer 1: Softmax with dim=None"),
        (S(conv(), nn.Softmax(dim=-1)), "dim=-1"),
        (S(conv(), nn.AdaptiveMaxPool1d(2)), "output_size=2"),
        (S(conv(), nn.AdaptiveAvgPool1d(1)), "layer 1: AdaptiveAvgPool1d is not supported"),
        (S(conv(), nn.Tanh()), "Tanh is not supported"),
        (S(conv(), nn.Flatten(0)), "start_dim=0"),
        (S(conv(), nn.Linear(8, 1)), "layer 1: Linear receives a (N, 4, 8) feature map"),
        (S(nn.Flatten(), nn.Conv1d(40, 4, 1)), "layer 1: Conv1d receives a flat"),
        (S(conv(5)), "layer 0: Conv1d has a weight of shape (4, 5, 3)"),
        (S(conv(), nn.BatchNorm1d(5)), "layer 1: BatchNorm1d has a weight of shape (5,)"),
        (S(nn.Flatten(), nn.Linear(41, 1)), "layer 1: Linear has a weight of shape (1, 41)"),
        (S(nn.Conv1d(4, 4, 11)), "the kernel spans 11 positions"),
        (S(nn.Flatten(), nn.Linear(40, 3)), "3 values per sequence"),
        (S(S(nn.Flatten()), nn.Linear(40, 1)), "layer 0: Sequential is not supported"),
    ]
    for model, fragment in cases:
        expect_error(lambda: ep.spec_of(model, 10, ["t"]), fragment, f"rejection of {model}")
    expect_error(lambda: ep.spec_of(nn.Conv1d(4, 1, 10), 10, ["t"]), "not an nn.Sequential", "bare module")
    flat = S(nn.Flatten(), nn.Linear(40, 1))
    expect_error(lambda: ep.spec_of(flat, 10, ["a\tb"]), "tabs", "task name with a tab")


# ---- tensors and files ----------------------------------------------------------------------------

def check_model_tensors(ep):
    model = nn.Sequential(nn.Conv1d(4, 3, 5), nn.BatchNorm1d(3), nn.Flatten(), nn.Linear(18, 1))
    spec = ep.spec_of(model, 10, ["t"])
    state = model.state_dict()
    tensors = ep.model_tensors(spec, state)
    check(list(tensors) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                            "1.running_var", "3.weight", "3.bias"], f"model_tensors names {list(tensors)}")
    check(all(t.dtype == np.float32 for t in tensors.values()), "model_tensors: not all float32")
    missing = {k: v for k, v in state.items() if k != "1.running_var"}
    expect_error(lambda: ep.model_tensors(spec, missing), "no 1.running_var", "missing tensor")
    expect_error(lambda: ep.model_tensors(spec, dict(state, extra=torch.zeros(1))), "extra", "extra tensor")
    expect_error(lambda: ep.model_tensors(spec, dict(state, **{"3.bias": torch.zeros(2)})),
                 "3.bias has shape (2,)", "wrong shape")


def check_safetensors(ep, work):
    path = os.path.join(work, "t.safetensors")
    tensors = {"b": torch.arange(6, dtype=torch.float64).reshape(2, 3) / 7, "a": np.float16([1.5, -2]),
               "steps": torch.tensor(12345678901), "mask": np.array([True, False]),
               "empty": np.zeros((0, 3), np.float32), "strided": torch.arange(12.0).reshape(3, 4).T}
    ep.write_safetensors(path, tensors, {"format": "test", "note": "ü"})
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    check(n % 8 == 0, f"header size {n} is not a multiple of 8")
    header = raw[8:8 + n].decode("utf-8")
    check(header == header.rstrip(" ") + " " * (len(header) - len(header.rstrip(" "))) and
          json.loads(header) is not None, "header is not JSON padded with spaces")
    back, metadata = ep.read_safetensors(path)
    check(metadata == {"format": "test", "note": "ü"}, f"metadata {metadata}")
    check(list(back) == list(tensors), f"order {list(back)}")
    dtypes = {k: v["dtype"] for k, v in json.loads(header).items() if k != "__metadata__"}
    check(dtypes == {"b": "F32", "a": "F32", "steps": "I64", "mask": "BOOL", "empty": "F32",
                     "strided": "F32"}, f"dtypes {dtypes}")
    for name, t in tensors.items():
        expected = t.numpy() if torch.is_tensor(t) else t
        expected = expected.astype(np.float32) if expected.dtype.kind == "f" else expected
        check(back[name].shape == expected.shape and np.array_equal(back[name], expected),
              f"{name}: read back {back[name]}, wrote {expected}")
    expect_error(lambda: ep.write_safetensors(path, {"x": np.zeros(1)}, {"n": 1}), "strings", "metadata")

    # BF16, written by hand: 1.0 = 0x3f80, -2.5 = 0xc020.
    header = json.dumps({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + struct.pack("<HH", 0x3F80, 0xC020))
    back, _ = ep.read_safetensors(path)
    check(back["w"].tolist() == [1.0, -2.5], f"BF16 read as {back['w']}")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + b"\0" * 6)
    expect_error(lambda: ep.read_safetensors(path), "bytes after the last tensor", "trailing bytes")


def check_export(ep, work):
    torch.manual_seed(7)
    model, length, _ = models()[0]
    tasks = ["a", "b", "c"]
    path = os.path.join(work, "model.safetensors")
    spec = ep.export(model, path, length, tasks)
    tensors, metadata = ep.read_safetensors(path)
    check(metadata.get("format") == "seqnet-model" and metadata.get("format_version") == "1" and
          metadata.get("spec") == json.dumps(spec) and metadata.get("written_by", "").startswith("export_pytorch.py"),
          f"metadata {metadata}")
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    check(list(tensors) == list(state), f"exported {list(tensors)}, state_dict {list(state)}")
    for name, t in state.items():
        check(np.array_equal(tensors[name], t.numpy()), f"{name} differs from the state_dict")

    pickled, again, spec_path = (os.path.join(work, f)
                                 for f in ("model.pt", "again.safetensors", "spec.json"))
    torch.save(model, pickled)
    tasks_file = os.path.join(work, "tasks.txt")
    with open(tasks_file, "w") as f:
        f.write("a\nb\n\nc\n")
    with contextlib.redirect_stdout(io.StringIO()):
        rc = ep.main([pickled, "--input-length", str(length), "--tasks-file", tasks_file, "--out", again,
                      "--spec-only", spec_path])
    check(rc == 0, f"command line exited with {rc}")
    with open(path, "rb") as a, open(again, "rb") as b:
        check(a.read() == b.read(), "the command line wrote a different file than export()")
    with open(spec_path) as f:
        check(json.load(f) == spec, "--spec-only wrote a different spec")
    torch.save(model.state_dict(), pickled)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = ep.main([pickled, "--input-length", str(length), "--tasks", "a,b,c", "--out", again])
    check(rc == 1 and "holds a state_dict, not a model" in err.getvalue(), f"state_dict: {rc} {err.getvalue()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exporter", required=True, help="path of examples/python/export_pytorch.py")
    parser.add_argument("--workdir", required=True, help="scratch directory")
    args = parser.parse_args()
    work = os.path.join(args.workdir, "export_pytorch_test")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    spec = importlib.util.spec_from_file_location("export_pytorch", args.exporter)
    ep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ep)
    parts = (("spec", lambda: check_spec(ep)), ("rejections", lambda: check_rejections(ep)),
             ("tensors", lambda: check_model_tensors(ep)), ("safetensors", lambda: check_safetensors(ep, work)),
             ("export", lambda: check_export(ep, work)))
    for name, fn in parts:
        failures = len(FAILURES)
        try:
            fn()
        except Exception as e:  # an unexpected error fails this part, the others still run
            check(False, f"{name}: {type(e).__name__}: {e}")
        print(("ok   " if len(FAILURES) == failures else "BAD  ") + name)
    print(f"{len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
