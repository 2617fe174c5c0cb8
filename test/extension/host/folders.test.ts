import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { listDatasets, listRuns } from '../../../src/extension/host/folders.js';

const root = mkdtempSync(join(tmpdir(), 'mmner-folders-'));
after(() => rmSync(root, { recursive: true, force: true }));

function touch(path: string, secondsAgo: number, text = '{}') {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  const t = Date.now() / 1000 - secondsAgo;
  utimesSync(path, t, t);
}

test('datasets: folders with dataset.json under the data folder, newest first', async () => {
  touch(join(root, 'data/sample/dataset.json'), 100);
  touch(join(root, 'data/real/twitter2015/dataset.json'), 10);
  touch(join(root, 'data/notes/readme.txt'), 5);
  const found = await listDatasets(root, join(root, 'data'));
  assert.deepEqual(
    found.map((d) => d.label),
    ['data/real/twitter2015', 'data/sample'],
  );
  assert.deepEqual(await listDatasets(root, join(root, 'missing')), []);
});

test('runs: config.json folders, recency from events.jsonl, evaluated splits and report', async () => {
  touch(join(root, 'runs/old/config.json'), 500);
  touch(join(root, 'runs/old/eval/test.json'), 400);
  touch(join(root, 'runs/old/eval/dev.json'), 400);
  touch(join(root, 'runs/old/report/index.html'), 300, '<html>');
  touch(join(root, 'runs/demo/multimodal/config.json'), 600);
  touch(join(root, 'runs/demo/multimodal/events.jsonl'), 1);
  touch(join(root, 'runs/.hidden/config.json'), 1);
  const runs = await listRuns(root, join(root, 'runs'));
  assert.deepEqual(
    runs.map((r) => [r.label, r.evaluated, r.hasReport]),
    [
      ['runs/demo/multimodal', [], false],
      ['runs/old', ['dev', 'test'], true],
    ],
  );
  const [single] = await listRuns(root, join(root, 'runs/old'));
  assert.equal(single?.label, 'runs/old', 'a run folder itself');
});
