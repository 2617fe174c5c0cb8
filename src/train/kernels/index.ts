/**
 * Registers mmner's wasm kernels with tfjs: the two that training cannot run without
 * (UnsortedSegmentSum, Conv2DBackpropFilter), five faster replacements (transposed BatchMatMul,
 * Conv2DBackpropInput, broadcasting Equal, axis-0 GatherV2, a sharing Identity) and one fix (OneHot
 * with a float dtype). Idempotent; call it before or after `setBackend('wasm')`.
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig, isOurBatchMatMul } from './batchMatMul.js';
import { conv2DBackpropFilterConfig } from './conv2dBackpropFilter.js';
import { conv2DBackpropInputConfig } from './conv2dBackpropInput.js';
import { equalConfig, isOurEqual } from './equal.js';
import { gatherConfig, isOurGather } from './gather.js';
import { identityConfig, isOurIdentity } from './identity.js';
import { oneHotConfig } from './oneHot.js';
import { unsortedSegmentSumConfig } from './unsortedSegmentSum.js';

/** Kernels that stock tfjs-backend-wasm lacks: added only while absent (a later tfjs may ship them). */
const MISSING = [unsortedSegmentSumConfig, conv2DBackpropFilterConfig];
/** Stock kernels we replace: faster (Conv2DBackpropInput) or correct where stock is not (OneHot). */
const REPLACED = [conv2DBackpropInputConfig, oneHotConfig];

/** Stock kernels we replaced, to put back with `restoreStockWasmKernels`. */
const originals = new Map<string, tf.KernelConfig>();

function replace(name: string, ours: tf.KernelConfig): void {
  const old = tf.getKernel(name, 'wasm');
  if (old) {
    if (!originals.has(name)) originals.set(name, old);
    tf.unregisterKernel(name, 'wasm');
  }
  // Keep the stock setupFunc: the backend runs it at init only for registered kernels, and a
  // restored stock kernel (or our wrapper's call into it) needs its wasm function bound.
  tf.registerKernel(old?.setupFunc ? { ...ours, setupFunc: old.setupFunc } : ours);
}

/** Registers our kernels for the 'wasm' backend; returns the names it (re)registered this call. */
export function registerWasmKernels(): string[] {
  const done: string[] = [];
  for (const k of MISSING) {
    if (tf.getKernel(k.kernelName, 'wasm')) continue;
    tf.registerKernel(k);
    done.push(k.kernelName);
  }
  for (const k of REPLACED) {
    if (tf.getKernel(k.kernelName, 'wasm')?.kernelFunc === k.kernelFunc) continue;
    replace(k.kernelName, k);
    done.push(k.kernelName);
  }
  const mm = tf.getKernel('BatchMatMul', 'wasm');
  if (!mm) throw new Error('tfjs-backend-wasm is not loaded: import it before registering kernels');
  if (!isOurBatchMatMul(mm)) {
    replace('BatchMatMul', batchMatMulConfig(mm));
    done.push('BatchMatMul');
  }
  const eq = tf.getKernel('Equal', 'wasm');
  if (eq && !isOurEqual(eq)) {
    replace('Equal', equalConfig(eq));
    done.push('Equal');
  }
  const gather = tf.getKernel('GatherV2', 'wasm');
  if (gather && !isOurGather(gather)) {
    replace('GatherV2', gatherConfig(gather));
    done.push('GatherV2');
  }
  const identity = tf.getKernel('Identity', 'wasm');
  if (identity && !isOurIdentity(identity)) {
    replace('Identity', identityConfig(identity));
    done.push('Identity');
  }
  return done;
}

/**
 * Puts the stock BatchMatMul, Equal, GatherV2, Identity, OneHot and Conv2DBackpropInput back, keeping the kernels that stock lacks
 * (benchmarks compare stock against ours in one process).
 */
export function restoreStockWasmKernels(): void {
  for (const [name, k] of originals) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(k);
  }
  originals.clear();
}
