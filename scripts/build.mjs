// Bundles the entry points into dist/ with esbuild. Targets are data: add one row per bundle.
// Dependencies stay external (native modules such as sharp and onnxruntime-node cannot be bundled).
import { mkdir, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const TARGETS = [
  {
    name: 'cli',
    entryPoints: ['src/cli/bin.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'esm',
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // The notebook kernel: a child process of the extension host, holding the mmner library.
    name: 'kernel',
    entryPoints: ['src/extension/kernel/main.ts'],
    outfile: 'dist/kernel.js',
    platform: 'node',
    format: 'esm',
  },
  {
    // The extension host part: loaded by VS Code (CommonJS), light — never TensorFlow.js or
    // onnxruntime (a test reads this bundle's metafile). Everything but `vscode` is bundled.
    name: 'extension',
    entryPoints: ['src/extension/host/extension.ts'],
    outfile: 'dist/extension.cjs',
    platform: 'node',
    format: 'cjs',
    packages: 'bundle',
    external: ['vscode'],
  },
  {
    // The notebook output renderer: a browser ES module, self-contained (vega, vega-lite, vega-embed).
    name: 'renderer',
    entryPoints: ['src/renderer/index.ts'],
    outfile: 'dist/renderer.js',
    platform: 'browser',
    format: 'esm',
    packages: 'bundle',
    target: 'es2022',
    minify: true,
  },
];

await mkdir('dist', { recursive: true });
for (const { name, ...options } of TARGETS) {
  const result = await build({
    bundle: true,
    packages: 'external',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    ...options,
  });
  await writeFile(`dist/meta-${name}.json`, JSON.stringify(result.metafile));
}
