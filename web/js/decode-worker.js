// The grid's helper: a second core for a batched decode. Its own instance of the explorer's module (the build
// the page runs, from `?wasm=`) and a copy of the explored model, built from its weights file. Messages:
// { key, bytes } -> { type: 'ready', key, build } (or { type: 'error', key, message }): build model `key`;
// { job, key, z, labels?, out? } -> { type: 'decoded', job, probs } (transferred) or { type: 'error', job, message };
// { job, key, shared } (a SharedArrayBuffer laid out as app/chunks.js says, holding the job's points): serve()
// that buffer, then { type: 'decoded', job }.
// `out`, if sent, is the buffer of this helper's previous answer, given back to be written again: its pages are
// already in memory, where a fresh buffer's first writes would fault them in.
import { initWasm, vaeFromBytes } from './model.js';
import { HEAD, chunksOf, claim, counterFor, jobOf, layout } from './app/chunks.js';
import { loaded } from './wasm-build.js';

let model = null;
let modelKey = null;
let config = null; // model's description: { latent, input, ... }
let seen = -1; // the counter's job bits of the last shared job this helper took up

/** After a job, this helper waits this long (ms) on the shared counter for the next one, which the page's
 *  Atomics.notify wakes it for at once, rather than for its message: that reached an idle helper 0.2-0.5 ms after
 *  the page sent it (medians of 40 grids, a scratch page here). Messages that come meanwhile wait their turn. */
const WAIT_MS = 30;

/** Takes up the job the counter of `shared` holds, unless already taken up, then each next one the page
 *  publishes there within WAIT_MS. Returns when none comes, or when the page retires the buffer. */
function serve(shared) {
  const head = new Int32Array(shared, 0, HEAD.length);
  const until = performance.now() + WAIT_MS;
  for (;;) {
    const v = Atomics.load(head, HEAD.counter);
    if (v < 0) return;
    if (jobOf(v) !== seen) {
      seen = jobOf(v);
      decodeChunks(shared, head, v);
      continue;
    }
    const left = until - performance.now();
    if (left <= 0 || Atomics.wait(head, HEAD.counter, v, left) === 'timed-out') return;
  }
}

/** The chunks of the job whose counter was `v` that this helper claims, each written into the buffer, then its
 *  flag set to the job. What it reads of the header and the points is that job's as long as it can claim a chunk
 *  of it: the page writes the next job's only once every chunk of this one is claimed. */
function decodeChunks(shared, head, v) {
  const job = head[HEAD.job];
  if (jobOf(counterFor(job)) !== jobOf(v)) return; // the header already a later job's: its counter comes next
  if (head[HEAD.key] !== modelKey) throw Object.assign(new Error(`model ${head[HEAD.key]} was not sent`), { job });
  const n = head[HEAD.points];
  const [d, px] = [config.latent, config.input];
  const at = layout(n, d, px);
  const chunks = chunksOf(n);
  const z = new Float32Array(shared, at.z, n * d);
  const labels = head[HEAD.labelled] ? new Uint8Array(shared, at.labels, n) : undefined;
  for (let c; (c = claim(head, job, chunks.length - 1)) >= 0;) {
    const [a, b] = [chunks[c], chunks[c + 1]];
    model.decodeInto(z.subarray(a * d, b * d), labels?.subarray(a, b), new Float32Array(shared, at.rows + a * px * 4, (b - a) * px));
    Atomics.store(head, HEAD.flag + c, job);
  }
}

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
      serve(m.shared);
      self.postMessage({ type: 'decoded', job: m.job });
      return;
    }
    const size = Math.ceil(m.z.length / config.latent) * config.input; // a wrong z is the model's to refuse
    const probs = m.out?.byteLength === size * 4 ? new Float32Array(m.out) : new Float32Array(size);
    model.decodeInto(m.z, m.labels, probs);
    self.postMessage({ type: 'decoded', job: m.job, probs }, [probs.buffer]);
  } catch (e) {
    self.postMessage({ type: 'error', job: e.job ?? m.job, key: m.key, message: e.message });
  }
};
