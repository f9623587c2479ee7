// The training worker's wasm-facing module: the `vae_train` build, which adds `Trainer` to what the
// explorer's module has. Only the worker imports it, so the page itself never downloads the training code.
import init, { Trainer, panicForTests } from '../pkg/vae_train.js';
import { fetchBytes } from './assets.js';
import { Said } from './i18n/i18n.js';

export { Trainer, panicForTests };

const WASM_URL = new URL('../pkg/vae_train_bg.wasm', import.meta.url);

let ready = null;
/** Instantiates the training module once; later calls share the same promise. */
export function initTrainCore() {
  ready ??= fetchBytes(WASM_URL)
    .then((bytes) => init({ module_or_path: bytes }))
    .catch((e) => { ready = null; throw new Said('The training engine could not be loaded: {why}.', { why: () => e.message }); });
  return ready;
}
