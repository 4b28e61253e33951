// Identity generation off the event loop (STYLE §1): the daemon keeps answering (signals,
// later the local API) while the proof of work runs in a worker thread.
import { Worker } from 'node:worker_threads';
import { Identity } from '../protocol/identity.js';
import { StateError } from '../util/errors.js';

export function generateIdentityInWorker(): Promise<Identity> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./identity-worker-main.js', import.meta.url));
    let isDone = false;
    worker.once('message', (secret: unknown) => {
      isDone = true;
      try {
        if (typeof secret !== 'string') throw new StateError('identity worker sent no identity');
        resolve(Identity.fromString(secret));
      } catch (e) {
        reject(e);
      }
    });
    worker.once('error', (e) => {
      isDone = true;
      reject(new StateError(`identity generation failed: ${e.message}`, { cause: e }));
    });
    worker.once('exit', (code) => {
      if (!isDone) reject(new StateError(`identity worker exited with code ${code} before sending an identity`));
    });
  });
}
