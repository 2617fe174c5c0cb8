import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/core/random.js';
import { compose, NamePool } from '../../../src/core/sample/compose.js';
import { generateSample, SAMPLE_SIZES, type SampleItem, SPLITS } from '../../../src/core/sample/generate.js';
import { LEXICONS } from '../../../src/core/sample/lexicon/index.js';
import { parseTemplate } from '../../../src/core/sample/lexicon.js';
import { sceneType } from '../../../src/core/sample/scenes.js';
import { LANGUAGES } from '../../../src/core/types.js';

const ds = generateSample({ seed: 1, size: 'small' });
const groups = () =>
  LANGUAGES.flatMap((lang) =>
    SPLITS.map((split) => ({
      lang,
      split,
      items: ds.items.filter((it) => it.sentence.lang === lang && it.split === split),
    })),
  );

/** Entities of an IOB2 sentence; throws on a tag that is not valid IOB2 over the four types. */
function entitiesOf(tokens: readonly string[], tags: readonly string[]) {
  const out: { type: string; text: string; start: number }[] = [];
  tags.forEach((tag, i) => {
    const m = /^(?:O|([BI])-(PER|LOC|ORG|MISC))$/.exec(tag);
    assert.ok(m, `bad tag ${tag}`);
    if (m[1] === 'B') out.push({ type: m[2]!, text: tokens[i]!, start: i });
    else if (m[1] === 'I') {
      assert.ok(
        tags[i - 1] === `B-${m[2]}` || tags[i - 1] === `I-${m[2]}`,
        `stray ${tag} in ${tokens.join(' ')}`,
      );
      out[out.length - 1]!.text += ` ${tokens[i]}`;
    }
  });
  return out;
}

test('the same seed gives the same dataset; another seed another one', () => {
  assert.deepEqual(generateSample({ seed: 1, size: 'tiny' }), generateSample({ seed: 1, size: 'tiny' }));
  const a = generateSample({ seed: 1, size: 'tiny' }).items.map((it) => it.sentence.tokens.join(' '));
  const b = generateSample({ seed: 2, size: 'tiny' }).items.map((it) => it.sentence.tokens.join(' '));
  assert.ok(a.filter((s, i) => s !== b[i]).length > a.length * 0.8);
});

test('sizes, ids, tokens and IOB2 tags are well formed', () => {
  const ids = new Set<string>();
  for (const { lang, split, items } of groups()) {
    assert.equal(items.length, SAMPLE_SIZES.small[split], `${lang} ${split}`);
    items.forEach((it, i) => {
      const s = it.sentence;
      assert.equal(s.id, `${lang}-${split}-${String(i).padStart(6, '0')}`);
      assert.equal(s.image, s.id);
      assert.ok(!ids.has(s.id));
      ids.add(s.id);
      assert.equal(s.tokens.length, s.tags.length);
      for (const t of s.tokens) assert.match(t, /^\S+$/, `token '${t}' in ${s.id}`);
      const ents = entitiesOf(s.tokens, s.tags);
      assert.equal(it.keyType, (ents[0]?.type as SampleItem['keyType']) ?? null, s.id);
      assert.equal(it.keySurface, ents[0]?.text ?? null);
    });
  }
  assert.equal(ids.size, 4 * (300 + 60 + 100));
});

test('every language has all four types and multi-token names in train', () => {
  for (const lang of LANGUAGES) {
    const train = ds.items.filter((it) => it.sentence.lang === lang && it.split === 'train');
    const ents = train.flatMap((it) => entitiesOf(it.sentence.tokens, it.sentence.tags));
    for (const type of ['PER', 'LOC', 'ORG', 'MISC']) {
      assert.ok(ents.filter((e) => e.type === type).length >= 40, `${lang} ${type}`);
    }
    assert.ok(ents.filter((e) => e.text.includes(' ')).length >= 30, `${lang} multi-token names`);
    const tagged = (re: RegExp) =>
      train.some((it) =>
        it.sentence.tokens.some((t, i) => re.test(t) && it.sentence.tags[i]!.startsWith('B-')),
      );
    assert.ok(tagged(/^#\p{Lu}/u) && tagged(/^@\p{Lu}/u), `${lang}: hashtag and mention entities`);
  }
});

test('the ambiguous subset is 20–25 % of each split, and each surface has its readings equally often', () => {
  const pooled = new Map<string, Map<string, number>>();
  for (const { lang, split, items } of groups()) {
    const amb = items.filter((it) => it.ambiguous);
    const share = amb.length / items.length;
    assert.ok(share >= 0.2 && share <= 0.25, `${lang} ${split}: ${share}`);
    const bySurface = new Map<string, Map<string, number>>();
    for (const it of amb) {
      const counts = bySurface.get(it.keySurface!) ?? new Map<string, number>();
      counts.set(it.keyType!, (counts.get(it.keyType!) ?? 0) + 1);
      bySurface.set(it.keySurface!, counts);
      if (split === 'train') {
        const all = pooled.get(it.keySurface!) ?? new Map<string, number>();
        all.set(it.keyType!, (all.get(it.keyType!) ?? 0) + 1);
        pooled.set(it.keySurface!, all);
      }
    }
    for (const [surface, counts] of bySurface) {
      const lex = LEXICONS[lang].ambiguous.find((a) => a.surface === surface);
      assert.ok(lex, `${surface} is not an ambiguous surface of ${lang}`);
      const types = new Set(lex.readings.map((r) => r.split(/[.|]/)[0]));
      assert.deepEqual(new Set(counts.keys()), types, `${lang} ${split} ${surface}`);
      assert.equal(new Set(counts.values()).size, 1, `${lang} ${split} ${surface}: ${[...counts]}`);
    }
  }
  for (const [surface, counts] of pooled) {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    for (const [type, c] of counts) assert.ok(c / total >= 0.3, `${surface} ${type}: ${c}/${total}`);
  }
});

test('ambiguous sentences are neutral templates around the surface', () => {
  // French elision turns `de` into `d'` before a vowel; undo it on both sides to compare.
  const norm = (words: readonly string[]) =>
    words
      .map((w) => ({ "d'": 'de', "D'": 'De', "qu'": 'que', "l'": 'le', "j'": 'je', "J'": 'Je' })[w] ?? w)
      .join(' ');
  for (const it of ds.items.filter((x) => x.ambiguous)) {
    const { tokens, tags, lang } = it.sentence;
    const ents = entitiesOf(tokens, tags);
    assert.equal(ents.length, 1, it.sentence.id);
    const start = ents[0]!.start;
    const end = start + ents[0]!.text.split(' ').length;
    const shape = norm([...tokens.slice(0, start), '{X}', ...tokens.slice(end)]);
    const neutral = LEXICONS[lang as keyof typeof LEXICONS].neutral.map((t) => norm(t.split(' ')));
    assert.ok(neutral.includes(shape), `${it.sentence.id}: '${shape}' is not a neutral template`);
  }
});

test('images show the key entity, except in the unrelated-image share', () => {
  for (const { lang, split, items } of groups()) {
    const withEntity = items.filter((it) => it.keyType !== null);
    const unrelated = items.filter((it) => it.unrelated);
    assert.equal(unrelated.length, Math.round(withEntity.length * 0.15), `${lang} ${split}`);
    for (const it of items) {
      if (it.keyType === null) assert.equal(it.unrelated, false);
      else if (it.unrelated) assert.notEqual(sceneType(it.scene), it.keyType, it.sentence.id);
      else assert.equal(sceneType(it.scene), it.keyType, it.sentence.id);
    }
  }
  const custom = generateSample({ seed: 1, size: 'tiny', unrelatedShare: 0.4 });
  const share =
    custom.items.filter((it) => it.unrelated).length / custom.items.filter((it) => it.keyType).length;
  assert.ok(Math.abs(share - 0.4) < 0.02, `unrelated share ${share}`);
});

test('text alone is at chance on ambiguous test sentences, and good elsewhere', (t) => {
  // A lookup of each surface's most frequent type in train: the text-only baseline.
  const votes = new Map<string, Map<string, number>>();
  for (const it of ds.items.filter((x) => x.split === 'train')) {
    for (const e of entitiesOf(it.sentence.tokens, it.sentence.tags)) {
      const v = votes.get(e.text) ?? new Map<string, number>();
      v.set(e.type, (v.get(e.type) ?? 0) + 1);
      votes.set(e.text, v);
    }
  }
  const guess = (text: string) =>
    [...(votes.get(text) ?? new Map()).entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const testItems = ds.items.filter((x) => x.split === 'test');
  const amb = testItems.filter((x) => x.ambiguous);
  const ambAcc = amb.filter((x) => guess(x.keySurface!) === x.keyType).length / amb.length;
  const plain = testItems
    .filter((x) => !x.ambiguous)
    .flatMap((x) => entitiesOf(x.sentence.tokens, x.sentence.tags))
    .filter((e) => votes.has(e.text));
  const plainAcc = plain.filter((e) => guess(e.text) === e.type).length / plain.length;
  t.diagnostic(`text-only lookup accuracy: ambiguous ${ambAcc.toFixed(2)}, other ${plainAcc.toFixed(2)}`);
  assert.ok(ambAcc < 0.6, `text-only lookup on ambiguous test sentences: ${ambAcc}`);
  assert.ok(plainAcc > 0.9, `text-only lookup on other test entities: ${plainAcc}`);
});

test('dev and test hold names never seen in train, as real test sets do', (t) => {
  const trainNames = new Set(
    ds.items
      .filter((x) => x.split === 'train')
      .flatMap((x) => entitiesOf(x.sentence.tokens, x.sentence.tags).map((e) => e.text)),
  );
  const testNames = ds.items
    .filter((x) => x.split === 'test')
    .flatMap((x) => entitiesOf(x.sentence.tokens, x.sentence.tags).map((e) => e.text));
  const seen = testNames.filter((t) => trainNames.has(t)).length / testNames.length;
  t.diagnostic(`test mentions seen in train: ${seen.toFixed(2)}`);
  assert.ok(seen > 0.4 && seen < 0.9, `test mentions seen in train: ${seen}`);
});

test('every template of every language parses and fills', () => {
  for (const lex of Object.values(LEXICONS)) {
    const pool = new NamePool(lex, new Rng('t'));
    for (const t of lex.templates) {
      const parts = parseTemplate(t);
      assert.ok(
        parts.some((p) => p.kind === 'slot'),
        `${lex.lang}: no slot in '${t}'`,
      );
      assert.ok(!parts.some((p) => p.kind === 'key'), `${lex.lang}: {X} in a context template '${t}'`);
      for (let i = 0; i < 5; i++) {
        const c = compose(t, { pool, split: 'test', rng: new Rng(`${t}/${i}`) });
        assert.equal(c.tokens.length, c.tags.length);
        assert.ok(c.entities.length >= 1);
      }
    }
    for (const t of [...lex.neutral, ...lex.plain]) {
      const parts = parseTemplate(t);
      const keys = parts.filter((p) => p.kind === 'key').length;
      assert.equal(keys, lex.neutral.includes(t) ? 1 : 0, `${lex.lang}: '${t}'`);
      assert.ok(!parts.some((p) => p.kind === 'slot'), `${lex.lang}: typed slot in '${t}'`);
    }
    assert.ok(lex.templates.length >= 30 && lex.neutral.length >= 15, lex.lang);
  }
  assert.throws(() => parseTemplate('Hello {PERSON}'), /bad template slot/);
});

test('ambiguous surfaces are kept out of the name lists, and have two or more types', () => {
  for (const lex of Object.values(LEXICONS)) {
    const names = new Set([
      ...lex.firstNames,
      ...lex.lastNames,
      ...Object.values(lex.names).flatMap((subs) =>
        Object.values(subs).flatMap((l) => l.map((e) => e.split('|')[0])),
      ),
    ]);
    for (const a of lex.ambiguous) {
      assert.ok(!names.has(a.surface), `${lex.lang}: ${a.surface} is also in a name list`);
      assert.ok(new Set(a.readings.map((r) => r.split(/[.|]/)[0])).size >= 2, `${lex.lang}: ${a.surface}`);
    }
  }
});

test('French elides de/que before a vowel-initial name', () => {
  const pool = new NamePool(LEXICONS.fr, new Rng('e'));
  const orange = { tokens: ['Orange'], type: 'ORG' as const, sub: 'company', scene: undefined };
  assert.deepEqual(
    compose('Tout le monde parle de {X}', { pool, split: 'train', rng: new Rng(1), key: orange }).tokens,
    ['Tout', 'le', 'monde', 'parle', "d'", 'Orange'],
  );
  const paris = { tokens: ['Paris'], type: 'LOC' as const, sub: undefined, scene: undefined };
  assert.equal(
    compose('Toujours fan de {X}', { pool, split: 'train', rng: new Rng(1), key: paris }).tokens[2],
    'de',
  );
});
