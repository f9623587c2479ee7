// The training worker: owns the wasm Trainer, trains in chunks between messages, and keeps the user's
// work in IndexedDB. One message shape: { type, ... } both ways (see README, "Training in the browser").
import { initTrainCore, Trainer, panicForTests } from './train-core.js';
import { syncPair } from './train-pair.js';
import { loaded, withBuild } from './wasm-build.js';
import { fetchBytes } from './assets.js';
import { loadSplit } from './data.js';
import { DEFAULT_DATASET, dataset as datasetOf } from './app/datasets.js';
import { gridPoints, manifoldRgba } from './draw/manifold.js';
import { clearCheckpoint, loadCheckpoint, loadOwnData, saveCheckpoint } from './checkpoints.js';
import { Said, msg, sayOf, t, useLang } from './i18n/i18n.js';

const CHUNK_MS = 40; // train this long, then yield so that messages (pause, settings) get through
const VIEW_MS = 500; // refresh the live scatter and grid about twice a second
const CHECKPOINT_MS = 4000;
const EVAL_EVERY = 200; // steps between held-out evaluations
const VIEW_GRID = 15;

let trainer = null;
let train = null; // training split
let heldout = null;
let data = null; // the id of the data set that `train` and `heldout` hold
let ownSaved = 0; // for the user's own images, when the page saved the set they hold
let opts = null; // the config object the trainer was made from (plus changes made while training)
let history = { train: [], heldout: [] }; // [step, loss, recon, kl]
let playing = false;
let budget = { epochs: 0, patience: 0 };
let best = { loss: Infinity, since: 0 };
let lastView = 0;
let lastCheckpoint = { at: 0, record: null };
let lastEvalStep = -1;
let broken = false; // a panic happened: this instance is never used again
let stepsPerChunk = 5;
let wasmMemory = null; // the training module's linear memory, reported with each chunk's stats
let workers = 1; // 1, or 2: this worker and a helper (train-helper.js), each computing a shard of every step
let pair = null; // { helper, lead (while synced), failed (why it cannot help) }
let pairing = 0; // counts unpair() calls: a sync that one overtook is out of date

const post = (msg, transfer = []) => self.postMessage(msg, transfer);

function guard(fn) {
  return async (...args) => {
    if (broken) return;
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        // A panic (or a trap) inside wasm: its state can no longer be trusted. Stop here; the page replaces us.
        broken = true;
        playing = false;
        post({ type: 'panicked', message: e.message });
      } else {
        post({ type: 'error', message: e.message, say: sayOf(e) });
      }
    }
  };
}

/** Loads data set `id`'s training split (the page's share of it) and held-out split, unless they are loaded.
 *  'own' is the user's own images, which the page saved in IndexedDB (they never leave the browser). */
async function loadData(id) {
  if (id === 'own') return loadOwn();
  if (data === id) return;
  const ds = datasetOf(id);
  const say = [msg('Loading {what}…'), { what: t(ds.pageTrainText) }];
  post({ type: 'progress', say, fraction: 0 });
  try {
    [train, heldout] = await Promise.all([
      loadSplit(ds.pageTrain, (f) => post({ type: 'progress', say, fraction: f }), ds.folder),
      loadSplit('heldout', () => {}, ds.folder),
    ]);
  } catch (e) {
    throw new Said('The training {nouns} could not be loaded: {why}.', { nouns: t(`${ds.noun}s`), why: e.message });
  }
  data = id;
}

async function loadOwn() {
  const own = await loadOwnData().catch(() => null);
  if (!own) throw new Said('Your own images are no longer in this browser\'s storage: drop them on the page again.');
  if (data === 'own' && ownSaved === own.savedAt) return;
  train = { ...own.train, n: own.train.labels.length };
  const h = own.heldout;
  heldout = { ...h, n: h.labels.length, images: Float32Array.from(h.bytes, (b) => b / 255) };
  data = 'own';
  ownSaved = own.savedAt;
}

async function init({ config, resume, lang }) {
  useLang(lang);
  wasmMemory = (await initTrainCore()).memory;
  const saved = resume ? await loadCheckpoint().catch(() => null) : null;
  await loadData(saved?.options?.dataset ?? config.dataset ?? DEFAULT_DATASET);
  if (saved) {
    opts = { dataset: DEFAULT_DATASET, ...saved.options };
    trainer = Trainer.fromSafetensors(saved.bytes, trainOptions(opts));
    trainer.setPosition(saved.step, saved.epoch);
    history = saved.history;
    best = saved.best ?? best;
    lastCheckpoint = { at: performance.now(), record: saved };
  } else {
    makeTrainer(config);
  }
  trainer.setData(train.bytes, train.labels);
  lastEvalStep = saved ? saved.step : -1;
  if (!saved) evaluateHeldout();
  await checkpoint();
  post({ type: 'ready', resumed: !!saved, ...status() });
  sendViews();
  postReference();
}

/** The reference model's held-out numbers (the zoo's VAE of the same data set), measured as the curve's
 *  held-out points are (1 draw of eps, seed 0). */
async function postReference() {
  const file = data === 'own' ? null : datasetOf(data).reference;
  if (!file) { post({ type: 'reference', loss: null }); return; } // the zoo has no model of the user's images
  const bytes = await fetchBytes(new URL(`../models/${file}`, import.meta.url));
  const ref = Trainer.fromSafetensors(bytes, {});
  try {
    post({ type: 'reference', ...ref.evaluate(heldout.bytes, heldout.labels, 1, 0) });
  } finally {
    ref.free();
  }
}

/** The optimiser part of the options (fromSafetensors takes the architecture from the file). */
const trainOptions = ({ lr, batch, seed }) => ({ lr, batch, seed });

function makeTrainer({ dataset = DEFAULT_DATASET, ...config }) {
  trainer?.free();
  trainer = null;
  const t = new Trainer(config); // throws an Error naming a bad field; the old trainer is gone either way
  trainer = t;
  opts = { ...t.config, dataset };
  delete opts.input;
  history = { train: [], heldout: [] };
  best = { loss: Infinity, since: 0 };
}

function status() {
  return { step: trainer.step, epoch: trainer.epoch, config: { ...trainer.config, dataset: data }, history, budget, n: train.n };
}

function evaluateHeldout() {
  const r = trainer.evaluate(heldout.bytes, heldout.labels, 1, 0);
  const step = trainer.step;
  lastEvalStep = step;
  history.heldout.push([step, r.loss, r.recon, r.kl ?? null]);
  if (r.loss < best.loss - 0.01) best = { loss: r.loss, since: 0 };
  else best.since++;
  post({ type: 'eval', step, ...r });
}

/** What the live views show: for an N-D model, which two dimensions (the others at 0); for a CVAE, which class. */
let viewOptions = { pair: [0, 1], label: 0 };

function sendViews() {
  const { latent, family, classes } = trainer.config;
  const cvae = family === 'cvae';
  const pair = viewOptions.pair.every((d) => d < latent) ? viewOptions.pair : [0, Math.min(1, latent - 1)];
  const label = cvae ? Math.min(viewOptions.label, classes - 1) : 0;
  const mu = trainer.encode(heldout.images, cvae ? heldout.labels : undefined).mu;
  const plane = gridPoints(VIEW_GRID, 3, 'linear');
  const z = new Float32Array(VIEW_GRID * VIEW_GRID * latent); // the other latent dimensions at 0
  for (let i = 0; i < VIEW_GRID * VIEW_GRID; i++) {
    z[i * latent + pair[0]] = plane[2 * i];
    if (latent > 1) z[i * latent + pair[1]] = plane[2 * i + 1];
  }
  const labels = cvae ? new Uint8Array(VIEW_GRID * VIEW_GRID).fill(label) : undefined;
  const rgba = manifoldRgba(trainer.decode(z, labels), VIEW_GRID); // the pixels are made here, off the main thread
  lastView = performance.now();
  post({ type: 'views', step: trainer.step, latent, family, pair, label, mu, rgba, gridN: VIEW_GRID, dataset: data, labels: heldout.labels.slice() }, [mu.buffer, rgba.buffer]);
}

async function checkpoint() {
  const record = {
    bytes: trainer.toSafetensors(),
    step: trainer.step,
    epoch: trainer.epoch,
    options: opts,
    history,
    best,
    playing,
    savedAt: Date.now(),
  };
  lastCheckpoint = { at: performance.now(), record };
  try {
    await saveCheckpoint(record);
    post({ type: 'checkpoint', step: record.step });
  } catch (e) {
    post({ type: 'notice', say: [msg('The checkpoint could not be saved: {why}. Training goes on.'), { why: e.message }] });
  }
}

/** After a NaN or infinite loss: stop, and put back the last good checkpoint's weights and counters. */
function restoreAfterNonFinite(e) {
  playing = false;
  const r = lastCheckpoint.record;
  trainer.loadSafetensors(r.bytes);
  trainer.setPosition(r.step, r.epoch);
  history = structuredClone(r.history);
  post({
    type: 'nan',
    say: [msg('Training stopped: the loss became {value} (learning rate {lr}). The model was restored to its checkpoint at step {step}. Lower the learning rate and press Train again.'),
      { value: e.message.match(/\((.*?)\)/)?.[1] ?? t('not a number'), lr: String(opts.lr), step: r.step }],
    ...status(),
  });
  sendViews();
}

/**
 * Up to k steps, on one worker or on two (the same weights either way). Returns their mean stats, as
 * trainSteps does, with the number of steps made (a paired chunk ends early if the helper is lost) and of
 * workers that made them.
 */
async function trainChunk(k) {
  const lead = workers > 1 ? await pairedLead() : null;
  if (!lead) return { ...trainer.trainSteps(k), steps: k, workers: 1 };
  const sum = { loss: 0, recon: 0, kl: 0 };
  let s;
  let steps = 0;
  while (steps < k && !lead.lost) {
    s = lead.step();
    steps++;
    for (const key of Object.keys(sum)) sum[key] += s[key] ?? 0;
  }
  if (lead.lost) dropHelper([msg('it stopped answering')]);
  const out = { ...s, loss: sum.loss / steps, recon: sum.recon / steps, steps, workers: lead.lost ? 1 : 2 };
  if (s.negElbo !== undefined) Object.assign(out, { kl: sum.kl / steps, negElbo: (sum.recon + sum.kl) / steps });
  return out;
}

/**
 * The pair's lead, after (re)building the helper's replica from this trainer, or null if the helper cannot
 * help (no shared memory here, it failed to start, or it runs another build): then one worker trains.
 */
async function pairedLead() {
  if (pair?.lead) return pair.lead;
  if (pair?.failed) return null;
  if (!self.crossOriginIsolated) {
    failPair([msg('this page is not cross-origin isolated, so its workers cannot share memory')]);
    return null;
  }
  pair ??= { helper: new Worker(withBuild(new URL('./train-helper.js', import.meta.url)), { type: 'module' }) };
  const started = pairing;
  const synced = await syncPair(trainer, pair.helper, loaded.build);
  if (synced.failed) { failPair(synced.failed); return null; }
  if (started !== pairing) {
    // The trainer changed (a setting, a reset) while the helper was syncing: its replica is stale.
    synced.lead.stop();
    return workers > 1 ? pairedLead() : null;
  }
  pair.lead = synced.lead;
  return pair.lead;
}

/** Ends the helper's loop until the next chunk syncs it again (after any change to the trainer). */
function unpair() {
  pairing++;
  pair?.lead?.stop();
  if (pair) pair.lead = null;
}

/** Trains on one worker from now on, and says why: `why` is a message ([id, params]), put into words by the
 *  page (in the language it shows, then and after a switch). */
function failPair(why) {
  pair?.helper?.terminate();
  pair = { failed: why };
  post({ type: 'workers', workers: 1, asked: workers, say: [msg('Training runs on one worker: the second could not help ({why}).'), { why }] });
}

function dropHelper(why) {
  unpair();
  failPair(why);
}

async function loop() {
  try {
    await chunks();
  } finally {
    unpair();
  }
}

async function chunks() {
  while (playing && !broken) {
    if (workers > 1) {
      const before = trainer;
      await pairedLead(); // (re)syncs the helper, outside the chunk's timing
      if (trainer !== before || broken) break; // a reset (or a crash) came in meanwhile
    }
    const t0 = performance.now();
    const k = stepsPerChunk;
    const batch = trainer.config.batch;
    let stats;
    try {
      stats = await trainChunk(k);
    } catch (e) {
      if (e.name === 'NonFiniteLoss') { restoreAfterNonFinite(e); return; }
      throw e;
    }
    const ms = performance.now() - t0;
    // Aim each chunk at CHUNK_MS, so pausing answers quickly whatever the batch size.
    stepsPerChunk = Math.max(1, Math.min(200, Math.round(stepsPerChunk * (CHUNK_MS / Math.max(ms, 1)))));
    history.train.push([stats.step, stats.loss, stats.recon, stats.kl ?? null]);
    post({ type: 'stats', ...stats, samplesPerSec: (stats.steps * batch) / (ms / 1000), ms, batch, n: train.n, progress: trainer.epochProgress, wasmBytes: wasmMemory.buffer.byteLength });
    if (stats.step - lastEvalStep >= EVAL_EVERY) evaluateHeldout();
    if (performance.now() - lastView >= VIEW_MS) sendViews();
    if (performance.now() - lastCheckpoint.at >= CHECKPOINT_MS) await checkpoint();
    const reason = budgetReached(stats);
    if (reason) {
      playing = false;
      await checkpoint();
      post({ type: 'stopped', reason, ...status() });
      sendViews();
      return;
    }
    await new Promise((r) => setTimeout(r, 0));
  }
}

function budgetReached(stats) {
  if (budget.epochs > 0 && stats.epoch >= budget.epochs) return [msg('the budget of {n} epochs is used up'), { n: budget.epochs }];
  if (budget.patience > 0 && best.since >= budget.patience) {
    return [msg('the held-out loss has not improved for {n} evaluations (best {best} nats)'), { n: budget.patience, best: best.loss.toFixed(2) }];
  }
  return null;
}

const handlers = {
  init,
  /** The page's language, for the words the worker sends (its messages are [id, params], written out there). */
  lang({ lang }) { useLang(lang); },
  async play() {
    if (playing) return;
    playing = true;
    post({ type: 'playing', playing: true });
    await loop();
    // Paused (or stopped): the held-out figure of the weights as they are now.
    if (!broken && lastEvalStep !== trainer.step) evaluateHeldout();
    if (!broken && lastCheckpoint.record?.step !== trainer.step) await checkpoint();
    post({ type: 'playing', playing: false });
  },
  pause() { playing = false; },
  async step() {
    if (playing) return;
    playing = true;
    const saved = stepsPerChunk;
    stepsPerChunk = 1;
    const keep = budget;
    budget = { epochs: 0, patience: 0 };
    try {
      // One pass of the loop body, then stop.
      const p = loop();
      playing = false;
      await p;
    } finally {
      stepsPerChunk = saved;
      budget = keep;
    }
    sendViews();
  },
  async reset({ config }) {
    playing = false;
    unpair();
    const before = [data, ownSaved];
    await loadData(config.dataset ?? DEFAULT_DATASET);
    makeTrainer(config);
    trainer.setData(train.bytes, train.labels);
    if (data !== before[0] || ownSaved !== before[1]) postReference();
    await clearCheckpoint().catch(() => {});
    evaluateHeldout();
    await checkpoint();
    post({ type: 'ready', resumed: false, ...status() });
    sendViews();
  },
  set({ lr, beta, batch, workers: w }) {
    unpair(); // the helper's replica is synced again before the next step
    if (w !== undefined) {
      workers = w === 2 ? 2 : 1;
      if (workers === 2 && pair?.failed) pair = null; // asked again: try again
    }
    if (lr !== undefined) { trainer.setLr(lr); opts.lr = lr; }
    if (beta !== undefined) { trainer.setBeta(beta); opts.beta = beta; }
    if (batch !== undefined) { trainer.setBatch(batch); opts.batch = batch; }
    post({ type: 'settings', config: { ...trainer.config, dataset: data } });
  },
  views({ pair, label }) {
    viewOptions = { pair, label };
    if (trainer) sendViews();
  },
  budget(b) {
    budget = { epochs: b.epochs, patience: b.patience };
    best.since = 0;
  },
  async export({ id }) {
    const bytes = trainer.toSafetensors();
    post({ type: 'weights', id, bytes, step: trainer.step }, [bytes.buffer]);
  },
  // Test-only: force a panic inside wasm, as a bug would, to exercise the recovery path.
  panic() { panicForTests(); },
};

let queue = Promise.resolve();
self.onmessage = (e) => {
  const h = handlers[e.data?.type];
  if (!h) { post({ type: 'error', message: `unknown message ${e.data?.type}`, say: [msg('{why}'), { why: `unknown message ${e.data?.type}` }] }); return; }
  const run = guard(h);
  // play runs until paused: do not queue behind it, or pause would wait forever.
  if (e.data.type === 'play' || e.data.type === 'pause' || e.data.type === 'panic') { run(e.data); return; }
  queue = queue.then(() => run(e.data));
};
