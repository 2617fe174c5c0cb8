/**
 * mmner's fixes for tfjs-backend-webgpu 4.22, registered when the webgpu backend is selected.
 *
 * AddN with many inputs: the stock kernel binds every input as a storage buffer of one shader, and
 * a WebGPU device allows 8 per shader stage unless asked for more (tfjs does not ask). An AddN of
 * more inputs (the global gradient norm sums one square per variable: 45 for `tiny`, ~200 for
 * BERT) fails pipeline validation; WebGPU reports that only as an uncaptured error, and the
 * output is left unwritten. Stock Concat splits its inputs for this limit, AddN does not: ours
 * sums chunks with the stock kernel, then the partial sums.
 */
import * as tf from '@tensorflow/tfjs';

interface WebgpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): boolean;
}

const OURS = new WeakSet<tf.KernelFunc>();

/** AddN that sums at most (storage-buffer limit − 1) inputs per stock call (one buffer is the output). */
export function chunkedAddNConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const be = backend as unknown as WebgpuBackendLike;
    const max = Math.max(2, be.device.limits.maxStorageBuffersPerShaderStage - 1);
    let level = Object.values(inputs) as tf.TensorInfo[];
    const partial: tf.TensorInfo[] = [];
    while (level.length > max) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < level.length; i += max) {
        const chunk = level.slice(i, i + max);
        if (chunk.length === 1) {
          next.push(chunk[0]!);
          continue;
        }
        const sum = stock.kernelFunc({ inputs: chunk as unknown as tf.NamedTensorInfoMap, backend, attrs });
        partial.push(sum as tf.TensorInfo);
        next.push(sum as tf.TensorInfo);
      }
      level = next;
    }
    const out = stock.kernelFunc({ inputs: level as unknown as tf.NamedTensorInfoMap, backend, attrs });
    for (const p of partial) be.disposeData(p.dataId);
    return out;
  };
  OURS.add(kernelFunc);
  return { ...stock, kernelFunc };
}

/** Registers the fixes for 'webgpu' (idempotent); returns the kernel names it registered this call. */
export function registerWebgpuKernels(): string[] {
  const stock = tf.getKernel('AddN', 'webgpu');
  if (!stock || OURS.has(stock.kernelFunc)) return [];
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel(chunkedAddNConfig(stock));
  return ['AddN'];
}
