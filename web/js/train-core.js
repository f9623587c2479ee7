// The training worker's wasm-facing module: the `vae_train` build, which adds `Trainer` to what the
// explorer's module has. Only the worker imports it, so the page itself never downloads the training code.
import init, { Trainer, panicForTests } from '../pkg/vae_train.js';
import { Said } from './i18n/i18n.js';
import { loadBuild } from './wasm-build.js';

export { Trainer, panicForTests };

let ready = null;
/** Instantiates the training module once; later calls share the same promise. */
export function initTrainCore() {
  ready ??= loadBuild('vae_train', init)
    .catch((e) => { ready = null; throw new Said('The training engine could not be loaded: {why}.', { why: () => e.message }); });
  return ready;
}
