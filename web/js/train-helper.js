// The second training worker: started by the training worker when the page trains on two workers. It holds
// a replica of the trainer and computes shard 1 of every step (train-pair.js). One message: `sync`, which
// (re)builds the replica from the training worker's state and then steps until the training worker stops
// the pair; it answers `synced` with the build it runs (both must run the same one), or `failed`.
import { initTrainCore, Trainer } from './train-core.js';
import { loaded } from './wasm-build.js';
import { followPair } from './train-pair.js';

let trainer = null;

self.onmessage = async ({ data: m }) => {
  if (m?.type !== 'sync') return;
  try {
    await initTrainCore();
    trainer?.free();
    trainer = null;
    const t = Trainer.fromSafetensors(m.weights, m.settings);
    trainer = t;
    t.setBeta(m.beta);
    t.setOptimizerState(m.opt.m, m.opt.v, m.opt.t);
    t.setPosition(m.step, m.epoch);
  } catch (e) {
    self.postMessage({ type: 'failed', message: e.message });
    return;
  }
  self.postMessage({ type: 'synced', build: loaded.build });
  try {
    followPair(trainer, m.sab, m.shape);
  } catch (e) {
    // followPair has told the training worker, which finishes the step alone; this replica is not used again.
    trainer = null;
    self.postMessage({ type: 'failed', message: e.message });
  }
};
