/**
 * The one way dataset text reaches HTML. Tokens, ids, file and run names come from files anyone
 * can write, so every builder goes through the `html` template tag: each interpolated value is
 * escaped (text and quoted-attribute safe) unless it is markup another builder already made.
 * Image sources go through `safeImageSrc`, since escaping alone does not stop `javascript:` URLs.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Escapes a value for HTML text and for a quoted attribute value alike. NUL becomes U+FFFD (as the
 * HTML parser would); `null`/`undefined` become the empty string.
 * @example escapeHtml('<b a="1">&') // → '&lt;b a=&quot;1&quot;&gt;&amp;'
 */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value)
    .replace(/[&<>"'`]/g, (c) => ENTITIES[c]!)
    .replace(/\u0000/g, '\uFFFD');
}

/** Markup that is already safe: built by `html` or a trusted constant of ours. */
export class SafeHtml {
  readonly html: string;
  constructor(html: string) {
    this.html = html;
  }
  toString(): string {
    return this.html;
  }
}

/** What an `html` template accepts: text (escaped), markup, lists of them, or nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.html;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

/**
 * Template tag that escapes every interpolation (arrays are concatenated, `false`/`null` vanish).
 * Attribute values must be written inside double quotes in the template.
 * @example html`<td title="${name}">${name}</td>`.html // name '<x>' → '<td title="&lt;x&gt;">&lt;x&gt;</td>'
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Marks one of our own constants (CSS, script, fixed markup) as markup. Never pass data to it. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

const DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp|avif|bmp|svg\+xml);base64,[A-Za-z0-9+/=\s]*$/i;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

export interface ImageSrcOptions {
  /** Allow http(s) and blob: URLs (default true; the static report passes false). */
  remote?: boolean;
}

/**
 * `src` if it is safe as an image source (a base64 image data URI, a relative path, or, when
 * allowed, an http(s)/blob URL), else `undefined`. Rejects `javascript:`, `data:text/html`,
 * protocol-relative `//host` URLs and anything with control characters.
 * @example safeImageSrc('javascript:alert(1)') // → undefined
 */
export function safeImageSrc(src: string | undefined, options: ImageSrcOptions = {}): string | undefined {
  if (typeof src !== 'string' || src === '') return undefined;
  if (/[\u0000-\u001f\u007f]/.test(src)) return undefined;
  if (DATA_IMAGE.test(src)) return src;
  const scheme = SCHEME.exec(src)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    const remote = scheme === 'https' || scheme === 'http' || scheme === 'blob';
    return remote && options.remote !== false ? src : undefined;
  }
  // A relative path; `//host/x` and its backslash spellings would leave the folder.
  if (/^[\\/]{2}/.test(src)) return undefined;
  return src;
}
