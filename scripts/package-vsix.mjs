// `npm run package [-- OUT.vsix]`: the extension as a self-contained, platform-specific VSIX for
// this machine's platform (e.g. linux-x64): dist/ bundles plus the production node_modules that
// the kernel and job processes load (TensorFlow.js, sharp, onnxruntime-node, esbuild,
// typescript), less what .vscodeignore leaves out (other platforms' binaries, source maps).
// Builds the bundles first. Prints the VSIX path.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const TARGETS = { 'linux-x64': 1, 'linux-arm64': 1, 'darwin-x64': 1, 'darwin-arm64': 1, 'win32-x64': 1 };
const target = `${process.platform}-${process.arch}`;
if (!TARGETS[target]) {
  console.error(`package-vsix: no VSIX target for ${target} (known: ${Object.keys(TARGETS).join(', ')})`);
  process.exit(1);
}
const out = resolve(process.argv[2] ?? `mmner-${target}.vsix`);

const step = (command, args) => {
  const r = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
step(process.execPath, ['scripts/build.mjs']);
step('npx', [
  'vsce',
  'package',
  '--target',
  target,
  '--allow-missing-repository',
  '--skip-license',
  '--no-rewrite-relative-links',
  '-o',
  out,
]);
console.log(out);
