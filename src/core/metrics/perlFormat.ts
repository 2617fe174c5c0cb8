/**
 * The three places where Perl's printing differs from JavaScript's, reproduced so conlleval's
 * report comes out byte for byte: `%.Nf` rounds exact binary ties to even (toFixed rounds them
 * up), `%17s` pads by bytes, and `sort` orders by bytes. Pure, browser-safe.
 */

/**
 * Perl/C `%.<digits>f` of a finite number. A tie at `digits` decimals needs x·2·10^digits to be
 * an odd integer, which for a double means x·2^(digits+1) is an odd integer (the factor 5^digits
 * must divide the odd numerator); only then can toFixed (ties up) and glibc (ties to even) differ.
 */
export function perlFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return String(x);
  const negative = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  const scaled = abs * 2 ** (digits + 1); // exact: a power of two
  let text: string;
  if (Number.isSafeInteger(scaled) && scaled % 2 === 1) {
    // abs·10^digits = scaled·5^digits/2 = k + 1/2; round to the even one of k and k+1.
    const twice = BigInt(scaled) * 5n ** BigInt(digits);
    let k = (twice - 1n) / 2n;
    if (k % 2n === 1n) k += 1n;
    const s = k.toString().padStart(digits + 1, '0');
    text = digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  } else {
    text = abs.toFixed(digits); // exact decimal expansion, correctly rounded when not a tie
  }
  return negative ? `-${text}` : text;
}

/** Perl's `%6.2f`, the format of every number in conlleval's report. */
export function f62(x: number): string {
  return perlFixed(x, 2).padStart(6);
}

const encoder = new TextEncoder();

/** Length in UTF-8 bytes: conlleval reads bytes, so Perl's `%17s` counts bytes, not characters. */
export function utf8Length(s: string): number {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  return ascii ? s.length : encoder.encode(s).length;
}

/** Right-aligns `s` in `width` bytes, as Perl's `%<width>s` does on a byte string. */
export function padStartBytes(s: string, width: number): string {
  const n = utf8Length(s);
  return n >= width ? s : ' '.repeat(width - n) + s;
}

/**
 * Perl's default `sort` on byte strings: UTF-8 byte order, which is code point order. UTF-16
 * code units disagree only when a surrogate (a code point above U+FFFF) meets U+E000–U+FFFF.
 */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
      y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}
