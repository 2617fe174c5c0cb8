/**
 * The import table of DESIGN.md, checked: each src/ folder imports only the folders it may, and
 * browser-safe files (core/, viz/, renderer/) import no Node module unless named `*.node.ts`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve(import.meta.dirname, '../src');

/** folder → folders of ours it may import (itself always allowed). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  model: ['core'],
  train: ['core', 'model'],
  onnx: ['core', 'model'],
  eval: ['core', 'model'],
  viz: ['core'],
  cli: ['core', 'model', 'train', 'onnx', 'eval', 'viz'],
  extension: ['core', 'model', 'train', 'onnx', 'eval', 'viz', 'cli'],
  renderer: ['core', 'viz'],
};
const BROWSER_SAFE = new Set(['core', 'viz', 'renderer']);
const NODE_MODULES = new Set(['sharp', 'onnxruntime-node', 'webgpu', ...builtinModules]);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

export function importsOf(source: string): string[] {
  const found: string[] = [];
  const re =
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) found.push((m[1] ?? m[2] ?? m[3])!);
  return found;
}

function layerOf(file: string): string {
  return relative(SRC, file).split(/[\\/]/)[0]!;
}

test('every src folder is a layer of DESIGN.md', () => {
  for (const e of readdirSync(SRC, { withFileTypes: true })) {
    assert.ok(!e.isDirectory() || e.name in MAY_IMPORT, `src/${e.name} is not in DESIGN.md's layout table`);
  }
});

/** Rule breaks in one file (absolute path under src/) with the given source text. */
function violationsOf(file: string, source: string): string[] {
  const violations: string[] = [];
  const layer = layerOf(file);
  const name = relative(SRC, file);
  const browserOnly = BROWSER_SAFE.has(layer) && !file.endsWith('.node.ts');
  for (const spec of importsOf(source)) {
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec);
      const targetLayer = layerOf(target);
      if (targetLayer !== layer && !MAY_IMPORT[layer]?.includes(targetLayer)) {
        violations.push(`${name} imports ${spec}: ${layer}/ may not import ${targetLayer}/`);
      }
      if (browserOnly && target.endsWith('.node.js')) {
        violations.push(`${name} imports ${spec}: browser-safe files may not import *.node.ts files`);
      }
    } else if (browserOnly && (spec.startsWith('node:') || NODE_MODULES.has(spec.split('/')[0]!))) {
      violations.push(
        `${name} imports ${spec}: a Node-only module in a browser-safe file (rename it *.node.ts)`,
      );
    }
  }
  return violations;
}

test('imports follow the layer table and the browser-safe rule', () => {
  const violations = files(SRC).flatMap((f) => violationsOf(f, readFileSync(f, 'utf8')));
  assert.deepEqual(violations, []);
});

test('the checker catches each kind of rule break', () => {
  assert.match(
    violationsOf(join(SRC, 'core/x.ts'), "import { t } from '../train/t.js';")[0]!,
    /core\/ may not import train\//,
  );
  assert.match(violationsOf(join(SRC, 'viz/x.ts'), "import sharp from 'sharp';")[0]!, /Node-only module/);
  assert.match(
    violationsOf(join(SRC, 'renderer/x.ts'), "import { a } from '../core/a.node.js';")[0]!,
    /\*\.node\.ts/,
  );
  assert.deepEqual(
    violationsOf(join(SRC, 'core/x.node.ts'), "import { readFile } from 'node:fs/promises';"),
    [],
  );
  assert.deepEqual(violationsOf(join(SRC, 'cli/x.ts'), "import { m } from '../model/m.js';"), []);
});

test('the import scanner sees static, re-export and dynamic imports', () => {
  const src = `import a from './a.js';\nimport type { B } from "../b.js";\nexport { c } from './c.js';\nconst d = await import('node:fs');\nimport './side.js';`;
  assert.deepEqual(importsOf(src), ['./a.js', '../b.js', './c.js', 'node:fs', './side.js']);
});
