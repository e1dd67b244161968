#!/usr/bin/env python3
"""Export a PyTorch nn.Sequential to a seqnet model file (a safetensors file with the model's spec).

From Python, for a trained model:

    import export_pytorch                     # this file, from seqnet's examples/python
    model = ...                               # your trained nn.Sequential (any device, train or eval)
    export_pytorch.export(model, "basset.safetensors", input_length=600,
                          tasks=[f"task_{i}" for i in range(164)])
    # then:  seqnet predict --model basset.safetensors --fasta peaks.fa > predictions.tsv

From the command line, for a whole pickled model (torch.save(model), not model.state_dict()):

    export_pytorch.py basset.pt --input-length 600 --tasks-file tasks.txt --out basset.safetensors

The model must be an nn.Sequential of Conv1d, BatchNorm1d, ReLU, Sigmoid, Softmax(dim=1), MaxPool1d,
AdaptiveMaxPool1d(1), Flatten, Linear and Dropout; its input is one-hot DNA of shape (N, 4, L) with
channels A, C, G, T. Anything else raises ValueError naming the layer and the problem. The spec's layers
follow the modules one to one, so the tensor names are the state_dict's ("0.weight", "1.running_mean").

Functions: spec_of (the JSON spec of a model), walk (the shapes through a spec), tensor_shapes (the
tensors a spec needs), model_tensors (a state_dict checked against a spec), write_safetensors /
read_safetensors, export.

A seqnet model file is a safetensors file: an 8-byte little-endian header size N, N bytes of JSON
(padded with spaces to a multiple of 8) mapping each tensor name to its dtype, shape and byte range in
the data section that follows, plus "__metadata__": {"format": "seqnet-model", "format_version": "1",
"written_by": ...,
"spec": <spec as JSON>}.
The tensors are float32, little-endian, C order: every parameter and the BatchNorm running statistics
(running_mean, running_var), but not num_batches_tracked.
"""

import argparse
import inspect
import json
import struct
import sys
import warnings

import numpy as np

try:
    import torch
    import torch.nn as nn
except ImportError:  # write_safetensors and read_safetensors work on numpy arrays alone
    torch = nn = None

FORMAT = "seqnet-model"

# safetensors dtype names <-> numpy types (all little-endian). BF16 has no numpy type: it is read as
# 16-bit words and widened to float32.
_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
           "I8": "i1", "U8": "u1", "BOOL": "?"}
_DTYPE_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


# ---- PyTorch modules -> spec ----------------------------------------------------------------------

def _one(value):
    """PyTorch stores 1-d sizes as an int or a 1-tuple: the int."""
    return value[0] if isinstance(value, tuple) and len(value) == 1 else value


def _conv1d(m, unsupported):
    if m.groups != 1:
        unsupported(f"groups={m.groups}")
    if m.padding_mode != "zeros":
        unsupported(f"padding_mode='{m.padding_mode}' (only zero padding)")
    stride, dilation, padding = _one(m.stride), _one(m.dilation), _one(m.padding)
    if padding == 0:
        padding = "valid"
    elif not isinstance(padding, (int, str)):
        unsupported(f"padding={m.padding}")
    # PyTorch's 'same' (stride 1 only) pads dilation * (K - 1) zeros with the odd one on the right:
    # seqnet's 'same' for stride 1.
    return {"type": "conv1d", "filters": m.out_channels, "kernel": _one(m.kernel_size),
            "padding": padding, "stride": stride, "dilation": dilation, "bias": m.bias is not None}


def _batchnorm(m, unsupported):
    if not m.affine:
        unsupported("affine=False (seqnet's batchnorm has a weight and a bias)")
    if not m.track_running_stats:
        unsupported("track_running_stats=False (inference needs running statistics)")
    layer = {"type": "batchnorm", "eps": float(m.eps)}
    if m.momentum is None:
        # PyTorch's cumulative moving average; seqnet has only the exponential one. Inference does
        # not use the momentum, so the export goes on with seqnet's default for further training.
        warnings.warn(f"{m} has momentum=None, which seqnet does not have: the spec gets the default "
                      "momentum 0.1 (used only if the model is trained further)")
    else:
        layer["momentum"] = float(m.momentum)
    return layer


def _softmax(m, unsupported):
    if m.dim != 1:
        unsupported(f"dim={m.dim} (seqnet's softmax is over channels, nn.Softmax(dim=1))")
    return {"type": "softmax"}


def _maxpool(m, unsupported):
    for attr, ok in (("padding", 0), ("dilation", 1), ("ceil_mode", False), ("return_indices", False)):
        if _one(getattr(m, attr)) != ok:
            unsupported(f"{attr}={getattr(m, attr)}")
    size = _one(m.kernel_size)
    stride = size if m.stride is None else _one(m.stride)  # nn.MaxPool1d already does this
    return {"type": "maxpool", "size": size, "stride": stride}


def _adaptive_maxpool(m, unsupported):
    if _one(m.output_size) != 1:
        unsupported(f"output_size={m.output_size} (only 1, a global max pool)")
    if m.return_indices:
        unsupported("return_indices=True")
    return {"type": "global_maxpool"}


def _flatten(m, unsupported):
    if m.start_dim != 1 or m.end_dim != -1:
        unsupported(f"start_dim={m.start_dim}, end_dim={m.end_dim} (only nn.Flatten(1, -1))")
    return {"type": "flatten"}


def _module_converters():
    # Exact types: a subclass may override forward, so it is not taken for its base class.
    return {
        nn.Conv1d: _conv1d,
        nn.BatchNorm1d: _batchnorm,
        nn.ReLU: lambda m, _: {"type": "relu"},
        nn.Sigmoid: lambda m, _: {"type": "sigmoid"},
        nn.Softmax: _softmax,
        nn.MaxPool1d: _maxpool,
        nn.AdaptiveMaxPool1d: _adaptive_maxpool,
        nn.Flatten: _flatten,
        nn.Dropout: lambda m, _: {"type": "dropout", "p": float(m.p)},
        nn.Linear: lambda m, _: {"type": "dense", "units": m.out_features, "bias": m.bias is not None},
    }


def layer_of(index, module):
    """The spec layer of one module of an nn.Sequential; ValueError if seqnet has no equivalent."""
    kind = type(module).__name__

    def unsupported(what):
        raise ValueError(f"layer {index}: {kind} with {what} is not supported by seqnet")

    convert = _module_converters().get(type(module))
    if convert is None:
        raise ValueError(f"layer {index}: {kind} is not supported by seqnet (supported: " +
                         ", ".join(t.__name__ for t in _module_converters()) + ")")
    return convert(module, unsupported)


def spec_of(model, input_length, tasks, input_channels=4):
    """The seqnet spec (a JSON-ready dict) of `model`, an nn.Sequential taking (N, input_channels,
    input_length) inputs and returning one output per task.

    Checks what the spec alone cannot express: every module and setting has a seqnet equivalent,
    Linear only sees flat (N, D) inputs and the convolutions and pools only (N, C, L) ones (PyTorch
    would act on other axes otherwise), and the parameter shapes fit the shapes flowing through the
    model. Raises ValueError naming the layer."""
    if nn is None:
        raise RuntimeError("spec_of needs torch")
    if not isinstance(model, nn.Sequential):
        raise ValueError(f"the model is a {type(model).__name__}, not an nn.Sequential")
    spec = {"input_length": int(input_length), "input_channels": int(input_channels),
            "tasks": list(tasks), "layers": [layer_of(i, m) for i, m in enumerate(model)]}
    _check_header(spec)
    if not spec["layers"]:
        raise ValueError("the model has no layers")

    shape, flat = (spec["input_channels"], spec["input_length"]), False  # flat: PyTorch's (N, D)
    for i, (m, layer) in enumerate(zip(model, spec["layers"])):
        kind = type(m).__name__
        if flat and isinstance(m, (nn.Conv1d, nn.MaxPool1d, nn.AdaptiveMaxPool1d)):
            raise ValueError(f"layer {i}: {kind} receives a flat (N, {shape[0]}) tensor, which PyTorch "
                             "would take for one unbatched (C, L) sample")
        if not flat and isinstance(m, nn.Linear):
            raise ValueError(f"layer {i}: Linear receives a (N, {shape[0]}, {shape[1]}) feature map and "
                             "would act on its length axis; put nn.Flatten() before it")
        flat = flat or isinstance(m, nn.Flatten)
        in_shape = shape
        shape, needed = _apply(layer, shape, len(tasks), f"layer {i} ({kind})")
        for suffix, expected in needed.items():
            actual = tuple(getattr(m, suffix).shape)
            if actual != expected:
                what = f"(N, {in_shape[0]})" if flat else f"(N, {in_shape[0]}, {in_shape[1]})"
                raise ValueError(f"layer {i}: {kind} has a {suffix} of shape {actual}, but its input "
                                 f"{what} needs one of shape {expected}")
    _check_output(shape, spec["tasks"])
    return spec


# ---- spec -> shapes -------------------------------------------------------------------------------

def _check_header(spec):
    if not isinstance(spec.get("input_length"), int) or spec["input_length"] < 1:
        raise ValueError(f"input_length must be an integer >= 1, not {spec.get('input_length')!r}")
    channels = spec.get("input_channels", 4)
    if not isinstance(channels, int) or channels < 1:
        raise ValueError(f"input_channels must be an integer >= 1, not {channels!r}")
    tasks = spec.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        raise ValueError("tasks must be a non-empty list of names")
    for t in tasks:
        if not isinstance(t, str) or not t or any(c in t for c in "\t\r\n"):
            raise ValueError(f"task names must be non-empty strings without tabs or line breaks, not {t!r}")
    if len(set(tasks)) != len(tasks):
        raise ValueError("task names must be unique: " +
                         ", ".join(sorted({t for t in tasks if tasks.count(t) > 1})) + " repeat")


def _check_output(shape, tasks):
    if shape[0] * shape[1] != len(tasks):
        raise ValueError(f"the model's output has {shape[0] * shape[1]} values per sequence "
                         f"({shape[0]} x {shape[1]}) but there are {len(tasks)} tasks")


def _padding_amounts(padding, length, stride, span, where):
    if padding == "valid":
        return 0, 0
    if padding == "same":  # stride 1: span - 1 zeros, the odd one on the right; stride > 1: TensorFlow's
        out = -(-length // stride)
        total = span - 1 if stride == 1 else max((out - 1) * stride + span - length, 0)
        return total // 2, total - total // 2
    if isinstance(padding, int) and padding >= 0:
        return padding, padding
    if (isinstance(padding, list) and len(padding) == 2 and
            all(isinstance(p, int) and p >= 0 for p in padding)):
        return padding[0], padding[1]
    raise ValueError(f"{where}: padding must be 'valid', 'same', P or [L, R], not {padding!r}")


def _apply(layer, shape, n_tasks, where):
    """(output shape, {tensor suffix: shape}) of spec layer `layer` on an input of `shape`, a
    (channels, length) pair as seqnet sees it: a flat vector of D values is (D, 1)."""
    C, L = shape
    kind = layer.get("type")

    def need(key):
        if key not in layer:
            raise ValueError(f"{where}: '{key}' is required")
        return layer[key]

    if kind == "conv1d":
        F, K = need("filters"), need("kernel")
        stride, dilation = layer.get("stride", 1), layer.get("dilation", 1)
        span = dilation * (K - 1) + 1
        left, right = _padding_amounts(layer.get("padding", "valid"), L, stride, span, where)
        out = (L + left + right - span) // stride + 1
        if L + left + right < span:
            raise ValueError(f"{where}: the kernel spans {span} positions but the (padded) input has "
                             f"only {L + left + right}")
        tensors = {"weight": (F, C, K)}
        if layer.get("bias", True):
            tensors["bias"] = (F,)
        return (F, out), tensors
    if kind == "batchnorm":
        return shape, {k: (C,) for k in ("weight", "bias", "running_mean", "running_var")}
    if kind in ("relu", "sigmoid", "softmax", "dropout"):
        return shape, {}
    if kind == "maxpool":
        size = need("size")
        stride = layer.get("stride", size)
        if L < size:
            raise ValueError(f"{where}: the window has {size} positions but the input only {L}")
        return (C, (L - size) // stride + 1), {}
    if kind == "global_maxpool":
        return (C, 1), {}
    if kind == "flatten":
        return (C * L, 1), {}
    if kind == "dense":
        units = need("units")
        units = n_tasks if units == "tasks" else units
        if L != 1:
            raise ValueError(f"{where}: the input is a {C} x {L} feature map; put a flatten or a "
                             "global_maxpool before a dense layer")
        tensors = {"weight": (units, C)}
        if layer.get("bias", True):
            tensors["bias"] = (units,)
        return (units, 1), tensors
    raise ValueError(f"{where}: layer type {kind!r} is not handled by this script")


def walk(spec):
    """[(layer name, output shape, {tensor name: shape})] for the layers of `spec`, shapes as seqnet
    sees them: (channels, length), a flat vector of D values being (D, 1). ValueError if the spec is
    malformed, its shapes do not fit together, or its output is not one value per task."""
    _check_header(spec)
    if not spec.get("layers"):
        raise ValueError("the spec has no layers")
    shape = (spec.get("input_channels", 4), spec["input_length"])
    steps = []
    for i, layer in enumerate(spec["layers"]):
        name = str(layer.get("name", i))
        shape, needed = _apply(layer, shape, len(spec["tasks"]), f"layer {i} ({layer.get('type')})")
        steps.append((name, shape, {f"{name}.{suffix}": s for suffix, s in needed.items()}))
    _check_output(shape, spec["tasks"])
    return steps


def tensor_shapes(spec):
    """{tensor name: shape} of every tensor a seqnet model file with this spec holds, in layer order."""
    return {name: shape for _, _, tensors in walk(spec) for name, shape in tensors.items()}


def model_tensors(spec, state_dict):
    """The tensors of `state_dict` that a seqnet model file with this spec holds, as float32 numpy
    arrays in layer order. Every one must be present with the right shape; apart from BatchNorm's
    num_batches_tracked (not used by seqnet) nothing else may be there."""
    shapes = tensor_shapes(spec)
    batchnorms = {str(layer.get("name", i)) for i, layer in enumerate(spec["layers"])
                  if layer["type"] == "batchnorm"}
    ignored = {f"{name}.num_batches_tracked" for name in batchnorms}
    extra = [k for k in state_dict if k not in shapes and k not in ignored]
    if extra:
        raise ValueError("the state_dict has tensors the spec does not use: " + ", ".join(extra))
    tensors = {}
    for name, shape in shapes.items():
        if name not in state_dict:
            raise ValueError(f"the state_dict has no {name} (shape {shape})")
        t = _as_numpy(state_dict[name])
        if t.shape != shape:
            raise ValueError(f"{name} has shape {t.shape}, the spec needs {shape}")
        if t.dtype.kind != "f":
            raise ValueError(f"{name} is {t.dtype}, expected a floating-point tensor")
        tensors[name] = t.astype(np.float32)
    return tensors


# ---- safetensors ----------------------------------------------------------------------------------

def _as_numpy(t):
    if torch is not None and torch.is_tensor(t):
        t = t.detach().cpu()
        if t.is_floating_point() and t.dtype not in (torch.float32, torch.float64, torch.float16):
            t = t.float()  # bfloat16 and others numpy cannot hold
        return t.numpy()
    return np.asarray(t)


def write_safetensors(path, tensors, metadata=None):
    """Writes `tensors` ({name: numpy array or torch tensor}, in that order) as a safetensors file with
    string `metadata`. Floating-point tensors are stored as float32 (F32, the only type of a seqnet
    model file); integer and bool tensors keep their type (a state_dict's num_batches_tracked is I64).
    Little-endian, C order, tensors back to back; the header is padded with spaces to a multiple of 8
    bytes so that the data section starts aligned."""
    header = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise ValueError(f"safetensors metadata maps strings to strings, not {k!r}: {v!r}")
        header["__metadata__"] = dict(metadata)
    blobs, offset = [], 0
    for name, t in tensors.items():
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise ValueError(f"invalid tensor name {name!r}")
        a = _as_numpy(t)
        a = a.astype("<f4") if a.dtype.kind == "f" else a.astype(a.dtype.newbyteorder("<"))
        if a.dtype not in _DTYPE_NAMES:
            raise ValueError(f"{name}: no safetensors type for {a.dtype}")
        data = np.ascontiguousarray(a).tobytes()
        header[name] = {"dtype": _DTYPE_NAMES[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def read_safetensors(path):
    """({name: numpy array}, metadata dict) of a safetensors file, tensors in header order. Checks that
    the byte ranges tile the data section exactly."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header size {n} exceeds the file ({len(raw)} bytes)")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = memoryview(raw)[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors, end = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, stop = info["data_offsets"]
        if begin != end or stop > len(data):
            raise ValueError(f"{path}: {name} occupies bytes {begin}..{stop}, expected to start at {end}")
        end = stop
        shape = tuple(info["shape"])
        if info["dtype"] == "BF16":
            words = np.frombuffer(data[begin:stop], "<u2").astype(np.uint32) << 16
            a = words.view(np.float32)
        elif info["dtype"] in _DTYPES:
            a = np.frombuffer(data[begin:stop], _DTYPES[info["dtype"]])
        else:
            raise ValueError(f"{path}: {name} has unsupported dtype {info['dtype']}")
        if a.size != int(np.prod(shape)):
            raise ValueError(f"{path}: {name} has {a.size} values for shape {shape}")
        tensors[name] = a.reshape(shape).copy()
    if end != len(data):
        raise ValueError(f"{path}: {len(data) - end} bytes after the last tensor")
    return {name: tensors[name] for name in header}, metadata


# ---- export ---------------------------------------------------------------------------------------

def export(model, path, input_length, tasks, input_channels=4):
    """Writes `model` (an nn.Sequential, see spec_of) as a seqnet model file at `path`; returns the
    spec. The state_dict is exported as it is: seqnet predicts with the BatchNorm running statistics
    and without dropout whether the model was left in train or eval mode."""
    spec = spec_of(model, input_length, tasks, input_channels)
    tensors = model_tensors(spec, model.state_dict())
    write_safetensors(path, tensors, {"format": FORMAT, "format_version": "1",
                                      "written_by": "export_pytorch.py (torch " + torch.__version__ + ")",
                                      "spec": json.dumps(spec)})
    return spec


def load_model(path):
    """A whole model pickled with torch.save(model)."""
    kwargs = {"map_location": "cpu"}
    if "weights_only" in inspect.signature(torch.load).parameters:
        kwargs["weights_only"] = False  # a pickled module, not just tensors (the default from torch 2.6)
    model = torch.load(path, **kwargs)
    if isinstance(model, dict):
        raise ValueError(f"{path} holds a state_dict, not a model: rebuild the nn.Sequential in Python, "
                         "load the state_dict into it and call export(), or write the spec with "
                         "spec_of() and run `seqnet import --spec SPEC.json --weights ...`")
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Export a pickled PyTorch nn.Sequential (torch.save(model)) to a seqnet model file.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n"
               "  export_pytorch.py basset.pt --input-length 600 --tasks-file tasks.txt "
               "--out basset.safetensors\n"
               "  seqnet predict --model basset.safetensors --fasta peaks.fa > predictions.tsv\n\n"
               "Supported modules: Conv1d, BatchNorm1d, ReLU, Sigmoid, Softmax(dim=1), MaxPool1d,\n"
               "AdaptiveMaxPool1d(1), Flatten, Linear, Dropout. Input: one-hot (N, 4, L), channels A,C,G,T.")
    parser.add_argument("model", help="whole model saved with torch.save(model)")
    parser.add_argument("--input-length", metavar="L", type=int, required=True, help="sequence length")
    parser.add_argument("--input-channels", metavar="C", type=int, default=4,
                        help="input channels (default 4: A,C,G,T)")
    names = parser.add_mutually_exclusive_group(required=True)
    names.add_argument("--tasks", metavar="A,B,C", help="comma-separated task names, one per model output")
    names.add_argument("--tasks-file", metavar="FILE", help="one task name per line (blank lines ignored)")
    parser.add_argument("--out", metavar="MODEL.safetensors", help="seqnet model file to write")
    parser.add_argument("--spec-only", metavar="SPEC.json",
                        help="write the JSON spec (for `seqnet import --spec`); with --out as well, both")
    args = parser.parse_args(argv)
    if not args.out and not args.spec_only:
        parser.error("give --out, --spec-only or both")
    if torch is None:
        parser.error("torch is not installed")
    if args.tasks is not None:
        tasks = [t.strip() for t in args.tasks.split(",")]
    else:
        with open(args.tasks_file) as f:
            tasks = [line.strip() for line in f if line.strip()]
    try:
        model = load_model(args.model)
        spec = spec_of(model, args.input_length, tasks, args.input_channels)
        if args.spec_only:
            with open(args.spec_only, "w") as f:
                json.dump(spec, f, indent=2)
                f.write("\n")
        if args.out:
            export(model, args.out, args.input_length, tasks, args.input_channels)
    except ValueError as e:
        print(f"export_pytorch.py: {e}", file=sys.stderr)
        return 1
    n = sum(p.numel() for p in model.parameters())
    print(f"{len(spec['layers'])} layers, {n} parameters, {len(tasks)} tasks -> "
          + " and ".join(p for p in (args.out, args.spec_only) if p))
    return 0


if __name__ == "__main__":
    sys.exit(main())
