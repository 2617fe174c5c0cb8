"""What the PyTorch halves of the speed benchmarks share (bench/torch/tiny.py, bench/torch/bert.py):
parameters made by hand, Linear and LayerNorm, the CRF as src/model/crf computes it (NLL by the
forward algorithm, forbidden IOB2 moves masked; Viterbi as a plain loop, as the TS side decodes
after reading emissions back), AdamW with mmner's no-decay group, and the figures every script
reports (BLAS in use, peak RSS).
"""

import json
import math
import resource
import statistics
import time

import torch
import torch.nn.functional as F

DISALLOWED = -1e4


def uniform(shape, bound):
    return torch.nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))


def zeros(*shape):
    return torch.nn.Parameter(torch.zeros(*shape))


def ones(*shape):
    return torch.nn.Parameter(torch.ones(*shape))


class Linear(torch.nn.Module):
    """x @ kernel + bias with a [din, dout] kernel, Glorot-uniform (times `scale`) unless `bound` is given."""

    def __init__(self, din, dout, scale=1.0, bound=None):
        super().__init__()
        self.kernel = uniform((din, dout), bound if bound is not None else scale * math.sqrt(6 / (din + dout)))
        self.bias = zeros(dout)

    def forward(self, x):
        return torch.matmul(x, self.kernel) + self.bias


class LayerNorm(torch.nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.gamma = ones(d)
        self.beta = zeros(d)
        self.eps = eps

    def forward(self, x):
        return F.layer_norm(x, (x.shape[-1],), self.gamma, self.beta, self.eps)


class Crf(torch.nn.Module):
    def __init__(self, allowed):
        super().__init__()
        k = allowed["numTags"]
        self.transitions = uniform((k, k), 0.1)
        self.start = uniform((k,), 0.1)
        self.end = uniform((k,), 0.1)
        self.k = k
        for name in ("transitions", "start", "end"):
            a = torch.tensor(allowed[name], dtype=torch.float32)
            if name == "transitions":
                a = a.view(k, k)
            self.register_buffer(f"a_{name}", a)
            self.register_buffer(f"p_{name}", (1 - a) * DISALLOWED)

    def scores(self):
        return (
            self.transitions * self.a_transitions + self.p_transitions,
            self.start * self.a_start + self.p_start,
            self.end * self.a_end + self.p_end,
        )

    def nll_mean(self, em, tags, mask):
        B, T, k = em.shape
        trans, start, end = self.scores()
        alpha = em[:, 0] + start
        for t in range(1, T):
            nxt = torch.logsumexp(alpha.unsqueeze(1) + trans, 2) + em[:, t]
            m = mask[:, t : t + 1]
            alpha = m * nxt + (1 - m) * alpha
        log_z = torch.logsumexp(alpha + end, 1)
        oh = F.one_hot(tags, k).float()
        emitted = ((oh * em).sum(2) * mask).sum(1)
        started = (oh[:, 0] * start).sum(1)
        mask_next = torch.cat([mask[:, 1:], torch.zeros(B, 1, device=mask.device)], 1)
        ended = ((oh * (mask - mask_next).unsqueeze(2)).sum(1) * end).sum(1)
        total = emitted + started + ended
        if T > 1:
            prev = oh[:, :-1].reshape(-1, k)
            cur = oh[:, 1:].reshape(-1, k)
            moved = ((prev @ trans.t()) * cur).sum(1)
            total = total + (moved.view(B, T - 1) * mask[:, 1:]).sum(1)
        return (log_z - total).mean()

    def viterbi(self, em, lengths):
        # Decoding as the TS side does after reading emissions back: a plain loop per sentence.
        trans, start, end = (s.detach() for s in self.scores())
        paths = []
        for b in range(em.shape[0]):
            n = int(lengths[b])
            score = em[b, 0] + start
            back = []
            for t in range(1, n):
                cand = score.unsqueeze(0) + trans  # [to, from]
                score, idx = cand.max(1)
                score = score + em[b, t]
                back.append(idx)
            best = int((score + end).argmax())
            path = [best]
            for idx in reversed(back):
                best = int(idx[best])
                path.append(best)
            paths.append(path[::-1])
        return paths


def adamw(model, lr, weight_decay):
    """torch.optim.AdamW without decay on biases and LayerNorm parameters (mmner's NO_DECAY_PATTERN)."""
    no_decay = [p for n, p in model.named_parameters() if n.endswith(("bias", "beta", "gamma")) or "norm" in n]
    ids = {id(p) for p in no_decay}
    decay = [p for p in model.parameters() if id(p) not in ids]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=lr,
    )


def sync():
    """Waits for queued GPU work (a no-op on the CPU), so that wall times include it."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def median_ms(fn, warmup, runs):
    """Median wall time of `fn()` in ms over `runs` calls after `warmup` untimed ones."""
    times = []
    for i in range(warmup + runs):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times) if times else None


def load_safetensors(path):
    """Name -> float32 tensor from a safetensors file (F32 only: what mmner writes for its weights)."""
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    body = raw[8 + n :]
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {meta['dtype']}, expected F32")
        a, b = meta["data_offsets"]
        out[name] = torch.frombuffer(bytearray(body[a:b]), dtype=torch.float32).view(*meta["shape"]).clone()
    return out


def blas():
    return "openblas" if "openblas" in open("/proc/self/maps").read() else "reference/other"


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def params(model):
    return sum(p.numel() for p in model.parameters())
