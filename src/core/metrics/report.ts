/**
 * conlleval's printed report, byte for byte: the counts line, the overall line (only when there
 * are tokens), then one line per type in byte order. Strict results get one header line naming
 * the mode, so a default report is always exactly what conlleval.pl prints. Pure.
 */
import { f62, padStartBytes } from './perlFormat.js';
import type { ScoreResult } from './result.js';

export function formatConllevalReport(result: ScoreResult): string {
  const { counts } = result;
  const lines: string[] = [];
  if (result.mode === 'strict') {
    const spelled = result.scheme === 'BIOES' ? 'B-X (I-X)* E-X or S-X' : 'B-X (I-X)*';
    lines.push(`strict ${result.scheme ?? 'IOB2'}: entities are ${spelled} only (seqeval mode='strict')`);
  }
  lines.push(
    `processed ${counts.tokens} tokens with ${counts.foundGold} phrases; ` +
      `found: ${counts.foundPred} phrases; correct: ${counts.correct}.`,
  );
  if (counts.tokens > 0) {
    const o = result.overall;
    lines.push(
      `accuracy: ${f62(result.accuracy)}%; precision: ${f62(o.precision)}%; ` +
        `recall: ${f62(o.recall)}%; FB1: ${f62(o.f1)}`,
    );
  }
  for (const t of result.types) {
    const line =
      `${padStartBytes(t.type, 17)}: precision: ${f62(t.precision)}%; ` +
      `recall: ${f62(t.recall)}%; FB1: ${f62(t.f1)}  ${t.foundPred}`;
    lines.push(line);
    // conlleval dedupes its sorted type list with `not($lastType) or ...`; "" is false in Perl, so
    // the empty type (tags like `B` or `B-`) is listed once per table it occurs in.
    if (t.type === '' && t.foundGold > 0 && t.foundPred > 0) lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}
