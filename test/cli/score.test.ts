import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { memoryIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { DATA, GOLDEN_CASES, perturb, readTagged } from '../core/metrics/golden.js';

const edge = (name: string) => fileURLToPath(new URL(`../fixtures/conlleval/edge/${name}`, import.meta.url));
const goldenExpected = (name: string) =>
  readFileSync(new URL(`../fixtures/conlleval/golden/${name}.expected`, import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'mmner-score-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const io = memoryIO(dir);
  const code = await main(['score', ...argv], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('mmner score FILE prints exactly what conlleval.pl prints', async () => {
  for (const name of ['utf8-types', 'no-hyphen-tags', 'rounding-eighths', 'docstart-with-tags', 'empty']) {
    const r = await run(edge(`${name}.txt`));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, readFileSync(edge(`${name}.expected`), 'utf8'), name);
    assert.equal(r.err, '');
  }
});

test('a tab-separated file is detected (= conlleval -d "\\t"); --delimiter forces a choice', async () => {
  const expected = readFileSync(edge('tab-separated.expected'), 'utf8');
  assert.equal((await run(edge('tab-separated.txt'))).out, expected);
  assert.equal((await run('--delimiter', 'tab', edge('tab-separated.txt'))).out, expected);
  const forced = await run('--delimiter', 'space', edge('tab-separated.txt'));
  assert.equal(forced.code, 2);
  assert.match(forced.err, /tab-separated\.txt:1: 1 column\(s\); conlleval needs at least 2/);
});

test('--raw and --outside-tag are conlleval -r and -o', async () => {
  const r = await run('--raw', '--outside-tag', 'NONE', edge('raw-outside-tag.txt'));
  assert.equal(r.out, readFileSync(edge('raw-outside-tag.expected'), 'utf8'));
});

test('--json prints the result object', async () => {
  const r = await run('--json', edge('zero-found-per-type.txt'));
  assert.equal(r.code, 0);
  const json = JSON.parse(r.out);
  assert.equal(json.mode, 'conlleval');
  assert.deepEqual(json.counts, { tokens: 3, correctTags: 1, foundGold: 2, foundPred: 2, correct: 1 });
  assert.deepEqual(
    json.types.map((t: { type: string; foundGold: number; foundPred: number }) => [
      t.type,
      t.foundGold,
      t.foundPred,
    ]),
    [
      ['LOC', 0, 1],
      ['ORG', 1, 1],
      ['PER', 1, 0],
    ],
  );
  assert.deepEqual(Object.keys(json.overall), ['precision', 'recall', 'f1']);
  assert.equal(json.overall.f1, 50);
});

test('--strict: a header line, then the same layout with strict counts', async () => {
  const file = join(dir, 'stray.txt');
  writeFileSync(file, 'Jimmy O O\nFallon I-PER I-PER\n\nParis B-LOC B-LOC\n');
  const r = await run('--strict', file);
  assert.equal(r.code, 0);
  const lines = r.out.split('\n');
  assert.match(lines[0]!, /^strict IOB2: entities are B-X \(I-X\)\* only/);
  assert.equal(lines[1], 'processed 3 tokens with 1 phrases; found: 1 phrases; correct: 1.');
  // BIOES reads the IOB2 file too, but then the unclosed B-LOC is no entity.
  assert.match(
    (await run('--strict', '--scheme', 'BIOES', file)).out,
    /^strict BIOES: .*\nprocessed 3 tokens with 0 phrases;/,
  );
  const bioes = join(dir, 'bioes.txt');
  writeFileSync(bioes, 'Paris B-LOC B-LOC\nCity E-LOC I-LOC\n');
  const bad = await run('--strict', bioes);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /bioes\.txt:2: tag 'E-LOC' is not valid in strict IOB2/);
});

test('--gold/--pred on Twitter-2015 test equals conlleval on the pasted file', {
  skip: !existsSync(DATA) && `no ${DATA}`,
}, async () => {
  // The golden case tw15-test-iob2 is `token gold pred`, i.e. exactly these two files pasted.
  const c = GOLDEN_CASES.find((x) => x.name === 'tw15-test-iob2')!;
  const sentences = readTagged(`${DATA}/${c.source}`);
  const pred = perturb(sentences, c.perturb);
  const predFile = join(dir, 'tw15.pred.txt');
  writeFileSync(
    predFile,
    sentences.map((s, k) => s.tokens.map((t, i) => `${t}\t${pred[k]![i]}\n`).join('')).join('\n'),
  );
  const r = await run('--gold', `${DATA}/${c.source}`, '--pred', predFile);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, goldenExpected(c.name));
});

test('user errors exit 2 with file:line and no stack', async () => {
  const columns = await run(edge('inconsistent-columns.txt'));
  assert.equal(columns.code, 2);
  assert.match(columns.err, /^mmner: .*inconsistent-columns\.txt:2: 4 column\(s\) where line 1 has 3/);
  assert.doesNotMatch(columns.err, /at .*\.ts:\d+/);

  const latin1 = join(dir, 'latin1.txt');
  writeFileSync(
    latin1,
    Buffer.concat([Buffer.from('a O O\nb B-PER B-PER\nJos'), Buffer.from([0xe9]), Buffer.from(' O O\n')]),
  );
  const enc = await run(latin1);
  assert.equal(enc.code, 2);
  assert.match(enc.err, /latin1\.txt:3: not UTF-8 \(byte 0xe9 at offset 23\)/);

  assert.match((await run(join(dir, 'missing.txt'))).err, /cannot read .*missing\.txt \(ENOENT\)/);
  const usage = [
    [[], /give one FILE/],
    [['a', 'b'], /give one FILE/],
    [['--gold', 'g'], /--gold and --pred go together/],
    [['--gold', 'g', '--pred', 'p', 'f'], /either FILE or --gold\/--pred/],
    [['--scheme', 'BIOES', 'f'], /--scheme only applies with --strict/],
    [['--strict', '--scheme', 'IOB1', 'f'], /--scheme must be one of IOB2, BIOES/],
    [['--outside-tag', 'X', 'f'], /only applies with --raw/],
    [['--delimiter', 'ab', 'f'], /--delimiter must be space, tab or one character/],
  ] as const;
  for (const [argv, message] of usage) {
    const r = await run(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, message);
  }
});

test("CRLF input: the report is still conlleval's, with a warning on stderr", async () => {
  const r = await run(edge('crlf-no-blank.txt'));
  assert.equal(r.code, 0);
  assert.equal(r.out, readFileSync(edge('crlf-no-blank.expected'), 'utf8'));
  assert.match(r.err, /warning: 3 line\(s\) end in CR/);
});

test('the real command reads standard input for "-"', () => {
  const bin = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', bin, 'score', '-'], {
    input: readFileSync(edge('e-and-s-tags.txt')),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(edge('e-and-s-tags.expected'), 'utf8'));
});
