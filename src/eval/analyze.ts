/**
 * Every analysis of one evaluated split, as the report and the notebook views take them: error
 * classes and counts, the confusion matrix, and — given the inspection views — alignment per
 * branch, misaligned pairs and attention maps of a few telling sentences; given a text-only run
 * on the same split, where the image helped or hurt.
 */
import { confusionMatrix, entityErrors, errorCounts } from '../core/metrics/errors.js';
import type { ImageEffect, RunAnalyses } from '../core/run/analysis.js';
import type { EvalReport } from '../core/run/evalFile.js';
import type { InspectData } from '../core/run/inspect.js';
import { type AlignmentOptions, alignmentSummaries, attentionView, misalignedPairs } from './alignment.js';
import { imageEffects } from './compare.js';

export type { RunAnalyses } from '../core/run/analysis.js';

export interface AnalyzeOptions {
  inspect?: InspectData;
  /** A text-only run's report on the same split. */
  textOnly?: EvalReport;
  alignment?: AlignmentOptions;
  /** Sentences with attention maps (default 3), and misaligned pairs per branch (default 30). */
  attentionSentences?: number;
  misaligned?: number;
}

/**
 * Sentences worth an attention map: where the image helped, then ambiguous ones (only the image
 * tells the type), then any with a gold entity — in the report's order within each group.
 */
export function attentionCandidates(report: EvalReport, effects: readonly ImageEffect[] = []): string[] {
  const helped = effects.filter((e) => e.effect === 'helped').map((e) => e.sentenceId);
  const withEntity = report.sentences.filter((s) => s.gold.some((t) => t !== 'O'));
  const ambiguous = withEntity.filter((s) => s.subsets?.includes('ambiguous')).map((s) => s.id);
  return [...new Set([...helped, ...ambiguous, ...withEntity.map((s) => s.id)])];
}

export function analyzeRun(report: EvalReport, options: AnalyzeOptions = {}): RunAnalyses {
  const errors = entityErrors(report);
  const languages = [...new Set(report.sentences.map((s) => s.lang))];
  const out: RunAnalyses = {
    errors,
    errorCounts: errorCounts(errors, languages),
    confusion: confusionMatrix(report),
  };
  if (options.textOnly) out.imageEffects = imageEffects(report, options.textOnly);
  const data = options.inspect;
  if (data) {
    out.alignment = alignmentSummaries(data, report, options.alignment);
    out.misaligned = misalignedPairs(data, report, options.misaligned ?? 30, options.textOnly);
    const picked = attentionCandidates(report, out.imageEffects).slice(0, options.attentionSentences ?? 3);
    out.attention = picked.flatMap((id) => data.branches.map((b) => attentionView(data, report, id, b)));
  }
  return out;
}
