import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import type { Command } from '../../src/cli/command.js';
import { memoryIO } from '../../src/cli/io.js';
import { findCommand, main } from '../../src/cli/main.js';

const fake = (name: string): Command => ({
  name,
  summary: name,
  usage: `Usage: ${name}`,
  run: async () => 0,
});

test('findCommand takes the longest matching name and leaves the rest', () => {
  const commands = [fake('data'), fake('data validate'), fake('score')];
  assert.equal(findCommand(['data', 'validate', 'x.txt'], commands)?.command.name, 'data validate');
  assert.deepEqual(findCommand(['data', 'validate', 'x.txt'], commands)?.rest, ['x.txt']);
  assert.equal(findCommand(['data', 'x.txt'], commands)?.command.name, 'data');
  assert.equal(findCommand(['nope'], commands), undefined);
});

test('help lists every command; unknown commands exit 2 with the list', async () => {
  const io = memoryIO();
  assert.equal(await main(['--help'], io), 0);
  for (const name of ['data sample', 'data stats', 'data validate', 'data overlap', 'score']) {
    assert.match(io.stdout(), new RegExp(`^  ${name} `, 'm'));
  }
  const bad = memoryIO();
  assert.equal(await main(['frobnicate'], bad), 2);
  assert.match(bad.stderr(), /unknown command 'frobnicate'/);
});

test('a command group alone lists its commands; --help shows usage', async () => {
  const io = memoryIO();
  assert.equal(await main(['data'], io), 2);
  assert.match(io.stdout(), /data validate/);
  assert.doesNotMatch(io.stdout(), /^ {2}score/m);
  const help = memoryIO();
  assert.equal(await main(['score', '--help'], help), 0);
  assert.match(help.stdout(), /^Usage: mmner score/);
});

test('the bundled CLI runs as a program and prints user errors without a stack', () => {
  const cli = resolve(import.meta.dirname, '../../dist/cli.js');
  assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` (npm test does)');
  const ok = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
  assert.equal(ok.status, 0);
  assert.match(ok.stdout, /^\d+\.\d+\.\d+\n$/);
  const bad = spawnSync(process.execPath, [cli, 'score', '--no-such-option'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^mmner: .*no-such-option/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});
