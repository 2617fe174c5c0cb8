/** The pure parts of `mmner models download`: globs, selection, paths, listing, formatting. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRepoId, normalizeEndpoint, parseListing, resolveUrl } from '../../src/cli/download/hub.js';
import { formatBytes, formatProgressLine } from '../../src/cli/download/progress.js';
import { globToRegExp, isSafeRepoPath, selectFiles } from '../../src/cli/download/select.js';
import { isMmnerError } from '../../src/core/errors.js';

test('globs mean what huggingface-cli --include means (* spans folders), plus {a,b}', () => {
  const m = (g: string, p: string) => globToRegExp(g).test(p);
  assert.ok(m('*.onnx', 'onnx/model.onnx'));
  assert.ok(m('onnx/*.onnx', 'onnx/model.onnx'));
  assert.ok(!m('onnx/*.onnx', 'model.onnx'));
  assert.ok(m('onnx/', 'onnx/model_fp16.onnx'));
  assert.ok(m('model-?????-of-?????.safetensors', 'model-00001-of-00002.safetensors'));
  assert.ok(m('{config,vocab}.{json,txt}', 'vocab.txt'));
  assert.ok(!m('{config,vocab}.json', 'tokenizer.json'));
  // Regex characters are literal.
  assert.ok(m('a+b(1).json', 'a+b(1).json'));
  assert.ok(!m('config.json', 'configXjson'));
});

test('the default selection: what mmner loads, never the .bin / TF / Flax copies', () => {
  const repo = [
    '.gitattributes',
    'README.md',
    'config.json',
    'tokenizer.json',
    'vocab.txt',
    'tokenizer_config.json',
    'special_tokens_map.json',
    'preprocessor_config.json',
    'model-00001-of-00002.safetensors',
    'model-00002-of-00002.safetensors',
    'model.safetensors.index.json',
    'onnx/model.onnx',
    'onnx/model.onnx_data',
    'pytorch_model.bin',
    'pytorch_model.bin.index.json',
    'tf_model.h5',
    'flax_model.msgpack',
    'coreml/model.mlmodel',
    'subfolder/config.json',
  ];
  const { selected, unmatched } = selectFiles(repo, undefined);
  assert.deepEqual(selected, [
    'config.json',
    'tokenizer.json',
    'vocab.txt',
    'tokenizer_config.json',
    'special_tokens_map.json',
    'preprocessor_config.json',
    'model-00001-of-00002.safetensors',
    'model-00002-of-00002.safetensors',
    'model.safetensors.index.json',
    'onnx/model.onnx',
    'onnx/model.onnx_data',
  ]);
  assert.deepEqual(unmatched, []);
  const custom = selectFiles(repo, ['*.bin', '*.gguf'], ['pytorch_model.bin.index.json']);
  assert.deepEqual(custom.selected, ['pytorch_model.bin']);
  assert.deepEqual(custom.unmatched, ['*.gguf']);
});

test('only relative, clean repository paths are written', () => {
  for (const p of ['config.json', 'onnx/model.onnx', 'a/b/c.txt', '.gitattributes'])
    assert.ok(isSafeRepoPath(p), p);
  for (const p of ['', '/etc/passwd', '../x', 'a/../b', 'a//b', './a', 'a\\b', 'C:x', 'a\nb', 'a/']) {
    assert.ok(!isSafeRepoPath(p), JSON.stringify(p));
  }
});

test('repo ids, endpoints and URLs', () => {
  for (const id of ['bert-base-multilingual-cased', 'google-bert/bert-base-multilingual-cased', 'a_b/c.d-1'])
    checkRepoId(id);
  for (const id of ['', '../x', 'a/b/c', '-x/y', 'a/..', 'a b', 'x/'])
    assert.throws(() => checkRepoId(id), isMmnerError, JSON.stringify(id));
  assert.equal(normalizeEndpoint('https://hf-mirror.com/'), 'https://hf-mirror.com');
  assert.throws(() => normalizeEndpoint('huggingface.co'), /is not a URL/);
  assert.equal(
    resolveUrl('https://h', 'o/n', 'refs/pr/1', 'onnx/my model#1.onnx'),
    'https://h/o/n/resolve/refs%2Fpr%2F1/onnx/my%20model%231.onnx',
  );
});

test('the listing: LFS sizes and sha256, git blob ids of plain files, malformed answers refused', () => {
  const l = parseListing(
    {
      sha: 'abc',
      siblings: [
        { rfilename: 'config.json', size: 10, blobId: 'a'.repeat(40) },
        {
          rfilename: 'model.safetensors',
          size: 134,
          blobId: 'b'.repeat(40),
          lfs: { sha256: 'c'.repeat(64), size: 9999, pointerSize: 134 },
        },
        { rfilename: 'no-meta.txt' },
      ],
    },
    'u',
  );
  assert.deepEqual(l, {
    commit: 'abc',
    files: [
      { path: 'config.json', size: 10, blobId: 'a'.repeat(40) },
      { path: 'model.safetensors', size: 9999, sha256: 'c'.repeat(64) },
      { path: 'no-meta.txt' },
    ],
  });
  assert.throws(() => parseListing({ id: 'x' }, 'u'), /no "siblings" list/);
  assert.throws(() => parseListing({ siblings: [{ rfilename: '/abs' }] }, 'u'), /unsafe file path/);
});

test('sizes and the progress line', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(6000), '6.00 kB');
  assert.equal(formatBytes(714_290_682), '714 MB');
  assert.equal(formatBytes(1_420_000_000), '1.42 GB');
  const line = formatProgressLine(
    {
      type: 'progress',
      path: 'model.safetensors',
      bytes: 357_000_000,
      size: 714_000_000,
      done: 357_000_000,
      total: 714_000_000,
      bytesPerSec: 25_000_000,
      etaSec: 14.3,
    },
    100,
  );
  assert.match(line, /^\[#+-+\] {2}50% 357 MB\/714 MB 25\.0 MB\/s ETA 14s model\.safetensors$/);
  const narrow = formatProgressLine(
    {
      type: 'progress',
      path: 'onnx/a-very-long-folder-name/and-a-very-long-file-name_quantized.onnx',
      bytes: 1,
      done: 1,
      total: 2,
      bytesPerSec: 1,
      etaSec: 1,
    },
    80,
  );
  assert.ok(narrow.length <= 79, narrow);
  assert.match(narrow, / ….*_quantized\.onnx$/);
  const bar = /^\[([#-]+)\]/.exec(line)![1]!;
  assert.equal(bar.replace(/-/g, '').length * 2, bar.length);
});
