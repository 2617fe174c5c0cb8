/**
 * The text files of a sample dataset folder: the manifest, one IMGID-CoNLL file per language
 * and split, the subset lists and a README. Everything here is a pure function of the dataset,
 * with fixed key order and LF line ends, so the same seed gives the same bytes.
 */
import { formatImgidConll } from '../data/imgidConll.js';
import { type DatasetManifest, MANIFEST_FILE } from '../data/manifest.js';
import { ENTITY_TYPES, LANGUAGES } from '../types.js';
import { SAMPLE_GENERATOR_VERSION, SAMPLE_SIZES, type SampleDataset, SPLITS } from './generate.js';
import { IMAGE_SIZE } from './scenes.js';

export const SAMPLE_IMAGES_DIR = 'images';
export const SAMPLE_IMAGE_EXT = 'png';
/** The README's first line: how `data sample` recognises a folder it wrote before. */
export const SAMPLE_README_MARKER = '# mmner sample dataset';
export const SUBSET_FILES = {
  ambiguous: 'subsets/ambiguous.txt',
  'unrelated-image': 'subsets/unrelated-image.txt',
};

/** `en/train.txt` */
export const splitFile = (lang: string, split: string) => `${lang}/${split}.txt`;
/** `images/en-train-000042.png` */
export const imageFile = (id: string) => `${SAMPLE_IMAGES_DIR}/${id}.${SAMPLE_IMAGE_EXT}`;

export function sampleManifest(ds: SampleDataset): DatasetManifest {
  return {
    version: 1,
    name: ds.name,
    description: `Synthetic multilingual multimodal NER sample (mmner data sample, generator v${SAMPLE_GENERATOR_VERSION}, seed ${ds.seed}, size ${ds.size}); see README.md`,
    scheme: 'IOB2',
    types: [...ENTITY_TYPES],
    images: { dir: SAMPLE_IMAGES_DIR, missing: 'error' },
    splits: Object.fromEntries(
      SPLITS.map((split) => [
        split,
        LANGUAGES.map((lang) => ({ lang, file: splitFile(lang, split), format: 'imgid-conll' as const })),
      ]),
    ),
    subsets: { ...SUBSET_FILES },
  };
}

function readme(ds: SampleDataset): string {
  const sizes = SAMPLE_SIZES[ds.size];
  const count = (pred: (it: SampleDataset['items'][number]) => boolean) => ds.items.filter(pred).length;
  return [
    SAMPLE_README_MARKER,
    '',
    `Written by \`mmner data sample --seed ${ds.seed} --size ${ds.size}\` (generator version ${SAMPLE_GENERATOR_VERSION}).`,
    'The same command with the same mmner version writes the same bytes.',
    '',
    'Synthetic tweets and captions in English, French, German and Spanish, tagged in IOB2 over',
    'PER, LOC, ORG and MISC, each with an image (a drawn scene, no text in it). Where the text cannot',
    'tell an entity\'s type ("Jordan", "Orange", "Mercedes" in a neutral sentence), the image can.',
    '',
    '| file | content |',
    '|---|---|',
    `| \`${MANIFEST_FILE}\` | the manifest: splits, languages, image folder, subsets |`,
    `| \`<lang>/{train,dev,test}.txt\` | IMGID-CoNLL; ${sizes.train} / ${sizes.dev} / ${sizes.test} sentences per language |`,
    `| \`${SAMPLE_IMAGES_DIR}/<id>.${SAMPLE_IMAGE_EXT}\` | one ${IMAGE_SIZE}×${IMAGE_SIZE} RGB image per sentence (id = IMGID) |`,
    `| \`${SUBSET_FILES.ambiguous}\` | ${count((it) => it.ambiguous)} ids: ambiguous surface in a neutral sentence; only the image tells the type |`,
    `| \`${SUBSET_FILES['unrelated-image']}\` | ${count((it) => it.unrelated)} ids: the image does not show the key entity (${Math.round(ds.unrelatedShare * 100)} % of sentences with an entity) |`,
    '',
    'Each ambiguous surface has each of its readings equally often in every language and split.',
    'More: docs/sample-data.md in the mmner repository. `mmner data stats <this folder>` counts it.',
    '',
  ].join('\n');
}

/** Relative path → content of every text file, in writing order (the manifest last). */
export function sampleTextFiles(ds: SampleDataset): [path: string, content: string][] {
  const files: [string, string][] = [['README.md', readme(ds)]];
  for (const lang of LANGUAGES) {
    for (const split of SPLITS) {
      const sentences = ds.items
        .filter((it) => it.sentence.lang === lang && it.split === split)
        .map((it) => it.sentence);
      files.push([splitFile(lang, split), formatImgidConll(sentences)]);
    }
  }
  const ids = (pred: (it: SampleDataset['items'][number]) => boolean) =>
    ds.items
      .filter(pred)
      .map((it) => `${it.sentence.id}\n`)
      .join('');
  files.push([SUBSET_FILES.ambiguous, ids((it) => it.ambiguous)]);
  files.push([SUBSET_FILES['unrelated-image'], ids((it) => it.unrelated)]);
  files.push([MANIFEST_FILE, `${JSON.stringify(sampleManifest(ds), null, 2)}\n`]);
  return files;
}
