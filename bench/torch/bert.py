"""A BERT-base-sized 2M-NER (the paper preset, text only) and its training step in PyTorch, for
bench/bert-speed.bench.ts, on the batch the TypeScript benchmark lays out (ids, attention mask,
first-subword index of each word, tags; a JSON file):

  BERT (src/model/text/bert.ts): word + position + token-type embeddings, LayerNorm, dropout;
        post-LN blocks (separate Q/K/V/O linears, softmax(QK^T/sqrt(dh) + mask) with dropout on
        the probabilities, dropout, add & LayerNorm, exact (erf) GELU feed-forward, dropout, add &
        LayerNorm); weights uniform with BERT's std 0.02, biases 0, LayerNorm 1/0;
  words: each word's first-subword vector (0 at padding) -> dropout -> Linear -> emissions;
  loss: crfWeight x CRF NLL (mean over sentences, forbidden IOB2 moves masked; common.py);
  AdamW (no decay on biases and LayerNorm), gradient clipping by global norm.

`--init FILE` starts from mmner's initial weights (a safetensors file with mmner's variable names,
written by bench/parity.bench.ts) instead of torch's own random ones; `--record N` then trains N
steps from there and prints each step's loss and time, for the loss-agreement check. `--device
cuda` runs on the GPU (timings synchronise first), `--precision tf32|bf16` lets matmuls use
TF32 or autocasts to bfloat16 (for reference; the comparison is fp32).

`--micro N` splits the batch into N consecutive micro-batches (sizes differ by at most 1, longer
first, as trainLoop's microBatches): each micro-batch's loss, weighted by its share of the batch,
is backpropagated on its own (gradients accumulate in .grad), then one clip and one AdamW step.

PyTorch's own fused kernels are used where it has them (F.layer_norm, F.gelu, torch.softmax);
dropout masks come from torch's generator.

Prints one JSON line: median train/infer ms, parameter count, threads, peak RSS.
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp python3 bench/torch/bert.py --batch b.json
"""

import argparse
import json
import math
import time

import torch
import torch.nn.functional as F
from common import Crf, LayerNorm, Linear, adamw, blas, load_safetensors, median_ms, params, peak_rss_mb, sync, uniform

MASKED = -1e9
INIT = 0.02 * math.sqrt(3)


class Block(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        H, I, eps = c["hiddenSize"], c["intermediateSize"], c["layerNormEps"]
        self.query, self.key, self.value = (Linear(H, H, bound=INIT) for _ in range(3))
        self.output = Linear(H, H, bound=INIT)
        self.attention_norm = LayerNorm(H, eps)
        self.intermediate = Linear(H, I, bound=INIT)
        self.out = Linear(I, H, bound=INIT)
        self.output_norm = LayerNorm(H, eps)
        self.heads = c["numHeads"]
        self.hidden_dropout = c["hiddenDropout"]
        self.attention_dropout = c["attentionDropout"]

    def forward(self, x, key_mask, training):
        R, S, H = x.shape
        dh = H // self.heads

        def heads(t):
            return t.view(R, S, self.heads, dh).transpose(1, 2)

        q = heads(self.query(x) / math.sqrt(dh))
        k, v = heads(self.key(x)), heads(self.value(x))
        probs = F.dropout(torch.softmax(q @ k.transpose(-1, -2) + key_mask, -1), self.attention_dropout, training)
        context = (probs @ v).transpose(1, 2).reshape(R, S, H)
        attended = F.dropout(self.output(context), self.hidden_dropout, training)
        h = self.attention_norm(x + attended)
        ff = self.out(F.gelu(self.intermediate(h)))
        return self.output_norm(h + F.dropout(ff, self.hidden_dropout, training))


class BertNer(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        H = c["hiddenSize"]
        self.c = c
        self.word = uniform((c["vocabSize"], H), INIT)
        self.position = uniform((c["maxPositions"], H), INIT)
        self.token_type = uniform((c["typeVocabSize"], H), INIT)
        self.embedding_norm = LayerNorm(H, c["layerNormEps"])
        self.layers = torch.nn.ModuleList(Block(c) for _ in range(c["numLayers"]))
        self.emission = Linear(H, c["numTags"])
        self.crf = Crf(c["crf"])

    def forward(self, d, training):
        R, S = d["ids"].shape
        H = self.c["hiddenSize"]
        x = self.word[d["ids"]] + self.position[:S] + self.token_type[0]
        x = F.dropout(self.embedding_norm(x), self.c["hiddenDropout"], training)
        for layer in self.layers:
            x = layer(x, d["keyMask"], training)
        words = x.reshape(R * S, H)[d["wordIndex"]] * d["wordMask"]
        words = words.view(d["B"], d["T"], H)
        return self.emission(F.dropout(words, self.c["dropout"], training))

    def loss(self, d):
        em = self.forward(d, True)
        return self.crf.nll_mean(em, d["tags"], d["maskBT"]) * self.c["crfWeight"]


def mmner_names(model):
    """mmner's variable name -> this model's parameter (src/model/text/bert.ts, mmner.ts, crf)."""
    out = {
        "text.embeddings.word": model.word,
        "text.embeddings.position": model.position,
        "text.embeddings.tokenType": model.token_type,
        "text.embeddings.norm.gamma": model.embedding_norm.gamma,
        "text.embeddings.norm.beta": model.embedding_norm.beta,
        "emission.kernel": model.emission.kernel,
        "emission.bias": model.emission.bias,
        "crf.transitions": model.crf.transitions,
        "crf.start": model.crf.start,
        "crf.end": model.crf.end,
    }
    for i, layer in enumerate(model.layers):
        p = f"text.layers.{i}"
        for ours, mod in [
            ("attention.query", layer.query),
            ("attention.key", layer.key),
            ("attention.value", layer.value),
            ("attention.output", layer.output),
            ("intermediate", layer.intermediate),
            ("output", layer.out),
        ]:
            out[f"{p}.{ours}.kernel"] = mod.kernel
            out[f"{p}.{ours}.bias"] = mod.bias
        for ours, norm in [("attention.norm", layer.attention_norm), ("output.norm", layer.output_norm)]:
            out[f"{p}.{ours}.gamma"] = norm.gamma
            out[f"{p}.{ours}.beta"] = norm.beta
    return out


def load_init(model, path):
    """Copies mmner's initial weights in; every parameter must be named, with its shape."""
    weights = load_safetensors(path)
    names = mmner_names(model)
    missing = sorted(set(names) - set(weights))
    unexpected = sorted(set(weights) - set(names))
    if missing or unexpected:
        raise SystemExit(f"{path}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    with torch.no_grad():
        for name, param in names.items():
            if tuple(weights[name].shape) != tuple(param.shape):
                raise SystemExit(f"{path}: {name} is {tuple(weights[name].shape)}, expected {tuple(param.shape)}")
            param.copy_(weights[name])


def to_device(d, device):
    return {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in d.items()}


def tensors(j, start, end):
    """Sentences [start, end) of the batch (one row each: no sentence needs two windows)."""
    S, T = j["S"], j["T"]
    n = end - start
    ids = torch.tensor(j["inputIds"][start * S : end * S], dtype=torch.long).view(n, S)
    att = torch.tensor(j["attentionMask"][start * S : end * S], dtype=torch.float32).view(n, S)
    word_mask = torch.tensor(j["wordMask"][start * T : end * T], dtype=torch.float32)
    word_index = torch.tensor(j["wordIndex"][start * T : end * T], dtype=torch.long)
    word_index = torch.where(word_mask > 0, word_index - start * S, torch.zeros_like(word_index))
    return {
        "B": n,
        "T": T,
        "ids": ids,
        "keyMask": ((1 - att) * MASKED).view(n, 1, 1, S),
        "wordIndex": word_index,
        "wordMask": word_mask.view(n * T, 1),
        "maskBT": word_mask.view(n, T),
        "tags": torch.tensor(j["tags"][start * T : end * T], dtype=torch.long).view(n, T),
    }


def chunks(b, parts):
    """Consecutive [start, end) runs whose sizes differ by at most 1, longer ones first."""
    k = max(1, min(parts, b))
    base, longer = divmod(b, k)
    out, at = [], 0
    for i in range(k):
        size = base + (1 if i < longer else 0)
        out.append((at, at + size))
        at += size
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", required=True, help="JSON written by bench/bert-speed.bench.ts")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--infer", type=int, default=2)
    ap.add_argument("--micro", type=int, default=1)
    ap.add_argument("--init", help="safetensors of mmner's initial weights (bench/parity.bench.ts)")
    ap.add_argument("--record", type=int, default=0, help="train this many steps and print their losses")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--precision", choices=["fp32", "tf32", "bf16"], default="fp32")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    device = torch.device(a.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = a.precision == "tf32"
        torch.backends.cudnn.allow_tf32 = a.precision == "tf32"
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=a.precision == "bf16")
    with open(a.batch) as f:
        j = json.load(f)
    c = j["config"]
    B = j["B"]
    parts = [(to_device(tensors(j, s, e), device), (e - s) / B) for s, e in chunks(B, a.micro)]
    whole = to_device(tensors(j, 0, B), device)
    model = BertNer(c)
    if a.init:
        load_init(model, a.init)
    model.to(device)
    opt = adamw(model, c["lr"], c["weightDecay"])

    def step():
        opt.zero_grad(set_to_none=True)
        total = 0.0
        for d, share in parts:
            with autocast:
                loss = model.loss(d) * share if len(parts) > 1 else model.loss(d)
            loss.backward()
            total += loss.item()
        torch.nn.utils.clip_grad_norm_(model.parameters(), c["clipNorm"])
        opt.step()
        return total

    def infer():
        with autocast:
            em = model.forward(whole, False)
        model.crf.viterbi(em.float(), j["lengths"])

    out = {}
    if a.record > 0:
        losses, times = [], []
        for _ in range(a.record):
            sync()
            t0 = time.perf_counter()
            losses.append(step())
            sync()
            times.append((time.perf_counter() - t0) * 1000)
        out.update(losses=losses, stepMs=times)
    train_ms = median_ms(step, a.warmup, a.steps) if a.steps > 0 else None
    infer_ms = None
    if a.infer > 0:
        with torch.no_grad():
            infer_ms = median_ms(infer, 1, a.infer)
    out.update(
        trainMs=train_ms,
        inferMs=infer_ms,
        params=params(model),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        blas=blas() if device.type == "cpu" else torch.cuda.get_device_name(device),
        device=str(device),
        precision=a.precision,
        micro=len(parts),
        peakRssMb=peak_rss_mb(),
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
