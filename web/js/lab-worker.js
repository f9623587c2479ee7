// The anomaly lab's worker: builds its own copy of the explored model from its weights file, scores image sets
// (negative ELBO, or an autoencoder's reconstruction error), and makes the ROC curve and its area, so that the
// page stays responsive. Messages: { type: 'score', job, key, bytes?, sets: [{ name, images }] } ->
// { type: 'scores', job, name, scores } for each set, then { type: 'done', job }; { type: 'roc', job, name,
// normal, anomalies } -> { type: 'roc', job, name, fpr, tpr, thresholds, auroc }.
import { initWasm, vaeFromBytes } from './model.js';
import { auroc, rocCurve } from './app/roc.js';

/** Draws of eps per image, and their seed (README, "The anomaly lab"): a test recomputes the scores with Model.elbo. */
const SAMPLES = 4;
const SEED = 0;

let model = null;
let modelKey = null;
let latestJob = 0;

/** Per image: the negative ELBO (a CVAE's with the label that gives the lowest, since an anomaly has no
 *  label), or an autoencoder's reconstruction error. */
function score(x) {
  const c = model.config;
  const n = x.length / 784;
  const one = (labels) => {
    const r = model.elbo(x, SAMPLES, SEED, labels);
    return c.family === 'ae' ? r.recon : r.loss;
  };
  if (c.family !== 'cvae') return one(undefined);
  const best = new Float32Array(n).fill(Infinity);
  for (let y = 0; y < c.classes; y++) {
    const s = one(new Uint8Array(n).fill(y));
    for (let i = 0; i < n; i++) best[i] = Math.min(best[i], s[i]);
  }
  return best;
}

const handlers = {
  async score({ job, key, bytes, sets }) {
    latestJob = job;
    await initWasm();
    if (key !== modelKey) {
      model?.free();
      model = null;
      modelKey = null;
      model = vaeFromBytes(bytes);
      modelKey = key;
    }
    for (const { name, images } of sets) {
      if (job !== latestJob) return; // superseded: a newer job has started
      // One call a set: the draws of eps follow the images' order, so the scores are Model.elbo's of the set.
      const scores = images.length ? score(images) : new Float32Array(0);
      self.postMessage({ type: 'scores', job, name, scores }, [scores.buffer]);
      await new Promise((r) => setTimeout(r, 0)); // let a newer job's message in
    }
    self.postMessage({ type: 'done', job });
  },
  roc({ job, name, normal, anomalies }) {
    const curve = rocCurve(normal, anomalies);
    self.postMessage({ type: 'roc', job, name, ...curve, auroc: auroc(normal, anomalies) }, [curve.fpr.buffer, curve.tpr.buffer, curve.thresholds.buffer]);
  },
};

self.onmessage = async (e) => {
  try {
    await handlers[e.data.type](e.data);
  } catch (err) {
    self.postMessage({ type: 'error', job: e.data.job, message: err.message });
  }
};
