/**
 * im2col / col2im for NHWC convolutions, on plain Float32Arrays. Row n = (b, oh, ow) of the
 * [N, K] column matrix holds the receptive field in filter order (fh, fw, ci), so that
 * conv2d = cols · W[K, CO] and both conv gradients become one GEMM each.
 */
import * as tf from '@tensorflow/tfjs';

export type ConvInfo = tf.backend_util.Conv2DInfo;

/** Shape info of a conv; only NHWC is supported (the tfjs gradients of conv2d use it). */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: { strides: number | [number, number]; pad: unknown; dataFormat?: string; dimRoundingMode?: string },
): ConvInfo {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`mmner wasm conv kernels support NHWC only, got ${attrs.dataFormat}`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
}

/** Rows × columns of the column matrix. */
export function colsShape(c: ConvInfo): [number, number] {
  return [c.batchSize * c.outHeight * c.outWidth, c.filterHeight * c.filterWidth * c.inChannels];
}

/** cols[N, K] ← x[B, H, W, CI]; zeros where the window falls on padding. */
export function im2col(c: ConvInfo, x: Float32Array, cols: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: CI, filterHeight: FH, filterWidth: FW } = c;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = c;
  const top = c.padInfo.top;
  const left = c.padInfo.left;
  let d = 0;
  for (let b = 0; b < c.batchSize; b++) {
    for (let oh = 0; oh < c.outHeight; oh++) {
      for (let ow = 0; ow < c.outWidth; ow++) {
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * sh - top + fh * dh;
          if (ih < 0 || ih >= H) {
            cols.fill(0, d, d + FW * CI);
            d += FW * CI;
            continue;
          }
          const rowBase = (b * H + ih) * W;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * sw - left + fw * dw;
            if (iw < 0 || iw >= W) {
              cols.fill(0, d, d + CI);
            } else {
              const s = (rowBase + iw) * CI;
              for (let ci = 0; ci < CI; ci++) cols[d + ci] = x[s + ci]!;
            }
            d += CI;
          }
        }
      }
    }
  }
}

/** dx[B, H, W, CI] ← scatter-add of cols[N, K] (the adjoint of im2col); dx is overwritten. */
export function col2im(c: ConvInfo, cols: Float32Array, dx: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: CI, filterHeight: FH, filterWidth: FW } = c;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = c;
  const top = c.padInfo.top;
  const left = c.padInfo.left;
  dx.fill(0);
  let d = 0;
  for (let b = 0; b < c.batchSize; b++) {
    for (let oh = 0; oh < c.outHeight; oh++) {
      for (let ow = 0; ow < c.outWidth; ow++) {
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * sh - top + fh * dh;
          if (ih < 0 || ih >= H) {
            d += FW * CI;
            continue;
          }
          const rowBase = (b * H + ih) * W;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * sw - left + fw * dw;
            if (iw >= 0 && iw < W) {
              const s = (rowBase + iw) * CI;
              for (let ci = 0; ci < CI; ci++) dx[s + ci]! += cols[d + ci]!;
            }
            d += CI;
          }
        }
      }
    }
  }
}
