// The log Z / NLL and gradient checks of crfLoss.test.ts, once more on the wasm backend. When the
// backend does not start in Node, or lacks a kernel the CRF needs, the test is skipped with the reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { crfNllMeanOps } from '../../../src/model/crf/crfLoss.js';
import { checkGradients, checkHostAgainstOps, checkLogPartitionAndNll } from './checks.js';

async function useWasm(): Promise<string | undefined> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) return 'tf.setBackend("wasm") returned false';
    return undefined;
  } catch (e) {
    return `the wasm backend did not start: ${(e as Error).message}`;
  }
}

const unavailable = await useWasm();

/** Runs `check`; a missing wasm kernel skips the test (with the reason) instead of failing it. */
function onWasm(name: string, check: () => void | Promise<void>): void {
  test(`wasm: ${name}`, async (t) => {
    if (unavailable) {
      console.log(`skipped: ${unavailable}`);
      t.skip(unavailable);
      return;
    }
    assert.equal(tf.getBackend(), 'wasm');
    try {
      await check();
    } catch (e) {
      const message = (e as Error).message;
      if (/kernel .* not registered|not registered for backend/i.test(message)) {
        console.log(`skipped: ${message}`);
        t.skip(message);
        return;
      }
      throw e;
    }
  });
}

onWasm('log Z and NLL equal brute force', () => checkLogPartitionAndNll('wasm/logZ'));
onWasm('gradients equal marginals − gold and finite differences', () => checkGradients('wasm/grad'));
onWasm('the tf-ops loss passes the same gradient checks', () =>
  checkGradients('wasm/grad-ops', crfNllMeanOps),
);
onWasm('the host loss equals the tf-ops loss in value and gradients', () =>
  checkHostAgainstOps('wasm/host-vs-ops'),
);
