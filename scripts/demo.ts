/**
 * `npm run demo`: the main job on the embedded sample data, end to end with the CLI: write the
 * dataset, validate it, print its statistics, then score the text-only most-frequent-tag
 * baseline per language — overall and on the ambiguous subset, where only the image can tell
 * the type. (The 2M-NER model and its multimodal run join here with the model issue.)
 */
import { resolve } from 'node:path';
import { main } from '../src/cli/main.js';
import { loadDataset } from '../src/core/data/dataset.node.js';
import { scoreByLanguage, scoreSentences } from '../src/core/metrics/index.js';
import type { Sentence } from '../src/core/types.js';
import { MostFrequentTagBaseline } from '../src/model/baseline.js';

const DATA = 'runs/demo/data';
const started = performance.now();

async function step(title: string, argv: string[]): Promise<void> {
  console.log(`\n== ${title}\n$ mmner ${argv.join(' ')}`);
  const code = await main(argv);
  if (code !== 0) {
    console.error(`demo: \`mmner ${argv.join(' ')}\` failed with exit code ${code}`);
    process.exit(code);
  }
}

await step('1. Write the sample dataset', ['data', 'sample', '--out', DATA, '--force']);
await step('2. Validate it', ['data', 'validate', DATA]);
await step('3. Statistics', ['data', 'stats', DATA]);

console.log('\n== 4. Text-only baseline (most frequent tag per word), test split, conlleval F1');
const data = await loadDataset(resolve(DATA, 'dataset.json'));
const model = new MostFrequentTagBaseline(data.splits.train ?? []);
const test = data.splits.test ?? [];
const predict = (s: Sentence) => model.predict(s.tokens);
const inSubset = (name: string) => new Set(data.subsets[name] ?? []);
const f1 = (sentences: Sentence[]) =>
  scoreSentences(
    sentences.map((s) => s.tags),
    sentences.map(predict),
  ).overall.f1;

const ambiguous = inSubset('ambiguous');
const all = scoreByLanguage(test, test.map(predict));
const rows = [...Object.entries(all.byLanguage), ['all', all.overall] as const].map(([lang, r]) => {
  const of = (s: Sentence) => lang === 'all' || s.lang === lang;
  return [
    lang,
    String(test.filter(of).length),
    r.overall.precision.toFixed(2),
    r.overall.recall.toFixed(2),
    r.overall.f1.toFixed(2),
    f1(test.filter((s) => of(s) && ambiguous.has(s.id))).toFixed(2),
    f1(test.filter((s) => of(s) && !ambiguous.has(s.id))).toFixed(2),
  ];
});
const head = ['lang', 'sentences', 'P', 'R', 'F1', 'F1 ambiguous', 'F1 rest'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padStart(widths[i]!)).join('  '));
console.log(
  '\nThe text alone cannot resolve the ambiguous subset (e.g. "Jordan" as PER or LOC); the image can.' +
    `\nDataset: ${resolve(DATA)}  (demo took ${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
