// The explorer's wasm-facing module: loads the wasm core (the `vae_wasm` module, without training code)
// and a weights file, with progress, and hands out a `Model` (a VAE, an autoencoder or a conditional VAE). The training worker uses train-core.js.
import init, { Model, latentPath, maxWeightsBytes } from '../pkg/vae_wasm.js';
import { fetchBytes, WEIGHTS_URL } from './assets.js';
import { Said, coreMessage } from './i18n/i18n.js';
import { loadBuild } from './wasm-build.js';

export { latentPath, fetchBytes, maxWeightsBytes };

let wasmReady = null;
/** Instantiates the wasm module once; later calls share the same promise. */
export function initWasm(onProgress) {
  wasmReady ??= loadBuild('vae_wasm', init, onProgress)
    .catch((e) => { wasmReady = null; throw new Said('The WebAssembly core could not be loaded: {why}.', { why: () => e.message }); });
  return wasmReady;
}

/** Builds a Model from safetensors bytes (ours, or a PyTorch user's); the Error says in words what is wrong with a bad file. */
export function vaeFromBytes(bytes) {
  try {
    return new Model(bytes);
  } catch (e) {
    throw new Said('The model weights could not be used: {why}.', { why: () => coreMessage(e.message) });
  }
}

/** Loads the wasm core and the default weights in parallel; onProgress(fraction) in [0, 1]. */
export async function loadDefaultModel(onProgress = () => {}) {
  const parts = { wasm: [0, 0], weights: [0, 0] };
  const report = (key) => (loaded, total) => {
    parts[key] = [loaded, total];
    const [l, t] = Object.values(parts).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
    if (t > 0) onProgress(Math.min(1, l / t));
  };
  const weightsBytes = fetchBytes(WEIGHTS_URL, report('weights')).catch((e) => {
    throw new Said('The model weights could not be downloaded: {why}.', { why: () => e.message });
  });
  await initWasm(report('wasm'));
  return vaeFromBytes(await weightsBytes);
}
