import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { memoryIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { NO_SHARED_DATA, shared, tempDir } from '../core/data/helpers.js';

const TINY = resolve(import.meta.dirname, '../fixtures/data/tiny');

async function run(...argv: string[]) {
  const io = memoryIO();
  const code = await main(['data', 'overlap', ...argv], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('MMNERD-en test vs Twitter-2017 train: the measured contamination', {
  skip: NO_SHARED_DATA,
}, async () => {
  const r = await run(shared('mmnerd-en/test.txt'), shared('twitter2017/train.txt'), '--show', '1');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /A: .*mmnerd-en\/test\.txt \(2,533 sentences\)/);
  assert.match(r.out, /same tokens: +210 of A \(8\.3%\), 210 of B \(6\.2%\)/);
  assert.match(r.out, /same tokens and tags: +209 of A/);
  assert.match(r.out, /same image id: +211 of A/);
  assert.match(r.out, /mmnerd-en\/test\.txt:\d+ \(\S+\) ↔ .*twitter2017\/train\.txt:\d+ \(\S+\)/);
  const j = JSON.parse(
    (await run(shared('mmnerd-en/test.txt'), shared('twitter2017/train.txt'), '--json')).out,
  );
  assert.deepEqual(
    j.kinds.map((k: { kind: string; inA: number }) => [k.kind, k.inA]),
    [
      ['tokens', 210],
      ['tokens+tags', 209],
      ['image', 211],
    ],
  );
});

test('manifest splits as PATH#SPLIT; --fail exits 1 on shared tokens; --type-map before comparing tags', async () => {
  const dir = tempDir();
  const other = join(dir, 'other.txt');
  writeFileSync(other, 'IMGID:x\nThe\tO\nLouvre\tB-OTHER\nMuseum\tI-OTHER\n');
  const plain = await run(`${TINY}#train`, other);
  assert.equal(plain.code, 0, plain.err);
  assert.match(plain.out, /same tokens: +1 of A/);
  // The manifest maps OTHER→MISC on reading; the loose file does not unless asked.
  assert.match(plain.out, /same tokens and tags: +0 of A/);
  const mapped = await run(`${TINY}/dataset.json#train`, other, '--type-map', 'OTHER=MISC', '--fail');
  assert.equal(mapped.code, 1);
  assert.match(mapped.out, /same tokens and tags: +1 of A/);
  assert.equal((await run(`${TINY}#test`, other, '--fail')).code, 0);
});

test('bad inputs exit 2 with a message', async () => {
  for (const argv of [[TINY], [`${TINY}#nosuch`, `${TINY}#test`], ['/nonexistent.txt', `${TINY}#test`]]) {
    const r = await run(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, /^mmner: /);
  }
});
