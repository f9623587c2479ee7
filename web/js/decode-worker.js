// The grid's helper: a second core for a batched decode. Its own instance of the explorer's module (the build
// the page runs, from `?wasm=`) and a copy of the explored model, built from its weights file. Messages:
// { key, bytes } -> { type: 'ready', key, build } (or { type: 'error', key, message }): build model `key`;
// { job, key, z, labels?, out? } -> { type: 'decoded', job, probs } (transferred) or { type: 'error', job, message };
// { job, key, z, labels?, shared, at, chunks } (the whole batch, a SharedArrayBuffer): the chunks it claims from
// the counter there (app/chunks.js), each written from byte `at` + 4 x its first number, then its flag set to the
// job; then { type: 'decoded', job }.
// `out`, if sent, is the buffer of this helper's previous answer, given back to be written again: its pages are
// already in memory, where a fresh buffer's first writes would fault them in.
import { initWasm, vaeFromBytes } from './model.js';
import { claim } from './app/chunks.js';
import { loaded } from './wasm-build.js';

let model = null;
let modelKey = null;
let config = null; // model's description: { latent, input, ... }

self.onmessage = async ({ data: m }) => {
  try {
    await initWasm();
    if (m.bytes) {
      model?.free();
      [model, modelKey] = [null, null];
      model = vaeFromBytes(m.bytes);
      config = model.config;
      modelKey = m.key;
      self.postMessage({ type: 'ready', key: m.key, build: loaded.build });
      return;
    }
    if (m.key !== modelKey) throw new Error(`model ${m.key} was not sent`);
    if (m.shared) {
      // Chunks claimed from the shared counter, each written from byte `at` + its first row's, then its flag set.
      const head = new Int32Array(m.shared, 0, m.chunks.length);
      const d = config.latent;
      for (let c; (c = claim(head, m.job, m.chunks.length - 1)) >= 0;) {
        const [a, b] = [m.chunks[c], m.chunks[c + 1]];
        model.decodeInto(m.z.subarray(a * d, b * d), m.labels?.subarray(a, b), new Float32Array(m.shared, m.at + a * config.input * 4, (b - a) * config.input));
        Atomics.store(head, 1 + c, m.job);
      }
      self.postMessage({ type: 'decoded', job: m.job });
      return;
    }
    const size = Math.ceil(m.z.length / config.latent) * config.input; // a wrong z is the model's to refuse
    const probs = m.out?.byteLength === size * 4 ? new Float32Array(m.out) : new Float32Array(size);
    model.decodeInto(m.z, m.labels, probs);
    self.postMessage({ type: 'decoded', job: m.job, probs }, [probs.buffer]);
  } catch (e) {
    self.postMessage({ type: 'error', job: m.job, key: m.key, message: e.message });
  }
};
