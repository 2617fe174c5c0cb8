/** The linear-chain CRF decoder of 2M-NER: parameters, NLL loss and Viterbi decoding. */
export * from './crf.js';
export * from './crfLoss.js';
export * from './tags.js';
export * from './viterbi.js';
