# bench/torch_peer.py — the PyTorch side of the benchmark: times one job exactly as bench/ours.ts
# does (same job JSON, same warm-up and repetition protocol) and prints one JSON line.
# Run with Debian's /usr/bin/python3 (python3-torch); run.ts sets OMP_NUM_THREADS, we match it.
import json
import math
import os
import platform
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def pair(v, fallback):
    if v is None:
        return (fallback, fallback)
    return (v, v) if isinstance(v, int) else (v[0], v[1])


def build(spec):
    """nn.Sequential for a genconvnet spec of conv/linear/pool/relu/flatten layers."""
    layers, (c, h, w) = [], spec["input"]
    for l in spec["layers"]:
        t = l["type"]
        if t == "conv":
            layers.append(nn.Conv2d(c, l["out"], pair(l["kernel"], 1), pair(l.get("stride"), 1),
                                    pair(l.get("padding"), 0), groups=l.get("groups", 1), bias=l.get("bias", True)))
            c = l["out"]
        elif t in ("maxpool", "avgpool"):
            cls = nn.MaxPool2d if t == "maxpool" else nn.AvgPool2d
            layers.append(cls(pair(l["kernel"], 1), pair(l.get("stride"), 1), pair(l.get("padding"), 0),
                              ceil_mode=l.get("ceil", False)))
        elif t == "linear":
            layers.append(nn.LazyLinear(l["out"], bias=l.get("bias", True)))
        elif t == "relu":
            layers.append(nn.ReLU())
        elif t == "flatten":
            layers.append(nn.Flatten())
        elif t == "lrn":  # the same formula: x / (k + alpha/size * window sum of x^2)^beta
            layers.append(nn.LocalResponseNorm(l.get("size", 5), l.get("alpha", 1e-4), l.get("beta", 0.75), l.get("k", 1.0)))
        elif t == "dropout":
            layers.append(nn.Dropout(l.get("p", 0.5)))
        else:
            raise ValueError(f"torch_peer: layer type {t} is not supported")
    model = nn.Sequential(*layers)
    model(torch.zeros(1, *spec["input"]))  # materializes the lazy linear layers
    return model


def measure(step, t):
    """Warm-up, then t['reps'] repetitions of `inner` iterations (see bench/timing.ts)."""
    warm, start = [], time.perf_counter()
    while len(warm) < t["warmup"] or time.perf_counter() - start < t["warmupSeconds"]:
        warm.append(step())
    recent = sorted(warm[-3:])
    per_iter = max(recent[len(recent) // 2], 1e-6)
    inner = max(1, math.ceil(t["minRepSeconds"] / per_iter))
    seconds = []
    for _ in range(t["reps"]):
        seconds.append(sum(step() for _ in range(inner)) / inner)
    return {"seconds": seconds, "inner": inner}


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def lenet_step(job):
    """Forward, cross-entropy, backward and SGD (momentum) update on one fixed batch."""
    model = build(job["spec"])
    opt = torch.optim.SGD(model.parameters(), lr=job["lr"], momentum=job["momentum"], weight_decay=job["weightDecay"])
    x = torch.rand(job["batch"], *job["spec"]["input"])  # pixels in [0, 1), as in ours.ts
    classes = model(x[:1]).shape[1]
    labels = torch.randint(0, classes, (job["batch"],))

    def work():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), labels).backward()
        opt.step()

    return {"step": lambda: timed(work)}


def conv_passes(job):
    """One conv2d with the layer's geometry; the input needs no gradient (as in ours)."""
    g = job["conv"]
    conv = nn.Conv2d(g["inShape"][0], g["out"], tuple(g["kernel"]), tuple(g["stride"]), tuple(g["padding"]),
                     groups=g["groups"])
    x = torch.randn(job["batch"], *g["inShape"])
    dy = torch.randn(job["batch"], *g["outShape"])

    def fwd():  # grad mode on, as in a training forward; the graph is dropped at once
        return timed(lambda: conv(x))

    def bwd():
        conv.zero_grad(set_to_none=True)
        y = conv(x)
        return timed(lambda: y.backward(dy))

    return {"fwd": fwd, "bwd": bwd}


def blas_in_use():
    """The BLAS library this process mapped for its fully connected layers (after a run)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    except OSError:
        return None
    paths = sorted(os.path.realpath(p) for p in paths)
    return paths[0] if len(paths) == 1 else (" ".join(paths) or None)


def versions():
    m = re.search(r"MKL-DNN v([\d.]+)", torch.__config__.show())
    return {"torch": torch.__version__, "onednn": m.group(1) if m else None, "python": platform.python_version(),
            "blas": blas_in_use()}


def main():
    job = json.loads(sys.argv[1])
    threads = int(os.environ.get("OMP_NUM_THREADS", "0")) or None
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(job["seed"])
    steps = lenet_step(job) if job["kind"] == "lenet-step" else conv_passes(job)
    passes = {name: measure(step, job["timing"]) for name, step in steps.items()}
    out = {"side": "torch", "job": job["name"], "threads": torch.get_num_threads(), "passes": passes, "versions": versions()}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
