// The bench's two-worker training: the page's own protocol (web/js/train-pair.js) and helper
// (web/js/train-helper.js), timed against one worker in the same worker, window for window. Two trainers
// of the classic 784-512-2 VAE (batch 100, seed 1) on the 9,000 training digits: one steps alone
// (trainSteps), the other with the helper; their windows alternate, so both see the same moments of the
// host. Served to the page's origin by scripts/bench only; loads the build named in its URL (?wasm=).
import { initTrainCore, Trainer } from '/js/train-core.js';
import { syncPair } from '/js/train-pair.js';
import { loaded, withBuild } from '/js/wasm-build.js';

self.onmessage = async (e) => {
  const { warm, windows, steps } = e.data;
  await initTrainCore();
  const get = async (f) => new Uint8Array(await (await fetch(`/data/${f}`)).arrayBuffer());
  const [img, lab] = await Promise.all([get('train-images.idx3-ubyte'), get('train-labels.idx1-ubyte')]);
  const make = () => {
    const t = new Trainer({ hidden: [512], latent: 2, batch: 100, seed: 1 });
    t.setData(img.subarray(16), lab.subarray(8));
    t.trainSteps(warm);
    return t;
  };
  const [lone, paired] = [make(), make()];
  const helper = new Worker(withBuild(new URL('/js/train-helper.js', location.href)), { type: 'module' });
  const synced = await syncPair(paired, helper, loaded.build);
  if (synced.failed) throw new Error(`the helper failed: ${JSON.stringify(synced.failed)}`);
  const { lead } = synced;
  // Warm-up with the helper, and as many steps of the lone trainer: both stay at the same step.
  for (let i = 0; i < warm; i++) lead.step();
  lone.trainSteps(warm);
  const rate = (ms) => (steps * 100) / (ms / 1000);
  const one = [];
  const two = [];
  for (let w = 0; w < windows; w++) {
    let t0 = performance.now();
    lone.trainSteps(steps);
    one.push(rate(performance.now() - t0));
    t0 = performance.now();
    for (let i = 0; i < steps; i++) lead.step();
    two.push(rate(performance.now() - t0));
    if (lead.lost) throw new Error('the helper was lost');
  }
  lead.stop();
  helper.terminate();
  // The two trainers made the same steps from the same seed: the same weights, to the bit.
  const [a, b] = [lone.toSafetensors(), paired.toSafetensors()];
  const same = a.length === b.length && a.every((v, i) => v === b[i]);
  self.postMessage({ one, two, same, build: loaded.build, cores: navigator.hardwareConcurrency });
};
