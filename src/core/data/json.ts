/**
 * A small JSON parser that remembers where each value is, so a manifest's problems can name the
 * line of `splits.train[0].file`, and syntax errors give line and column on every runtime
 * (V8's own messages do not always carry a position).
 */

export class JsonSyntaxError extends Error {
  constructor(
    readonly detail: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${detail} at line ${line}, column ${column}`);
  }
}

export interface LocatedJson {
  value: unknown;
  /** 1-based line of the value at a path such as `splits.train[0].file`; keys name their value. */
  lineOf(path: string): number | undefined;
}

/** Deeper nesting is refused rather than risking the call stack. */
const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Parses JSON text; throws JsonSyntaxError with the position of the first error. */
export function parseJsonLocated(text: string): LocatedJson {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineAt = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const fail = (detail: string, offset: number): never => {
    const { line, column } = lineAt(Math.min(offset, text.length));
    throw new JsonSyntaxError(detail, offset, line, column);
  };
  const offsets = new Map<string, number>();
  let i = 0;

  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const describe = (at: number) => (at >= text.length ? 'end of input' : `'${text[at]}'`);

  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        try {
          return JSON.parse(text.slice(start, i)) as string;
        } catch {
          return fail('invalid escape or control character in string', start);
        }
      }
      if (c === 92) i += 2;
      else if (c < 32) return fail('control character (e.g. a line end) inside a string', i);
      else i++;
    }
    return fail('unterminated string', start);
  };

  let depth = 0;
  const value = (path: string): unknown => {
    ws();
    offsets.set(path, i);
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`, i);
    depth++;
    try {
      return valueAt(path);
    } finally {
      depth--;
    }
  };
  const valueAt = (path: string): unknown => {
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe(i)}`, i);
        const key = string();
        ws();
        if (text[i] !== ':') fail(`expected ':' after property name, found ${describe(i)}`, i);
        i++;
        const v = value(path === '' ? key : `${path}.${key}`);
        // `obj.__proto__ = v` would set the prototype; JSON.parse makes it an own property.
        if (key === '__proto__')
          Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
        else obj[key] = v;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail(`expected ',' or '}' after a property value, found ${describe(i)}`, i);
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(`${path}[${arr.length}]`));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail(`expected ',' or ']' after an array element, found ${describe(i)}`, i);
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      return Number(m[0]);
    }
    return fail(`expected a value, found ${describe(i)}`, i);
  };

  const result = value('');
  ws();
  if (i < text.length) fail(`unexpected ${describe(i)} after the end of the value`, i);
  return {
    value: result,
    lineOf: (path) => {
      const o = offsets.get(path);
      return o === undefined ? undefined : lineAt(o).line;
    },
  };
}
