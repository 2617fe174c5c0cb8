/**
 * The kernel process over its IPC channel: ready, cells in JavaScript and TypeScript, names that
 * persist between cells like a REPL's, top-level await, results, console streams, display and
 * live updates, errors on the user's own lines, the queue, and messages it must ignore.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runInThisContext } from 'node:vm';
import type { DisplayMessage, ErrorMessage } from '../../../src/core/protocol/kernel.js';
import { KernelClient, plain } from './client.js';

let kernel: KernelClient;
before(() => {
  kernel = new KernelClient();
});
after(() => kernel.kill());

const ok = async (code: string, language: 'javascript' | 'typescript' = 'javascript') => {
  const r = await kernel.run(code, language, 'Cell');
  const error = r.messages.find((m) => m.type === 'error') as ErrorMessage | undefined;
  assert.equal(r.done.status, 'ok', error?.stack ?? 'not ok');
  return r;
};
const value = async (code: string, language: 'javascript' | 'typescript' = 'javascript') =>
  plain((await ok(code, language)).done.result);
const errorOf = (r: { messages: { type: string }[] }) =>
  r.messages.find((m) => m.type === 'error') as ErrorMessage;

test('ready names the pid, the version and the backend', async () => {
  const ready = await kernel.ready;
  assert.equal(ready.pid, kernel.child.pid);
  assert.match(ready.version, /^\d+\.\d+\.\d+/);
  assert.equal(ready.backend, 'wasm');
});

test('the last expression is the result; a cell ending in a statement has none', async () => {
  assert.equal(await value('1 + 2'), '3');
  assert.equal(await value('"text"'), "'text'");
  assert.equal(await value('({ a: [1, 2] })'), '{ a: [ 1, 2 ] }');
  const r = await ok('const unused = 1;');
  assert.equal(r.done.result, undefined);
  assert.equal((await ok('let nothing; if (true) { nothing = 1 }')).done.result, undefined);
});

test('const, let, var, destructuring, functions and classes persist to later cells', async () => {
  await ok('const k = 2; let l = 3; var v = 4;');
  assert.equal(await value('k * l * v'), '24');
  await ok('const { p, q: [r, , s = 9], ...rest } = { p: 1, q: [2, 3], t: 4, u: 5 };');
  assert.equal(await value('[p, r, s, rest]'), '[ 1, 2, 9, { t: 4, u: 5 } ]');
  await ok(
    'function twice(x) { return 2 * x }\nasync function later() { return twice(k) }\nclass Box { constructor(v) { this.v = v } get doubled() { return twice(this.v) } }',
  );
  assert.equal(await value('new Box(5).doubled + await later()'), '14');
  // A function sees the scope's current values, as in a REPL.
  await ok('function readK() { return k }');
  await ok('const k = 100;');
  assert.equal(await value('readK()'), '100');
  // `let x;` again resets x, `var x;` again keeps it.
  await ok('var kept = 1; let reset = 1;');
  await ok('var kept; let reset;');
  assert.equal(await value('[kept, reset]'), '[ 1, undefined ]');
});

test('redeclaring a const (or a class) in a later cell works like a REPL', async () => {
  await ok('const again = 1; class Thing { name() { return "first" } }');
  await ok('const again = "two"; class Thing { name() { return "second" } }');
  assert.equal(await value('again + new Thing().name()'), "'twosecond'");
});

test('TypeScript cells: types stripped, names shared with JavaScript cells', async () => {
  await ok(
    'interface Point { x: number; y: number }\nenum Colour { Red, Green }\nconst origin: Point = { x: 3, y: 4 };\nfunction norm(p: Point): number { return Math.hypot(p.x, p.y) }',
    'typescript',
  );
  assert.equal(await value('norm(origin) + Colour.Green'), '6');
  assert.equal(
    await value(
      'const n = <number>(norm as (p: Point) => number)(origin);\nn satisfies number',
      'typescript',
    ),
    '5',
  );
});

test('top-level await, also inside declarations', async () => {
  const started = Date.now();
  await ok('const slow = await new Promise((r) => setTimeout(() => r(41), 100));');
  assert.ok(Date.now() - started >= 90);
  assert.equal(await value('await Promise.resolve(slow + 1)'), '42');
  assert.equal(await value('for await (const x of [Promise.resolve(1)]) {}; typeof slow'), "'number'");
});

test('imports in a cell bind names for later cells', async () => {
  await ok(
    'import { join as joinPath } from "node:path";\nimport * as os from "node:os";\nimport assertDefault from "node:assert";',
  );
  assert.equal(
    await value('[joinPath("a", "b"), typeof os.cpus, typeof assertDefault]'),
    "[ 'a/b', 'function', 'function' ]",
  );
  assert.equal(await value('require("node:path").basename("/x/y.txt")'), "'y.txt'");
  // A TypeScript cell's import that only later cells use is kept; a type import is dropped.
  await ok('import { basename } from "node:path";\nimport type { Stats } from "node:fs";', 'typescript');
  assert.equal(await value('basename("/x/z.md")'), "'z.md'");
});

test('export is accepted and means nothing more: names are shared anyway', async () => {
  await ok(
    'export const shared = 5;\nexport class Exported {}\nexport { shared as alias };\nexport default shared;',
    'typescript',
  );
  assert.equal(await value('[shared, typeof Exported]'), "[ 5, 'function' ]");
});

test('console output becomes stdout and stderr streams of that execution, in order', async () => {
  const r = await ok(
    'console.log("one", 1); console.error("two"); await new Promise((r) => setTimeout(r, 10)); console.info("three")',
  );
  assert.equal(r.stdout, 'one 1\nthree\n');
  assert.equal(r.stderr, 'two\n');
  const kinds = r.messages.map((m) => (m.type === 'stream' ? `${m.name}:${m.text.trim()}` : m.type));
  assert.deepEqual(kinds, ['stdout:one 1', 'stderr:two', 'stdout:three', 'done']);
});

test('display sends outputs; update replaces one in place', async () => {
  const r = await ok(
    'display("plain text", { n: 1 });\nconst h = display("first");\nawait display.update(h, "second");\nawait h.update("third");',
  );
  const displays = r.messages.filter((m): m is DisplayMessage => m.type === 'display');
  assert.deepEqual(
    displays.map((d) => [plain(d.items), d.update ?? false]),
    [
      ['plain text', false],
      ['{ n: 1 }', false],
      ['first', false],
      ['second', true],
      ['third', true],
    ],
  );
  assert.equal(new Set(displays.map((d) => d.outputId)).size, 3);
  assert.equal(displays[3]!.outputId, displays[2]!.outputId);
  assert.equal(displays[4]!.outputId, displays[2]!.outputId);
});

test('an error in a TypeScript cell points at the line the user wrote', async () => {
  const code = 'type N = number;\nconst a: N = 1;\nthrow new RangeError("bad " + a);\n';
  const r = await kernel.run(code, 'typescript', 'vscode-notebook-cell:/nb.ipynb#C3');
  assert.equal(r.done.status, 'error');
  const e = errorOf(r);
  assert.equal(e.name, 'RangeError');
  assert.equal(e.message, 'bad 1');
  assert.match(e.stack, /^RangeError: bad 1\n {4}at vscode-notebook-cell:\/nb\.ipynb#C3:3:7$/);
});

test('columns on a rewritten line are those of the code as typed (V8 on the plain code is the oracle)', async () => {
  const code = 'let pad = 1; const v = null; const w = [pad, v.x];';
  let expected = '';
  try {
    runInThisContext(
      `(() => { ${code} })()`.replace('(() => { ', '\n(() => {\n').replace(' })()', '\n})()'),
      {
        filename: 'ref',
      },
    );
  } catch (e) {
    expected = /ref:3:(\d+)/.exec((e as Error).stack ?? '')![1]!;
  }
  const r = await kernel.run(code, 'javascript', 'Col');
  assert.match(errorOf(r).stack, new RegExp(`at Col:1:${expected}$`));
});

test('a function defined in an earlier cell fails on its own cell and line', async () => {
  await ok(
    'const pad = 0;\n\nfunction explode(): never {\n  throw new Error("from cell A");\n}',
    'typescript',
  );
  const r = await kernel.run('// a comment\nconst before = 1;\nexplode();', 'javascript', 'CellB');
  const stack = errorOf(r).stack.split('\n');
  assert.match(stack[1]!, /explode \(Cell:4:9\)$/);
  assert.match(stack[2]!, /at CellB:3:1$/);
  assert.equal(stack.length, 3, errorOf(r).stack); // no kernel frames
});

test('a syntax error names the cell, line and column', async () => {
  const r = await kernel.run('const fine = 1;\nconst broken: = 2;', 'typescript', 'S');
  assert.equal(r.done.status, 'error');
  const e = errorOf(r);
  assert.equal(e.name, 'SyntaxError');
  assert.match(e.stack, /at S:2:15$/);
  assert.equal(await value('typeof fine'), "'undefined'"); // nothing of a cell that did not compile ran
});

test('throwing a non-Error value is reported too', async () => {
  const r = await kernel.run('throw { code: 7 }');
  assert.equal(r.done.status, 'error');
  assert.match(errorOf(r).message, /code: 7/);
});

test("an exception thrown later by a cell's timer goes to that cell's stderr, not the kernel down", async () => {
  const r = await ok(
    'setTimeout(() => {\n  throw new Error("late");\n}, 5);\nawait new Promise((r) => setTimeout(r, 100));',
  );
  assert.match(r.stderr, /^Error: late\n {4}at Timeout\._onTimeout \(Cell:2:9\)/);
  const rejected = await ok(
    'Promise.reject(new TypeError("nobody catches me")); await new Promise((r) => setTimeout(r, 50));',
  );
  assert.match(rejected.stderr, /TypeError: nobody catches me/);
  assert.equal(await value('"alive"'), "'alive'");
});

test('executions run one after another in arrival order', async () => {
  const first = kernel.submit('await new Promise((r) => setTimeout(r, 150)); var order = ["first"];');
  const second = kernel.submit('order.push("second"); order.length');
  const third = kernel.submit('order.push("third"); order.join(",")');
  const results = await Promise.all([first, second, third].map((id) => kernel.result(id)));
  assert.deepEqual(
    results.map((r) => plain(r.done.result)),
    [undefined, '2', "'first,second,third'"],
  );
  const doneOrder = kernel.messages.flatMap((m) =>
    m.type === 'done' && [first, second, third].includes(m.id) ? [m.id] : [],
  );
  assert.deepEqual(doneOrder, [first, second, third]);
});

test('a malformed message is ignored with a note on stderr; the kernel goes on', async () => {
  kernel.post({ type: 'bogus' });
  kernel.post({ type: 'execute', id: 'x', code: 1 });
  await kernel.waitForStderr('ignored a message');
  assert.equal(kernel.messages.filter((m) => 'id' in m && m.id === 'x').length, 0);
  assert.equal(await value('"still here"'), "'still here'");
});
