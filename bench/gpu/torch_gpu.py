# bench/gpu/torch_gpu.py — the PyTorch side of the GPU benchmark: times one job of bench/gpu/bench.ts
# on the same GPU with the same job JSON and repetition protocol (bench/timing.ts), synchronizing
# the device before each timer stops, and prints one JSON line. TF32 follows the job on both sides;
# cuDNN autotuning is on (ours runs cuDNN's Find). Run: python3 torch_gpu.py '<job json>'.
import json
import math
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
    """nn.Sequential for a genconvnet spec (conv, pooling with Caffe's ceil mode, lrn, dropout, ...)."""
    layers = []
    c = spec["input"][0]
    for l in spec["layers"]:
        t = l["type"]
        if t == "conv":
            layers.append(nn.Conv2d(c, l["out"], pair(l["kernel"], 1), pair(l.get("stride"), 1),
                                    pair(l.get("padding"), 0), groups=l.get("groups", 1), bias=l.get("bias", True)))
            c = l["out"]
        elif t in ("maxpool", "avgpool"):
            cls = nn.MaxPool2d if t == "maxpool" else nn.AvgPool2d
            kw = {} if t == "maxpool" else {"count_include_pad": False}
            layers.append(cls(pair(l["kernel"], 1), pair(l.get("stride"), 1), pair(l.get("padding"), 0),
                              ceil_mode=l.get("ceil", False), **kw))
        elif t == "lrn":
            layers.append(nn.LocalResponseNorm(l.get("size", 5), l.get("alpha", 1e-4), l.get("beta", 0.75), l.get("k", 1.0)))
        elif t == "dropout":
            layers.append(nn.Dropout(l.get("p", 0.5)))
        elif t == "linear":
            layers.append(nn.LazyLinear(l["out"], bias=l.get("bias", True)))
        elif t == "relu":
            layers.append(nn.ReLU(inplace=True))
        elif t == "flatten":
            layers.append(nn.Flatten())
        else:
            raise ValueError(f"torch_gpu: layer type {t} is not supported")
    model = nn.Sequential(*layers).cuda()
    model(torch.zeros(1, *spec["input"], device="cuda"))  # materializes the lazy linear layers
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
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - t0


def train_step(job):
    """Forward (training), cross-entropy, backward and SGD with momentum on one fixed batch. 'step' copies the
    batch from host memory each time, as genconvnet's API does; 'step (input on GPU)' keeps it resident."""
    model = build(job["spec"]).train()
    opt = torch.optim.SGD(model.parameters(), lr=job["lr"], momentum=job["momentum"], weight_decay=job["weightDecay"])
    host = torch.rand(job["batch"], *job["spec"]["input"])
    resident = host.cuda()
    classes = model(resident[:2]).shape[1]
    labels = torch.randint(0, classes, (job["batch"],), device="cuda")

    def work(x):
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), labels).backward()
        opt.step()

    return {"step": lambda: timed(lambda: work(host.cuda())), "step (input on GPU)": lambda: timed(lambda: work(resident))}


def hmc_step(job):
    """One leapfrog step for all chains: the node's input gradient (one forward and one backward), the kick
    with the reference term, the drift, and |p|^2, |I|^2 per chain, all on the GPU."""
    model = build(job["spec"]).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    chains, eps, inv_s2 = job["chains"], job["eps"], 1.0 / job["sigma"] ** 2
    img = torch.randn(chains, *job["spec"]["input"], device="cuda") * job["sigma"]
    mom = torch.zeros_like(img)

    def work():
        nonlocal img
        x = img.detach().requires_grad_(True)
        f = model(x)[:, job["channel"]]
        (g,) = torch.autograd.grad(f.sum(), x)
        with torch.no_grad():
            mom.add_(eps * (g - img * inv_s2))
            img = img + eps * mom
            pp = (mom * mom).flatten(1).sum(1, dtype=torch.float64)
            ii = (img * img).flatten(1).sum(1, dtype=torch.float64)
        return pp, ii

    return {"step": lambda: timed(work)}


def main():
    job = json.loads(sys.argv[1])
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = bool(job["tf32"])
    torch.backends.cuda.matmul.allow_tf32 = bool(job["tf32"])
    torch.manual_seed(job["seed"])
    steps = train_step(job) if job["kind"] == "train-step" else hmc_step(job)
    passes = {name: measure(step, job["timing"]) for name, step in steps.items()}
    info = {"torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
            "device": torch.cuda.get_device_name(0)}
    print(json.dumps({"side": "torch", "job": job["name"], "passes": passes, "info": info}), flush=True)


if __name__ == "__main__":
    main()
