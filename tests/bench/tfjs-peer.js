// The peer for scripts/bench: the same VAE in TensorFlow.js 4.22, run in the same page and browser as ours.
// Loaded by the bench only (after tf-core and its backends), never by the explorer. Same architecture
// (784-512-2 for training; for decoding, the pretrained model itself, its weights read from its file), same loss (stable BCE summed
// over pixels + analytic KL, mean over the batch), same optimiser (Adam, lr 1e-3, which is AdamW with no
// weight decay), same batch (100), uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) initialisation.
/* global tf */
window.tfjsPeer = async function tfjsPeer(backend, opts) {
  const { images, decoderHidden, weights, warm, windows, steps, singles, grids, ours } = opts;
  if (backend === 'wasm') {
    tf.wasm.setWasmPaths('/__tfjs/');
    // Single-threaded SIMD, as ours, unless threads are asked for: the page is cross-origin isolated, which
    // lets tfjs use its threaded build (XNNPACK's thread pool).
    if (opts.threads > 1) tf.wasm.setThreadsCount(opts.threads);
    else tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not start`);
  await tf.ready();
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const quantile = (v, q) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(q * v.length))];

  const param = (shape, fanIn) => tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));
  const dense = (x, w, b) => tf.add(tf.matMul(x, w), b);

  // ---- training: 784-512-2 ----
  const p = {
    e1: param([784, 512], 784), eb1: param([512], 784),
    mu: param([512, 2], 512), mub: param([2], 512),
    lv: param([512, 2], 512), lvb: param([2], 512),
    d1: param([2, 512], 2), db1: param([512], 2),
    d2: param([512, 784], 512), db2: param([784], 512),
  };
  const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const n = images.length / 784;
  const batch = new Float32Array(100 * 784);
  function step() {
    for (let i = 0; i < 100; i++) {
      const j = Math.floor(Math.random() * n);
      for (let k = 0; k < 784; k++) batch[i * 784 + k] = images[j * 784 + k] / 255;
    }
    const cost = tf.tidy(() => {
      const x = tf.tensor2d(batch, [100, 784]);
      const eps = tf.randomNormal([100, 2]);
      return opt.minimize(() => {
        const h = tf.relu(dense(x, p.e1, p.eb1));
        const mu = dense(h, p.mu, p.mub);
        const logvar = dense(h, p.lv, p.lvb);
        const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)); // z = mu + sigma * eps
        const l = dense(tf.relu(dense(z, p.d1, p.db1)), p.d2, p.db2);
        // BCE = relu(l) - x l + log(1 + exp(-|l|)), summed over pixels
        const bce = tf.sum(tf.add(tf.sub(tf.relu(l), tf.mul(x, l)), tf.log1p(tf.exp(tf.neg(tf.abs(l))))), 1);
        const kl = tf.mul(tf.sum(tf.sub(tf.sub(tf.add(logvar, 1), tf.square(mu)), tf.exp(logvar)), 1), -0.5);
        return tf.mean(tf.add(bce, kl));
      }, true);
    });
    const v = cost.dataSync()[0];
    cost.dispose();
    return v;
  }
  for (let i = 0; i < warm; i++) step();
  const rates = [];
  let loss = 0;
  for (let w = 0; w < windows; w++) {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) loss = step();
    rates.push((steps * 100) / ((performance.now() - t0) / 1000));
  }
  Object.values(p).forEach((v) => v.dispose());
  opt.dispose();

  // ---- decoding: the pretrained model's own decoder, 2-h1-h2-...-784, from its weights file ----
  // Each weight is stored [out, in] (f16); it is turned into [in, out] once here, so that tfjs multiplies
  // untransposed operands, the case its wasm backend gives to XNNPACK.
  const file = readSafetensors(weights);
  const names = [...decoderHidden.map((_, i) => `dec.${i}`), 'dec_out'];
  const layers = names.map((name) => {
    const w = file[`${name}.weight`];
    return [tf.tidy(() => tf.transpose(tf.tensor2d(w.data, w.shape))), tf.tensor1d(file[`${name}.bias`].data)];
  });
  const decode = (z, rows) => {
    const out = tf.tidy(() => {
      let h = tf.tensor2d(z, [rows, 2]);
      layers.forEach(([w, b], i) => { h = dense(h, w, b); if (i < layers.length - 1) h = tf.relu(h); });
      return tf.sigmoid(h);
    });
    const px = out.dataSync(); // the copy to JS, as ours
    out.dispose();
    return px;
  };
  // Theirs and ours (`ours` is our Vae), call for call: this host's speed drifts within seconds, so the ratio
  // is taken between calls made at the same moments.
  const time = (count, warmUp, ...fs) => {
    for (let i = 0; i < warmUp; i++) fs.forEach((f) => f(i));
    const t = fs.map(() => []);
    for (let i = 0; i < count; i++) {
      fs.forEach((f, k) => { const t0 = performance.now(); f(i); t[k].push(performance.now() - t0); });
    }
    return t;
  };
  const point = (i) => Float32Array.of(Math.sin(i) * 2, Math.cos(i) * 2);
  const [one, oursOne] = time(singles, 5, (i) => decode(point(i), 1), (i) => ours.decode(point(i)));
  const g = new Float32Array(800);
  for (let k = 0; k < 400; k++) { g[2 * k] = -3 + (6 * (k % 20)) / 19; g[2 * k + 1] = 3 - (6 * Math.floor(k / 20)) / 19; }
  const [grid, oursGrid] = time(grids, 20, () => decode(g, 400), () => ours.decode(g));
  // The same weights must give the same pictures: the largest difference of the two grids' probabilities.
  const theirs = decode(g, 400);
  const mine = ours.decode(g);
  const gridDiff = theirs.reduce((m, v, i) => Math.max(m, Math.abs(v - mine[i])), 0);
  layers.flat().forEach((v) => v.dispose());

  // XNNPACK's GEMM as tfjs-backend-wasm runs it (its fully-connected operator, for untransposed operands): the
  // best wasm GEMM a registry offers, on our shapes [m, k, n]. GFLOP/s of 2·m·k·n, median of `gemmReps`
  // calls after 10, each with its result read back (about 1 % of the time at these sizes).
  const gemm = {};
  for (const [m, k, n] of opts.gemms ?? []) {
    const a = tf.randomUniform([m, k]);
    const b = tf.randomUniform([k, n]);
    const run = () => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); };
    for (let i = 0; i < 10; i++) run();
    const t = [];
    for (let i = 0; i < opts.gemmReps; i++) { const t0 = performance.now(); run(); t.push(performance.now() - t0); }
    gemm[`${m}x${k}x${n}`] = (2 * m * k * n) / (median(t) / 1000) / 1e9;
    a.dispose();
    b.dispose();
  }
  return {
    gemm,
    gridDiff,
    threads: backend === 'wasm' ? tf.wasm.getThreadsCount() : 1,
    backend: tf.getBackend(),
    trainRates: rates,
    trainMedian: median(rates),
    finalLoss: loss,
    oneMedian: median(one),
    oneP99: quantile(one, 0.99),
    gridMedian: median(grid),
    oursOneMedian: median(oursOne),
    oursGridMedian: median(oursGrid),
  };
};

/** The tensors of a safetensors file (f16 or f32), as { name: { shape, data: Float32Array } }: an 8-byte
 *  little-endian header length, a JSON header of dtypes, shapes and offsets, then the data. */
function readSafetensors(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const half = (h) => { // IEEE 754 binary16 to a number
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    const v = e === 0 ? f * 2 ** -24 : e === 31 ? (f ? NaN : Infinity) : (1 + f / 1024) * 2 ** (e - 15);
    return h & 0x8000 ? -v : v;
  };
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = t.data_offsets.map((o) => 8 + n + o);
    const count = t.shape.reduce((p, d) => p * d, 1);
    if (b - a !== count * (t.dtype === 'F16' ? 2 : 4)) throw new Error(`${name}: ${b - a} bytes for ${count} ${t.dtype}`);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      data[i] = t.dtype === 'F16' ? half(view.getUint16(a + 2 * i, true)) : view.getFloat32(a + 4 * i, true);
    }
    out[name] = { shape: t.shape, data };
  }
  return out;
}
