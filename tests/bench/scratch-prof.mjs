import { readFileSync, writeFileSync } from 'node:fs';
import { startServer, launch, openPage, waitReady } from '../e2e/harness.mjs';
const server = await startServer();
const browser = await launch();
try {
  const { page, context } = await openPage(browser, server.url);
  await waitReady(page);
  await page.route('**/__scratch/**', (r) => {
    const f = new URL(r.request().url()).pathname.split('/').pop();
    r.fulfill({ body: readFileSync('/tmp/nbpkg/' + f), contentType: f.endsWith('.js') ? 'text/javascript' : 'application/wasm' });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  const prof = process.argv.includes('--prof');
  const r = await page.evaluate(async (prof) => {
    const mod = await import('/__scratch/vae_train.js');
    await mod.default({ module_or_path: '/__scratch/vae_train_bg.wasm' });
    const get = async (f) => new Uint8Array(await (await fetch(`/data/${f}`)).arrayBuffer());
    const [img, lab] = await Promise.all([get('train-images.idx3-ubyte'), get('train-labels.idx1-ubyte')]);
    const t = new mod.Trainer({ hidden: [512], latent: 2, batch: 100, seed: 1 });
    t.setData(img.subarray(16), lab.subarray(8));
    t.trainSteps(50);
    const rates = [];
    for (let w = 0; w < 5; w++) { const t0 = performance.now(); t.trainSteps(50); rates.push(5000 / ((performance.now() - t0) / 1000)); }
    const probe = new mod.MatmulProbe(100, 784, 512);
    for (let i = 0; i < 20; i++) probe.run();
    const gf = [];
    for (let w = 0; w < 5; w++) { const t0 = performance.now(); for (let i = 0; i < 50; i++) probe.run(); gf.push((50 * probe.flops) / ((performance.now() - t0) / 1000) / 1e9); }
    window.__t = t;
    return { rates, gf, flops: t.stepFlops() };
  }, prof);
  const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  console.log('rates', r.rates.map(Math.round).join(' '), 'gf', r.gf.map((x) => x.toFixed(1)).join(' '), 'eff', (100 * med(r.rates) / 100 * r.flops / 1e9 / med(r.gf)).toFixed(1));
  if (prof) {
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    await page.evaluate(() => window.__t.trainSteps(200));
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync('/tmp/nb/prof/chrome.cpuprofile', JSON.stringify(profile));
  }
} finally { await browser.close(); server.close?.(); await server.stop?.(); }
process.exit(0);
