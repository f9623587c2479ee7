// A batched decode over two cores: the first rows on the page's thread, the rest in a helper worker
// (decode-worker.js), at the same time. Each point's probabilities do not depend on the other points of its
// batch (the product kernel computes every output on its own), so the two parts joined are one call's, to the
// bit, when both run the same build (tested; a helper that loaded another build is not used).
//
// The helper needs its own copy of a model before it can help: the first batch of a model is decoded whole on
// the page while the helper builds the copy from the model's weights file. Where the helper cannot start,
// fails or does not answer within HELPER_TIMEOUT_MS, the page decodes every row itself from then on; nothing
// the user sees changes but the time.
//
// No call writes a fresh array where a used one will do: the page's rows are written into an array the caller
// gave back (recycle), and the helper's into the buffer of its previous answer, sent back to it with the job.
//
// Where the page can share memory (cross-origin isolated), the helper writes its rows into a SharedArrayBuffer
// instead and raises a flag there, and the page, its own rows done, watches the flag for at most as long as its
// own rows took before it waits for the helper's message. A message to the page's thread arrives when its event
// loop next runs a task: 0.25 ms after the helper's last row at the median here, over 1 ms in one call of ten
// on a busy host.
import { loaded, withBuild } from '../wasm-build.js';

/** Below this many points a batch is decoded whole: the round trip costs more than half of it. */
const MIN_SPLIT = 64;
/** A helper slower than this is given up (its rows are decoded here). */
const HELPER_TIMEOUT_MS = 3000;
/** Arrays given back (recycle) and kept for later decodes: the grid keeps one and gives back the one before. */
const KEEP = 2;
/** Bytes before the helper's rows in the shared buffer: the flag (an Int32, the job whose rows are there). */
const FLAG_BYTES = 16;
/** The page watches the flag at least this long (ms) when its own rows took less. */
const MIN_WATCH_MS = 1;

export class SplitDecoder {
  /** `url`: the helper's script. */
  constructor(url = new URL('../decode-worker.js', import.meta.url)) {
    this.url = url;
    this.worker = null;
    this.failed = null; // why the helper was given up, in words (English: for the console)
    this.keys = new WeakMap(); // subject -> the key the helper knows it by
    this.nextKey = 1;
    this.sent = null; // the key whose bytes the helper was sent last
    this.ready = null; // the key whose copy the helper has built
    this.pending = new Map(); // job -> { resolve, reject }
    this.job = 0;
    this.free = []; // arrays given back, the oldest first
    this.spare = null; // the helper's last answer's buffer, sent back with its next job
    /** Whether the helper answers through shared memory (the page is cross-origin isolated). */
    this.sharing = typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true;
    this.shared = null; // the SharedArrayBuffer the helper writes into, when no job holds it
    /** How the last batch was shared: { page, helper } rows. */
    this.last = { page: 0, helper: 0 };
  }

  /** Points z (Float32Array, n * latent) of `subject` with label y, decoded: n * 784 probabilities, in an array
   *  that is the caller's until it gives it back with recycle(). */
  async decode(subject, z, y = 0) {
    const d = subject.latent;
    const px = subject.config.input;
    const n = z.length / d;
    const out = this.take(n * px);
    const key = this.keyOf(subject);
    if (n < MIN_SPLIT || !this.helperFor(subject, key)) {
      this.last = { page: n, helper: 0 };
      return subject.decodeInto(z, y, out);
    }
    const mine = Math.ceil(n / 2 / 4) * 4; // a multiple of the kernel's 4-row tile
    const rest = z.slice(mine * d);
    const job = ++this.job;
    const theirs = new Promise((resolve, reject) => this.pending.set(job, { resolve, reject }));
    const size = (n - mine) * px;
    // Shared memory: a buffer no other job holds, taken until this job's rows are read from it.
    const shared = this.sharing ? this.takeShared(size) : null;
    // Otherwise the helper's last answer goes back to it, to be written again (decode-worker.js).
    const spare = !shared && this.spare?.byteLength === size * 4 ? this.spare : null;
    if (!shared) this.spare = null;
    this.worker.postMessage({ job, key, z: rest, labels: subject.labels(n - mine, y), out: spare, shared, at: FLAG_BYTES }, spare ? [rest.buffer, spare] : [rest.buffer]);
    let head = false;
    const start = performance.now();
    try {
      subject.decodeInto(z.subarray(0, mine * d), y, out.subarray(0, mine * px));
      head = true;
    } finally {
      if (!head) this.pending.delete(job); // the caller hears the page's error; the helper's answer is dropped
    }
    try {
      let tail;
      if (shared && watch(shared, job, performance.now() - start)) {
        this.pending.delete(job); // its message, still to come, finds no job
        tail = new Float32Array(shared, FLAG_BYTES, size);
      } else {
        const answer = await timeout(theirs, HELPER_TIMEOUT_MS);
        tail = shared ? new Float32Array(shared, FLAG_BYTES, size) : answer;
        if (!shared) this.spare = answer.buffer;
      }
      out.set(tail, mine * px);
      if (shared) this.shared = shared; // free for the next job
    } catch (e) {
      this.giveUp(e.message);
      subject.decodeInto(z.subarray(mine * d), y, out.subarray(mine * px));
    }
    this.last = this.failed ? { page: n, helper: 0 } : { page: mine, helper: n - mine };
    return out;
  }

  /** Gives back an array decode() returned, which its caller will not read again: a later decode of the same
   *  size writes into it. A fresh array's first writes fault its pages in (0.7 ms for a 20x20 grid's 1.25 MB
   *  in Chromium here, against 0.04 ms to write a reused one). */
  recycle(probs) {
    if (!(probs instanceof Float32Array) || this.free.includes(probs)) return;
    this.free.push(probs);
    if (this.free.length > KEEP) this.free.shift();
  }

  /** An array of `size` numbers: one given back, or a new one. */
  take(size) {
    const k = this.free.findIndex((a) => a.length === size);
    return k >= 0 ? this.free.splice(k, 1)[0] : new Float32Array(size);
  }

  /** A shared buffer for the flag and `size` numbers, that no job in flight holds. */
  takeShared(size) {
    const bytes = FLAG_BYTES + size * 4;
    const buffer = this.shared?.byteLength >= bytes ? this.shared : new SharedArrayBuffer(bytes);
    this.shared = null;
    return buffer;
  }

  keyOf(subject) {
    if (!this.keys.has(subject)) this.keys.set(subject, this.nextKey++);
    return this.keys.get(subject);
  }

  /** True if the helper holds `subject`'s copy; otherwise starts it and sends the weights, and says false. */
  helperFor(subject, key) {
    if (this.failed || typeof Worker === 'undefined' || !subject.bytes) return false;
    if (this.ready === key) return true;
    if (!this.worker) this.start();
    if (this.sent !== key) {
      [this.sent, this.ready] = [key, null]; // the helper holds one copy: the one it was sent last
      this.worker.postMessage({ key, bytes: subject.bytes });
    }
    return false;
  }

  start() {
    this.worker = new Worker(withBuild(this.url), { type: 'module' });
    this.worker.onmessage = ({ data: m }) => this.onMessage(m);
    this.worker.onerror = (e) => { e.preventDefault(); this.giveUp(e.message || 'it could not start'); };
  }

  onMessage(m) {
    if (m.type === 'ready') {
      // The same build as the page's, or the two parts could differ in the last bit.
      if (m.build !== loaded.build) this.giveUp(`it runs the ${m.build} build, the page the ${loaded.build} one`);
      else if (m.key === this.sent) this.ready = m.key;
    } else if (m.type === 'decoded') {
      this.pending.get(m.job)?.resolve(m.probs);
      this.pending.delete(m.job);
    } else if (m.type === 'error') {
      if (m.job) {
        this.pending.get(m.job)?.reject(new Error(m.message));
        this.pending.delete(m.job);
      } else {
        this.giveUp(m.message);
      }
    }
  }

  /** Stops using the helper: the page decodes every row from now on. */
  giveUp(why) {
    if (this.failed) return;
    this.failed = why;
    console.warn(`the grid's helper worker is not used (${why}); the page decodes the whole grid`);
    this.worker?.terminate();
    this.worker = null;
    for (const { reject } of this.pending.values()) reject(new Error(why));
    this.pending.clear();
  }
}

/** Watches `shared`'s flag for `job`, for `ms` and at least MIN_WATCH_MS: true once the helper's rows are there
 *  (it writes them, then the flag). */
function watch(shared, job, ms) {
  const flag = new Int32Array(shared, 0, 1);
  const until = performance.now() + Math.max(ms, MIN_WATCH_MS);
  while (Atomics.load(flag, 0) !== job) if (performance.now() > until) return false;
  return true;
}

function timeout(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`it did not answer within ${ms / 1000} s`)), ms); })])
    .finally(() => clearTimeout(timer));
}
