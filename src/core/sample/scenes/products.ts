/**
 * MISC scenes: product shots (bottle, phone, car, shoe, trophy, ball) on a table or floor, the
 * things MISC names: products, events (trophies, balls), works and nationalities.
 */
import type { Rng } from '../../random.js';
import { background, type Drawn, placement } from './backdrop.js';
import { circle, ellipse, hsl, line, n, path, polygon, randomColor, rect, star } from './svg.js';

/** A product shot: the object with a soft shadow under it, placed on a table or floor. */
function productShot(
  rng: Rng,
  object: string[],
  shadowY: number,
  shift: number,
  scale: [number, number],
  tilt = 0,
) {
  const shadow = ellipse(48, shadowY, 26, 4, '#000000', ' opacity="0.2"');
  return `${background(rng)}<g transform="${placement(rng, shift, scale, tilt)}">${shadow}${object.join('')}</g>`;
}

function bottle(rng: Rng): string {
  const glass = rng.pick([
    hsl(120, 45, 28),
    hsl(30, 60, 28),
    hsl(200, 40, 70),
    hsl(350, 45, 35),
    hsl(0, 0, 92),
  ]);
  const w = rng.range(9, 13);
  const g = [
    path(
      `M${n(48 - w)} 88L${n(48 - w)} 46Q${n(48 - w)} 36 44 32L44 16L52 16L52 32Q${n(48 + w)} 36 ${n(48 + w)} 46L${n(48 + w)} 88Z`,
      glass,
    ),
    rect(43, 12, 10, 6, randomColor(rng, [40, 90], [30, 60]), ' rx="1"'),
    rect(48 - w, 54, w * 2, 18, randomColor(rng, [30, 90], [45, 90])),
    circle(48, 63, 4, randomColor(rng)),
    line(48 - w + 3, 50, 48 - w + 3, 84, '#ffffff', 1.2, ' opacity="0.35"'),
  ];
  return productShot(rng, g, 89, 14, [0.8, 1.15], 10);
}

function phone(rng: Rng): string {
  const body = rng.pick(['#1d1d1f', '#e3e4e5', '#b9c3cc', hsl(rng.range(0, 360), 40, 55)]);
  const g = [
    rect(31, 14, 34, 68, body, ' rx="6"'),
    rect(34, 19, 28, 56, hsl(rng.range(180, 300), rng.range(30, 70), rng.range(15, 45)), ' rx="2"'),
  ];
  if (rng.chance(0.6)) {
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 3; c++)
        g.push(rect(36 + c * 9, 22 + r * 9, 6, 6, randomColor(rng, [50, 90], [45, 70]), ' rx="1.5"'));
  } else {
    g.push(circle(48, 45, 9, randomColor(rng, [40, 90], [50, 80]), ' opacity="0.7"'));
  }
  g.push(circle(48, 78.5, 1.6, '#666666'), rect(44, 16, 8, 1.4, '#555555', ' rx="0.7"'));
  return productShot(rng, g, 84, 14, [0.8, 1.15], 20);
}

function car(rng: Rng): string {
  const paint = randomColor(rng, [40, 90], [25, 60]);
  const glass = hsl(200, 30, rng.range(60, 80));
  const roof = rng.range(34, 42);
  const g = [
    path(`M10 64Q10 54 22 53L32 52L40 ${n(roof)}L66 ${n(roof)}L76 52L84 54Q88 56 88 64L88 68L10 68Z`, paint),
    polygon(
      [
        [42, roof + 3],
        [52, roof + 3],
        [52, 51],
        [35, 51],
      ],
      glass,
    ),
    polygon(
      [
        [55, roof + 3],
        [65, roof + 3],
        [73, 51],
        [55, 51],
      ],
      glass,
    ),
    circle(28, 68, 8, '#1b1b1b'),
    circle(28, 68, 3.5, '#aaaaaa'),
    circle(72, 68, 8, '#1b1b1b'),
    circle(72, 68, 3.5, '#aaaaaa'),
    rect(82, 57, 5, 3, '#fff2a8'),
    line(12, 61, 86, 61, '#000000', 0.6, ' opacity="0.3"'),
  ];
  return productShot(rng, g, 77, 10, [0.8, 1.1]);
}

function shoe(rng: Rng): string {
  const upper = randomColor(rng, [30, 90], [30, 65]);
  const sole = rng.chance(0.6) ? '#f2f2f2' : '#222222';
  const g = [
    path('M14 66Q14 52 26 50L40 44Q46 40 52 46L64 56Q80 58 84 64L84 68L14 68Z', upper),
    rect(12, 66, 74, 7, sole, ' rx="3"'),
    path(
      'M34 60Q52 50 70 62',
      'none',
      ` stroke="${rng.chance(0.5) ? '#ffffff' : randomColor(rng)}" stroke-width="3"`,
    ),
    line(42, 47, 46, 51, '#ffffff', 1.2),
    line(46, 45, 50, 49, '#ffffff', 1.2),
    line(50, 45, 54, 50, '#ffffff', 1.2),
  ];
  return productShot(rng, g, 74, 12, [0.8, 1.15], 10);
}

function trophy(rng: Rng): string {
  const metal = rng.pick(['#d4af37', '#e6c34a', '#c0c0c0', '#cd7f32']);
  const g = [
    path('M32 16L64 16Q64 44 48 50Q32 44 32 16Z', metal),
    path('M32 20Q20 20 24 30Q27 36 35 38', 'none', ` stroke="${metal}" stroke-width="3"`),
    path('M64 20Q76 20 72 30Q69 36 61 38', 'none', ` stroke="${metal}" stroke-width="3"`),
    rect(45, 50, 6, 14, metal),
    rect(36, 64, 24, 6, metal),
    rect(32, 70, 32, 12, rng.pick(['#4a2f1b', '#222222', '#3b3b5c'])),
    line(38, 20, 38, 36, '#ffffff', 1.5, ' opacity="0.5"'),
  ];
  return productShot(rng, g, 83, 12, [0.8, 1.15], 8);
}

function ball(rng: Rng): string {
  const kind = rng.int(3);
  const g: string[] = [];
  if (kind === 0) {
    g.push(
      circle(48, 50, 22, '#f8f8f8', ' stroke="#222222" stroke-width="1"'),
      polygon(star(48, 50, 7, 5, 1), '#222222'),
    );
    for (let i = 0; i < 5; i++) {
      const a = (i * 2 * Math.PI) / 5 - Math.PI / 2;
      g.push(polygon(star(48 + Math.cos(a) * 17, 50 + Math.sin(a) * 17, 5, 5, 1, a), '#222222'));
    }
  } else if (kind === 1) {
    g.push(
      circle(48, 50, 22, '#e07b28'),
      line(26, 50, 70, 50, '#222222', 1.3),
      line(48, 28, 48, 72, '#222222', 1.3),
    );
    g.push(
      path('M33 34Q42 50 33 66', 'none', ' stroke="#222222" stroke-width="1.3"'),
      path('M63 34Q54 50 63 66', 'none', ' stroke="#222222" stroke-width="1.3"'),
    );
  } else {
    g.push(
      circle(48, 50, 16, '#d6e83a'),
      path('M34 42Q48 50 34 60', 'none', ' stroke="#ffffff" stroke-width="1.8"'),
      path('M62 42Q48 50 62 60', 'none', ' stroke="#ffffff" stroke-width="1.8"'),
    );
  }
  return productShot(rng, g, 76, 16, [0.75, 1.15]);
}

/** The scenes of this module, by kind. */
export const products: Record<'bottle' | 'phone' | 'car' | 'shoe' | 'trophy' | 'ball', (rng: Rng) => Drawn> =
  { bottle, phone, car, shoe, trophy, ball };
