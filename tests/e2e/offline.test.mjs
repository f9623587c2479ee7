// Offline: after one visit the service worker has the whole site; with the network off, a reload explores,
// scores in the lab, trains and goes through lesson steps. An update (a new precache version on the server) is cached whole and
// replaces the old version, which is deleted: offline, the page then gets every file of the new version.
// The site is a `vae export` in tests/artifacts, served by `vae serve`, so that the test can change it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, artifactsDir, startServer, launch, openPage } from './harness.mjs';

const VAE = process.env.VAE_BIN ?? join(ROOT, 'target', 'debug', 'vae');
const site = join(artifactsDir(), 'offline-site');
let server;
let browser;
before(async () => {
  rmSync(site, { recursive: true, force: true });
  const run = spawnSync(VAE, ['export', site], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  server = await startServer({ web: site, pkg: join(site, 'pkg') });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.stop(); });

const waitFor = (page, fn, arg, timeout = 60_000) => page.waitForFunction(fn, arg, { timeout, polling: 100 });
const ready = (page) => waitFor(page, () => document.body.dataset.state === 'ready');
const cacheKeys = (page) => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('vae-explorer-')));

// Mutation that turns it red: drop the old caches' deletion in sw.js's activate, or leave HEAD requests to the
// network (the zoo's start-up check then fails offline, with console errors).
test('after one visit the page works offline: explore, the lab, 10 training steps and the lesson; an update replaces the cached version whole', async () => {
  const { page, context, errors } = await openPage(browser, server.url, { serviceWorkers: 'allow' });
  await ready(page);
  await waitFor(page, () => document.body.dataset.offline === 'ready' && navigator.serviceWorker.controller);
  const version = readFileSync(join(site, 'precache.js'), 'utf8').match(/version: '(\w+)'/)[1];
  assert.deepEqual(await cacheKeys(page), [`vae-explorer-${version}`]);
  assert.match(await page.locator('#offline-status').textContent(), /works offline/);

  await context.setOffline(true);
  await page.reload();
  await ready(page);
  assert.equal(await page.evaluate(() => navigator.onLine), false);
  await page.locator('#latent').focus();
  await page.keyboard.press('Shift+ArrowUp');
  await waitFor(page, () => Math.abs(window.vaeExplorer.state.z[1] - 0.5) < 1e-9);
  await page.locator('#page-lab').click();
  await waitFor(page, () => document.body.dataset.labDone);
  await page.locator('#page-train').click();
  await page.locator('#train-play').click();
  await waitFor(page, () => Number(document.body.dataset.trainStep ?? 0) >= 10);
  await page.locator('#train-play').click();
  await waitFor(page, () => document.body.dataset.training === 'off');
  // The lesson too: step 1's reveal loads two 8-D models, step 9's scores with the Fashion-MNIST model in the lab.
  await page.locator('#page-lessons').click();
  for (const n of [1, 9]) {
    await page.locator('#lesson-steps button').nth(n - 1).click();
    await waitFor(page, (n) => document.body.dataset.lessonReady === String(n), n);
    await page.locator('#lesson-reveal').click();
    await waitFor(page, (n) => document.body.dataset.lessonRevealed === String(n), n, 120_000);
    assert.ok((await page.locator('#lesson-verdict').getAttribute('data-answer')) !== null, `lesson step ${n} revealed its answer offline`);
  }

  // A new version on the server: a changed module and a new precache version.
  await context.setOffline(false);
  const marker = `// version two, ${Date.now()}`;
  appendFileSync(join(site, 'js', 'app', 'format.js'), `\n${marker}\n`);
  const next = `${version.slice(0, 12)}beef`;
  writeFileSync(join(site, 'precache.js'), readFileSync(join(site, 'precache.js'), 'utf8').replace(version, next));
  await page.goto(server.url);
  await ready(page);
  // The new version is installed whole, takes over, and the old cache is deleted. Up to three minutes: the
  // install downloads the whole site again (both wasm builds, the data), and under load once took over 60 s.
  for (let t = 0; (await cacheKeys(page)).join() !== `vae-explorer-${next}`; t++) {
    assert.ok(t < 1800, `the caches are ${await cacheKeys(page)}`);
    await page.waitForTimeout(100);
  }
  await context.setOffline(true);
  await page.reload();
  await ready(page);
  const served = await page.evaluate(async () => (await (await fetch('js/app/format.js')).text()));
  assert.ok(served.includes(marker), 'offline, the new version\'s module is served');
  // Every cached file is the new version's, byte for byte, the wasm included.
  const wasm = await page.evaluate(async () => Array.from(new Uint8Array(await (await fetch('pkg/vae_wasm_bg.wasm')).arrayBuffer()).subarray(0, 64)));
  assert.deepEqual(wasm, Array.from(readFileSync(join(site, 'pkg', 'vae_wasm_bg.wasm')).subarray(0, 64)));
  const sizes = await page.evaluate(async () => {
    const cache = await caches.open((await caches.keys()).find((k) => k.startsWith('vae-explorer-')));
    const out = {};
    for (const r of await cache.keys()) out[new URL(r.url).pathname] = (await (await cache.match(r)).arrayBuffer()).byteLength;
    return out;
  });
  for (const f of ['pkg/vae_wasm_bg.wasm', 'pkg/vae_train_bg.wasm', 'pkg/vae_wasm_relaxed_bg.wasm', 'pkg/vae_train_relaxed_bg.wasm', 'js/app/format.js', 'models/mnist-2d.safetensors', 'data/train-images.idx3-ubyte']) {
    assert.equal(sizes[`/${f}`], readFileSync(join(site, f)).length, f);
  }
  await page.locator('#latent').focus();
  await page.keyboard.press('Shift+ArrowRight');
  await waitFor(page, () => Math.abs(window.vaeExplorer.state.z[0] - 0.5) < 1e-9);
  assert.deepEqual(errors, []);
  await context.close();
});
