/**
 * The ONNX protobuf schema (npm `onnx-proto`: protobufjs code generated from ONNX v1.10.2's
 * onnx.proto, IR version 8) and the versions mmner writes. Opset 17 is the newest opset of IR 8
 * (ONNX 1.12), so the files load in onnx ≥ 1.12 and onnxruntime ≥ 1.12; it is also the first
 * with LayerNormalization, which the model uses.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';

/** ONNX IR version of the files mmner writes. */
export const IR_VERSION = 8;
/** The default-domain opset of the graphs mmner writes. */
export const OPSET = 17;

/** TensorProto.DataType values used here. */
export const DTYPE = { float: 1, int32: 6, int64: 7 } as const;

/** Keys of the ModelProto metadata that make an exported file self-contained for `mmner predict --onnx`. */
export const META = {
  /** Format version of the metadata below (1). */
  format: 'mmner.format',
  /** The run's ModelConfig, JSON. */
  config: 'mmner.config',
  /** The tag vocabulary (emission column order), JSON array. */
  tags: 'mmner.tags',
  /** The tiny text encoder's vocabulary (TextVocabJSON). */
  vocab: 'mmner.vocab',
  /** The tiny text encoder's longest word in characters (ids are built with it). */
  maxWordLen: 'mmner.maxWordLen',
  /** Where the weights came from: run folder and checkpoint. */
  source: 'mmner.source',
} as const;

export const METADATA_FORMAT = '1';

/** Initializer names of the constrained CRF scores (read by the TypeScript Viterbi, not by the graph). */
export const CRF_INITIALIZERS = {
  transitions: 'crf.transitions',
  start: 'crf.start',
  end: 'crf.end',
} as const;
