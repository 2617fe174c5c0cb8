/**
 * Plain-JS (float64, explicit loops, no tfjs) reference versions of the contrastive losses,
 * written straight from their formulas; the tests compare the tfjs code against these and
 * take finite differences of them for gradient checks.
 */

export type Vec = number[];

export function cos(a: Vec, b: Vec): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < a.length; k++) {
    dot += a[k]! * b[k]!;
    na += a[k]! * a[k]!;
    nb += b[k]! * b[k]!;
  }
  return dot / (Math.sqrt(na) * Math.sqrt(nb));
}

/** NT-Xent over a 2B×2B score matrix: positive of r is (r+B) mod 2B, self excluded, mean over 2B. */
export function refNtXentFromScores(s: number[][], tau: number): number {
  const n = s.length;
  const b = n / 2;
  let total = 0;
  for (let r = 0; r < n; r++) {
    const pos = (r + b) % n;
    let denom = 0;
    for (let c = 0; c < n; c++) if (c !== r) denom += Math.exp(s[r]![c]! / tau);
    total += -Math.log(Math.exp(s[r]![pos]! / tau) / denom);
  }
  return total / n;
}

export function refNtXent(text: Vec[], image: Vec[], tau: number): number {
  const z = [...text, ...image];
  const s = z.map((a) => z.map((b) => cos(a, b)));
  return refNtXentFromScores(s, tau);
}

/** CLIP symmetric InfoNCE over a B×B score matrix scaled by min(exp(logScale), 100). */
export function refInfoNceFromScores(s: number[][], logScale: number): number {
  const scale = Math.min(Math.exp(logScale), 100);
  const b = s.length;
  let rows = 0;
  let cols = 0;
  for (let i = 0; i < b; i++) {
    let denomRow = 0;
    let denomCol = 0;
    for (let j = 0; j < b; j++) {
      denomRow += Math.exp(scale * s[i]![j]!);
      denomCol += Math.exp(scale * s[j]![i]!);
    }
    rows += -Math.log(Math.exp(scale * s[i]![i]!) / denomRow);
    cols += -Math.log(Math.exp(scale * s[i]![i]!) / denomCol);
  }
  return (rows / b + cols / b) / 2;
}

export function refInfoNce(text: Vec[], image: Vec[], logScale: number): number {
  return refInfoNceFromScores(
    text.map((t) => image.map((v) => cos(t, v))),
    logScale,
  );
}

/** s(i,j) = mean over real queries of item i of the max over real keys of item j of the cosine. */
export function refLate(
  q: Vec[][],
  qMask: number[][] | null,
  k: Vec[][],
  kMask: number[][] | null,
): number[][] {
  return q.map((qi, i) =>
    k.map((kj, j) => {
      let sum = 0;
      let count = 0;
      qi.forEach((qv, a) => {
        if (qMask && qMask[i]![a] === 0) return;
        let best = -Infinity;
        kj.forEach((kv, c) => {
          if (kMask && kMask[j]![c] === 0) return;
          best = Math.max(best, cos(qv, kv));
        });
        sum += best;
        count++;
      });
      return sum / count;
    }),
  );
}

export function refTokenInfoNce(
  tokens: Vec[][],
  mask: number[][],
  regions: Vec[][],
  logScale: number,
): number {
  return refInfoNceFromScores(refLate(tokens, mask, regions, null), logScale);
}

export function refTokenNtXent(tokens: Vec[][], mask: number[][], regions: Vec[][], tau: number): number {
  const s = refLate(tokens, mask, regions, null);
  const tt = refLate(tokens, mask, tokens, mask);
  const ii = refLate(regions, null, regions, null);
  const b = tokens.length;
  const full: number[][] = [];
  for (let r = 0; r < 2 * b; r++) {
    const row: number[] = [];
    for (let c = 0; c < 2 * b; c++) {
      if (r < b && c < b) row.push(tt[r]![c]!);
      else if (r < b) row.push(s[r]![c - b]!);
      else if (c < b) row.push(s[c]![r - b]!);
      else row.push(ii[r - b]![c - b]!);
    }
    full.push(row);
  }
  return refNtXentFromScores(full, tau);
}

/** Central finite difference of f at every entry of a nested array (mutated and restored). */
export function finiteDiff(f: () => number, arr: number[][], h = 1e-5): number[][] {
  return arr.map((row) =>
    row.map((_, k) => {
      const x = row[k]!;
      row[k] = x + h;
      const up = f();
      row[k] = x - h;
      const down = f();
      row[k] = x;
      return (up - down) / (2 * h);
    }),
  );
}
