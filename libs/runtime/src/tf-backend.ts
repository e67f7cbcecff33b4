import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';

export type TfBackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/**
 * Picks the TensorFlow.js backend at run time: the native `tensorflow` backend from the
 * optional @tensorflow/tfjs-node where it loads, else WASM (its binary ships inside the
 * npm package), else the plain CPU backend. All share one API, so model code is written
 * once. Returns the backend actually running.
 */
export async function selectTfBackend(preference: TfBackendPreference = 'auto', log: (message: string) => void = () => undefined): Promise<string> {
  const order: Array<Exclude<TfBackendPreference, 'auto'>> = preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference];
  for (const candidate of order) {
    try {
      if (candidate === 'tensorflow') {
        // Optional dependency: absent where its native library could not be installed.
        require('@tensorflow/tfjs-node');
      } else if (candidate === 'wasm') {
        const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
        const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
        wasm.setWasmPaths(wasmDir + path.sep);
      }
      if (await tf.setBackend(candidate)) {
        await tf.ready();
        log(`TensorFlow.js backend: ${tf.getBackend()}`);
        return tf.getBackend();
      }
    } catch (error) {
      log(`TensorFlow.js backend ${candidate} unavailable: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start (tried ${order.join(', ')})`);
}
