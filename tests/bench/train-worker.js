// The bench's training worker: the training module (`pkg/vae_train`) on the 9,000 training digits, timed
// inside the worker as the page's worker runs it. Served to the page's origin by scripts/bench only.
import init, { Trainer, MatmulProbe } from '/pkg/vae_train.js';

self.onmessage = async (e) => {
  const { warm, windows, steps, mem } = e.data;
  const wasm = await init({ module_or_path: '/pkg/vae_train_bg.wasm' });
  const get = async (f) => new Uint8Array(await (await fetch(`/data/${f}`)).arrayBuffer());
  const [img, lab] = await Promise.all([get('train-images.idx3-ubyte'), get('train-labels.idx1-ubyte')]);
  // The classic 784-512-2 VAE, batch 100, seed 1.
  const t = new Trainer({ hidden: [512], latent: 2, batch: 100, seed: 1 });
  t.setData(img.subarray(16), lab.subarray(8));
  t.trainSteps(warm);
  const rates = [];
  for (let w = 0; w < windows; w++) {
    const t0 = performance.now();
    t.trainSteps(steps);
    rates.push((steps * 100) / ((performance.now() - t0) / 1000));
  }
  // The 100x784 by 784x512 product in the same build: the bound on the step's speed.
  const probe = new MatmulProbe(100, 784, 512);
  for (let i = 0; i < 20; i++) probe.run();
  const gf = [];
  for (let w = 0; w < windows; w++) {
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) probe.run();
    gf.push((50 * probe.flops) / ((performance.now() - t0) / 1000) / 1e9);
  }
  // wasm linear memory after mem[0] and after mem[1] training steps.
  const memory = [];
  for (const target of mem) {
    while (t.step < target) t.trainSteps(Math.min(500, target - t.step));
    memory.push({ steps: t.step, bytes: wasm.memory.buffer.byteLength });
  }
  self.postMessage({ rates, flops: t.stepFlops(), gf, memory });
};
