// A plain-JS float64 reference of the collaboration module (loops, no tfjs), read from the
// module's own variables, to check the tfjs implementation against.
import type * as tf from '@tensorflow/tfjs';

type Vec = number[];
type Mat = number[][];

const linear = (x: Vec, w: Mat, b: Vec): Vec =>
  b.map((bias, j) => x.reduce((s, xi, i) => s + xi * w[i]![j]!, bias));

function layerNorm(x: Vec, gamma: Vec, beta: Vec, eps: number): Vec {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * gamma[i]! + beta[i]!);
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export interface ReferenceOutput {
  fused: number[][][];
  /** [branch][b][head][t][r] */
  attention: number[][][][][];
  /** [branch][b][t] */
  gate: number[][][];
}

/** The module's math for words [B][T][Dt], mask [B][T], regions [branch][B][R][Di]. */
export function referenceCollaboration(
  vars: Map<string, tf.Variable>,
  cfg: { heads: number; attnDim: number; gate: boolean; branches: number; layerNormEps: number },
  words: number[][][],
  mask: number[][],
  regions: number[][][][],
): ReferenceOutput {
  const get = (name: string) => {
    const v = vars.get(name);
    if (!v) throw new Error(`no variable ${name}`);
    return v.arraySync() as unknown;
  };
  const dh = cfg.attnDim / cfg.heads;
  const out: ReferenceOutput = { fused: [], attention: [], gate: [] };
  const ys: number[][][][] = []; // [branch][b][t][Dt]
  for (let br = 0; br < cfg.branches; br++) {
    const p = (n: string) => get(`branch${br}.${n}`);
    const [wq, bq, wk, bk, wv, bv, wo, bo] = ['query', 'key', 'value', 'output'].flatMap((n) => [
      p(`${n}.kernel`) as Mat,
      p(`${n}.bias`) as Vec,
    ]) as [Mat, Vec, Mat, Vec, Mat, Vec, Mat, Vec];
    const gamma = p('norm.gamma') as Vec;
    const beta = p('norm.beta') as Vec;
    out.attention.push([]);
    out.gate.push([]);
    ys.push([]);
    words.forEach((sentence, b) => {
      const keys = regions[br]![b]!.map((x) => linear(x, wk, bk));
      const values = regions[br]![b]!.map((x) => linear(x, wv, bv));
      const att: number[][][] = Array.from({ length: cfg.heads }, () => []);
      const gates: number[] = [];
      const yb: number[][] = [];
      sentence.forEach((w, t) => {
        const q = linear(w, wq, bq);
        const context: Vec = new Array(cfg.attnDim).fill(0);
        for (let h = 0; h < cfg.heads; h++) {
          const scores = keys.map((k) => {
            let s = 0;
            for (let d = h * dh; d < (h + 1) * dh; d++) s += q[d]! * k[d]!;
            return s / Math.sqrt(dh);
          });
          const m = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - m));
          const z = e.reduce((a, c) => a + c, 0);
          const probs = e.map((v) => v / z);
          att[h]!.push(probs.map((v) => v * mask[b]![t]!));
          for (let d = h * dh; d < (h + 1) * dh; d++) {
            context[d] = probs.reduce((s, pr, r) => s + pr * values[r]![d]!, 0);
          }
        }
        const a = linear(context, wo, bo);
        let g = 1;
        if (cfg.gate) g = sigmoid(linear([...w, ...a], p('gate.kernel') as Mat, p('gate.bias') as Vec)[0]!);
        gates.push(g * mask[b]![t]!);
        yb.push(
          layerNorm(
            w.map((wi, i) => wi + g * a[i]!),
            gamma,
            beta,
            cfg.layerNormEps,
          ),
        );
      });
      out.attention[br]!.push(att);
      out.gate[br]!.push(gates);
      ys[br]!.push(yb);
    });
  }
  out.fused = words.map((sentence, b) =>
    sentence.map((_, t) => {
      const parts = ys.map((y) => y[b]![t]!);
      const f =
        cfg.branches > 1
          ? linear(parts.flat(), get('merge.kernel') as Mat, get('merge.bias') as Vec)
          : parts[0]!;
      return f.map((v) => v * mask[b]![t]!);
    }),
  );
  return out;
}
