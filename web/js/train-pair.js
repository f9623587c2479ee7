// Two-worker training: the protocol between the training worker (train-worker.js) and its helper
// (train-helper.js), both of which run it. Each holds a replica of the trainer: the same weights, optimizer
// state and settings. For each step the training worker draws the batch and writes shard 1's rows into
// shared memory; each worker computes its share of the gradient (vae_core::train::SHARDS), writes it, and
// reads the other's; both apply the same sum. The replicas stay equal to the bit, and equal to one worker
// that computes both shares (Trainer.trainSteps), so a seed gives the same weights with one worker or two.
//
// The handshakes are Atomics on one Int32Array (no shared wasm memory: each worker has its own module
// instance, on stable Rust). Each share has two slots, by the step's parity, so that a worker never
// overwrites a share the other is still reading: it writes step s + 2's only after the other has finished
// step s + 1, which it starts only after reading step s's.

import { msg } from './i18n/i18n.js';

const CTL = { go: 0, done0: 1, done1: 2, of: 3, first: 4, rows: 5, eps: 6, labelled: 7, failed: 8 };
const CTL_LENGTH = 12;
/** `go` set to this ends the helper's loop. */
const STOP = -1;
/** How long a worker waits for the other's share before it gives up on it (a step takes milliseconds). */
const WAIT_MS = 30_000;

/**
 * Builds (or builds again) the helper's replica of `trainer` on new shared memory: its weights, optimizer
 * state, settings and position. Resolves to `{ lead }` (leadPair's object) once the helper steps with it, or
 * to `{ failed: [message, params] }` if the helper failed, took over a minute, or runs a build other than
 * `build` (the replicas would then round differently).
 */
export async function syncPair(trainer, helper, build) {
  const c = trainer.config;
  const shape = { params: trainer.paramCount, batch: c.batch, input: c.input, latent: c.latent };
  const sab = pairMemory(shape);
  const opt = trainer.optimizerState();
  const reply = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ type: 'failed', say: msg('it did not start within a minute') }), 60_000);
    helper.onmessage = (e) => { clearTimeout(timer); resolve(e.data); };
    helper.onerror = (e) => { e.preventDefault(); clearTimeout(timer); resolve({ type: 'failed', message: e.message }); };
    helper.postMessage({
      type: 'sync', sab, shape, weights: trainer.toSafetensors(), opt, beta: c.beta, step: trainer.step, epoch: trainer.epoch,
      settings: { lr: c.lr, batch: c.batch, seed: c.seed, weightDecay: c.weight_decay, shift: c.shift },
    }, [opt.m.buffer, opt.v.buffer]);
  });
  if (reply.type !== 'synced') {
    return { failed: reply.say ? [reply.say] : reply.message ? [msg('{why}'), { why: reply.message }] : [msg('it could not start')] };
  }
  if (reply.build !== build) return { failed: [msg('it runs another build of the engine')] };
  return { lead: leadPair(trainer, sab, shape) };
}

/** The most rows shard 1 can hold for a batch of `batch` (vae_core::train::shard_rows: at most half, rounded up). */
const shard1Rows = (batch) => Math.ceil(batch / 2);

/** Byte lengths of the regions of a pair's shared memory, each a multiple of 4. */
function regions({ params, batch, input, latent }) {
  const rows = shard1Rows(batch);
  return [
    ['ctl', Int32Array, CTL_LENGTH],
    ['parts', Float32Array, 2 * 2 * 3], // [parity][shard][loss, recon, kl]
    ['x', Float32Array, rows * input],
    ['eps', Float32Array, rows * latent],
    ['shares', Float32Array, 2 * 2 * params], // [shard][parity][params]
    ['labels', Uint8Array, Math.ceil(rows / 4) * 4],
  ];
}

/** A new shared memory for a pair of trainers of `shape` (the trainer's parameter count, its batch, and its input and latent sizes). */
function pairMemory(shape) {
  const bytes = regions(shape).reduce((sum, [, T, n]) => sum + n * T.BYTES_PER_ELEMENT, 0);
  return new SharedArrayBuffer(bytes);
}

/** Typed views of a pair's shared memory. */
function views(sab, shape) {
  const v = {};
  let at = 0;
  for (const [name, T, n] of regions(shape)) {
    v[name] = new T(sab, at, n);
    at += n * T.BYTES_PER_ELEMENT;
  }
  v.share = (shard, parity) => v.shares.subarray((shard * 2 + parity) * shape.params, (shard * 2 + parity + 1) * shape.params);
  return v;
}

/**
 * Waits until counter ctl[i] has reached step `want` (> 0); false if the other worker failed, stopped or took
 * longer than WAIT_MS. Reached, not equal: the training worker's done0 can already be at the next step when
 * the helper looks for this one's (it reads done1, applies, and starts the next step while the helper,
 * between its signal and its look, is off the core), and that share is still in its slot.
 */
export function waitFor(ctl, i, want) {
  const end = performance.now() + WAIT_MS;
  for (;;) {
    const now = Atomics.load(ctl, i);
    if (now >= want) return true;
    if (now === STOP || Atomics.load(ctl, CTL.failed)) return false;
    const left = end - performance.now();
    if (left <= 0) return false;
    Atomics.wait(ctl, i, now, Math.min(left, 1000));
  }
}

function signal(ctl, i, value) {
  Atomics.store(ctl, i, value);
  Atomics.notify(ctl, i);
}

const writeParts = (parts, parity, shard, p) => parts.set([p.loss, p.recon, p.kl], (parity * 2 + shard) * 3);
const readParts = (parts, parity, shard) => parts.subarray((parity * 2 + shard) * 3, (parity * 2 + shard + 1) * 3);

/**
 * The training worker's side (shard 0) of a pair on shared memory `sab` of `shape`. `step()` makes one step
 * with the helper and returns its stats, as trainer.trainSteps(1) does (and throws NonFiniteLoss as it
 * does). If the helper fails or stalls, that step's shard 1 is computed here, and `lost` is set: the
 * caller goes on with one worker, having lost nothing.
 */
function leadPair(trainer, sab, shape) {
  const v = views(sab, shape);
  let seq = 0;
  const pair = {
    lost: false,
    step() {
      seq++;
      const parity = seq & 1;
      trainer.drawBatch();
      const shard = trainer.writeShard(1, v.x, v.labels, v.eps);
      for (const key of ['of', 'first', 'rows', 'eps', 'labelled']) v.ctl[CTL[key]] = shard[key];
      signal(v.ctl, CTL.go, seq);
      const mine = trainer.shareGradient(0);
      trainer.writeShare(0, v.share(0, parity));
      writeParts(v.parts, parity, 0, mine);
      signal(v.ctl, CTL.done0, seq);
      if (waitFor(v.ctl, CTL.done1, seq)) {
        trainer.takeShare(1, v.share(1, parity), ...readParts(v.parts, parity, 1));
      } else {
        pair.lost = true;
        trainer.shareGradient(1); // this step's rows of shard 1 are still held here
      }
      return trainer.applyShares();
    },
    /** Ends the helper's loop (it then takes messages again). */
    stop() { signal(v.ctl, CTL.go, STOP); },
  };
  return pair;
}

/**
 * The helper's side (shard 1): steps with the training worker until it stops the pair. Blocks the helper's
 * thread meanwhile (Atomics.wait), which is what a worker is for.
 */
export function followPair(trainer, sab, shape) {
  const v = views(sab, shape);
  try {
    for (let seq = 1; ; seq++) {
      const parity = seq & 1;
      if (!waitFor(v.ctl, CTL.go, seq)) return;
      const [rows, eps, labelled] = [v.ctl[CTL.rows], v.ctl[CTL.eps], v.ctl[CTL.labelled]];
      trainer.holdShard(v.ctl[CTL.of], v.ctl[CTL.first], v.x.subarray(0, rows * shape.input),
        labelled ? v.labels.subarray(0, rows) : undefined, v.eps.subarray(0, eps));
      const mine = trainer.shareGradient(1);
      trainer.writeShare(1, v.share(1, parity));
      writeParts(v.parts, parity, 1, mine);
      signal(v.ctl, CTL.done1, seq);
      if (!waitFor(v.ctl, CTL.done0, seq)) return;
      trainer.takeShare(0, v.share(0, parity), ...readParts(v.parts, parity, 0));
      try {
        trainer.applyShares();
      } catch (e) {
        // A NaN loss: the training worker sees the same sum, stops and restores its checkpoint; it syncs
        // this replica again before the next step.
        if (e.name !== 'NonFiniteLoss') throw e;
      }
    }
  } catch (e) {
    signal(v.ctl, CTL.failed, 1);
    signal(v.ctl, CTL.done1, -2); // wake the training worker if it waits
    throw e;
  }
}
