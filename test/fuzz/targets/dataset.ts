/**
 * A whole dataset on disk: a manifest (sometimes edited) naming edited real files, subset id
 * files and an image folder, read by `loadDataset` in both modes. Errors name one of the
 * dataset's files; `collect` mode agrees with `throw` mode; a load keeps every split it names.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadDataset } from '../../../src/core/data/dataset.node.js';
import type { DatasetFormat } from '../../../src/core/data/manifest.js';
import { isMmnerError } from '../../../src/core/errors.js';
import {
  applyJsonEdits,
  applyLineEdits,
  type Json,
  jsonEdit,
  lineEdit,
  objectOf,
  PROTO_KEYS,
} from '../arbitraries.js';
import { attemptAsync } from '../invariant.js';
import { NO_SHARED_DATA, realSlice } from '../realData.js';
import { type FuzzTarget, fuzzTarget } from '../target.js';

const EXT: Record<DatasetFormat, string> = { 'imgid-conll': 'txt', conll: 'conll', jsonl: 'jsonl' };

let root: string | undefined;
let counter = 0;

/** A fresh folder per input under one temp folder, removed at exit. */
function datasetDir(): string {
  if (!root) {
    const dir = mkdtempSync(join(tmpdir(), 'mmner-fuzz-dataset-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    root = dir;
  }
  const dir = join(root, `d${++counter}`);
  mkdirSync(dir);
  return dir;
}

const fileSpec = fc.record({
  slice: realSlice(undefined, 60),
  edits: fc.array(lineEdit, { maxLength: 2 }),
  lang: fc.constantFrom('en', 'es', 'de'),
});

const datasetSpec = fc.record({
  splits: fc.uniqueArray(
    fc.tuple(
      fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom('train', 'dev', 'test') },
        { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
      ),
      fc.array(fileSpec, { minLength: 1, maxLength: 2 }),
    ),
    { minLength: 1, maxLength: 3, selector: (s) => s[0] },
  ),
  images: fc.option(
    fc.record({
      missing: fc.constantFrom('error', 'blank'),
      files: fc.array(fc.constantFrom('17_06_1.jpg', '1015799.png', 'x.txt', 'a.jpg'), { maxLength: 3 }),
      exists: fc.boolean(),
    }),
    { nil: undefined },
  ),
  subsets: fc.array(
    fc.tuple(
      fc.constantFrom('ambiguous', 'constructor', 'b'),
      fc.array(fc.constantFrom('17_06_1', 'x', '', '1015799', 'train0.conll:1'), { maxLength: 3 }),
    ),
    { maxLength: 2 },
  ),
  typeMap: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.constantFrom<Json>({ OTHER: 'MISC' }, { PER: 'constructor' }) },
    { weight: 1, arbitrary: fc.constant<Json>({ ORG: 'has space' }) },
  ),
  edits: fc.oneof(
    { weight: 4, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(jsonEdit, { maxLength: 2 }) },
  ),
  missingFile: fc.oneof(
    { weight: 4, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
});

type DatasetSpec = typeof datasetSpec extends fc.Arbitrary<infer T> ? T : never;

/** Writes the dataset; returns the manifest path and every file it wrote. */
function writeDataset(spec: DatasetSpec): { manifest: string; dir: string } {
  const dir = datasetDir();
  const splits: [string, Json][] = [];
  for (const [split, files] of spec.splits) {
    const entries = files.map((f, i) => {
      const name = `${split.replace(/\W/g, '_')}${i}.${EXT[f.slice.file.format]}`;
      const text = applyLineEdits(f.slice.lines, f.edits).join('\n') + (f.slice.finalNewline ? '\n' : '');
      writeFileSync(join(dir, name), text);
      return { lang: f.lang, file: name, format: f.slice.file.format } as Json;
    });
    if (spec.missingFile) entries.push({ lang: 'en', file: 'absent.txt', format: 'conll' });
    splits.push([split, entries]);
  }
  const manifest: { [key: string]: Json } = { version: 1, name: 'fuzz', splits: objectOf(splits) };
  if (spec.images) {
    manifest.images = { dir: 'images', missing: spec.images.missing };
    if (spec.images.exists) {
      mkdirSync(join(dir, 'images'));
      for (const f of spec.images.files) writeFileSync(join(dir, 'images', f), '');
    }
  }
  if (spec.subsets.length > 0) {
    manifest.subsets = objectOf(spec.subsets.map(([name], i) => [name, `subset${i}.ids`]));
    for (const [i, [, ids]] of spec.subsets.entries())
      writeFileSync(join(dir, `subset${i}.ids`), ids.join('\n'));
  }
  if (spec.typeMap) manifest.typeMap = spec.typeMap;
  const path = join(dir, 'dataset.json');
  writeFileSync(path, JSON.stringify(applyJsonEdits(manifest, spec.edits), null, 2));
  return { manifest: path, dir };
}

/** Outcomes by error code (`ok` for a load), for tuning the generator. */
export const datasetOutcomes = new Map<string, number>();

async function checkDataset(spec: DatasetSpec): Promise<void> {
  const { manifest, dir } = writeDataset(spec);
  try {
    const thrown = await attemptAsync(() => loadDataset(manifest, { mode: 'throw' }));
    const collected = await attemptAsync(() => loadDataset(manifest, { mode: 'collect' }));
    if (!collected.ok) assert.fail(`collect mode threw: ${String(collected.error)}`);
    const errors = collected.value.problems.filter((p) => p.severity === 'error');
    for (const p of collected.value.problems)
      assert.ok(p.file?.startsWith(dir), `${p.code} names a file of the dataset: ${p.file}`);
    const outcome = thrown.ok ? 'ok' : isMmnerError(thrown.error) ? thrown.error.code : 'other';
    datasetOutcomes.set(outcome, (datasetOutcomes.get(outcome) ?? 0) + 1);
    if (!thrown.ok) {
      const e = thrown.error;
      assert.ok(isMmnerError(e), `an MmnerError, not ${String(e)}`);
      assert.ok(e.file?.startsWith(dir), `${e.code} names a file of the dataset: ${e.file}`);
      assert.ok(errors[0], `collect mode also finds ${e.code}`);
      assert.deepEqual([errors[0].code, errors[0].file, errors[0].line], [e.code, e.file, e.line]);
      return;
    }
    assert.deepEqual(errors, []);
    const loaded = thrown.value;
    // Every split the manifest names is loaded, under its own name.
    assert.deepEqual(Object.keys(loaded.splits).sort(), Object.keys(loaded.manifest.splits).sort());
    for (const [split, stats] of Object.entries(loaded.stats)) {
      assert.equal(stats.sentences, loaded.splits[split]!.length);
      for (const [type, c] of Object.entries(stats.entities))
        assert.ok(Number.isSafeInteger(c), `${split} ${type}: ${String(c)}`);
    }
    assert.deepEqual(Object.keys(loaded.subsets).sort(), Object.keys(loaded.manifest.subsets ?? {}).sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const DATASET_TARGETS: FuzzTarget[] = [
  fuzzTarget(
    { name: 'dataset: manifest and files on disk', reader: 'dataset', ciRuns: 60, skip: NO_SHARED_DATA },
    datasetSpec,
    checkDataset,
  ),
];
