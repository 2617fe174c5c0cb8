/**
 * Where the image made a difference: the eval reports of a multimodal run and a text-only run on
 * the same split, joined by sentence id, give the sentences the image helped or hurt. This is the
 * per-sentence side of the ablation that DESIGN asks users to be able to measure. Pure.
 */
import { MmnerError } from '../core/errors.js';
import { sentenceOutcome } from '../core/metrics/errors.js';
import type { ImageEffect, ImageEffectCounts } from '../core/run/analysis.js';
import type { EvalReport, EvalSentence } from '../core/run/evalFile.js';

const HINT = 'compare two runs evaluated on the same split of the same dataset';

function byId(report: EvalReport, name: string): Map<string, EvalSentence> {
  const map = new Map<string, EvalSentence>();
  for (const s of report.sentences) {
    if (map.has(s.id)) {
      throw new MmnerError('E_COMPARE_SENTENCES', `the ${name} report lists sentence ${s.id} twice`, {
        hint: 'the eval file is damaged; run `mmner eval` again',
      });
    }
    map.set(s.id, s);
  }
  return map;
}

/**
 * Pairs each sentence of `a` with the sentence of `b` of the same id, in `a`'s order. Both must
 * hold the same sentences with the same tokens and gold tags.
 */
export function joinReports(
  a: EvalReport,
  b: EvalReport,
  names: [string, string] = ['first', 'second'],
): [EvalSentence, EvalSentence][] {
  const other = byId(b, names[1]);
  const mine = byId(a, names[0]);
  const fail = (what: string) => new MmnerError('E_COMPARE_SENTENCES', what, { hint: HINT });
  if (a.split !== b.split)
    throw fail(`the ${names[0]} report is on '${a.split}', the ${names[1]} on '${b.split}'`);
  const pairs = a.sentences.map((s): [EvalSentence, EvalSentence] => {
    const t = other.get(s.id);
    if (!t) throw fail(`sentence ${s.id} is in the ${names[0]} report but not in the ${names[1]} one`);
    const sameGold = s.gold.length === t.gold.length && s.gold.every((g, i) => g === t.gold[i]);
    if (s.tokens.length !== t.tokens.length || !sameGold) {
      throw fail(`sentence ${s.id} has other tokens or gold tags in the two reports`);
    }
    return [s, t];
  });
  if (b.sentences.length !== a.sentences.length) {
    const extra = b.sentences.find((s) => !mine.has(s.id))!;
    throw fail(`sentence ${extra.id} is in the ${names[1]} report but not in the ${names[0]} one`);
  }
  return pairs;
}

/**
 * The sentences where the multimodal run did better (`helped`) or worse (`hurt`) than the
 * text-only run: first by correct entities, then, when those tie, by errors (as `entityErrors`
 * counts them). Sentences where both counts tie are left out, even if the predictions differ.
 * Order: the multimodal report's.
 */
export function imageEffects(multi: EvalReport, text: EvalReport): ImageEffect[] {
  const effects: ImageEffect[] = [];
  for (const [m, t] of joinReports(multi, text, ['multimodal', 'text-only'])) {
    const om = sentenceOutcome(m);
    const ot = sentenceOutcome(t);
    const better = om.correct - ot.correct || ot.errors.length - om.errors.length;
    if (better === 0) continue;
    effects.push({
      sentenceId: m.id,
      lang: m.lang,
      correctText: ot.correct,
      correctMulti: om.correct,
      errorsText: ot.errors.length,
      errorsMulti: om.errors.length,
      effect: better > 0 ? 'helped' : 'hurt',
    });
  }
  return effects;
}

/**
 * Helped and hurt sentences per language (in order of first appearance), then `all`;
 * `languages` lists ones to include with zeros even when no sentence of theirs changed, first.
 */
export function imageEffectCounts(
  effects: readonly ImageEffect[],
  languages: readonly string[] = [],
): ImageEffectCounts {
  const byLang = new Map<string, { helped: number; hurt: number }>();
  for (const lang of languages) byLang.set(lang, { helped: 0, hurt: 0 });
  const all = { helped: 0, hurt: 0 };
  for (const e of effects) {
    let row = byLang.get(e.lang);
    if (!row) {
      row = { helped: 0, hurt: 0 };
      byLang.set(e.lang, row);
    }
    row[e.effect]++;
    all[e.effect]++;
  }
  return Object.fromEntries([...byLang, ['all', all]]);
}
