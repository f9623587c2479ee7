// The grid's helper: a second core for a batched decode. Its own instance of the explorer's module (the build
// the page runs, from `?wasm=`) and a copy of the explored model, built from its weights file. Messages:
// { key, bytes } -> { type: 'ready', key, build } (or { type: 'error', key, message }): build model `key`;
// { job, key, z, labels? } -> { type: 'decoded', job, probs } (transferred) or { type: 'error', job, message }.
import { initWasm, vaeFromBytes } from './model.js';
import { loaded } from './wasm-build.js';

let model = null;
let modelKey = null;

self.onmessage = async ({ data: m }) => {
  try {
    await initWasm();
    if (m.bytes) {
      model?.free();
      [model, modelKey] = [null, null];
      model = vaeFromBytes(m.bytes);
      modelKey = m.key;
      self.postMessage({ type: 'ready', key: m.key, build: loaded.build });
      return;
    }
    if (m.key !== modelKey) throw new Error(`model ${m.key} was not sent`);
    const probs = model.decode(m.z, m.labels);
    self.postMessage({ type: 'decoded', job: m.job, probs }, [probs.buffer]);
  } catch (e) {
    self.postMessage({ type: 'error', job: m.job, key: m.key, message: e.message });
  }
};
