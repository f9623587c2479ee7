// A batched decode over two cores: the page's thread and a helper worker (decode-worker.js) decode parts of the
// batch at the same time. Each point's probabilities do not depend on the other points of its batch (the
// product kernel computes every output on its own), so the parts joined are one call's, to the bit, when both
// run the same build (tested; a helper that loaded another build is not used).
//
// Where the page can share memory (cross-origin isolated), the batch is cut into chunks (chunks.js), and each
// thread claims the next chunk from a counter in a SharedArrayBuffer until none is left: a thread the host
// slows down leaves its share to the other. The page writes the batch's points into that buffer and publishes
// the job on its counter, which wakes a helper that is waiting there after its last job (decode-worker.js), and
// sends a message, which starts an idle one. The helper writes its chunks into the buffer and sets each one's
// flag there. The page, once no chunk is left to claim, copies the helper's chunks as their flags come up, and
// decodes any that has not come up within as long as decoding it would take the page. It never waits for a
// message: one reaches the page's thread when its event loop next runs a task, 0.25 ms after the helper's last
// row at the median here, over 1 ms in one call of ten on a busy host. Elsewhere the page decodes the first
// half and the helper the rest, sent back by message.
//
// The helper needs its own copy of a model before it can help: the first batch of a model is decoded whole on
// the page while the helper builds the copy from the model's weights file. Where the helper cannot start,
// fails or does not answer within HELPER_TIMEOUT_MS, the page decodes every row itself from then on; nothing
// the user sees changes but the time.
//
// No call writes a fresh array where a used one will do: the page's rows are written into an array the caller
// gave back (recycle), and the helper's into the shared buffer of the previous batch, or the buffer of its
// previous answer, sent back to it with the job.
import { loaded, withBuild } from '../wasm-build.js';
import { HEAD, chunksOf, claim, counterFor, layout } from './chunks.js';

/** Below this many points a batch is decoded whole: the round trip costs more than half of it. */
const MIN_SPLIT = 64;
/** A helper slower than this is given up (its rows are decoded here). */
const HELPER_TIMEOUT_MS = 3000;
/** Arrays given back (recycle) and kept for later decodes: the grid keeps one and gives back the one before. */
const KEEP = 2;
/** The page watches for the helper's chunks at least this long (ms). */
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
    this.shared = null; // the SharedArrayBuffer the helper writes into
    this.perRow = 0.05; // ms a row of the last batch took the page (decoding 784 pixels from 512 hidden units)
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
    return this.sharing ? this.claimed(subject, z, y, out, key) : this.halves(subject, z, y, out, key);
  }

  /** Shared memory: the batch in chunks, each decoded by whichever thread claims it first (a counter in a
   *  SharedArrayBuffer); the helper writes its chunks into that buffer and sets each one's flag to the job. The
   *  page, once no chunk is left to claim, copies the helper's chunks as their flags come up, and decodes any
   *  that did not come up within as long as it would take to decode them itself. */
  claimed(subject, z, y, out, key) {
    const [d, px, n] = [subject.latent, subject.config.input, z.length / subject.latent];
    const chunks = chunksOf(n);
    const count = chunks.length - 1;
    const at = layout(n, d, px);
    const shared = this.takeShared(at.bytes);
    const head = new Int32Array(shared, 0, HEAD.length);
    const labels = subject.labels(n, y);
    new Float32Array(shared, at.z, n * d).set(z);
    if (labels) new Uint8Array(shared, at.labels, n).set(labels);
    const job = ++this.job;
    [head[HEAD.job], head[HEAD.key], head[HEAD.points], head[HEAD.labelled]] = [job, key, n, labels ? 1 : 0];
    // The job, published: a helper waiting on the counter wakes now; an idle one, when the message reaches it.
    Atomics.store(head, HEAD.counter, counterFor(job));
    Atomics.notify(head, HEAD.counter);
    // The helper's answer is only listened for: one that fails or does not answer is given up.
    timeout(new Promise((resolve, reject) => this.pending.set(job, { resolve, reject })), HELPER_TIMEOUT_MS).catch((e) => this.giveUp(e.message));
    this.worker.postMessage({ job, key, shared });
    const own = new Set();
    const decode = (c) => subject.decodeInto(z.subarray(chunks[c] * d, chunks[c + 1] * d), y, out.subarray(chunks[c] * px, chunks[c + 1] * px));
    const start = performance.now();
    let rows = 0;
    try {
      for (let c; (c = claim(head, job, count)) >= 0; own.add(c)) {
        decode(c);
        rows += chunks[c + 1] - chunks[c];
      }
    } catch (e) {
      this.settle(job); // the caller hears the page's error; the helper's answer is dropped
      throw e;
    }
    if (rows > 0) this.perRow = (performance.now() - start) / rows;
    const theirs = [...Array(count).keys()].filter((c) => !own.has(c));
    const until = performance.now() + Math.max(MIN_WATCH_MS, this.perRow * theirs.reduce((sum, c) => sum + chunks[c + 1] - chunks[c], 0));
    for (const c of theirs) {
      if (watch(head, HEAD.flag + c, job, until)) {
        out.set(new Float32Array(shared, at.rows + chunks[c] * px * 4, (chunks[c + 1] - chunks[c]) * px), chunks[c] * px);
      } else {
        decode(c); // the helper's copy of these rows, if it comes, is not read
        rows += chunks[c + 1] - chunks[c];
      }
    }
    this.last = { page: rows, helper: n - rows };
    this.shared = shared; // for the next job: a late helper can neither claim its chunks nor raise their flags
    return out;
  }

  /** Without shared memory: the first half of the rows here, the rest in the helper, sent back by message. */
  async halves(subject, z, y, out, key) {
    const [d, px, n] = [subject.latent, subject.config.input, z.length / subject.latent];
    const mine = Math.ceil(n / 2 / 4) * 4; // whole 4-row tiles, as chunksOf (chunks.js)
    const rest = z.slice(mine * d);
    const job = ++this.job;
    const theirs = new Promise((resolve, reject) => this.pending.set(job, { resolve, reject }));
    // The helper's last answer goes back to it, to be written again (decode-worker.js).
    const spare = this.spare?.byteLength === (n - mine) * px * 4 ? this.spare : null;
    this.spare = null;
    this.worker.postMessage({ job, key, z: rest, labels: subject.labels(n - mine, y), out: spare }, spare ? [rest.buffer, spare] : [rest.buffer]);
    let head = false;
    try {
      subject.decodeInto(z.subarray(0, mine * d), y, out.subarray(0, mine * px));
      head = true;
    } finally {
      if (!head) this.pending.delete(job); // the caller hears the page's error; the helper's answer is dropped
    }
    try {
      const tail = await timeout(theirs, HELPER_TIMEOUT_MS);
      out.set(tail, mine * px);
      this.spare = tail.buffer;
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

  /** A shared buffer of at least `bytes`: the last one, or a new one. A buffer replaced is retired (its counter
   *  set to -1), which a helper waiting on it sees at once. */
  takeShared(bytes) {
    const old = this.shared;
    const buffer = old?.byteLength >= bytes ? old : new SharedArrayBuffer(bytes);
    if (old && old !== buffer) {
      const head = new Int32Array(old, 0, HEAD.length);
      Atomics.store(head, HEAD.counter, -1);
      Atomics.notify(head, HEAD.counter);
    }
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

  /** Forgets `job`: its answer, when it comes, is dropped. */
  settle(job) {
    this.pending.get(job)?.resolve();
    this.pending.delete(job);
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

/** Watches head[i] until it is `job` (the helper writes a chunk, then sets its flag) or `until` (ms) passes. */
function watch(head, i, job, until) {
  while (Atomics.load(head, i) !== job) if (performance.now() > until) return false;
  return true;
}

function timeout(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`it did not answer within ${ms / 1000} s`)), ms); })])
    .finally(() => clearTimeout(timer));
}
