/**
 * `mmner data overlap A B`: a contamination check. Counts the sentences two files or manifest
 * splits share (same tokens; same tokens and tags; same image id) and shows a few pairs as
 * `A file:line ↔ B file:line`.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { findManifest, loadDataset } from '../../core/data/dataset.node.js';
import { parseTypeMap } from '../../core/data/manifest.js';
import { findOverlap, type OverlapKind, type OverlapRef } from '../../core/data/overlap.js';
import { n } from '../../core/data/problems.js';
import { readDataFile } from '../../core/data/readFile.node.js';
import { MmnerError } from '../../core/errors.js';
import type { Sentence } from '../../core/types.js';
import { type Command, intOption, parseCommandArgs } from '../command.js';
import type { CliIO } from '../io.js';

const NAME = 'data overlap';

const LABELS: Record<OverlapKind, string> = {
  tokens: 'same tokens',
  'tokens+tags': 'same tokens and tags',
  image: 'same image id',
};

export const dataOverlap: Command = {
  name: NAME,
  summary: 'Report sentences shared between two files or splits (contamination check)',
  usage: `Usage: mmner data overlap A B [options]

A and B are data files (IMGID-CoNLL, CoNLL or JSONL) or manifest splits written
PATH#SPLIT, where PATH is a dataset.json or a folder holding one (e.g. data/dataset.json#test).
Counts the sentences of A found in B (and of B found in A) with the same tokens, the same
tokens and tags, and the same image id, with a few example pairs.

Options:
  --show N          example pairs per kind (default 5)
  --type-map A=B    rename entity types in both before comparing tags, e.g. OTHER=MISC
  --fail            exit 1 when any sentence shares its tokens (for CI)
  --json            print the report as JSON

Example: mmner data overlap ../shared/data/mmnerd-en/test.txt ../shared/data/twitter2017/train.txt
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      show: { type: 'string' },
      'type-map': { type: 'string', multiple: true },
      fail: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 2) {
      throw new MmnerError('E_USAGE', `expected two inputs A and B, got ${positionals.length}`, {
        hint: `See: mmner ${NAME} --help`,
      });
    }
    const show = intOption(NAME, 'show', values.show, 5);
    let typeMap: Record<string, string> | undefined;
    try {
      typeMap = values['type-map'] ? parseTypeMap(values['type-map']) : undefined;
    } catch (e) {
      throw new MmnerError('E_USAGE', `--type-map: ${(e as Error).message}`, {
        hint: `See: mmner ${NAME} --help`,
      });
    }
    const [a, b] = await Promise.all(positionals.map((p) => loadSide(p, io, typeMap)));
    const report = findOverlap(a!.sentences, b!.sentences, Math.max(0, show));
    if (values.json) {
      io.out(`${JSON.stringify({ a: a!.label, b: b!.label, ...report }, null, 2)}\n`);
    } else {
      io.out(
        `A: ${a!.label} (${n(report.sizeA)} sentences)\nB: ${b!.label} (${n(report.sizeB)} sentences)\n`,
      );
      const pct = (k: number, of: number) => (of === 0 ? '0%' : `${((100 * k) / of).toFixed(1)}%`);
      for (const k of report.kinds) {
        io.out(
          `${`${LABELS[k.kind]}:`.padEnd(22)}${n(k.inA)} of A (${pct(k.inA, report.sizeA)}), ${n(k.inB)} of B (${pct(k.inB, report.sizeB)})\n`,
        );
      }
      for (const k of report.kinds) {
        if (k.examples.length === 0) continue;
        io.out(`examples (${LABELS[k.kind]}):\n`);
        for (const e of k.examples) io.out(`  ${where(e.a)} ↔ ${where(e.b)}\n`);
      }
    }
    const shared = report.kinds.find((k) => k.kind === 'tokens')!.inA;
    return values.fail && shared > 0 ? 1 : 0;
  },
};

function where(r: OverlapRef): string {
  return r.file ? `${r.file}:${r.line ?? '?'} (${r.id})` : r.id;
}

/** A data file, or `PATH#SPLIT` of a manifest, read strictly (the first error stops). */
async function loadSide(
  spec: string,
  io: CliIO,
  typeMap: Record<string, string> | undefined,
): Promise<{ label: string; sentences: Sentence[] }> {
  const hash = spec.lastIndexOf('#');
  const shown = (p: string) => (isAbsolute(p) ? p : relative(process.cwd(), resolve(io.cwd, p)) || '.');
  if (hash > 0) {
    const split = spec.slice(hash + 1);
    const manifest = await findManifest(shown(spec.slice(0, hash)));
    if (manifest) {
      const ds = await loadDataset(manifest, { splits: [split], images: false });
      const sentences = ds.splits[split];
      if (!sentences) {
        throw new MmnerError('E_USAGE', `${manifest} has no split '${split}'`, {
          hint: `its splits: ${Object.keys(ds.manifest.splits).join(', ')}`,
        });
      }
      return { label: `${manifest}#${split}`, sentences: remap(sentences, typeMap) };
    }
  }
  const path = shown(spec);
  const r = await readDataFile(path, typeMap ? { typeMap } : {});
  return { label: path, sentences: r.sentences };
}

function remap(sentences: Sentence[], typeMap: Record<string, string> | undefined): Sentence[] {
  if (!typeMap) return sentences;
  return sentences.map((s) => ({
    ...s,
    tags: s.tags.map((t) => {
      const type = t.slice(2);
      return t.length > 2 && Object.hasOwn(typeMap, type) ? `${t.slice(0, 2)}${typeMap[type]}` : t;
    }),
  }));
}
