/**
 * ORG scenes: a geometric logo (no lettering), a shop front under its logo, or an office tower
 * with the logo near the top.
 */
import type { Rng } from '../../random.js';
import { background, type Drawn, placement, S, sky } from './backdrop.js';
import { circle, hsl, line, n, polygon, rect, star } from './svg.js';

/** A brand mark from 1–3 geometric shapes in one or two brand colours, centred on (cx, cy). */
function logoMark(rng: Rng, cx: number, cy: number, r: number, c1: string, c2: string): string {
  const parts: string[] = [];
  const shape = rng.int(7);
  if (shape === 0) parts.push(circle(cx, cy, r, c1), circle(cx, cy, r * 0.55, c2));
  else if (shape === 1)
    parts.push(polygon(star(cx, cy, r, 3, 1), c1), circle(cx, cy + r * 0.15, r * 0.3, c2));
  else if (shape === 2) parts.push(polygon(star(cx, cy, r, 5, 0.45), c1));
  else if (shape === 3)
    parts.push(
      rect(cx - r, cy - r, r * 2, r * 2, c1, ` rx="${n(r * 0.35)}"`),
      polygon(star(cx, cy, r * 0.6, 4, 1), c2),
    );
  else if (shape === 4) {
    parts.push(circle(cx, cy, r, c1));
    for (let i = -1; i <= 1; i++)
      parts.push(rect(cx - r * 0.65, cy + i * r * 0.45 - r * 0.12, r * 1.3, r * 0.24, c2));
  } else if (shape === 5)
    parts.push(
      polygon(
        [
          [cx - r, cy - r * 0.5],
          [cx, cy + r * 0.5],
          [cx + r, cy - r * 0.5],
          [cx + r, cy],
          [cx, cy + r],
          [cx - r, cy],
        ],
        c1,
      ),
    );
  else parts.push(polygon(star(cx, cy, r, 6, 1), c1), polygon(star(cx, cy, r * 0.5, 6, 1, Math.PI / 6), c2));
  return parts.join('');
}

function brandColors(rng: Rng): [string, string] {
  const h = rng.range(0, 360);
  return [
    hsl(h, rng.range(65, 95), rng.range(38, 55)),
    rng.chance(0.5) ? '#ffffff' : hsl(h + rng.range(90, 270), 80, 50),
  ];
}

/** A logo on a plain background, a sign or an app-icon tile. */
function logo(rng: Rng): string {
  const [c1, c2] = brandColors(rng);
  const bg = rng.chance(0.5)
    ? hsl(rng.range(0, 360), rng.range(0, 20), rng.range(85, 98))
    : hsl(rng.range(0, 360), rng.range(5, 40), rng.range(20, 70));
  const parts = [rect(0, 0, S, S, bg)];
  const tile = rng.chance(0.4);
  const inner = tile ? rect(22, 22, 52, 52, c2 === '#ffffff' ? hsl(0, 0, 97) : '#ffffff', ' rx="12"') : '';
  parts.push(
    `<g transform="${placement(rng, 12, [0.8, 1.2], 12)}">${inner}${logoMark(rng, 48, 48, tile ? 18 : rng.range(16, 26), c1, c2)}</g>`,
  );
  return parts.join('');
}

/** A shop front: facade, striped awning, window, door, and the logo above. */
function storefront(rng: Rng): string {
  const [c1, c2] = brandColors(rng);
  const parts = [background(rng)];
  const facade = hsl(rng.range(0, 360), rng.range(5, 35), rng.range(40, 85));
  const awningA = rng.chance(0.5) ? c1 : hsl(rng.range(0, 360), 70, 50);
  const g: string[] = [rect(10, 18, 76, 78, facade), rect(10, 86, 76, 10, hsl(0, 0, 55))];
  g.push(rect(16, 24, 64, 14, c1, ' rx="2"'), logoMark(rng, 48, 31, 5.5, c2, c1));
  for (let i = 0; i < 8; i++) g.push(rect(10 + i * 9.5, 40, 9.5, 9, i % 2 === 0 ? awningA : '#f5f5f5'));
  for (let i = 0; i < 8; i++) g.push(circle(14.75 + i * 9.5, 49, 4.75, i % 2 === 0 ? awningA : '#f5f5f5'));
  g.push(
    rect(16, 56, 38, 28, hsl(200, 35, rng.range(55, 80))),
    line(20, 80, 34, 60, '#ffffff', 1.2, ' opacity="0.6"'),
  );
  g.push(rect(60, 56, 20, 30, hsl(rng.range(0, 360), 30, rng.range(15, 40))), circle(64, 72, 1, '#dddddd'));
  return `${parts.join('')}<g transform="${placement(rng, 10, [0.85, 1.1])}">${g.join('')}</g>`;
}

/** An office tower with a glass grid and the company logo near the top. */
function tower(rng: Rng): { svg: string; defs: string } {
  const { svg: skySvg, defs } = sky(rng, S);
  const [c1, c2] = brandColors(rng);
  const glass = hsl(rng.range(185, 230), rng.range(20, 55), rng.range(30, 55));
  const g: string[] = [rect(26, 8, 44, 92, glass)];
  for (let y = 30; y < 96; y += 6) g.push(line(26, y, 70, y, '#ffffff', 0.5, ' opacity="0.45"'));
  for (let x = 33; x < 70; x += 7) g.push(line(x, 28, x, 96, '#ffffff', 0.5, ' opacity="0.35"'));
  g.push(rect(34, 11, 28, 15, '#f8f8f8', ' rx="2"'), logoMark(rng, 48, 18.5, 6, c1, c2));
  return {
    svg: `${skySvg}<g transform="${placement(rng, 14, [0.8, 1.1])}">${g.join('')}</g>`,
    defs,
  };
}

/** The scenes of this module, by kind. */
export const brands: Record<'logo' | 'storefront' | 'tower', (rng: Rng) => Drawn> = {
  logo,
  storefront,
  tower,
};
