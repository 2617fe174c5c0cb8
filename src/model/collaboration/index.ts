/**
 * The multimodal collaboration module (token → region cross-attention + per-token gate + branch
 * merge), its config and presets, and the small layers it is built from.
 */

export { Dropout, LayerNorm, Linear, seededUniform } from '../layers.js';
export {
  type BranchInput,
  CollaborationModule,
  type CollaborationOptions,
  type CollaborationOutput,
} from './collaboration.js';
export {
  COLLABORATION_PRESETS,
  type CollaborationConfig,
  type CollaborationPreset,
  type ResolvedCollaborationConfig,
  resolveCollaboration,
} from './config.js';
