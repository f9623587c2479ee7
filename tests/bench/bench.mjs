// Browser figures for scripts/bench: decode timings in the page's own wasm build, plus sizes.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ROOT, startServer, launch, openPage, waitReady } from '../e2e/harness.mjs';

const quick = process.argv.includes('--quick');
const server = await startServer();
const browser = await launch();
try {
  const { page } = await openPage(browser, server.url);
  if ((await waitReady(page)) !== 'ready') throw new Error('the page did not load');
  const r = await page.evaluate(async ({ singles, grids }) => {
    const { default: init, Vae } = await import('/pkg/vae_wasm.js');
    await init();
    const vae = new Vae(new Uint8Array(await (await fetch('/models/mnist-2d.safetensors')).arrayBuffer()));
    const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
    // Warm-up: V8 first runs wasm from its baseline compiler and swaps in optimised code once a function is hot.
    const time = (n, f, warm = 5) => { for (let i = 0; i < warm; i++) f(i); return Array.from({ length: n }, (_, i) => { const t = performance.now(); f(i); return performance.now() - t; }); };
    const one = time(singles, (i) => vae.decode(Float32Array.of(Math.sin(i) * 2, Math.cos(i) * 2)));
    const g = new Float32Array(800);
    for (let k = 0; k < 400; k++) { g[2 * k] = -3 + 6 * (k % 20) / 19; g[2 * k + 1] = 3 - 6 * Math.floor(k / 20) / 19; }
    const t = performance.now();
    vae.decode(g);
    const gridFirst = performance.now() - t;
    const grid = time(grids, () => vae.decode(g), 20);
    return { isolated: crossOriginIsolated, oneMedian: quantile(one, 0.5), oneP99: quantile(one, 0.99), gridMedian: quantile(grid, 0.5), gridFirst, gridRuns: grid.map((v) => +v.toFixed(1)), browser: navigator.userAgent };
  }, { singles: quick ? 50 : 1000, grids: quick ? 3 : 30 });
  const drag = await scriptedDrag(page, quick ? 1 : 3);
  const training = await trainingInWorker(page, quick ? { warm: 5, windows: 1, steps: 10 } : { warm: 50, windows: 5, steps: 50 });
  const wasm = readFileSync(join(ROOT, 'pkg', 'vae_wasm_bg.wasm'));
  const weights = readFileSync(join(ROOT, 'web', 'models', 'mnist-2d.safetensors'));
  const rows = [
    ['decode, one point, median (incl. copy to JS)', `${(r.oneMedian * 1000).toFixed(0)} µs`],
    ['decode, one point, p99', `${(r.oneP99 * 1000).toFixed(0)} µs`],
    ['decode, 20x20 grid, median (after 20 warm-up runs)', `${r.gridMedian.toFixed(1)} ms`],
    ['decode, 20x20 grid, first call', `${r.gridFirst.toFixed(1)} ms`],
    [`drag ${drag.seconds} s, mouse moves at ${drag.movesPerSecond.toFixed(1)}/s: frames/s`, `${drag.framesPerSecond.toFixed(1)}`],
    ['drag: frames that painted a newly decoded digit', `${drag.painted} of ${drag.frames} (others had no new mouse position)`],
    ['drag: dropped frames (gaps over 1.5 x 16.7 ms)', `${drag.dropped} (longest gap ${drag.longestGap.toFixed(1)} ms, slowest decode ${drag.slowestDecode.toFixed(2)} ms)`],
    [`training in a Web Worker, 784-512-2, batch 100: samples/s (median of ${training.windows} windows of ${training.steps} steps)`,
      `${Math.round(training.median).toLocaleString('en')} (windows: ${training.rates.map((r) => Math.round(r)).join(', ')}; ${(training.median / 100 * training.flops / 1e9).toFixed(1)} GFLOP/s in matrix products)`],
    ['wasm size raw / gzip', `${(wasm.length / 1024).toFixed(0)} KiB / ${(gzipSync(wasm, { level: 9 }).length / 1024).toFixed(0)} KiB`],
    ['weights size', `${(weights.length / 1024).toFixed(0)} KiB`],
  ];
  console.log(`browser: ${r.browser}${quick ? '  (quick mode: short runs, figures are rough)' : ''}`);
  console.log(`cross-origin isolated: ${r.isolated} (timer resolution ${r.isolated ? '5 µs' : '100 µs: single-decode figures are coarse'})`);
  for (const [k, v] of rows) console.log(`${k.padEnd(48)} ${v}`);
} finally {
  await browser.close();
  await server.stop();
}

/**
 * Drags the point across the real page with the mouse, one move every 1/60 s for `seconds`, in a circle.
 * In the page, counts animation frames, the frames in which the digit was decoded and painted, and the gaps
 * between frames: a gap over 1.5 frame periods is a dropped frame.
 */
async function scriptedDrag(page, seconds) {
  await page.evaluate(async () => {
    const { Vae } = await import('/pkg/vae_wasm.js');
    const decode = Vae.prototype.decode;
    const rec = { frames: [], decodes: [], slowest: 0, on: false };
    window.__drag = rec;
    Vae.prototype.decode = function (...args) {
      const t = performance.now();
      const out = decode.apply(this, args);
      if (rec.on) { rec.decodes.push(t); rec.slowest = Math.max(rec.slowest, performance.now() - t); }
      return out;
    };
    const tick = (t) => { if (rec.on) rec.frames.push(t); requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  const box = await page.locator('#latent').boundingBox();
  const [cx, cy, r] = [box.x + box.width / 2, box.y + box.height / 2, box.width / 3];
  await page.mouse.move(cx + r, cy);
  await page.mouse.down();
  await page.evaluate(() => { window.__drag.on = true; });
  const moves = Math.round(seconds * 60);
  const t0 = performance.now();
  const sent = [];
  for (let i = 1; i <= moves; i++) {
    const wait = t0 + (i * 1000) / 60 - performance.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    const a = (2 * Math.PI * i) / moves;
    // Not awaited: each move is sent on the 60 Hz clock, not after the previous round trip.
    sent.push(page.mouse.move(cx + r * Math.cos(a), cy + r * Math.sin(a)));
  }
  await Promise.all(sent);
  const elapsed = (performance.now() - t0) / 1000;
  const rec = await page.evaluate(() => { window.__drag.on = false; return window.__drag; });
  await page.mouse.up();
  const gaps = rec.frames.slice(1).map((t, i) => t - rec.frames[i]);
  const period = 1000 / 60;
  // Frames in which a decode (and its paint) happened: decodes are at most one per frame by design.
  const painted = new Set(rec.decodes.map((t) => rec.frames.findIndex((f) => f >= t))).size;
  return {
    seconds,
    frames: rec.frames.length,
    painted,
    framesPerSecond: (rec.frames.length - 1) / ((rec.frames.at(-1) - rec.frames[0]) / 1000),
    movesPerSecond: moves / elapsed,
    dropped: gaps.reduce((n, g) => n + (g > 1.5 * period ? Math.round(g / period) - 1 : 0), 0),
    longestGap: Math.max(...gaps),
    slowestDecode: rec.slowest,
  };
}

/**
 * Trains the classic 784-512-2 VAE (batch 100, seed 1) on the 9,000 training digits in a dedicated module
 * worker running the page's own wasm build: `warm` steps, then `windows` timed windows of `steps` steps.
 */
async function trainingInWorker(page, { warm, windows, steps }) {
  return page.evaluate(async (args) => {
    const src = `
      import init, { Trainer } from '${location.origin}/pkg/vae_train.js';
      self.onmessage = async (e) => {
        const { warm, windows, steps } = e.data;
        await init({ module_or_path: '${location.origin}/pkg/vae_train_bg.wasm' });
        const get = async (f) => new Uint8Array(await (await fetch('${location.origin}/data/' + f)).arrayBuffer());
        const [img, lab] = await Promise.all([get('train-images.idx3-ubyte'), get('train-labels.idx1-ubyte')]);
        const t = new Trainer({ hidden: [512], latent: 2, batch: 100, seed: 1 });
        t.setData(img.subarray(16), lab.subarray(8));
        t.trainSteps(warm);
        const rates = [];
        for (let w = 0; w < windows; w++) {
          const t0 = performance.now();
          t.trainSteps(steps);
          rates.push((steps * 100) / ((performance.now() - t0) / 1000));
        }
        self.postMessage({ rates, flops: t.stepFlops() });
      };`;
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    const worker = new Worker(url, { type: 'module' });
    const out = await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage(args);
    });
    worker.terminate();
    const sorted = [...out.rates].sort((a, b) => a - b);
    return { ...out, ...args, median: sorted[sorted.length >> 1] };
  }, { warm, windows, steps });
}
