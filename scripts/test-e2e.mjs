// `npm run test:e2e`: packages the VSIX once into a temp folder (scripts/package-vsix.mjs), then runs
// test/e2e/*.e2e.ts with Node's test runner (each file starts its own code-server). Needs
// `bash scripts/install-code-server.sh` first. Extra arguments go to the test runner;
// `--update-docs` (ours) copies the README's screenshots from a passing run into docs/img/.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** test-artifacts/e2e/<name>.png → docs/img/<name>.png, for README.md and docs/vscode.md. */
const DOC_SHOTS = {
  '03-chart': 'vscode-kernel-chart',
  '00-quickstart-attention': 'vscode-attention',
  '05-errors': 'vscode-errors',
  '07-training': 'vscode-train-progress',
  '00-quickstart-sentences': 'vscode-sentences',
};
const args = process.argv.slice(2);
const updateDocs = args.includes('--update-docs');

const step = (command, args, env = process.env) => {
  const r = spawnSync(command, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const dir = mkdtempSync(join(tmpdir(), 'mmner-vsix-'));
try {
  const vsix = join(dir, 'mmner.vsix');
  step(process.execPath, ['scripts/package-vsix.mjs', vsix]);
  const files = readdirSync('test/e2e')
    .filter((f) => f.endsWith('.e2e.ts'))
    .map((f) => join('test/e2e', f));
  // One file at a time: each starts a VS Code, and the machine has two cores.
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      ...args.filter((a) => a !== '--update-docs'),
      ...files,
    ],
    { stdio: 'inherit', env: { ...process.env, MMNER_E2E_VSIX: vsix } },
  );
  process.exitCode = r.status ?? 1;
  if (updateDocs && r.status === 0) {
    for (const [from, to] of Object.entries(DOC_SHOTS)) {
      copyFileSync(join('test-artifacts/e2e', `${from}.png`), join('docs/img', `${to}.png`));
      console.log(`docs/img/${to}.png`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
