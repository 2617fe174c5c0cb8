/**
 * The browser-safe data API in one import: readers and writers (IMGID-CoNLL, CoNLL, JSONL), the
 * manifest parser, problems, overlap. File-system parts are imported from their `*.node.ts`
 * files: readFile.node.ts (readDataFile), dataset.node.ts (loadDataset), images.node.ts.
 */
export type { ReadStats, SeenIds } from './assemble.js';
export { baseName, DOCSTART, formatConll, readConll } from './conll.js';
export { IMAGE_EXTENSIONS, type ImageCounts, imageIdOfFileName } from './images.js';
export { formatImgidConll, IMGID_PREFIX, readImgidConll } from './imgidConll.js';
export { JsonSyntaxError, parseJsonLocated } from './json.js';
export { formatJsonl, JSONL_FIELDS, readJsonl } from './jsonl.js';
export {
  type DatasetFileEntry,
  DatasetFormat,
  type DatasetManifest,
  MANIFEST_FILE,
  type MissingImagePolicy,
  type ParsedManifest,
  parseManifest,
  parseTypeMap,
  unsafePathReason,
} from './manifest.js';
export {
  findOverlap,
  OVERLAP_KINDS,
  type OverlapCount,
  type OverlapKind,
  type OverlapReport,
} from './overlap.js';
export { DataCode, type DataProblem, ProblemCollector, type ReportMode } from './problems.js';
export { detectFormat, readData } from './read.js';
export type { ReadOptions, ReadResult } from './readOptions.js';
export { DEFAULT_MAX_LINE_LENGTH } from './text.js';
