import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapTagType, schemePrefixes, splitTag, tagProblem } from '../../../src/core/schemes/tags.js';

test('splitTag reads O and PREFIX-TYPE, and refuses malformed tags', () => {
  assert.deepEqual(splitTag('O'), { prefix: 'O', type: '' });
  assert.deepEqual(splitTag('B-PER'), { prefix: 'B', type: 'PER' });
  assert.deepEqual(splitTag('I-creative-work'), { prefix: 'I', type: 'creative-work' });
  for (const bad of ['', 'B-', 'B', 'BPER', 'B_PER', 'B-1X', 'B- PER'])
    assert.equal(splitTag(bad), undefined, bad);
});

test('each scheme allows its own prefixes only', () => {
  assert.deepEqual([...schemePrefixes('IOB2')].sort(), ['B', 'I']);
  assert.deepEqual([...schemePrefixes('IOB1')].sort(), ['B', 'I']);
  assert.deepEqual([...schemePrefixes('BIOES')].sort(), ['B', 'E', 'I', 'S']);
  assert.equal(tagProblem('E-PER', 'BIOES'), undefined);
  assert.match(tagProblem('E-PER', 'IOB2')!.hint, /--scheme BIOES/);
});

test('tagProblem says what is wrong with malformed tags and how to fix it', () => {
  assert.equal(tagProblem('O', 'IOB2'), undefined);
  assert.equal(tagProblem('B-PERSON', 'IOB2'), undefined, 'types are free unless a type set is given');
  assert.match(tagProblem('b-per', 'IOB2')!.message, /lower-case prefix/);
  assert.match(tagProblem('b-per', 'IOB2')!.hint, /'B-per'/);
  assert.match(tagProblem('o', 'IOB2')!.hint, /'O'/);
  assert.match(tagProblem('X-PER', 'IOB2')!.message, /prefix 'X-'/);
  assert.match(tagProblem('B-', 'IOB2')!.message, /no entity type/);
  assert.match(tagProblem('B_PER', 'IOB2')!.hint, /'B-PER'/);
  assert.match(tagProblem('', 'IOB2')!.message, /empty tag/);
  assert.match(tagProblem('PER', 'IOB2')!.message, /not a tag of IOB2/);
});

test('mapTagType renames types and leaves others alone', () => {
  const map = { OTHER: 'MISC' };
  assert.equal(mapTagType('B-OTHER', map), 'B-MISC');
  assert.equal(mapTagType('I-OTHER', map), 'I-MISC');
  assert.equal(mapTagType('B-PER', map), 'B-PER');
  assert.equal(mapTagType('O', map), 'O');
  assert.equal(mapTagType('B-toString', map), 'B-toString', 'no prototype keys');
  assert.equal(mapTagType('B-OTHER', undefined), 'B-OTHER');
});
