// Accessibility: axe-core (npm, 4.14.1) on every page and view, with the panels in the states a user brings
// them to (a drawing, an interpolation, the grid, training, the lab scored, your own images read, presenter
// mode), at a desk and on a phone, in English and in Korean. No violation of serious or critical impact may remain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, launch, openPage, waitReady, drawOnPad, tour, lessonTour } from './harness.mjs';

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
  await tour(page, async (where) => { found.push(...await audit(page, where)); });
  await lessonTour(page, async (where) => { found.push(...await audit(page, where)); });
  return found;
}

// Mutation that turns it red: give the lab's threshold slider no name (index.html's #lab-hist aria-label), or
// drop the KL bars' role="listitem" (dims.js: a list with no items).
for (const [name, options, hash] of [
  ['at a desk', { viewport: { width: 1280, height: 900 } }, ''],
  ['on a phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, ''],
  ['in Korean, at a desk', { viewport: { width: 1280, height: 900 } }, '#lang=ko'],
  ['in Korean, on a phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, '#lang=ko'],
]) {
  test(`axe-core finds no serious or critical violation on any page ${name}`, async () => {
    const { page, context, errors } = await openPage(browser, server.url + hash, options);
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
