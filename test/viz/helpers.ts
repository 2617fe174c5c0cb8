/**
 * Checks shared by the view tests: the vega-lite JSON schema (draft-07) compiled once with ajv,
 * the text content of an SVG, and a markup scan that fails on any tag or attribute dataset text
 * could have smuggled in (script, event handlers, `javascript:` sources).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

let validator: ValidateFunction | undefined;

/** ajv validator for vega-lite's schema (its `$schema` is draft-07, ajv's default dialect). */
export function vegaLiteValidator(): ValidateFunction {
  if (validator) return validator;
  const path = createRequire(import.meta.url).resolve('vega-lite/vega-lite-schema.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as { $schema: string };
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
  // The schema names three formats ajv does not define without ajv-formats.
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addFormat('uri-reference', true);
  ajv.addFormat('color-hex', /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i);
  validator = ajv.compile(schema);
  return validator;
}

/** The text nodes of an SVG document, entities decoded. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/>([^<]+)</g)].map((m) =>
    m[1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&'),
  );
}

/** Every object anywhere in a JSON value that has the given key. */
export function findKey(value: unknown, key: string): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => findKey(v, key));
  if (value && typeof value === 'object') {
    const own = Object.hasOwn(value, key) ? [(value as Record<string, unknown>)[key]] : [];
    return [...own, ...Object.values(value).flatMap((v) => findKey(v, key))];
  }
  return [];
}

export interface Tag {
  name: string;
  /** The raw text between the name and `>`. */
  attrs: string;
}

/**
 * The start tags of markup. Since builders escape every `<` of dataset text, each `<` left in the
 * output opens one of our tags, and each quoted attribute value has its `>` escaped, so this naive
 * scan sees exactly the tags a browser would.
 */
export function tagsOf(markup: string): Tag[] {
  return [...markup.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)].map((m) => ({
    name: m[1]!.toLowerCase(),
    attrs: m[2]!,
  }));
}

/** The value of attribute `name` in a tag's attribute text (double-quoted), raw. */
export function attr(tag: Tag, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag.attrs)?.[1];
}

/**
 * Fails if markup holds a tag outside `allowed`, an event-handler attribute, an unquoted or
 * single-quoted attribute, or an image source that is not a data URI or a relative path.
 */
export function assertSafeMarkup(markup: string, allowed: ReadonlySet<string>): void {
  for (const tag of tagsOf(markup)) {
    assert.ok(allowed.has(tag.name), `unexpected <${tag.name}${tag.attrs}>`);
    // Attributes are name="value" or a bare name; anything else (a quote breakout) is left over.
    const names: string[] = [];
    const rest = tag.attrs.replace(/\s([a-zA-Z][a-zA-Z0-9:-]*)(?:="[^"]*")?(?=\s|$)/g, (_, name: string) => {
      names.push(name.toLowerCase());
      return '';
    });
    assert.equal(rest.trim(), '', `odd attribute text in <${tag.name}${tag.attrs}>`);
    for (const name of names)
      assert.ok(!name.startsWith('on'), `event handler ${name} in <${tag.name}${tag.attrs}>`);
    if (tag.name === 'img') {
      const src = attr(tag, 'src') ?? '';
      assert.match(
        src,
        /^(data:image\/(png|jpeg|gif|webp|svg\+xml);base64,|(?![a-z]+:)(?!\/\/)[^:]*$)/i,
        `img src ${src}`,
      );
    }
  }
}

/** Tags the HTML builders emit. */
export const VIEW_TAGS: ReadonlySet<string> = new Set([
  'table',
  'caption',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'span',
  'bdi',
  'mark',
  'div',
  'figure',
  'figcaption',
  'img',
  'svg',
  'rect',
  'title',
  'p',
  'em',
]);

/** The hostile strings as they must appear in markup (written out here, not computed). */
export const ESCAPED = {
  hostile: '&lt;img src=x onerror=alert(1)&gt;',
  quotes: '&quot;&#39;&gt;&lt;script&gt;alert(2)&lt;/script&gt;',
  amp: 'Procter&amp;Gamble &amp;amp; &amp;lt;',
};

/** Width and height from a PNG's IHDR, after checking the signature. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual(
    [...png.subarray(0, 8)],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    'PNG signature',
  );
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  assert.equal(String.fromCharCode(...png.subarray(12, 16)), 'IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
