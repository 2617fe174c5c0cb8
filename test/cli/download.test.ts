/**
 * `mmner models download` against a fake hub on 127.0.0.1: the API listing, `resolve` URLs, a
 * 302 to a "CDN" on another port for LFS files, Range requests, cut connections, corrupted
 * bytes, 404 / 401 answers and refused connections. No test touches the internet.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { downloadModel } from '../../src/cli/download/download.js';
import { memoryIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

/** Deterministic pseudo-random bytes. */
function bytes(n: number, seed: string): Buffer {
  const out: Buffer[] = [];
  let h = Buffer.from(seed);
  for (let got = 0; got < n; got += 32) {
    h = createHash('sha256').update(h).digest();
    out.push(h);
  }
  return Buffer.concat(out).subarray(0, n);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gitBlob = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

interface FakeFile {
  path: string;
  data: Buffer;
  lfs?: boolean;
}

const COMMIT = 'c0ffee0000000000000000000000000000000001';
const REPO = 'acme/bert-tiny';
const FILES: FakeFile[] = [
  { path: '.gitattributes', data: Buffer.from('*.safetensors filter=lfs diff=lfs merge=lfs -text\n') },
  { path: 'README.md', data: Buffer.from('# bert-tiny\n') },
  {
    path: 'config.json',
    data: Buffer.from(JSON.stringify({ model_type: 'bert', hidden_size: 32 }, null, 2)),
  },
  { path: 'vocab.txt', data: Buffer.from('[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n') },
  {
    path: 'tokenizer.json',
    data: Buffer.from(JSON.stringify({ version: '1.0', model: { type: 'WordPiece' } })),
  },
  { path: 'tokenizer_config.json', data: Buffer.from('{"do_lower_case": false}') },
  { path: 'special_tokens_map.json', data: Buffer.from('{"unk_token": "[UNK]"}') },
  { path: 'model.safetensors', data: bytes(6000, 'weights'), lfs: true },
  { path: 'onnx/model.onnx', data: bytes(3000, 'onnx'), lfs: true },
  { path: 'onnx/model_quantized.onnx', data: bytes(1000, 'onnx-q'), lfs: true },
  { path: 'pytorch_model.bin', data: bytes(6000, 'bin'), lfs: true },
  { path: 'tf_model.h5', data: bytes(6000, 'h5'), lfs: true },
  { path: 'flax_model.msgpack', data: bytes(6000, 'flax'), lfs: true },
];
const DEFAULT_SET = [
  'config.json',
  'model.safetensors',
  'onnx/model.onnx',
  'onnx/model_quantized.onnx',
  'special_tokens_map.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'vocab.txt',
];

interface Logged {
  server: 'hub' | 'cdn';
  path: string;
  range?: string;
  auth?: string;
}

/** The fake hub and its CDN (another port, so another origin). */
const fake = {
  hubUrl: '',
  cdnUrl: '',
  log: [] as Logged[],
  /** Paths whose next GET sends half the body, then closes the connection. */
  cutOnce: new Set<string>(),
  /** Paths served with one byte flipped (same size), so their hash mismatches. */
  corrupt: new Set<string>(),
  /** Paths whose next GET sends half the body, then stalls with the connection open. */
  stallOnce: new Set<string>(),
  /** Paths whose next CDN GET answers 503. */
  unavailableOnce: new Set<string>(),
  /** Paths for which Range is ignored (a plain 200). */
  ignoreRange: new Set<string>(),
  /** Repos answering 401 GatedRepo unless this token is sent. */
  gated: new Map<string, string>([['acme/gated', 'hf_good']]),
  /** Extra listings (repo → siblings JSON), e.g. a rogue path. */
  rogue: new Map<string, unknown[]>(),
};
const servers: http.Server[] = [];
const byPath = new Map(FILES.map((f) => [f.path, f]));
const bySha = new Map(FILES.filter((f) => f.lfs).map((f) => [sha256(f.data), f]));

function sendBody(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  f: FakeFile,
  extra: http.OutgoingHttpHeaders,
) {
  let data = f.data;
  if (fake.corrupt.has(f.path)) {
    data = Buffer.from(data);
    data[data.length >> 1]! ^= 0xff;
  }
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m && !fake.ignoreRange.has(f.path)) {
    const start = Number(m[1]);
    if (start >= data.length) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      return;
    }
    res.writeHead(206, {
      ...extra,
      'content-length': data.length - start,
      'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
    });
    res.end(data.subarray(start));
    return;
  }
  res.writeHead(200, { ...extra, 'content-length': data.length, 'accept-ranges': 'bytes' });
  if (fake.stallOnce.delete(f.path)) {
    res.write(data.subarray(0, data.length >> 1));
    return;
  }
  if (fake.cutOnce.delete(f.path)) {
    // Half the promised bytes, then the connection ends: the client sees a premature close.
    res.write(data.subarray(0, data.length >> 1), () => req.socket.end());
    return;
  }
  res.end(data);
}

function hubHandler(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  fake.log.push({
    server: 'hub',
    path: url.pathname,
    ...(req.headers.range ? { range: req.headers.range } : {}),
    ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
  });
  const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(url.pathname);
  const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
  const repo = api?.[1] ?? resolve?.[1];
  const rev = decodeURIComponent(api?.[2] ?? resolve?.[2] ?? '');
  const token = fake.gated.get(repo ?? '');
  if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
    res
      .writeHead(401, {
        'x-error-code': 'GatedRepo',
        'x-error-message': `Access to model ${repo} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      })
      .end();
    return;
  }
  const known = repo === REPO || fake.rogue.has(repo ?? '') || token !== undefined;
  if (!known) {
    res.writeHead(404, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' }).end();
    return;
  }
  if (rev !== 'main' && rev !== COMMIT) {
    res.writeHead(404, { 'x-error-code': 'RevisionNotFound', 'x-error-message': 'Invalid rev id' }).end();
    return;
  }
  if (api) {
    const siblings =
      fake.rogue.get(repo!) ??
      FILES.map((f) => ({
        rfilename: f.path,
        size: f.lfs ? 134 : f.data.length,
        blobId: f.lfs ? sha256(Buffer.from(f.path)).slice(0, 40) : gitBlob(f.data),
        ...(f.lfs ? { lfs: { sha256: sha256(f.data), size: f.data.length, pointerSize: 134 } } : {}),
      }));
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ id: repo, sha: COMMIT, siblings }));
    return;
  }
  const f = byPath.get(decodeURIComponent(resolve?.[3] ?? ''));
  if (!resolve || !f) {
    res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
    return;
  }
  if (f.lfs) {
    res
      .writeHead(302, {
        location: `${fake.cdnUrl}/repos/ab/cd/${sha256(f.data)}?response-content-disposition=attachment`,
        'x-linked-size': f.data.length,
        'x-linked-etag': `"${sha256(f.data)}"`,
        'x-repo-commit': COMMIT,
      })
      .end();
    return;
  }
  sendBody(req, res, f, { etag: `"${gitBlob(f.data)}"`, 'x-repo-commit': COMMIT });
}

function cdnHandler(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  fake.log.push({
    server: 'cdn',
    path: url.pathname,
    ...(req.headers.range ? { range: req.headers.range } : {}),
    ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
  });
  const f = bySha.get(url.pathname.split('/').pop() ?? '');
  if (!f) {
    res.writeHead(404).end();
    return;
  }
  if (fake.unavailableOnce.delete(f.path)) {
    res.writeHead(503).end('busy');
    return;
  }
  sendBody(req, res, f, { etag: `"${sha256(f.data)}"` });
}

async function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const work = mkdtempSync(join(tmpdir(), 'mmner-download-'));
let n = 0;
const freshDir = () => join(work, `m${n++}`);

before(async () => {
  fake.hubUrl = await listen(hubHandler);
  fake.cdnUrl = await listen(cdnHandler);
});
after(() => {
  for (const s of servers) s.closeAllConnections?.();
  for (const s of servers) s.close();
  rmSync(work, { recursive: true, force: true });
});
const ENV = ['HF_TOKEN', 'HF_ENDPOINT', 'HF_HUB_OFFLINE'] as const;
const savedEnv = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
beforeEach(() => {
  for (const k of ENV) delete process.env[k];
  fake.log = [];
  fake.cutOnce.clear();
  fake.corrupt.clear();
  fake.ignoreRange.clear();
  fake.stallOnce.clear();
  fake.unavailableOnce.clear();
});
after(() => {
  for (const k of ENV) if (savedEnv[k] !== undefined) process.env[k] = savedEnv[k];
});

async function run(argv: string[], opts: { tty?: boolean; endpoint?: string | null } = {}) {
  const io = memoryIO(work);
  if (opts.tty) io.isTTY = true;
  const endpoint =
    opts.endpoint === undefined
      ? ['--endpoint', fake.hubUrl]
      : opts.endpoint
        ? ['--endpoint', opts.endpoint]
        : [];
  const code = await main(['models', 'download', ...argv, ...endpoint], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Every file under dir, relative, sorted (bookkeeping included). */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tree(dir, `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

const events = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });

test('default selection: config, tokenizer, safetensors and onnx/*.onnx; never .bin/.h5/.msgpack', async () => {
  const dir = freshDir();
  process.env.HF_TOKEN = 'hf_secret';
  const r = await run([REPO, '--to', dir]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(tree(dir), [...DEFAULT_SET, '.mmner-download.json'].sort());
  for (const p of DEFAULT_SET) assert.deepEqual(readFileSync(join(dir, p)), byPath.get(p)!.data, p);
  assert.match(r.out, /acme\/bert-tiny: 8 files \(.*\) in .*: 8 downloaded .*, 0 already up to date/);
  // Files come from the listed commit; LFS files via the 302 to the other origin.
  const resolves = fake.log.filter((l) => l.path.includes('/resolve/'));
  assert.ok(resolves.every((l) => l.path.includes(`/resolve/${COMMIT}/`)));
  assert.equal(fake.log.filter((l) => l.server === 'cdn').length, 3);
  // The token goes to the hub, never across origins to the CDN.
  assert.ok(fake.log.filter((l) => l.server === 'hub').every((l) => l.auth === 'Bearer hf_secret'));
  assert.ok(fake.log.filter((l) => l.server === 'cdn').every((l) => l.auth === undefined));
  // Not a terminal: JSON lines on stderr.
  const ev = events(r.err);
  assert.equal(ev[0]!.type, 'start');
  assert.equal(ev[0]!.files, 8);
  assert.equal(
    ev[0]!.bytes,
    DEFAULT_SET.reduce((a, p) => a + byPath.get(p)!.data.length, 0),
  );
  const done = ev.filter((e) => e.type === 'fileDone');
  assert.equal(done.length, 8);
  assert.equal(
    done.find((e) => e.path === 'model.safetensors')!.sha256,
    sha256(byPath.get('model.safetensors')!.data),
  );
  assert.ok(ev.some((e) => e.type === 'progress' && typeof e.bytesPerSec === 'number'));
  assert.equal(ev.at(-1)!.type, 'done');
  const manifest = JSON.parse(readFileSync(join(dir, '.mmner-download.json'), 'utf8'));
  assert.equal(manifest.commit, COMMIT);
  assert.equal(manifest.files['model.safetensors'].sha256, sha256(byPath.get('model.safetensors')!.data));

  // A second run fetches nothing.
  fake.log = [];
  const again = await run([REPO, '--to', dir]);
  assert.equal(again.code, 0, again.err);
  assert.deepEqual(
    fake.log.map((l) => l.path),
    [`/api/models/${REPO}/revision/main`],
  );
  assert.match(again.out, /8 files .*, all already up to date/);
  assert.equal(events(again.err).filter((e) => e.type === 'skip').length, 8);
});

test('a connection cut halfway: the part stays, the next run resumes with a Range request', async () => {
  const dir = freshDir();
  const weights = byPath.get('model.safetensors')!.data;
  fake.cutOnce.add('model.safetensors');
  const first = await run([REPO, '--to', dir, '--include', 'model.safetensors', '--retries', '0']);
  assert.equal(first.code, 2);
  assert.match(first.err, /mmner: the download of model\.safetensors stopped at \d+ of 6000 bytes/);
  assert.match(
    first.err,
    /Run the same command again: it resumes from .*\.incomplete\/model\.safetensors\.part/,
  );
  const part = join(dir, '.incomplete', 'model.safetensors.part');
  const have = statSync(part).size;
  assert.ok(have > 0 && have < weights.length, `part holds ${have} bytes`);
  assert.deepEqual(readFileSync(part), weights.subarray(0, have));
  assert.equal(existsSync(join(dir, 'model.safetensors')), false);

  fake.log = [];
  const second = await run([REPO, '--to', dir, '--include', 'model.safetensors']);
  assert.equal(second.code, 0, second.err);
  assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), weights);
  const cdn = fake.log.filter((l) => l.server === 'cdn');
  assert.deepEqual(
    cdn.map((l) => l.range),
    [`bytes=${have}-`],
  );
  // The Range header survives the redirect from the hub to the CDN.
  assert.equal(fake.log.find((l) => l.path.includes('/resolve/'))!.range, `bytes=${have}-`);
  const fileEvent = events(second.err).find((e) => e.type === 'file')!;
  assert.equal(fileEvent.from, have);
  assert.equal(existsSync(join(dir, '.incomplete')), false);
  assert.equal(events(second.err).filter((e) => e.type === 'retry').length, 0);
});

test('within one run a broken transfer is retried from where it broke off', async () => {
  const dir = freshDir();
  fake.cutOnce.add('onnx/model.onnx');
  const r = await run([REPO, '--to', dir, '--include', 'onnx/model.onnx', '--retries', '1']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(readFileSync(join(dir, 'onnx/model.onnx')), byPath.get('onnx/model.onnx')!.data);
  const retry = events(r.err).find((e) => e.type === 'retry')!;
  assert.ok(retry, r.err);
  assert.equal(retry.attempt, 1);
  assert.deepEqual(
    fake.log.filter((l) => l.server === 'cdn').map((l) => l.range),
    [undefined, `bytes=${retry.from}-`],
  );
});

test('a CDN answering 503 is asked again; with no retries left the error says so', async () => {
  const dir = freshDir();
  fake.unavailableOnce.add('onnx/model.onnx');
  const r = await run([REPO, '--to', dir, '--include', 'onnx/model.onnx']);
  assert.equal(r.code, 0, r.err);
  assert.match(
    String(events(r.err).find((e) => e.type === 'retry')?.reason),
    /HTTP 503 from http:\/\/127\.0\.0\.1:\d+/,
  );
  fake.unavailableOnce.add('model.safetensors');
  const failed = await run([REPO, '--to', dir, '--include', 'model.safetensors', '--retries', '0']);
  assert.equal(failed.code, 2);
  assert.match(failed.err, /the download of model\.safetensors stopped at 0 of 6000 bytes: HTTP 503/);
});

test('a server that ignores Range: the part is replaced, not appended to', async () => {
  const dir = freshDir();
  const weights = byPath.get('model.safetensors')!.data;
  fake.cutOnce.add('model.safetensors');
  await run([REPO, '--to', dir, '--include', 'model.safetensors', '--retries', '0']);
  fake.ignoreRange.add('model.safetensors');
  const r = await run([REPO, '--to', dir, '--include', 'model.safetensors']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), weights);
});

test('a part left by another version of the file is discarded, not resumed', async () => {
  const dir = freshDir();
  mkdirSync(join(dir, '.incomplete'), { recursive: true });
  writeFileSync(join(dir, '.incomplete', 'model.safetensors.part'), bytes(100, 'old'));
  writeFileSync(
    join(dir, '.incomplete', 'model.safetensors.part.json'),
    JSON.stringify({ id: 'sha256:old' }),
  );
  const r = await run([REPO, '--to', dir, '--include', 'model.safetensors']);
  assert.equal(r.code, 0, r.err);
  assert.equal(fake.log.find((l) => l.server === 'cdn')!.range, undefined);
  assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), byPath.get('model.safetensors')!.data);
});

test('a corrupted LFS file: clear error, the bad data deleted; the next run fetches it afresh', async () => {
  const dir = freshDir();
  fake.corrupt.add('model.safetensors');
  const r = await run([REPO, '--to', dir]);
  assert.equal(r.code, 2);
  const expected = sha256(byPath.get('model.safetensors')!.data);
  assert.match(
    r.err,
    new RegExp(
      `model\\.safetensors: the downloaded data is damaged: sha256 [0-9a-f]{64} instead of ${expected}`,
    ),
  );
  assert.match(r.err, /The damaged data was deleted\. Run the same command again/);
  assert.equal(existsSync(join(dir, 'model.safetensors')), false);
  assert.equal(existsSync(join(dir, '.incomplete')), false);
  // Files verified before the bad one stay and are not fetched again.
  assert.ok(existsSync(join(dir, 'config.json')));

  fake.corrupt.clear();
  fake.log = [];
  const again = await run([REPO, '--to', dir]);
  assert.equal(again.code, 0, again.err);
  assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), byPath.get('model.safetensors')!.data);
  assert.equal(fake.log.filter((l) => l.path.endsWith('/config.json')).length, 0);
});

test('a corrupted plain git file fails its git blob id check', async () => {
  const dir = freshDir();
  fake.corrupt.add('config.json');
  const r = await run([REPO, '--to', dir, '--include', 'config.json']);
  assert.equal(r.code, 2);
  assert.match(r.err, /config\.json: the downloaded data is damaged: git blob id differs from [0-9a-f]{40}/);
  assert.equal(existsSync(join(dir, 'config.json')), false);
});

test('a damaged complete file without a manifest entry is detected and replaced', async () => {
  const dir = freshDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), Buffer.alloc(byPath.get('config.json')!.data.length, 0x20));
  writeFileSync(join(dir, 'vocab.txt'), byPath.get('vocab.txt')!.data);
  const r = await run([REPO, '--to', dir, '--include', '{config.json,vocab.txt}']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(readFileSync(join(dir, 'config.json')), byPath.get('config.json')!.data);
  assert.deepEqual(
    fake.log.filter((l) => l.path.includes('/resolve/')).map((l) => l.path.split('/').pop()),
    ['config.json'],
  );
});

test('--include replaces the defaults, --exclude removes; an unmatched --include warns', async () => {
  const dir = freshDir();
  const r = await run([
    REPO,
    '--to',
    dir,
    '--include',
    'onnx/*',
    '--include',
    'pytorch_model.bin',
    '--include',
    'nothing-*.json',
    '--exclude',
    '*_quantized.onnx',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(tree(dir), ['.mmner-download.json', 'onnx/model.onnx', 'pytorch_model.bin']);
  assert.ok(events(r.err).some((e) => e.type === 'warning' && /nothing-\*\.json/.test(String(e.message))));
  const none = await run([REPO, '--to', freshDir(), '--include', '*.gguf']);
  assert.equal(none.code, 2);
  assert.match(none.err, /no file of 'acme\/bert-tiny' matches the selection\n {2}Its files: .*config\.json/);
});

test('a missing repo (404), a revision that does not exist, a gated repo (401)', async () => {
  const missing = await run(['acme/missing', '--to', freshDir()]);
  assert.equal(missing.code, 2);
  assert.match(
    missing.err,
    /no model repository 'acme\/missing' at http:\/\/127\.0\.0\.1:\d+, or it is private or gated \(HTTP 404\)/,
  );
  assert.match(missing.err, /set HF_TOKEN/);

  const rev = await run([REPO, '--to', freshDir(), '--revision', 'v9']);
  assert.equal(rev.code, 2);
  assert.match(rev.err, /revision 'v9' does not exist in 'acme\/bert-tiny'/);

  const gated = await run(['acme/gated', '--to', freshDir()]);
  assert.equal(gated.code, 2);
  assert.match(
    gated.err,
    /'acme\/gated' is a gated repository \(HTTP 401\) \(the hub says: Access to model acme\/gated is restricted/,
  );
  assert.match(
    gated.err,
    /Accept the model's terms at http:\/\/127\.0\.0\.1:\d+\/acme\/gated while logged in, then set HF_TOKEN/,
  );
  process.env.HF_TOKEN = 'hf_wrong';
  const wrong = await run(['acme/gated', '--to', freshDir()]);
  assert.match(wrong.err, /The account of HF_TOKEN has no access yet/);
  process.env.HF_TOKEN = 'hf_good';
  const ok = await run(['acme/gated', '--to', freshDir(), '--include', 'config.json']);
  assert.equal(ok.code, 0, ok.err);
});

test('offline: a refused connection and a silent server say so and how to copy a folder by hand', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const refused = await run([REPO, '--to', freshDir()], { endpoint: `http://127.0.0.1:${port}` });
  assert.equal(refused.code, 2);
  assert.match(
    refused.err,
    new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): this machine looks offline`),
  );
  assert.match(refused.err, /copy DIR here .* \(see docs\/pretrained\.md and docs\/models-download\.md\)/s);

  const sockets = new Set<import('node:net').Socket>();
  const silent = http.createServer(() => {});
  silent.on('connection', (s) => sockets.add(s));
  const silentUrl = await new Promise<string>((r) =>
    silent.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`)),
  );
  try {
    const t = await run([REPO, '--to', freshDir(), '--timeout', '0.2'], { endpoint: silentUrl });
    assert.equal(t.code, 2);
    assert.match(t.err, /cannot reach .* \(it did not answer in time\)/);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }

  process.env.HF_HUB_OFFLINE = '1';
  const off = await run([REPO, '--to', freshDir()]);
  assert.equal(off.code, 2);
  assert.match(off.err, /HF_HUB_OFFLINE is set/);
  assert.deepEqual(fake.log, []);
});

test('HF_ENDPOINT is the default endpoint; --json writes JSON lines on stdout', async () => {
  process.env.HF_ENDPOINT = `${fake.hubUrl}/`;
  const dir = freshDir();
  const r = await run([REPO, '--to', dir, '--include', 'config.json', '--json'], { endpoint: null });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const ev = events(r.out);
  assert.deepEqual(
    ev.map((e) => e.type).filter((t) => t !== 'progress'),
    ['start', 'file', 'fileDone', 'done'],
  );
  assert.ok(existsSync(join(dir, 'config.json')));
});

test('on a terminal: a progress bar with bytes/s and ETA, and a line per file', async () => {
  const r = await run([REPO, '--to', freshDir(), '--include', 'model.safetensors'], { tty: true });
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^fetching 1 file \(6\.00 kB\) of acme\/bert-tiny@main \(commit c0ffee0000\)\n/);
  assert.match(
    r.err,
    /\r\[[#-]+\] +\d+% [\d.]+ k?B\/6\.00 kB [\d.]+ [kMG]?B\/s ETA (?:\d+s|\?) model\.safetensors\x1b\[K/,
  );
  assert.match(r.err, /done {8}model\.safetensors \(6\.00 kB, sha256 verified\)\n$/);
});

test('a listing with an unsafe path is refused before anything is written', async () => {
  fake.rogue.set('acme/rogue', [{ rfilename: '../escape.json', size: 2 }]);
  const dir = freshDir();
  const r = await run(['acme/rogue', '--to', dir, '--include', '**']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unexpected answer from .*: unsafe file path '\.\.\/escape\.json'/);
  assert.equal(existsSync(dir), false);
});

test('usage errors', async () => {
  assert.match((await run([REPO])).err, /--to is required/);
  assert.match((await run(['--to', 'x'])).err, /REPO_ID is missing/);
  assert.match((await run(['../etc', '--to', 'x'])).err, /'\.\.\/etc' is not a Hugging Face repository id/);
  assert.match((await run([REPO, '--to', 'x', '--retries=-1'])).err, /--retries must be 0 or more/);
  assert.match((await run([REPO, '--to', 'x'], { endpoint: 'ftp://h' })).err, /must be an http or https URL/);
  const help = memoryIO();
  assert.equal(await main(['models', 'download', '--help'], help), 0);
  assert.match(help.stdout(), /Usage: mmner models download REPO_ID --to DIR/);
  const list = memoryIO();
  await main(['--help'], list);
  assert.match(list.stdout(), /^ {2}models download +Download a pretrained model/m);
});

test('cancelling (Ctrl-C in the CLI) keeps what arrived; the next run resumes from it', async () => {
  const dir = freshDir();
  const weights = byPath.get('model.safetensors')!.data;
  fake.stallOnce.add('model.safetensors');
  const controller = new AbortController();
  await assert.rejects(
    downloadModel({
      repoId: REPO,
      to: dir,
      endpoint: fake.hubUrl,
      include: ['model.safetensors'],
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'progress' && e.bytes > 0) controller.abort();
      },
    }),
    (e: Error & { code?: string }) =>
      e.code === 'E_INTERRUPTED' && /Run the same command again to resume/.test(e.message),
  );
  const have = statSync(join(dir, '.incomplete', 'model.safetensors.part')).size;
  assert.ok(have > 0 && have < weights.length, `part holds ${have} bytes`);
  fake.log = [];
  const r = await run([REPO, '--to', dir, '--include', 'model.safetensors']);
  assert.equal(r.code, 0, r.err);
  assert.equal(fake.log.find((l) => l.server === 'cdn')!.range, `bytes=${have}-`);
  assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), weights);
});
