/**
 * `npm run demo`: the main job on the embedded sample data, end to end with the CLI: write the
 * dataset, validate it, print its statistics, train 2M-NER (tiny preset, wasm) twice — the
 * multimodal model and its text-only ablation, side by side on the two cores — and compare
 * per-language test F1, overall and on the ambiguous subset where only the image tells the type,
 * then write the static report (runs/demo/multimodal/report/index.html).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { main } from '../src/cli/main.js';
import { formatTable } from '../src/cli/tables.js';
import { loadDataset } from '../src/core/data/dataset.node.js';
import { scoreByLanguage, scoreSentences } from '../src/core/metrics/index.js';
import type { Sentence } from '../src/core/types.js';
import type { EvalReport } from '../src/eval/evaluate.js';
import { MostFrequentTagBaseline } from '../src/model/baseline.js';

const DATA = 'runs/demo/data';
const CLI = resolve('dist/cli.js');
const EPOCHS = process.env.MMNER_DEMO_EPOCHS ?? '8';
const started = performance.now();

async function step(title: string, argv: string[]): Promise<void> {
  console.log(`\n== ${title}\n$ mmner ${argv.join(' ')}`);
  const code = await main(argv);
  if (code !== 0) {
    console.error(`demo: \`mmner ${argv.join(' ')}\` failed with exit code ${code}`);
    process.exit(code);
  }
}

/** Runs `mmner train` in a child process (one per core); its output goes to runs/<name>.log. */
function train(name: string, extra: string[]): Promise<void> {
  const argv = ['train', '--data', DATA, '--out', `runs/demo/${name}`, '--epochs', EPOCHS, ...extra];
  console.log(`$ mmner ${argv.join(' ')}   (log: runs/demo/${name}.log)`);
  const log = createWriteStream(`runs/demo/${name}.log`);
  const child = spawn(process.execPath, [CLI, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.on('data', (chunk: Buffer) => {
    log.write(chunk);
    const last = chunk.toString().trim().split('\n').at(-1);
    if (last && /dev F1/.test(last)) console.log(`  ${name}: ${last}`);
  });
  return new Promise((done, fail) =>
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`${name} failed (${code}): see runs/demo/${name}.log`)),
    ),
  );
}

await step('1. Write the sample dataset', ['data', 'sample', '--out', DATA, '--force']);
await step('2. Validate it', ['data', 'validate', DATA]);
await step('3. Statistics', ['data', 'stats', DATA]);

console.log(`\n== 4. Train 2M-NER (tiny) with images and text-only, ${EPOCHS} epochs each, in parallel`);
await Promise.all([train('multimodal', []), train('text-only', ['--ablation', 'text-only'])]);

console.log('\n== 5. Test F1 (conlleval), selected on dev');
const data = await loadDataset(resolve(DATA, 'dataset.json'));
const test = data.splits.test ?? [];
const ambiguous = new Set(data.subsets.ambiguous ?? []);
const baseline = new MostFrequentTagBaseline(data.splits.train ?? []);
const baselinePred = test.map((s) => baseline.predict(s.tokens));
const baselineByLang = scoreByLanguage(test, baselinePred);
const report = (name: string) =>
  JSON.parse(readFileSync(`runs/demo/${name}/eval/test.json`, 'utf8')) as EvalReport;
const mm = report('multimodal');
const to = report('text-only');
const ambiguousBaseline = (lang: string) => {
  const idx = test.flatMap((s: Sentence, i) =>
    ambiguous.has(s.id) && (lang === 'all' || s.lang === lang) ? [i] : [],
  );
  return scoreSentences(
    idx.map((i) => test[i]!.tags),
    idx.map((i) => baselinePred[i]!),
  ).overall.f1;
};
const ambiguousF1 = (r: EvalReport, lang: string) => {
  const rows = r.sentences.filter(
    (s) => s.subsets?.includes('ambiguous') && (lang === 'all' || s.lang === lang),
  );
  return scoreSentences(
    rows.map((s) => s.gold),
    rows.map((s) => s.pred),
  ).overall.f1;
};
const langs = [...Object.keys(mm.metrics.conlleval.byLanguage), 'all'];
const f1 = (r: EvalReport, lang: string) =>
  (lang === 'all' ? r.metrics.conlleval.overall : r.metrics.conlleval.byLanguage[lang]!).overall.f1;
const baseF1 = (lang: string) =>
  (lang === 'all' ? baselineByLang.overall : baselineByLang.byLanguage[lang]!).overall.f1;
console.log(
  formatTable(
    ['lang', 'baseline', 'text-only', 'multimodal', 'ambiguous: baseline', 'text-only', 'multimodal'],
    langs.map((lang) => [
      lang,
      ...[
        baseF1(lang),
        f1(to, lang),
        f1(mm, lang),
        ambiguousBaseline(lang),
        ambiguousF1(to, lang),
        ambiguousF1(mm, lang),
      ].map((x) => x.toFixed(2)),
    ]),
  ),
);
console.log(
  'baseline = most frequent tag per word. "ambiguous": sentences whose entity only the image can type' +
    ` (${ambiguous.size} of ${data.splits.train!.length + data.splits.dev!.length + test.length}).` +
    `\nRuns: ${resolve('runs/demo/multimodal')}, ${resolve('runs/demo/text-only')}` +
    `  (training and scoring took ${((performance.now() - started) / 1000).toFixed(0)} s)`,
);

await step('6. Report: charts, errors with images, image helped / hurt, alignment, attention', [
  'report',
  '--run',
  'runs/demo/multimodal',
  '--compare',
  'runs/demo/text-only',
]);
console.log(
  `\nOpen ${resolve('runs/demo/multimodal/report/index.html')} in a browser.` +
    `  (demo took ${((performance.now() - started) / 1000).toFixed(0)} s)`,
);
