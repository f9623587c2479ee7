// The wasm-facing module: loads the wasm core and a weights file, with progress, and hands out a `Vae`.
import init, { Vae, Trainer, latentPath, panicForTests } from '../pkg/vae_wasm.js';

export { Trainer, latentPath, panicForTests };

export const WASM_URL = new URL('../pkg/vae_wasm_bg.wasm', import.meta.url);
export const WEIGHTS_URL = new URL('../models/mnist-2d.safetensors', import.meta.url);

/** Fetches `url` as bytes, calling onProgress(loaded, total) as chunks arrive (total may be 0 if unknown). */
export async function fetchBytes(url, onProgress = () => {}) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not reach ${url.pathname ?? url} (${e.message})`);
  }
  if (!response.ok) throw new Error(`the server answered ${response.status} ${response.statusText} for ${url.pathname ?? url}`);
  const total = Number(response.headers.get('Content-Length')) || 0;
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  return bytes;
}

let wasmReady = null;
/** Instantiates the wasm module once; later calls share the same promise. */
export function initWasm(onProgress) {
  wasmReady ??= fetchBytes(WASM_URL, onProgress)
    .then((bytes) => init({ module_or_path: bytes }))
    .catch((e) => { wasmReady = null; throw new Error(`The WebAssembly core could not be loaded: ${e.message}.`); });
  return wasmReady;
}

/** Builds a Vae from safetensors bytes; the Error says in words what is wrong with a bad file. */
export function vaeFromBytes(bytes) {
  try {
    return new Vae(bytes);
  } catch (e) {
    throw new Error(`The model weights could not be used: ${e.message}.`);
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
    throw new Error(`The model weights could not be downloaded: ${e.message}.`);
  });
  await initWasm(report('wasm'));
  return vaeFromBytes(await weightsBytes);
}
