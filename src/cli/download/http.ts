/**
 * A small HTTP(S) client over node:http/https for the hub: manual redirects (so the hub's
 * `X-Linked-*` headers on the 302 stay visible and the Authorization header is dropped when a
 * redirect leaves the endpoint's origin, as huggingface_hub does), an idle timeout, and errors
 * sorted into "cannot reach the server" versus "the transfer broke off".
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';

/** Network error codes that mean the server cannot be reached at all. */
const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'CERT_HAS_EXPIRED',
]);

/**
 * Why a request failed below HTTP: `unreachable` before any response arrived (DNS, refused,
 * timeout), `interrupted` after the response began (the body broke off), `aborted` by the caller.
 */
export class NetworkError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'interrupted' | 'aborted',
    readonly code: string,
    readonly url: string,
    message: string,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

/** One hop of a redirect chain, with the headers the hub puts on it. */
export interface Hop {
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  /** The final URL after redirects. */
  url: string;
  /** The redirects followed, in order (empty for a direct answer). */
  hops: Hop[];
  /** The body stream; read it fully or call `response.body.destroy()`. */
  body: IncomingMessage;
}

export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer …` to the first origin only. */
  token?: string;
  /** Milliseconds without any socket activity before giving up (default 30 s). */
  timeoutMs?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Sends one request and follows redirects; resolves once the final response's headers arrive. */
export async function request(url: string, options: RequestOptions = {}): Promise<Response> {
  const origin = new URL(url).origin;
  const hops: Hop[] = [];
  let current = url;
  const max = options.maxRedirects ?? 10;
  for (;;) {
    const headers: Record<string, string> = { ...options.headers };
    // Credentials go to the endpoint only: a CDN on another host never sees the token.
    if (options.token && new URL(current).origin === origin)
      headers.authorization = `Bearer ${options.token}`;
    const res = await send(current, options.method ?? 'GET', headers, options);
    const location = res.headers.location;
    if (REDIRECTS.has(res.statusCode ?? 0) && location) {
      res.resume();
      hops.push({ url: current, status: res.statusCode!, headers: res.headers });
      if (hops.length > max) {
        throw new NetworkError('unreachable', 'EREDIRECTS', url, `more than ${max} redirects from ${url}`);
      }
      current = new URL(location, current).toString();
      continue;
    }
    return { status: res.statusCode ?? 0, headers: res.headers, url: current, hops, body: res };
  }
}

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  options: RequestOptions,
): Promise<IncomingMessage> {
  const parsed = new URL(url);
  const lib = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : undefined;
  if (!lib) {
    return Promise.reject(
      new NetworkError('unreachable', 'EPROTO', url, `unsupported URL scheme in ${url} (use http or https)`),
    );
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = lib.request(parsed, { method, headers });
    const fail = (err: NodeJS.ErrnoException) => {
      if (options.signal?.aborted) {
        reject(new NetworkError('aborted', 'ABORT_ERR', url, 'interrupted'));
        return;
      }
      const code = err.code ?? 'EUNKNOWN';
      const kind = responded || !UNREACHABLE.has(code) ? 'interrupted' : 'unreachable';
      reject(new NetworkError(kind, code, url, `${err.message} (${code})`));
    };
    req.setTimeout(timeoutMs, () => {
      const err: NodeJS.ErrnoException = new Error(`no answer in ${timeoutMs / 1000} s`);
      err.code = 'ETIMEDOUT';
      req.destroy(err);
    });
    req.on('error', fail);
    req.on('response', (res) => {
      responded = true;
      // After this point the promise is settled; body errors surface on the stream itself.
      resolve(res);
    });
    const onAbort = () => req.destroy(new Error('aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => options.signal?.removeEventListener('abort', onAbort));
    req.end();
  });
}

/** Reads a whole (small) body as text, at most `limit` bytes. */
export async function readText(res: Response, limit = 16 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body) {
    n += (chunk as Buffer).length;
    if (n > limit) {
      res.body.destroy();
      throw new NetworkError(
        'interrupted',
        'ETOOBIG',
        res.url,
        `answer from ${res.url} exceeds ${limit} bytes`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A header's single value (the first if repeated). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
