/**
 * The payload checks: every hand-built payload passes unchanged, and a wrong field is named by its
 * path in an E_RENDER_PAYLOAD error (never a TypeError from deep inside a view).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMmnerError } from '../../src/core/errors.js';
import {
  alignmentPayload,
  attentionPayload,
  chartPayload,
  errorsPayload,
  metricsPayload,
  misalignedPayload,
  progressPayload,
  sentencesPayload,
} from '../../src/renderer/payload.js';
import { payloads } from './payloads.js';

/** Asserts that `fn` throws E_RENDER_PAYLOAD with a message matching `message`. */
function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(
    fn,
    (e) => isMmnerError(e) && e.code === 'E_RENDER_PAYLOAD' && message.test(e.detail) && e.hint !== undefined,
  );
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

// Records come back with a null prototype (ids are data): compared through JSON.
test('well-formed payloads pass the checks unchanged', async () => {
  const p = clone(await payloads());
  assert.deepEqual(clone(chartPayload(p.chart)), p.chart);
  assert.deepEqual(clone(metricsPayload(p.metrics)), p.metrics);
  assert.deepEqual(clone(sentencesPayload(p.sentences)), p.sentences);
  assert.deepEqual(clone(attentionPayload(p.attention)), p.attention);
  assert.deepEqual(clone(alignmentPayload(p.alignment)), p.alignment);
  assert.deepEqual(clone(errorsPayload(p.errors)), p.errors);
  assert.deepEqual(clone(misalignedPayload(p.misaligned)), p.misaligned);
  assert.deepEqual(clone(progressPayload(p.progress)), p.progress);
});

test('a wrong field is named by its path', async () => {
  const p = clone(await payloads());
  rejects(() => chartPayload(null), /^the payload is not an object/);
  rejects(() => chartPayload({ spec: [] }), /^spec is not an object/);
  rejects(
    () => metricsPayload({ ...p.metrics, rows: [p.metrics.rows[0], { ...p.metrics.rows[1], f1: null }] }),
    /^rows\[1\]\.f1 is not a number/,
  );
  const s = clone(p.sentences);
  s.sentences[1]!.pred = ['O'];
  rejects(() => sentencesPayload(s), /^sentences\[1\]\.pred has 1 tags for 3 tokens/);
  const a = clone(p.attention);
  a.view.weights[2] = [1, 2, 3];
  rejects(() => attentionPayload(a), /^view\.weights\[2\] has 3 weights for a 4×4 grid/);
  rejects(
    () => attentionPayload({ ...a, view: { ...a.view, grid: [0, 4] } }),
    /^view\.grid is not two whole numbers/,
  );
  rejects(
    () => attentionPayload({ ...p.attention, view: { ...p.attention.view, gate: [1] } }),
    /^view\.gate has 1 values for 4 tokens/,
  );
  const al = clone(p.alignment);
  (al.points[3] as { kind: string }).kind = 'audio';
  rejects(() => alignmentPayload(al), /^points\[3\]\.kind is not one of text, image/);
  const e = clone(p.errors);
  (e.errors[0] as { class: string }).class = 'bad';
  rejects(() => errorsPayload(e), /^errors\[0\]\.class is not one of missed/);
  rejects(() => errorsPayload({ ...p.errors, tokens: { s1: 'Jordan' } }), /^tokens\["s1"\] is not a list/);
  rejects(
    () =>
      misalignedPayload({ ...p.misaligned, pairs: [{ ...p.misaligned.pairs[0], changedByImage: 'yes' }] }),
    /changedByImage is not true or false/,
  );
  rejects(() => progressPayload({ ...p.progress, state: 'paused' }), /^state is not one of running/);
});

test('ids such as __proto__ are kept as plain keys', () => {
  const parsed = errorsPayload(JSON.parse('{"errors": [], "tokens": {"__proto__": ["x"]}}'));
  assert.deepEqual(Object.entries(parsed.tokens), [['__proto__', ['x']]]);
  assert.equal(Object.getPrototypeOf(parsed.tokens), null);
});
