/** The image policy: inline data:image URIs only, every refusal noted and escaped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImagePolicy } from '../../src/renderer/images.js';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

test('only base64 data:image URIs are admitted; the rest are refused and listed', () => {
  const policy = new ImagePolicy();
  assert.equal(policy.admit(PNG), PNG);
  assert.equal(policy.admit(undefined), undefined);
  assert.equal(policy.admit(''), undefined);
  const refused = [
    'https://example.com/a.png',
    'images/0001.png',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html;base64,PHNjcmlwdD4=',
    'data:image/png,<svg onload=alert(1)>',
    '//example.com/a.png',
    'blob:https://example.com/x',
  ];
  for (const src of refused) assert.equal(policy.admit(src), undefined, src);
  assert.deepEqual(policy.refused, refused);
  const note = policy.note().toString();
  assert.match(note, /^<p class="mm-note mm-refused" role="note">8 image\(s\) not shown/);
  assert.match(note, /, 5 more\)/);
  assert.ok(!note.includes('<svg'), 'refused sources are escaped');
});

test('admitAll keeps the admitted entries of a record', () => {
  const policy = new ImagePolicy();
  assert.deepEqual(policy.admitAll({ a: PNG, b: 'https://x/y.png' }), { a: PNG });
  assert.deepEqual(policy.refused, ['https://x/y.png']);
  assert.equal(new ImagePolicy().note(), '');
});
