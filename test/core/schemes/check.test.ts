import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkScheme } from '../../../src/core/schemes/check.js';

const t = (s: string) => s.split(' ');
const kinds = (tags: string, scheme: 'IOB1' | 'IOB2' | 'BIOES') =>
  checkScheme(t(tags), scheme).map((i) => `${i.kind}@${i.index}`);

test('IOB2: an I- that continues no entity of its type is listed with its position', () => {
  assert.deepEqual(kinds('B-PER I-PER O', 'IOB2'), []);
  assert.deepEqual(kinds('I-PER O', 'IOB2'), ['stray-inside@0']);
  assert.deepEqual(kinds('O I-PER I-PER', 'IOB2'), ['stray-inside@1']);
  assert.deepEqual(kinds('B-LOC I-ORG', 'IOB2'), ['stray-inside@1']);
  const [issue] = checkScheme(t('O O I-PER'), 'IOB2');
  assert.deepEqual(issue, { kind: 'stray-inside', index: 2, tag: 'I-PER', previous: 'O' });
});

test('IOB1: a B- that follows no entity of its type is needless', () => {
  assert.deepEqual(kinds('I-PER B-PER O I-LOC', 'IOB1'), []);
  assert.deepEqual(kinds('O B-PER', 'IOB1'), ['needless-begin@1']);
});

test('BIOES: entities must open with B- and close with E-', () => {
  assert.deepEqual(kinds('B-PER I-PER E-PER S-LOC O', 'BIOES'), []);
  assert.deepEqual(kinds('B-PER O', 'BIOES'), ['unclosed@0']);
  assert.deepEqual(kinds('O E-PER', 'BIOES'), ['stray-inside@1']);
  assert.deepEqual(kinds('O I-PER E-PER', 'BIOES'), ['stray-inside@1']);
  assert.deepEqual(kinds('B-PER I-PER', 'BIOES'), ['unclosed@1']);
});
