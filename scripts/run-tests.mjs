// Runs every test/**/*.test.ts with Node's own test runner (TypeScript through tsx).
// Extra arguments are passed on: `npm test -- --test-name-pattern=conlleval`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : find(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const args = process.argv.slice(2);
const files = args.some((a) => !a.startsWith('-')) ? [] : find('test').sort();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...args, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
