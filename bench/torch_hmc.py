# bench/torch_hmc.py — the PyTorch peer of bench/hmc.ts: HMC leapfrog steps on a class node with
# autograd, all chains as one batch, the same arithmetic per step (kick with the reference term,
# drift), on the net of a genconvnet spec (bench/torch_peer.build). Prints one JSON line: seconds
# per leapfrog step, one per repetition.
# Usage: /usr/bin/python3 bench/torch_hmc.py '{"spec":{...},"node":3,"chains":64,"steps":20,"reps":3,"threads":2}'
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_peer import build  # noqa: E402


def main():
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg["threads"])
    torch.manual_seed(0)
    net = build(cfg["spec"]).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    B, eps, inv_t, inv_s2, node = cfg["chains"], 0.01, 1.0, 1.0, cfg["node"]
    x = torch.randn(B, *cfg["spec"]["input"])
    p = torch.randn_like(x)

    def grad_f(img):
        img = img.detach().requires_grad_(True)
        f = net(img)[:, node].sum()
        (g,) = torch.autograd.grad(f, img)
        return g

    def step(x, p):  # one leapfrog step: gradient, kick, drift (as ours: one forward+backward per step)
        g = grad_f(x)
        p = p + eps * (g * inv_t - x * inv_s2)
        x = x + eps * p
        return x, p

    for _ in range(2):
        x, p = step(x, p)
    out = []
    for _ in range(cfg["reps"]):
        t0 = time.perf_counter()
        for _ in range(cfg["steps"]):
            x, p = step(x, p)
        out.append((time.perf_counter() - t0) / cfg["steps"])
    print(json.dumps({"seconds": out, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
