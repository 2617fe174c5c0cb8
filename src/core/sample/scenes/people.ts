/**
 * PER scenes: a head-and-shoulders portrait or a standing figure, with skin, hair, clothes,
 * glasses, hats and pose drawn at random.
 */
import type { Rng } from '../../random.js';
import { background, type Drawn, placement } from './backdrop.js';
import { circle, ellipse, line, n, path, polygon, randomColor, rect } from './svg.js';

const SKIN = ['#ffdbac', '#f1c27d', '#e0ac69', '#c68642', '#8d5524', '#5c3a21'];
const HAIR = ['#1b1b1b', '#3b2414', '#6a4e2e', '#b8894d', '#e2c16b', '#a0381c', '#9a9a9a'];

function head(rng: Rng, cx: number, cy: number, r: number): string {
  const skin = rng.pick(SKIN);
  const hair = rng.pick(HAIR);
  const parts: string[] = [];
  const hairStyle = rng.int(5); // 0 short, 1 long, 2 none, 3 bun, 4 hat
  if (hairStyle === 1)
    parts.push(rect(cx - r * 1.1, cy - r * 0.6, r * 2.2, r * 2.4, hair, ` rx="${n(r * 0.8)}"`));
  parts.push(ellipse(cx, cy, r, r * 1.18, skin));
  if (hairStyle === 0 || hairStyle === 1 || hairStyle === 3) {
    parts.push(
      path(
        `M${n(cx - r * 1.02)} ${n(cy - r * 0.1)}A${n(r)} ${n(r * 1.15)} 0 0 1 ${n(cx + r * 1.02)} ${n(cy - r * 0.1)}Q${n(cx)} ${n(cy - r * 0.75)} ${n(cx - r * 1.02)} ${n(cy - r * 0.1)}Z`,
        hair,
      ),
    );
  }
  if (hairStyle === 3) parts.push(circle(cx, cy - r * 1.25, r * 0.45, hair));
  if (hairStyle === 4) {
    const hat = randomColor(rng, [20, 70], [15, 50]);
    parts.push(
      rect(cx - r * 1.4, cy - r * 0.75, r * 2.8, r * 0.25, hat),
      rect(cx - r * 0.85, cy - r * 1.55, r * 1.7, r * 0.85, hat, ` rx="${n(r * 0.2)}"`),
    );
  }
  const eyeY = cy + r * 0.05;
  parts.push(
    circle(cx - r * 0.38, eyeY, r * 0.11, '#222222'),
    circle(cx + r * 0.38, eyeY, r * 0.11, '#222222'),
  );
  if (rng.chance(0.25)) {
    const c = rng.chance(0.5) ? '#111111' : randomColor(rng);
    parts.push(
      `<g fill="none" stroke="${c}" stroke-width="${n(r * 0.1)}">${circle(cx - r * 0.38, eyeY, r * 0.26, 'none')}${circle(cx + r * 0.38, eyeY, r * 0.26, 'none')}</g>`,
      line(cx - r * 0.12, eyeY, cx + r * 0.12, eyeY, c, r * 0.08),
    );
  }
  parts.push(
    path(
      `M${n(cx - r * 0.3)} ${n(cy + r * 0.5)}Q${n(cx)} ${n(cy + r * (rng.chance(0.7) ? 0.75 : 0.55))} ${n(cx + r * 0.3)} ${n(cy + r * 0.5)}`,
      'none',
      ` stroke="#7a2e2e" stroke-width="${n(r * 0.09)}"`,
    ),
  );
  return parts.join('');
}

/** Head and shoulders, large, as in profile pictures and press photos. */
function portrait(rng: Rng): string {
  const clothes = randomColor(rng, [15, 80], [15, 65]);
  const w = rng.range(26, 34);
  const body = path(
    `M${n(48 - w)} 100L${n(48 - w * 0.95)} 80Q${n(48 - w * 0.9)} 66 ${n(48 - w * 0.45)} 64L${n(48 + w * 0.45)} 64Q${n(48 + w * 0.9)} 66 ${n(48 + w * 0.95)} 80L${n(48 + w)} 100Z`,
    clothes,
  );
  const collar = rng.chance(0.5)
    ? polygon(
        [
          [42, 64],
          [54, 64],
          [48, 74],
        ],
        rng.chance(0.5) ? '#f4f4f4' : rng.pick(SKIN),
      )
    : '';
  const neck = rect(43.5, 52, 9, 14, rng.pick(SKIN), ' opacity="0.95"');
  return `${background(rng)}<g transform="${placement(rng, 14, [0.8, 1.15])}">${body}${neck}${collar}${head(rng, 48, 42, rng.range(11, 14))}</g>`;
}

/** A whole standing figure: arms, legs, pose and ground vary. */
function figure(rng: Rng): string {
  const top = randomColor(rng, [20, 85], [20, 65]);
  const legs = randomColor(rng, [10, 60], [10, 45]);
  const armUp = rng.int(3); // 0 down, 1 one raised, 2 both raised
  const spread = rng.range(2, 9);
  const parts = [
    line(44, 62, 48 - spread, 84, legs, 5.5),
    line(52, 62, 48 + spread, 84, legs, 5.5),
    ellipse(48 - spread - 1.5, 85, 4, 2, '#222222'),
    ellipse(48 + spread + 1.5, 85, 4, 2, '#222222'),
    line(41, 41, armUp >= 1 ? 34 : 37, armUp >= 1 ? 24 : 60, top, 4.5),
    line(55, 41, armUp === 2 ? 62 : 59, armUp === 2 ? 24 : 60, top, 4.5),
    rect(40, 38, 16, 26, top, ' rx="4"'),
    head(rng, 48, 29, 7),
  ];
  return `${background(rng)}<g transform="${placement(rng, 22, [0.75, 1.1])}">${parts.join('')}</g>`;
}

/** The scenes of this module, by kind. */
export const people: Record<'portrait' | 'figure', (rng: Rng) => Drawn> = { portrait, figure };
