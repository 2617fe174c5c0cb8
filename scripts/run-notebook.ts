/**
 * Runs a notebook's code cells through mmner's kernel process (dist/kernel.js, the one VS Code
 * uses) and saves the outputs into the .ipynb — our MIME types with their PNG/HTML/text
 * fallbacks — so the notebook reads on GitHub and in Jupyter as it does in VS Code.
 *   node --import tsx scripts/run-notebook.ts notebooks/quickstart.ipynb [--cwd DIR]
 */
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ExecuteRequest, KernelMessage, OutputItem } from '../src/core/protocol/kernel.js';
import { isKernelMessage } from '../src/core/protocol/kernel.js';

interface NbOutput {
  output_type: string;
  [key: string]: unknown;
}
interface NbCell {
  cell_type: string;
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: NbOutput[];
  execution_count?: number | null;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { cwd: { type: 'string' } } });
const path = positionals[0];
if (!path) {
  console.error('usage: run-notebook.ts NOTEBOOK.ipynb [--cwd DIR]');
  process.exit(2);
}
const notebook = JSON.parse(readFileSync(path, 'utf8')) as {
  cells: NbCell[];
  metadata: Record<string, unknown>;
};

/** nbformat keeps JSON MIME data as JSON, text as a string, binary as base64. */
function mimeBundle(items: OutputItem[]): Record<string, unknown> {
  return Object.fromEntries(
    items.map((i) => [
      i.mime,
      i.mime.endsWith('json') && i.encoding !== 'base64' ? JSON.parse(i.data) : i.data,
    ]),
  );
}

const kernel = fork(resolve('dist/kernel.js'), [], {
  cwd: resolve(values.cwd ?? '.'),
  // dist/kernel.js is plain JavaScript: not this script's `--import tsx`, which --cwd cannot resolve.
  execArgv: [],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const listeners = new Set<(m: KernelMessage) => void>();
kernel.on('message', (m) => {
  if (isKernelMessage(m)) for (const l of listeners) l(m);
});

function execute(id: string, code: string, language: ExecuteRequest['language']): Promise<NbOutput[]> {
  const outputs: NbOutput[] = [];
  const displays = new Map<string, NbOutput>();
  return new Promise((done) => {
    const listen = (m: KernelMessage) => {
      if (!('id' in m) || m.id !== id) return;
      switch (m.type) {
        case 'stream': {
          const last = outputs.at(-1);
          if (last?.output_type === 'stream' && last.name === m.name) last.text = `${last.text}${m.text}`;
          else outputs.push({ output_type: 'stream', name: m.name, text: m.text });
          break;
        }
        case 'display': {
          const existing = m.update ? displays.get(m.outputId) : undefined;
          if (existing) existing.data = mimeBundle(m.items);
          else {
            const out = { output_type: 'display_data', data: mimeBundle(m.items), metadata: {} };
            displays.set(m.outputId, out);
            outputs.push(out);
          }
          break;
        }
        case 'error':
          outputs.push({
            output_type: 'error',
            ename: m.name,
            evalue: m.message,
            traceback: m.stack.split('\n'),
          });
          break;
        case 'done':
          if (m.result)
            outputs.push({ output_type: 'display_data', data: mimeBundle(m.result), metadata: {} });
          listeners.delete(listen);
          console.error(`${id}: ${m.status}`);
          done(outputs);
          break;
      }
    };
    listeners.add(listen);
    kernel.send({ type: 'execute', id, code, language, cellName: id } satisfies ExecuteRequest);
  });
}

const language =
  (notebook.metadata.language_info as { name?: string } | undefined)?.name === 'javascript'
    ? 'javascript'
    : 'typescript';
let count = 0;
for (const cell of notebook.cells) {
  if (cell.cell_type !== 'code') continue;
  count++;
  const code = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
  cell.outputs = await execute(`Cell ${count}`, code, language);
  cell.execution_count = count;
}
kernel.send({ type: 'shutdown' });
writeFileSync(path, `${JSON.stringify(notebook, null, 1)}\n`);
console.error(`wrote ${path}`);
