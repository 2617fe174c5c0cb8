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
