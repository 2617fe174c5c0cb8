/**
 * The Hugging Face hub's HTTP layout, as huggingface_hub uses it:
 * - `GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true` → `{ sha, siblings: [{ rfilename,
 *   size, blobId, lfs?: { sha256, size } }] }` (the commit and every file with its size and hash);
 * - `GET {endpoint}/{repo}/resolve/{rev}/{path}` → the file, or a 302 to a CDN for LFS files with
 *   `X-Linked-Size` / `X-Linked-Etag` (the sha256) on the redirect;
 * - errors carry `X-Error-Code` (RepoNotFound, RevisionNotFound, GatedRepo, EntryNotFound) and
 *   `X-Error-Message`; the hub answers 401 for private, gated *and* missing repos without a token.
 * Turns all of it into MmnerErrors that say what to do.
 */
import { MmnerError } from '../../core/errors.js';
import { header, NetworkError, type Response, readText, request } from './http.js';
import { isSafeRepoPath } from './select.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface HubFile {
  /** Path in the repository, `/`-separated. */
  path: string;
  size?: number;
  /** LFS files: the content's sha256 (hex). */
  sha256?: string;
  /** Plain git files: the git blob id, sha1 over `blob <size>\0<content>`. */
  blobId?: string;
}

export interface Listing {
  /** The commit the revision points at; downloads use it so every file comes from one commit. */
  commit?: string;
  files: HubFile[];
}

export interface HubContext {
  endpoint: string;
  repoId: string;
  revision: string;
  token?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** `org/name` or a legacy bare `name`: letters, digits, `-`, `_`, `.`; not starting with `.`/`-`. */
export function checkRepoId(repoId: string): void {
  const part = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}';
  if (!new RegExp(`^(?:${part}/)?${part}$`).test(repoId) || repoId.includes('..')) {
    throw new MmnerError('E_USAGE', `'${repoId}' is not a Hugging Face repository id`, {
      hint: 'Use ORG/NAME as on the model page, e.g. google-bert/bert-base-multilingual-cased',
    });
  }
}

/** The endpoint without a trailing slash; http(s) only. */
export function normalizeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new MmnerError('E_USAGE', `endpoint '${endpoint}' is not a URL`, {
      hint: 'Use e.g. --endpoint https://huggingface.co (or set HF_ENDPOINT)',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new MmnerError('E_USAGE', `endpoint '${endpoint}' must be an http or https URL`);
  }
  return endpoint.replace(/\/+$/, '');
}

export function apiUrl(c: Pick<HubContext, 'endpoint' | 'repoId' | 'revision'>): string {
  return `${c.endpoint}/api/models/${c.repoId}/revision/${encodeURIComponent(c.revision)}?blobs=true`;
}

/** The download URL of one file at a revision or commit. */
export function resolveUrl(endpoint: string, repoId: string, revision: string, path: string): string {
  const quoted = path.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${quoted}`;
}

/** The "cannot reach" error: what happened and how to get a model onto an offline machine. */
export function offlineError(c: Pick<HubContext, 'repoId'>, url: string, e: NetworkError): MmnerError {
  const origin = new URL(url).origin;
  const why = e.code === 'ETIMEDOUT' ? 'it did not answer in time' : e.code;
  return new MmnerError(
    'E_OFFLINE',
    `cannot reach ${origin} (${why}): this machine looks offline, or a firewall or proxy blocks it`,
    {
      hint: [
        `On a machine with internet access run \`mmner models download ${c.repoId} --to DIR\` (or`,
        '  `huggingface-cli download`), copy DIR here (scp, rsync, a USB disk) and pass the folder to mmner',
        '  (see docs/pretrained.md and docs/models-download.md). A hub mirror: --endpoint URL or HF_ENDPOINT.',
      ].join('\n'),
      cause: e,
    },
  );
}

/** An HTTP error answer from the hub or its CDN, as an MmnerError. */
export function httpError(c: HubContext, res: Response, what: string): MmnerError {
  const code = header(res.headers, 'x-error-code');
  const serverMessage = header(res.headers, 'x-error-message');
  const said = serverMessage ? ` (the hub says: ${serverMessage})` : '';
  const page = `${c.endpoint}/${c.repoId}`;
  const tokenHint = c.token
    ? 'HF_TOKEN was sent: check that its account can read this repository'
    : 'private and gated repositories need a token: create a read token at https://huggingface.co/settings/tokens and set HF_TOKEN';
  // Bare 401/403/404 mean access or existence only when the hub itself says them, not a CDN.
  const fromHub = new URL(res.url).origin === new URL(c.endpoint).origin;
  if (code === 'GatedRepo' || (fromHub && res.status === 403 && code !== 'RepoNotFound')) {
    return new MmnerError('E_HUB_ACCESS', `'${c.repoId}' is a gated repository (HTTP ${res.status})${said}`, {
      hint: c.token
        ? `The account of HF_TOKEN has no access yet: accept the model's terms at ${page}, then run this again`
        : `Accept the model's terms at ${page} while logged in, then set HF_TOKEN to a read token of that account`,
    });
  }
  if (code === 'RevisionNotFound') {
    return new MmnerError(
      'E_HUB_REVISION',
      `revision '${c.revision}' does not exist in '${c.repoId}'${said}`,
      {
        hint: `Use a branch, tag or commit hash listed at ${page}/tree/main (default: main)`,
      },
    );
  }
  if (code === 'EntryNotFound') {
    return new MmnerError(
      'E_HUB_ENTRY',
      `${what} is listed but not found in '${c.repoId}' (HTTP ${res.status})${said}`,
      {
        hint: 'The repository may have changed during the download: run the command again',
      },
    );
  }
  if (code === 'RepoNotFound' || (fromHub && (res.status === 401 || res.status === 404))) {
    return new MmnerError(
      code === 'RepoNotFound' || res.status === 404 ? 'E_HUB_NOT_FOUND' : 'E_HUB_ACCESS',
      `no model repository '${c.repoId}' at ${c.endpoint}, or it is private or gated (HTTP ${res.status})${said}`,
      { hint: `Check the id at ${page}; ${tokenHint}` },
    );
  }
  if (res.status === 429) {
    return new MmnerError('E_HUB_RATE', `the hub limits the request rate (HTTP 429) for ${what}`, {
      hint: `Wait a few minutes and run again (it resumes); logged-in requests (HF_TOKEN) get higher limits`,
    });
  }
  return new MmnerError(
    'E_HUB_HTTP',
    `HTTP ${res.status} for ${what} from ${new URL(res.url).origin}${said}`,
    {
      hint:
        res.status >= 500 ? 'The server has a problem: try again later (the download resumes)' : tokenHint,
    },
  );
}

/** Lists the repository's files with sizes and hashes at `revision`. */
export async function listFiles(c: HubContext): Promise<Listing> {
  const url = apiUrl(c);
  let res: Response;
  try {
    res = await request(url, {
      headers: { accept: 'application/json', 'user-agent': USER_AGENT },
      ...(c.token ? { token: c.token } : {}),
      ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}),
      ...(c.signal ? { signal: c.signal } : {}),
    });
  } catch (e) {
    if (e instanceof NetworkError && e.kind === 'unreachable') throw offlineError(c, url, e);
    throw e;
  }
  if (res.status !== 200) {
    res.body.resume();
    throw httpError(c, res, `the file list of '${c.repoId}'`);
  }
  let info: unknown;
  try {
    info = JSON.parse(await readText(res));
  } catch (e) {
    if (e instanceof NetworkError) throw e;
    throw new MmnerError('E_HUB_LISTING', `${url} did not answer with JSON`, {
      hint: 'Is --endpoint / HF_ENDPOINT a Hugging Face hub (or a mirror of its API)?',
    });
  }
  return parseListing(info, url);
}

/** Validates the API's answer: every path safe to write, sizes and hashes well-formed. */
export function parseListing(info: unknown, url: string): Listing {
  const bad = (what: string) =>
    new MmnerError('E_HUB_LISTING', `unexpected answer from ${url}: ${what}`, {
      hint: 'Is --endpoint / HF_ENDPOINT a Hugging Face hub (or a mirror of its API)?',
    });
  if (
    typeof info !== 'object' ||
    info === null ||
    !Array.isArray((info as { siblings?: unknown }).siblings)
  ) {
    throw bad('no "siblings" list');
  }
  const { sha, siblings } = info as { sha?: unknown; siblings: unknown[] };
  const files = siblings.map((s): HubFile => {
    const e = s as {
      rfilename?: unknown;
      size?: unknown;
      blobId?: unknown;
      lfs?: { sha256?: unknown; size?: unknown };
    };
    if (typeof e?.rfilename !== 'string') throw bad('a sibling without "rfilename"');
    if (!isSafeRepoPath(e.rfilename)) throw bad(`unsafe file path '${e.rfilename}'`);
    const f: HubFile = { path: e.rfilename };
    const size = e.lfs?.size ?? e.size;
    if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) f.size = size;
    if (typeof e.lfs?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.lfs.sha256)) f.sha256 = e.lfs.sha256;
    else if (!e.lfs && typeof e.blobId === 'string' && /^[0-9a-f]{40}$/.test(e.blobId)) f.blobId = e.blobId;
    return f;
  });
  return { ...(typeof sha === 'string' && sha ? { commit: sha } : {}), files };
}

export const USER_AGENT = 'mmner/0.1.0 (+models download)';
