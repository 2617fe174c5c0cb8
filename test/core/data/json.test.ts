import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonSyntaxError, parseJsonLocated } from '../../../src/core/data/json.js';

test('parses like JSON.parse and knows the line of every value', () => {
  const text =
    '{\n  "a": 1,\n  "splits": {\n    "train": [\n      { "file": "x\\ty.txt" }\n    ]\n  },\n  "n": [-1.5e3, true, null]\n}';
  const r = parseJsonLocated(text);
  assert.deepEqual(r.value, JSON.parse(text));
  assert.equal(r.lineOf('a'), 2);
  assert.equal(r.lineOf('splits.train[0]'), 5);
  assert.equal(r.lineOf('splits.train[0].file'), 5);
  assert.equal(r.lineOf('n[2]'), 8);
  assert.equal(r.lineOf('missing'), undefined);
});

test('syntax errors carry line and column', () => {
  const cases: [string, number, number][] = [
    ['{\n  "a": 1,\n}', 3, 1],
    ['{"a" 1}', 1, 6],
    ['[1, 2', 1, 6],
    ['{"a": "unterminated}', 1, 7],
    ['{"a": 1} x', 1, 10],
    ['', 1, 1],
  ];
  for (const [text, line, column] of cases) {
    assert.throws(
      () => parseJsonLocated(text),
      (e: unknown) => e instanceof JsonSyntaxError && e.line === line && e.column === column,
      JSON.stringify(text),
    );
  }
});

test('deep nesting is refused with a syntax error, not a stack overflow', () => {
  assert.throws(() => parseJsonLocated('['.repeat(100_000)), JsonSyntaxError);
});
