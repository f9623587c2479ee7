// Korean and English. The catalogue (web/js/i18n/ko.js) against the message ids the code and the page use;
// then the page in Korean, walked on every page and view: no visible word of the interface may be left in
// English (symbols, formulas, code, key names and proper names are exempt, and listed here); and a switch of
// language on a page in use, and back, rewrites what is shown without a reload and without losing work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, startServer, launch, openPage, waitReady, drawOnPad, tour, lessonTour } from './harness.mjs';
import { codeMessages, dataMessages } from '../i18n/msgids.mjs';

const { KO } = await import('../../web/js/i18n/ko.js');

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const slots = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const tags = (s) => [...s.matchAll(/<(\/?\w+)>/g)].map((m) => m[1]).sort();

// Mutation that turns it red: delete any entry of ko.js, or rename a {slot} in one.
test('every message id of the code has a Korean entry with the same {slots} and markup', async () => {
  const ids = new Set([...codeMessages(ROOT), ...(await dataMessages(ROOT))]);
  assert.ok(ids.size > 250, `only ${ids.size} message ids found: the scan of web/js is broken`);
  const absent = [...ids].filter((id) => !(id in KO));
  assert.deepEqual(absent, [], 'message ids with no Korean');
  for (const [en, ko] of Object.entries(KO)) {
    assert.deepEqual(slots(ko), slots(en), `the {slots} of "${en}"`);
    assert.deepEqual(tags(ko), tags(en), `the markup of "${en}"`);
    assert.ok(ko.trim(), `"${en}" has an empty translation`);
  }
});

// Words allowed in Latin letters on the Korean page: proper names, file formats, units and symbols of the
// field, key names, and identifiers the user types or sees in files.
const EXEMPT = new Set([
  'MNIST', 'Fashion-MNIST', 'VAE', 'VAEs', 'AE', 'CVAE', 'β-VAE', 'ELBO', 'KL', 'PNG', 'JPEG', 'WebP', 'IDX', 'npy', 'gzip',
  'ROC', 'AUROC', 'RMS', 'WebAssembly', 'Web', 'Worker', 'PyTorch', 'safetensors', 'Nalisnick', 'MB', 'GB', 'nat', 'ms',
  'Shift', 'Esc', 'Space', 'slerp', 'decode', 'encode', 'log', 'round', 'dtype', 'shape', 'uint8', 'float32', 'float64',
  'numpy', 'ascontiguousarray', 'Fortran', 'vae-explorer', 'English', 'map', 'grid', 'dims', 'twin', 'AUROC:', 'VQ-VAE', 'exp', 'WebM', 'SIMD', 'SIMD128',
]);

/** Visible words in Latin letters that are not exempt, with where they are: text (outside code, kbd and
 *  the language switch), the labelled attributes, and the options of visible pickers. */
function englishLeft(page) {
  return page.evaluate((exempt) => {
    const allowed = new Set(exempt);
    const words = (text) => text
      .replace(/“[^”]*”/g, ' ') // a quoted title is a proper name
      .replace(/[\w.-]*\.(png|jpe?g|webp|npy|gz|safetensors|idx\d?-ubyte)\b/gi, ' ') // file names and extensions
      .replace(/\b[a-z0-9]+(-[a-z0-9]+)+\b/g, ' ') // model ids such as vae-2d
      .match(/[A-Za-z][A-Za-z'’-]+/g) ?? [];
    const left = [];
    const note = (text, where) => {
      const bad = words(text).filter((w) => !allowed.has(w) && !allowed.has(w.replace(/[’'-]+$/, '')));
      if (bad.length) left.push({ where, text: text.trim().slice(0, 160), bad });
    };
    const skip = (el) => el.closest('code, kbd, [translate="no"], script, style');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || skip(el) || el.tagName === 'OPTION' || !el.checkVisibility()) continue;
      note(n.nodeValue, el.id || el.tagName.toLowerCase());
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
      if (skip(el)) continue;
      const shown = el.tagName === 'OPTION' ? el.parentElement.checkVisibility() : el.checkVisibility();
      if (!shown && el.tagName !== 'CANVAS') continue;
      for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (el.hasAttribute(a)) note(el.getAttribute(a), `${el.id || el.tagName.toLowerCase()}[${a}]`);
    }
    for (const s of document.querySelectorAll('select')) {
      if (!s.checkVisibility()) continue;
      for (const o of s.options) note(o.textContent, `${s.id} option`);
    }
    note(document.title, 'title');
    return left;
  }, [...EXEMPT]);
}

const missing = (page) => page.evaluate(() => [...window.vaeExplorer.i18n.missing]);

// Mutation that turns it red: leave any string of a panel outside t() (say, map.js's legend label), or drop a
// page string's entry from ko.js.
test('in Korean, no visible word of the interface is left in English, on any page or view', async () => {
  const { page, context, errors } = await openPage(browser, `${server.url}#lang=ko`, { viewport: { width: 1280, height: 900 } });
  assert.equal(await waitReady(page), 'ready');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ko');
  const found = [];
  const look = async (where) => {
    for (const f of await englishLeft(page)) found.push({ at: where, ...f });
  };
  await tour(page, look);
  await lessonTour(page, look);
  assert.deepEqual(found, [], JSON.stringify(found, null, 2));
  assert.deepEqual(await missing(page), [], 'message ids asked for in Korean that ko.js lacks');
  // The page's own words are all in the catalogue, and the catalogue holds nothing that nobody uses.
  const pageIds = await page.evaluate(() => window.vaeExplorer.i18n.pageMessages());
  const used = new Set([...pageIds, ...codeMessages(ROOT), ...(await dataMessages(ROOT))]);
  assert.deepEqual(pageIds.filter((id) => !(id in KO)), [], 'words of index.html with no Korean');
  assert.deepEqual(Object.keys(KO).filter((id) => !used.has(id)), [], 'entries of ko.js that nothing uses');
  assert.match(page.url(), /[#&]lang=ko\b/);
  assert.deepEqual(errors, []);
  await context.close();
});

// Mutation that turns it red: skip applyLive() in i18n.js's setLang (what the code wrote stays in English),
// or store the language nowhere (the reload comes back in English).
test('switching language on a page in use rewrites it in place, keeps the work, and is remembered', async () => {
  const { page, context, errors } = await openPage(browser, server.url, { viewport: { width: 1280, height: 900 } });
  assert.equal(await waitReady(page), 'ready');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await drawOnPad(page, [[[0.5, 0.2], [0.5, 0.8]]]);
  await page.locator('#a-index').fill('3');
  await page.locator('#a-index').dispatchEvent('change');
  const before = await page.evaluate(() => ({
    z: window.vaeExplorer.state.z.slice(), a: window.vaeExplorer.state.a.slice(), drawn: Array.from(window.vaeExplorer.padInput),
    info: document.getElementById('pad-info').dataset.loss, nav: performance.getEntriesByType('navigation').length,
  }));
  assert.match(await page.locator('#pad-info').textContent(), /^μ = .*Negative ELBO/);
  await page.locator('#lang-ko').click();
  await page.waitForFunction(() => document.documentElement.lang === 'ko');
  assert.equal(await page.locator('#lang-ko').getAttribute('aria-pressed'), 'true');
  assert.deepEqual(await englishLeft(page), []);
  assert.match(await page.locator('#pad-info').textContent(), /음의 ELBO/);
  assert.match(await page.locator('#a-out').textContent(), /^A = .*평가용 #3/);
  assert.match(await page.locator('#stage-title').textContent(), /잠재 공간 지도/);
  const after1 = await page.evaluate(() => ({
    z: window.vaeExplorer.state.z.slice(), a: window.vaeExplorer.state.a.slice(), drawn: Array.from(window.vaeExplorer.padInput),
    info: document.getElementById('pad-info').dataset.loss, nav: performance.getEntriesByType('navigation').length,
  }));
  assert.deepEqual(after1, before, 'the switch kept the point, the end A, the drawing and its score, with no reload');
  await page.waitForFunction(() => /[#&]lang=ko\b/.test(location.hash));
  // Back to English: no Hangul is left outside the language switch.
  await page.locator('#lang-en').click();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  const hangul = await page.evaluate(() => {
    const out = [];
    const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = w.nextNode(); n; n = w.nextNode()) {
      if (/[\uac00-\ud7a3]/.test(n.nodeValue) && !n.parentElement.closest('[translate="no"]') && n.parentElement.checkVisibility()) out.push(n.nodeValue.trim());
    }
    return out;
  });
  assert.deepEqual(hangul, []);
  assert.match(await page.locator('#pad-info').textContent(), /Negative ELBO/);
  // Chosen once, kept: a reload of a link with no lang= comes back in the last language chosen.
  await page.locator('#lang-ko').click();
  await page.waitForFunction(() => document.documentElement.lang === 'ko');
  await page.goto(server.url);
  assert.equal(await waitReady(page), 'ready');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ko');
  assert.equal(await page.title(), KO['vae-explorer · the latent spaces of autoencoders and VAEs']);
  assert.deepEqual(errors, []);
  await context.close();
});
