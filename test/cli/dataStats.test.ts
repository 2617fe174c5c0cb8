import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { memoryIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { DatasetStats } from '../../src/core/data/stats.js';
import { generateSample } from '../../src/core/sample/generate.js';

let root: string;
const ds = generateSample({ seed: 11, size: 'tiny' });
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmner-cli-stats-'));
  const io = memoryIO(root);
  assert.equal(
    await main(['data', 'sample', '--out', 'data', '--size', 'tiny', '--seed', '11'], io),
    0,
    io.stderr(),
  );
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Entities per type of some items, counted from their tags. */
function entityCounts(items: typeof ds.items): Record<string, number> {
  const out: Record<string, number> = { PER: 0, LOC: 0, ORG: 0, MISC: 0 };
  for (const it of items) for (const tag of it.sentence.tags) if (tag.startsWith('B-')) out[tag.slice(2)]!++;
  return out;
}

test('data stats --json matches what the generator made', async () => {
  const io = memoryIO(root);
  assert.equal(await main(['data', 'stats', 'data', '--json'], io), 0, io.stderr());
  const stats = JSON.parse(io.stdout()) as DatasetStats & { problems: { errors: number } };
  assert.equal(stats.name, 'mmner-sample-tiny');
  assert.equal(stats.problems.errors, 0);
  for (const row of stats.rows) {
    const items = ds.items.filter(
      (it) =>
        (row.lang === 'all' || it.sentence.lang === row.lang) &&
        (row.split === 'all' || it.split === row.split),
    );
    const where = `${row.lang}/${row.split}`;
    assert.equal(row.sentences, items.length, where);
    assert.equal(
      row.tokens,
      items.reduce((a, it) => a + it.sentence.tokens.length, 0),
      where,
    );
    assert.deepEqual(row.entities, entityCounts(items), where);
    assert.equal(row.subsets.ambiguous, items.filter((it) => it.ambiguous).length, where);
    assert.equal(row.subsets['unrelated-image'], items.filter((it) => it.unrelated).length, where);
    assert.deepEqual(row.images, { found: items.length, missing: 0 }, where);
  }
  assert.equal(stats.rows.length, 12 + 3 + 1);
});

test('data stats prints a table with totals; a manifest path works too', async () => {
  const io = memoryIO(root);
  assert.equal(await main(['data', 'stats', join('data', 'dataset.json')], io), 0, io.stderr());
  const out = io.stdout();
  assert.match(out, /^mmner-sample-tiny \(.*dataset\.json\)\n\nlang {2}split {2}sentences/);
  assert.match(out, new RegExp(`^all {3}all {3}\\s+${ds.items.length}\\s`, 'm'));
  assert.match(out, /^en {4}train\s+30\s/m);
});

test('missing images are counted and the exit code says there are errors', async () => {
  await rm(join(root, 'data', 'images', 'en-dev-000003.png'));
  const io = memoryIO(root);
  assert.equal(await main(['data', 'stats', 'data', '--json'], io), 1);
  const stats = JSON.parse(io.stdout()) as DatasetStats;
  assert.deepEqual(stats.rows.find((r) => r.lang === 'en' && r.split === 'dev')!.images, {
    found: 9,
    missing: 1,
  });
  assert.match(io.stderr(), /1 error\(s\).*\n {2}mmner data validate data lists them/);
});

test('a path without a manifest is a clear error', async () => {
  await writeFile(join(root, 'x.txt'), 'hello');
  const io = memoryIO(root);
  assert.equal(await main(['data', 'stats', 'x.txt'], io), 2);
  assert.match(io.stderr(), /no dataset manifest at .*x\.txt\n {2}give a dataset\.json or a folder/);
  const none = memoryIO(root);
  assert.equal(await main(['data', 'stats'], none), 2);
  assert.match(none.stderr(), /PATH is required/);
});
