/**
 * The notebook kernel: a Node child of the extension host, one per notebook, speaking the
 * messages of core/protocol/kernel.ts over Node's IPC channel. It says `ready` at once and loads
 * the heavy part (the mmner library with TensorFlow.js, esbuild, the TypeScript parser) behind
 * it; messages that arrive meanwhile wait for it, in order.
 *
 * Spawn: `fork('dist/kernel.js', [], { cwd: <notebook folder>, env: { MMNER_BACKEND } })`, or from
 * source `node --import tsx src/extension/kernel/main.ts` with stdio `['pipe','pipe','pipe','ipc']`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HostMessage, isHostMessage, type KernelMessage } from '../../core/protocol/kernel.js';

/** mmner's version, from the package.json above this file (source tree or dist/). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'mmner') return pkg.version ?? '0.0.0';
  }
  return '0.0.0';
}

const note = (text: string) => process.stderr.write(`mmner kernel: ${text}\n`);

if (!process.send) {
  note('start me with an IPC channel (child_process.fork, or stdio "ipc")');
  process.exit(2);
}
const send = (message: KernelMessage) => {
  if (process.connected) process.send!(message);
};

const backend = process.env.MMNER_BACKEND || 'wasm';
send({ type: 'ready', pid: process.pid, version: packageVersion(), backend });

const session = (async () => {
  const [{ Session }, { createApi }, { routeConsole }] = await Promise.all([
    import('./session.js'),
    import('./api.js'),
    import('./execution.js'),
  ]);
  routeConsole();
  // `require` too, for CommonJS habits; both it and `import` resolve from the notebook's folder.
  const require = createRequire(join(process.cwd(), 'notebook.js'));
  return new Session(send, (current) => ({ mmner: createApi(current, { backend }), require }));
})();
session.catch((e: unknown) => {
  note(`could not load the mmner library: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});

async function handle(message: HostMessage): Promise<void> {
  switch (message.type) {
    case 'execute':
      (await session).execute(message);
      return;
    case 'interrupt':
      (await session).interrupt();
      return;
    case 'shutdown':
      await (await session).dispose();
      process.exit(0);
      return;
    default: {
      const unknown: never = message;
      note(`unhandled message ${JSON.stringify(unknown)}`);
    }
  }
}

process.on('message', (message: unknown) => {
  if (!isHostMessage(message)) {
    note(`ignored a message that is not a host message: ${JSON.stringify(message)?.slice(0, 200)}`);
    return;
  }
  void handle(message);
});
// The host went away: nobody can read our outputs any more.
process.on('disconnect', () => process.exit(0));
// A cell's stray timer or promise must not take the kernel (and every variable) down with it.
const stray = (what: string) => (e: unknown) =>
  void session.then(
    (s) => s.stray(e) || note(`${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  );
process.on('uncaughtException', stray('uncaught exception outside any cell'));
process.on('unhandledRejection', stray('unhandled rejection outside any cell'));
