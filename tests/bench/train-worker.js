// The bench's training worker: the training module (`pkg/vae_train`, either build) on the 9,000 training digits, timed
// inside the worker as the page's worker runs it. Served to the page's origin by scripts/bench only.
import init, { Trainer, MatmulProbe } from '/pkg/vae_train.js';

self.onmessage = async (e) => {
  const { warm, windows, steps, gap, mem, family = 'vae', peak = null, file } = e.data;
  // `file`: the wasm file of the build asked for (scripts/lib.sh builds two: relaxed SIMD and SIMD128).
  const wasm = await init({ module_or_path: file });
  const get = async (f) => new Uint8Array(await (await fetch(`/data/${f}`)).arrayBuffer());
  const [img, lab] = await Promise.all([get('train-images.idx3-ubyte'), get('train-labels.idx1-ubyte')]);
  // The classic 784-512-2 model of the family asked for (a CVAE on the digits' 10 labels), batch 100, seed 1.
  const t = new Trainer({ family, classes: family === 'cvae' ? 10 : 0, hidden: [512], latent: 2, batch: 100, seed: 1 });
  t.setData(img.subarray(16), lab.subarray(8));
  // The 100x784 by 784x512 product in the same build, run by the layers' own product function: the bound on
  // the step's speed. Each training step is followed by five products (about as long as the step's five large
  // ones), and each window times its steps and its products apart: both see the same moments of this host,
  // whose speed drifts by tens of percent within seconds.
  const probe = new MatmulProbe(100, 784, 512);
  // The instruction-set peak (tests/bench/peak.mjs), timed in each window beside the steps and the products.
  const peaks = {};
  for (const [name, bytes] of Object.entries(peak?.modules ?? {})) {
    if (!WebAssembly.validate(bytes)) continue; // relaxed SIMD, where the browser lacks it
    const { instance } = await WebAssembly.instantiate(bytes);
    const fns = peak.accumulators.map((k) => [instance.exports[`peak_${k}`], peak.flopsPerIteration[k]]);
    for (const [f] of fns) for (let i = 0; i < 20; i++) f(20_000); // past V8's baseline tier
    peaks[name] = { fns, gf: [] };
  }
  const PEAK_ITERATIONS = 200_000;
  t.trainSteps(warm);
  for (let i = 0; i < 20; i++) probe.run();
  const rates = [];
  const gf = [];
  for (let w = 0; w < windows; w++) {
    let [train, products] = [0, 0];
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      t.trainSteps(1);
      const t1 = performance.now();
      for (let i = 0; i < 5; i++) probe.run();
      products += performance.now() - t1;
      train += t1 - t0;
    }
    rates.push((steps * 100) / (train / 1000));
    gf.push((5 * steps * probe.flops) / (products / 1000) / 1e9);
    // The best of three calls of each accumulator count: a peak is what the core does at its best.
    for (const p of Object.values(peaks)) {
      let best = 0;
      for (const [run, flops] of p.fns) {
        for (let i = 0; i < 3; i++) {
          const t0 = performance.now();
          run(PEAK_ITERATIONS);
          best = Math.max(best, (PEAK_ITERATIONS * flops) / ((performance.now() - t0) / 1000) / 1e9);
        }
      }
      p.gf.push(best);
    }
    // Untimed steps between windows, so that the windows sample the run rather than its first seconds: in
    // Chromium the step's ratio to the product moves by several points over the first thousand steps (see
    // the README's Speed section).
    if (w + 1 < windows) t.trainSteps(gap);
  }
  // wasm linear memory after mem[0] and after mem[1] training steps.
  const memory = [];
  for (const target of mem) {
    while (t.step < target) t.trainSteps(Math.min(500, target - t.step));
    memory.push({ steps: t.step, bytes: wasm.memory.buffer.byteLength });
  }
  self.postMessage({ rates, flops: t.stepFlops(), gf, memory, peaks: Object.fromEntries(Object.entries(peaks).map(([k, p]) => [k, p.gf])) });
};
