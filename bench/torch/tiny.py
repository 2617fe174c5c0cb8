"""The `tiny` 2M-NER model and its training step in PyTorch, for bench/train-speed.bench.ts.

It mirrors src/model (tiny preset) op for op where it matters for speed, on the very batch the
TypeScript benchmark hands over (ids, lengths, tags, images; a JSON file):

  text: word embedding + char CNN (unfolded windows · kernel, max over real characters) + casing
        embedding -> input dropout -> BiLSTM (one input matmul for both directions, then per step
        one [B,2H]·[2H,8H] matmul against the block-diagonal recurrent kernel, backward direction
        reversed within each sentence's length) -> words [B,T,2H], masked-mean sentence vector;
  image: three 3x3 stride-2 convs with ReLU (3->32->64->128), LayerNorm per region, dropout, mean;
  collaboration: 4-head cross-attention words->regions (separate Q/K/V/O), dropout on the
        probabilities and the context, sigmoid gate over [word; context], residual + LayerNorm;
  emissions: dropout, Linear; CRF NLL (forward algorithm over T steps, forbidden IOB2 moves masked);
  contrastive: projection heads (Linear-ReLU-Linear) and sentence-level NT-Xent (tau 0.5), weight 0.25;
  AdamW (torch.optim.AdamW, no decay on biases and LayerNorm), gradient clipping by global norm.

Differences (cost-neutral or in PyTorch's favour, see docs/performance.md):
  * PyTorch's own fused kernels where it has them (F.layer_norm, torch.logsumexp, F.conv2d with
    NCHW and padding 1 instead of TF's asymmetric 'same': same shapes and cost); NT-Xent and the
    CRF are written with the same primitive ops as the TS code;
  * dropout masks come from torch's generator (TS draws them in JS), word dropout is left out
    (it only rewrites ids in JS before upload);
  * `--lstm nn` swaps the hand-written BiLSTM for torch.nn.LSTM over packed sequences, the way a
    PyTorch user would write it (fused gates, no per-step Python ops).

Prints one JSON line: median train/infer ms, parameter count, threads, peak RSS.
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp python3 bench/torch/tiny.py --batch b.json
Shared parts (Linear, LayerNorm, CRF, AdamW groups, timing) are in common.py.
"""

import argparse
import json
import math

import torch
import torch.nn.functional as F
from common import Crf, LayerNorm, Linear, adamw, blas, median_ms, params, peak_rss_mb, uniform, zeros

MASKED = -1e4
SELF = -1e9


class TextEncoder(torch.nn.Module):
    def __init__(self, c, lstm_kind):
        super().__init__()
        self.c = c
        H = c["hidden"]
        din = c["wordDim"] + c["charFilters"] + c["casingDim"]
        self.word = uniform((c["wordVocab"], c["wordDim"]), math.sqrt(3 / c["wordDim"]))
        self.char = uniform((c["charVocab"], c["charDim"]), math.sqrt(3 / c["charDim"]))
        w, E, Fi = c["charWidth"], c["charDim"], c["charFilters"]
        self.char_kernel = uniform((w, E, Fi), math.sqrt(6 / (w * E + Fi)))
        self.char_bias = zeros(Fi)
        self.casing = uniform((c["casingVocab"], c["casingDim"]), math.sqrt(3 / c["casingDim"]))
        self.lstm_kind = lstm_kind
        if lstm_kind == "nn":
            self.lstm = torch.nn.LSTM(din, H, batch_first=True, bidirectional=True)
        else:
            b = math.sqrt(6 / (din + 4 * H))
            self.fw_kernel, self.bw_kernel = uniform((din, 4 * H), b), uniform((din, 4 * H), b)
            r = 1 / math.sqrt(H)
            self.fw_rec, self.bw_rec = uniform((H, 4 * H), r), uniform((H, 4 * H), r)
            self.fw_bias, self.bw_bias = zeros(4 * H), zeros(4 * H)
        self.din = din

    def char_features(self, d):
        E, Fi, w = self.c["charDim"], self.c["charFilters"], self.c["charWidth"]
        N, C = d["N"], d["C"]
        emb = self.char[d["charIds"]].view(N, C, E) * d["charReal"]
        half = (w - 1) // 2
        padded = F.pad(emb, (0, 0, half, half))
        windows = torch.cat([padded[:, k : k + C, :] for k in range(w)], 2)
        conv = windows.reshape(N * C, w * E) @ self.char_kernel.reshape(w * E, Fi) + self.char_bias
        masked = conv.view(N, C, Fi) + (d["charValid"] - 1) * -MASKED
        return masked.max(1).values

    def bilstm_loop(self, x, d):
        B, T, H = d["B"], d["T"], self.c["hidden"]
        N = B * T
        proj = x @ torch.cat([self.fw_kernel, self.bw_kernel], 1) + torch.cat([self.fw_bias, self.bw_bias])
        pf = proj[:, : 4 * H].reshape(N * 4, H)
        pb = proj[:, 4 * H :][d["rev"]].reshape(N * 4, H)
        steps = torch.cat([pf, pb], 1).reshape(T, B, 8 * H).unbind(0)
        z4 = torch.zeros(H, 4, 1, H)
        top = torch.cat([self.fw_rec.reshape(H, 4, 1, H), z4], 2)
        bottom = torch.cat([z4, self.bw_rec.reshape(H, 4, 1, H)], 2)
        U = torch.cat([top, bottom], 0).reshape(2 * H, 8 * H)
        D = 2 * H
        h = torch.zeros(B, D)
        c = torch.zeros(B, D)
        hs = []
        for t in range(T):
            z = steps[t] + h @ U
            s = torch.sigmoid(z[:, : 3 * D])
            g = torch.tanh(z[:, 3 * D :])
            c = s[:, D : 2 * D] * c + s[:, :D] * g
            h = s[:, 2 * D :] * torch.tanh(c)
            hs.append(h)
        out = torch.stack(hs).reshape(N, D)
        return torch.cat([out[:, :H], out[:, H:][d["rev"]]], 1) * d["maskTm"]

    def forward(self, d, training):
        B, T = d["B"], d["T"]
        N = B * T
        x = torch.cat([self.word[d["wordIds"]], self.char_features(d), self.casing[d["casing"]]], 1)
        x = x * d["mask"]
        x = F.dropout(x, self.c["dropout"], training)
        if self.lstm_kind == "nn":
            packed = torch.nn.utils.rnn.pack_padded_sequence(
                x.view(B, T, -1), d["lengthsCpu"], batch_first=True, enforce_sorted=False
            )
            y, _ = self.lstm(packed)
            out, _ = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=True, total_length=T)
        else:
            xt = x.view(B, T, -1).transpose(0, 1).reshape(N, -1)
            y = self.bilstm_loop(xt, d)
            out = y.view(T, B, -1).transpose(0, 1)
        sentence = out.sum(1) / d["lengths"].clamp(min=1).unsqueeze(1)
        return out, sentence


class TinyCnn(torch.nn.Module):
    def __init__(self, channels=(32, 64, 128), dropout=0.1):
        super().__init__()
        self.kernels = torch.nn.ParameterList()
        self.biases = torch.nn.ParameterList()
        cin = 3
        for cout in channels:
            self.kernels.append(uniform((cout, cin, 3, 3), math.sqrt(6 / (9 * cin))))
            self.biases.append(zeros(cout))
            cin = cout
        self.norm = LayerNorm(cin)
        self.dropout = dropout
        self.dim = cin

    def forward(self, images, training):
        x = images
        for k, b in zip(self.kernels, self.biases):
            x = F.relu(F.conv2d(x, k, b, stride=2, padding=1))
        regions = x.flatten(2).transpose(1, 2)  # [B, R, D]
        regions = F.dropout(self.norm(regions), self.dropout, training)
        return regions, regions.mean(1)


class Collaboration(torch.nn.Module):
    def __init__(self, word_dim, region_dim, heads=4, dropout=0.1):
        super().__init__()
        self.query = Linear(word_dim, word_dim)
        self.key = Linear(region_dim, word_dim)
        self.value = Linear(region_dim, word_dim)
        self.output = Linear(word_dim, word_dim, 0.1)
        self.norm = LayerNorm(word_dim)
        self.gate = Linear(2 * word_dim, 1)
        self.heads = heads
        self.dropout = dropout

    def split(self, x):
        B, L, A = x.shape
        return x.view(B, L, self.heads, A // self.heads).transpose(1, 2)

    def forward(self, words, regions, mask3, training):
        B, T, A = words.shape
        q, k, v = self.split(self.query(words)), self.split(self.key(regions)), self.split(self.value(regions))
        probs = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(A // self.heads), -1)
        context = F.dropout(probs, self.dropout, training) @ v
        merged = context.transpose(1, 2).reshape(B, T, A)
        attended = F.dropout(self.output(merged), self.dropout, training)
        g = torch.sigmoid(self.gate(torch.cat([words, attended], -1)))
        return self.norm(words + g * attended) * mask3


class Projection(torch.nn.Module):
    def __init__(self, din, dh, dout):
        super().__init__()
        self.w1, self.b1 = uniform((din, dh), 1 / math.sqrt(din)), uniform((dh,), 1 / math.sqrt(din))
        self.w2, self.b2 = uniform((dh, dout), 1 / math.sqrt(dh)), uniform((dout,), 1 / math.sqrt(dh))

    def forward(self, x):
        return F.relu(x @ self.w1 + self.b1) @ self.w2 + self.b2


def l2n(x):
    return x * torch.rsqrt(torch.clamp((x * x).sum(-1, keepdim=True), min=1e-16))


def nt_xent(text, image, tau):
    z = torch.cat([text, image], 0)
    zn = l2n(z)
    n = z.shape[0]
    b = n // 2
    logits = (zn @ zn.t()) / tau + torch.eye(n) * SELF
    pos = torch.cat([torch.arange(b, n), torch.arange(0, b)])
    onehot = F.one_hot(pos, n).float()
    return -(torch.log_softmax(logits, 1) * onehot).sum(1).mean()


class Tiny(torch.nn.Module):
    """The tiny model; with `textOnly` in the config, the `text-only` ablation (no image CNN,
    collaboration or contrastive loss: emissions straight from the BiLSTM's words)."""

    def __init__(self, c, lstm_kind):
        super().__init__()
        self.c = c
        self.text_only = bool(c.get("textOnly"))
        self.text = TextEncoder(c, lstm_kind)
        wd = 2 * c["hidden"]
        self.emission = Linear(wd, c["numTags"])
        self.crf = Crf(c["crf"])
        if self.text_only:
            return
        self.cnn = TinyCnn()
        self.collab = Collaboration(wd, self.cnn.dim, c["heads"], c["collabDropout"])
        p = c["projectionDim"]
        self.project_text = Projection(wd, p, p)
        self.project_image = Projection(self.cnn.dim, p, p)

    def forward(self, d, training):
        words, sentence = self.text(d, training)
        if self.text_only:
            return self.emission(F.dropout(words, self.c["dropout"], training)), sentence, None
        regions, glob = self.cnn(d["images"], training)
        fused = self.collab(words, regions, d["mask3"], training)
        em = self.emission(F.dropout(fused, self.c["dropout"], training))
        return em, sentence, glob

    def loss(self, d):
        em, sentence, glob = self.forward(d, True)
        crf = self.crf.nll_mean(em, d["tags"], d["maskBT"]) * self.c["crfWeight"]
        if self.text_only:
            return crf
        cl = nt_xent(self.project_text(sentence), self.project_image(glob), self.c["temperature"])
        return crf + cl * self.c["clWeight"]


def tensors(j):
    B, T, C = j["B"], j["T"], j["C"]
    N = B * T
    lengths = j["lengths"]
    char_len = j["charLengths"]
    real = torch.zeros(N, C, 1)
    valid = torch.zeros(N, C, 1)
    for i, n in enumerate(char_len):
        real[i, :n] = 1
        valid[i, : max(1, n)] = 1
    mask = torch.tensor(j["mask"], dtype=torch.float32)
    rev = []
    for t in range(T):
        for b in range(B):
            rev.append((lengths[b] - 1 - t if t < lengths[b] else t) * B + b)
    mask_bt = mask.view(B, T)
    return {
        "B": B,
        "T": T,
        "C": C,
        "N": N,
        "wordIds": torch.tensor(j["wordIds"], dtype=torch.long),
        "charIds": torch.tensor(j["charIds"], dtype=torch.long),
        "casing": torch.tensor(j["casing"], dtype=torch.long),
        "charReal": real,
        "charValid": valid,
        "mask": mask.view(N, 1),
        "maskBT": mask_bt,
        "mask3": mask_bt.unsqueeze(2),
        "maskTm": mask_bt.t().reshape(N, 1),
        "rev": torch.tensor(rev, dtype=torch.long),
        "lengths": torch.tensor(lengths, dtype=torch.float32),
        "lengthsCpu": torch.tensor(lengths, dtype=torch.long),
        "tags": torch.tensor(j["tags"], dtype=torch.long).view(B, T),
        # NCHW, as PyTorch convolutions want it (the TS side is NHWC); none for text-only.
        "images": torch.tensor(j["images"], dtype=torch.float32)
        .view(B, j["imageSize"], j["imageSize"], 3)
        .permute(0, 3, 1, 2)
        .contiguous()
        if j["images"]
        else None,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", required=True, help="JSON written by bench/train-speed.bench.ts")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--infer", type=int, default=10)
    ap.add_argument("--lstm", choices=["loop", "nn"], default="loop")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    with open(a.batch) as f:
        j = json.load(f)
    c = j["config"]
    d = tensors(j)
    model = Tiny(c, a.lstm)
    opt = adamw(model, c["lr"], c["weightDecay"])

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model.loss(d)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), c["clipNorm"])
        opt.step()
        return loss.item()

    def infer():
        em, _, _ = model.forward(d, False)
        model.crf.viterbi(em, j["lengths"])

    train_ms = median_ms(step, a.warmup, a.steps)
    with torch.no_grad():
        infer_ms = median_ms(infer, 1, a.infer)
    print(
        json.dumps(
            {
                "trainMs": train_ms,
                "inferMs": infer_ms,
                "params": params(model),
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "blas": blas(),
                "lstm": a.lstm,
                "peakRssMb": peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
