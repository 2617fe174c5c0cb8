import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isMmnerError } from '../../../src/core/errors.js';
import {
  ConllevalCounter,
  type ConllevalInputOptions,
  feedConllevalText,
  formatConllevalReport,
  splitConllevalTag,
} from '../../../src/core/metrics/index.js';
import { DATA, GOLDEN_CASES, goldenInput, TAG_SOUP, tagSoupInput } from './golden.js';

const FIXTURES = new URL('../../fixtures/conlleval/', import.meta.url);
const fixture = (path: string) => new URL(path, FIXTURES);

/** conlleval's command line as options; without -d it splits on one space, as conlleval does. */
function optionsFromArgs(args: readonly string[]): ConllevalInputOptions {
  const o: ConllevalInputOptions = { delimiter: ' ' };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-d') o.delimiter = args[++i] === '\\t' ? '\t' : args[i];
    else if (args[i] === '-r') o.raw = true;
    else if (args[i] === '-o') o.outsideTag = args[++i];
  }
  return o;
}

function report(text: string, options: ConllevalInputOptions): string {
  const counter = new ConllevalCounter();
  feedConllevalText(text, counter, options);
  return formatConllevalReport(counter.result());
}

interface EdgeCase {
  name: string;
  note: string;
  args?: string[];
  errorLine?: number;
}
const EDGE: EdgeCase[] = JSON.parse(readFileSync(fixture('edge/cases.json'), 'utf8'));

test('edge cases: the same report as conlleval.pl, or an error where it dies', async (t) => {
  assert.ok(EDGE.length >= 35);
  for (const c of EDGE) {
    await t.test(`${c.name}: ${c.note}`, () => {
      const text = readFileSync(fixture(`edge/${c.name}.txt`), 'utf8');
      const options = { ...optionsFromArgs(c.args ?? []), file: `${c.name}.txt` };
      if (existsSync(fixture(`edge/${c.name}.error`))) {
        assert.ok(c.errorLine, 'error cases name the line conlleval stops at');
        assert.throws(
          () => report(text, options),
          (e) =>
            isMmnerError(e) &&
            e.code === 'E_SCORE_COLUMNS' &&
            e.line === c.errorLine &&
            e.file === options.file,
        );
      } else {
        assert.equal(report(text, options), readFileSync(fixture(`edge/${c.name}.expected`), 'utf8'));
      }
    });
  }
});

test('the column-count error says what was expected and where', () => {
  const text = 'a B-PER B-PER\nb x I-PER I-PER\n';
  assert.throws(
    () => report(text, { delimiter: ' ', file: 'p.txt' }),
    (e) =>
      isMmnerError(e) &&
      e.message.startsWith('p.txt:2: 4 column(s) where line 1 has 3') &&
      /unexpected number of features/.test(e.message),
  );
  assert.throws(() => report('a\tB-PER\tO\n', { delimiter: ' ' }), /try --delimiter tab/);
  assert.throws(() => report('IMGID:1\nRT\tO\n', { delimiter: ' ' }), /--gold G --pred P/);
});

test('without a delimiter, a tab in the first non-blank line selects tabs', () => {
  const tab = readFileSync(fixture('edge/tab-separated.txt'), 'utf8');
  assert.equal(report(tab, {}), readFileSync(fixture('edge/tab-separated.expected'), 'utf8'));
  const counter = new ConllevalCounter();
  assert.equal(feedConllevalText('\n\na b\tB-X O\n', counter).delimiter, '\t');
  assert.equal(feedConllevalText('a B-X O\n', new ConllevalCounter()).delimiter, ' ');
});

test('tags split at the first hyphen, and type "0" is empty as in Perl', () => {
  assert.deepEqual(splitConllevalTag('B-I-PER'), { chunk: 'B', type: 'I-PER' });
  assert.deepEqual(splitConllevalTag('PER'), { chunk: 'PER', type: '' });
  assert.deepEqual(splitConllevalTag('B-0'), { chunk: 'B', type: '' });
  assert.deepEqual(splitConllevalTag('B-00'), { chunk: 'B', type: '00' });
  assert.deepEqual(splitConllevalTag('-'), { chunk: '', type: '' });
});

test('a prototype name as a chunk tag is an ordinary unknown tag', () => {
  // Expected output from conlleval.pl (the type change X -> "" starts a chunk; "" listed twice).
  const text = 'a constructor-X constructor-X\nb toString toString\n';
  const line = (type: string) =>
    `${type.padStart(17)}: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n`;
  assert.equal(
    report(text, { delimiter: ' ' }),
    'processed 2 tokens with 2 phrases; found: 2 phrases; correct: 2.\n' +
      'accuracy: 100.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n' +
      line('') +
      line('') +
      line('X'),
  );
});

const GOLDEN_INPUTS: Record<string, { sha256: string }> = JSON.parse(
  readFileSync(fixture('golden/inputs.json'), 'utf8'),
);

test('real data with generated predictions: the same report as conlleval.pl', {
  skip: !existsSync(DATA) && `no ${DATA}`,
}, async (t) => {
  const cases = [
    ...GOLDEN_CASES.map((c) => ({ name: c.name, text: () => goldenInput(c), delimiter: c.delimiter })),
    { name: TAG_SOUP.name, text: () => tagSoupInput(TAG_SOUP.seed, TAG_SOUP.tokens), delimiter: ' ' },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const text = c.text();
      const sha = createHash('sha256').update(text).digest('hex');
      assert.equal(
        sha,
        GOLDEN_INPUTS[c.name]?.sha256,
        'the generated input changed (generator or data): rerun test/fixtures/conlleval/make-expected.mjs',
      );
      assert.equal(
        report(text, { delimiter: c.delimiter }),
        readFileSync(fixture(`golden/${c.name}.expected`), 'utf8'),
      );
    });
  }
});

test('the golden inputs exercise what they claim (stray I-, E-/S-, -DOCSTART-, -X-, malformed tags)', {
  skip: !existsSync(DATA) && `no ${DATA}`,
}, () => {
  const byName = new Map(GOLDEN_CASES.map((c) => [c.name, goldenInput(c)]));
  assert.match(byName.get('tw15-test-bioes')!, / E-\w+\n/);
  assert.match(byName.get('tw15-test-bioes')!, / S-\w+\n/);
  assert.match(byName.get('tw15-test-iob1')!, / [BI]-\w+ I-\w+\n/);
  const tab = byName.get('tw15-test-malformed-tab')!;
  assert.match(tab, /^-DOCSTART-\t-X-\tO\tO\n/);
  assert.match(tab, /\n-X-\t-X-\tO\tO\n/);
  assert.match(tab, /\t\[-PER\n/);
  // The soup's report lists the empty type twice, as conlleval does.
  assert.match(readFileSync(fixture('golden/tag-soup.expected'), 'utf8'), /( {17}: .*\n){2}/);
});

test('a chunk still open at the end counts once, and result() can be called midway', () => {
  const counter = new ConllevalCounter();
  counter.token('B-PER', 'B-PER');
  assert.equal(counter.result().counts.correct, 1);
  assert.equal(counter.result().counts.correct, 1);
  counter.token('I-PER', 'O');
  const r = counter.result();
  assert.deepEqual(r.counts, { tokens: 2, correctTags: 1, foundGold: 1, foundPred: 1, correct: 0 });
});

test('the delimiter is one literal ASCII character', () => {
  assert.match(report('a|B-X|B-X\n', { delimiter: '|' }), /correct: 1\./);
  for (const delimiter of ['§', '||', '\n']) {
    assert.throws(
      () => report('a B-X B-X\n', { delimiter }),
      (e) => isMmnerError(e) && e.code === 'E_SCORE_DELIMITER',
    );
  }
});
