import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presetConfig } from '../../src/model/config.js';
import { applyOverrides, settablePaths } from '../../src/model/configOverride.js';

const tiny = () => presetConfig('tiny', ['PER', 'LOC'], { seed: 1 });

test('--set overrides numbers, booleans and tiny text options on a copy', () => {
  const base = tiny();
  const cfg = applyOverrides(base, [
    'train.lr=1e-3',
    'model.dropout = 0.3',
    'model.collaboration.gate=false',
    'model.text.options.hidden=200',
    'train.lr=5e-4',
  ]);
  assert.equal(cfg.train.lr, 5e-4, 'later assignments win');
  assert.equal(cfg.model.dropout, 0.3);
  assert.equal(cfg.model.collaboration.gate, false);
  assert.deepEqual(cfg.model.text.kind === 'tiny' && cfg.model.text.options, {
    outputDropout: 0,
    hidden: 200,
  });
  assert.equal(base.train.lr, 2e-3, 'the input is not modified');
  assert.equal(base.model.text.kind === 'tiny' && base.model.text.options.hidden, undefined);
});

test('--set refuses unknown paths, groups, wrong types and fields with their own option', () => {
  const cfg = tiny();
  const fails = (set: string, re: RegExp) =>
    assert.throws(
      () => applyOverrides(cfg, [set]),
      (e: Error & { code?: string }) => e.code === 'E_USAGE' && re.test(e.message),
      set,
    );
  fails('train.lr', /expects PATH=VALUE/);
  fails('train.learningRate=1', /train\.learningRate is not a field/);
  fails('model.text.options.depth=3', /is not a field/);
  fails('model.collaboration=1', /not a single value/);
  fails('model.image.branches=cnn', /not a single value/);
  fails('train.lr=fast', /takes a number, got 'fast'/);
  fails('train.lr=', /takes a number/);
  fails('model.collaboration.gate=yes', /takes true or false/);
  fails('model.ablation=text-only', /own option/);
  fails('train.seed=3', /own option/);
  fails('constructor.name=x', /is not a field/);
  const paths = settablePaths(cfg);
  assert.ok(paths.includes('model.text.options.hidden') && paths.includes('train.epochs'));
  assert.ok(!paths.includes('train.seed') && !paths.includes('model.preset'));
});
