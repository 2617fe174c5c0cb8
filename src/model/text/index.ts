/**
 * The `tiny` preset's text side: vocabularies and id encoding (`vocab`), the BiLSTM in plain tf
 * ops (`lstm`), and the char + word BiLSTM encoder that implements `TextEncoder` (`tinyEncoder`).
 */
export {
  biLstmLayer,
  type LstmWeights,
  reverseWithinLengthIndex,
  stackChunked,
  unstackChunked,
} from './lstm.js';
export { DEFAULT_TINY_TEXT_CONFIG, TinyTextEncoder, type TinyTextEncoderConfig } from './tinyEncoder.js';
export {
  CASING_CLASSES,
  type CasingClass,
  casingId,
  casingOf,
  checkTextBatch,
  type EncodedTextBatch,
  type EncodeTextOptions,
  encodeTextBatch,
  normaliseWord,
  PAD,
  PAD_ID,
  TextVocab,
  type TextVocabJSON,
  type TextVocabOptions,
  UNK,
  UNK_ID,
  wordChars,
} from './vocab.js';
