// Accessibility: axe-core (npm, 4.14.1) on every page and view, with the panels in the states a user brings
// them to (a drawing, an interpolation, the grid, training, the lab scored, your own images read, presenter
// mode), at a desk and on a phone. No violation of serious or critical impact may remain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, launch, openPage, waitReady, drawOnPad } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const AXE = readFileSync(join(ROOT, 'tests', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** axe's serious and critical violations on the page as it is: [{ id, impact, nodes: [selectors] }]. */
async function audit(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE); // DevTools evaluation: not subject to the page's CSP
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return found.map((v) => ({ where, ...v }));
}

async function everyPage(page) {
  const found = [];
  found.push(...await audit(page, 'explore, map'));
  await drawOnPad(page, [[[0.5, 0.2], [0.5, 0.8]]]);
  await page.locator('#a-index').fill('3');
  await page.locator('#a-index').dispatchEvent('change');
  await page.locator('#b-index').fill('600');
  await page.locator('#b-index').dispatchEvent('change');
  found.push(...await audit(page, 'explore, drawing and interpolation'));
  await page.locator('#view-grid').click();
  found.push(...await audit(page, 'explore, grid'));
  await page.locator('#view-map').click();
  await page.locator('#help-btn').click();
  found.push(...await audit(page, 'the keys overlay'));
  await page.locator('#help-close').click();
  await page.locator('#model-select').selectOption('cvae-2d');
  await page.waitForFunction(() => window.vaeExplorer.state.subject?.id === 'cvae-2d');
  found.push(...await audit(page, 'explore, a CVAE'));
  await page.locator('#model-select').selectOption('vae-8d');
  await page.waitForFunction(() => window.vaeExplorer.state.subject?.id === 'vae-8d');
  found.push(...await audit(page, 'explore, an 8-D VAE'));
  await page.locator('#page-compare').click();
  await page.waitForFunction(() => window.vaeExplorer.state.twinSubjects?.every(Boolean));
  found.push(...await audit(page, 'compare'));
  await page.locator('#page-lab').click();
  await page.waitForFunction(() => document.body.dataset.labDone, null, { timeout: 60_000 });
  found.push(...await audit(page, 'lab'));
  await page.locator('#page-train').click();
  await page.locator('#own-files').setInputFiles([
    { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') },
    { name: 'shot.png', mimeType: 'image/png', buffer: readFileSync(join(ROOT, 'tests', 'screenshots', 'explorer.png')) },
  ]);
  await page.waitForFunction(() => document.body.dataset.ownImages === '1' && !window.vaeExplorer.app.own.reading);
  await page.locator('#train-play').click();
  await page.waitForFunction(() => Number(document.body.dataset.trainStep ?? 0) >= 3, null, { timeout: 60_000 });
  await page.locator('#train-play').click();
  await page.waitForFunction(() => document.body.dataset.training === 'off');
  found.push(...await audit(page, 'train, with your own images read'));
  await page.locator('#page-explore').click();
  await page.locator('#presenter-btn').click();
  found.push(...await audit(page, 'presenter mode'));
  // Presenter mode is dark: the lab's reverse-case note must stay readable there (colour contrast).
  await page.locator('#page-lab').click();
  await page.locator('#lab-reverse-show').click();
  await page.waitForFunction(() => !document.getElementById('lab-reverse').hidden, null, { timeout: 60_000 });
  found.push(...await audit(page, 'presenter mode, the lab\'s reverse case'));
  return found;
}

// Mutation that turns it red: give the lab's threshold slider no name (index.html's #lab-hist aria-label), or
// drop the KL bars' role="listitem" (dims.js: a list with no items).
for (const [name, options] of [
  ['at a desk', { viewport: { width: 1280, height: 900 } }],
  ['on a phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
]) {
  test(`axe-core finds no serious or critical violation on any page ${name}`, async () => {
    const { page, context, errors } = await openPage(browser, server.url, options);
    assert.equal(await waitReady(page), 'ready');
    const found = await everyPage(page);
    assert.deepEqual(found, [], JSON.stringify(found, null, 2));
    assert.deepEqual(errors, []);
    await context.close();
  });
}

// Mutation that turns it red: name the class of the first held-out image instead of the nearest (point.js),
// or leave the pad's pictures with their fixed labels (pad.js).
test('the decoded image and the drawing have text alternatives that follow them: z, the nearest class, the score', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  assert.equal(await waitReady(page), 'ready');
  for (const z of [[-1.2, 0.8], [0.9, -1.5]]) {
    await page.locator('#z1').fill(String(z[0]));
    await page.locator('#z2').fill(String(z[1]));
    await page.locator('#z2').dispatchEvent('change');
    await page.waitForFunction((want) => window.vaeExplorer.state.z.every((v, j) => Math.abs(v - want[j]) < 1e-9), z);
    await page.waitForFunction((want) => document.getElementById('digit').getAttribute('aria-label').includes(want), `z = (${z.map((v) => v.toFixed(2)).join(', ')})`);
    // The nearest held-out code, found here from the map's dots and their labels.
    const { mu, labels } = await page.evaluate(() => ({ mu: Array.from(window.vaeExplorer.dotsMu), labels: Array.from(window.vaeExplorer.subject.heldout.labels) }));
    let near = 0;
    for (let i = 0; i < labels.length; i++) {
      if ((mu[2 * i] - z[0]) ** 2 + (mu[2 * i + 1] - z[1]) ** 2 < (mu[2 * near] - z[0]) ** 2 + (mu[2 * near + 1] - z[1]) ** 2) near = i;
    }
    assert.match(await page.locator('#digit').getAttribute('aria-label'), new RegExp(`nearest held-out digit in the latent space is #${near}, a ${labels[near]}\\.$`));
  }
  await drawOnPad(page, [[[0.5, 0.2], [0.5, 0.8]]]);
  const info = await page.evaluate(() => ({ ...document.getElementById('pad-info').dataset }));
  const label = await page.locator('#pad-input').getAttribute('aria-label');
  assert.match(label, new RegExp(`negative ELBO ${Number(info.loss).toFixed(1)} nats, higher than ${info.percentile}% of the held-out digits`));
  assert.match(label, new RegExp(`μ = \\(${info.mu.split(',').map((v) => Number(v).toFixed(2)).join(', ')}\\)`));
  assert.deepEqual(errors, []);
  await context.close();
});
