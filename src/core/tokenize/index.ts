/**
 * Subword tokenizers for pretrained text encoders: BERT's basic tokenizer + WordPiece, read from
 * a model folder's vocab.txt or tokenizer.json, with the first-subword alignment of pre-split words.
 */
export {
  cleanText,
  DEFAULT_WORDPIECE_OPTIONS,
  type EncodedWords,
  isCjkIdeograph,
  isPunctuation,
  stripAccents,
  TOKENIZER_CODE,
  type WordPieceOptions,
  WordPieceTokenizer,
} from './wordpiece.js';
