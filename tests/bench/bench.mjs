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
    const time = (n, f) => { for (let i = 0; i < 5; i++) f(i); return Array.from({ length: n }, (_, i) => { const t = performance.now(); f(i); return performance.now() - t; }); };
    const one = time(singles, (i) => vae.decode(Float32Array.of(Math.sin(i) * 2, Math.cos(i) * 2)));
    const g = new Float32Array(800);
    for (let k = 0; k < 400; k++) { g[2 * k] = -3 + 6 * (k % 20) / 19; g[2 * k + 1] = 3 - 6 * Math.floor(k / 20) / 19; }
    const grid = time(grids, () => vae.decode(g));
    return { isolated: crossOriginIsolated, oneMedian: quantile(one, 0.5), oneP99: quantile(one, 0.99), gridMedian: quantile(grid, 0.5), browser: navigator.userAgent };
  }, { singles: quick ? 50 : 1000, grids: quick ? 3 : 30 });
  const wasm = readFileSync(join(ROOT, 'pkg', 'vae_wasm_bg.wasm'));
  const weights = readFileSync(join(ROOT, 'web', 'models', 'mnist-2d.safetensors'));
  const rows = [
    ['decode, one point, median (incl. copy to JS)', `${(r.oneMedian * 1000).toFixed(0)} µs`],
    ['decode, one point, p99', `${(r.oneP99 * 1000).toFixed(0)} µs`],
    ['decode, 20x20 grid, median', `${r.gridMedian.toFixed(1)} ms`],
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
