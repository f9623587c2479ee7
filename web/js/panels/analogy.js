// Style analogy with a conditional VAE: encode one image with its own label, z = μ(x, y), then decode that z
// with each label in turn. The label carries the class, so z is left with the rest, the style: slant,
// thickness, size. The row of ten exports as a PNG.
import { showSheet, exportSheetPng } from '../draw/sheet.js';
import { paintDigit } from '../draw/digit.js';
import { formatList } from '../app/format.js';
import { onLang, t } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const PIXELS = 784;

export function setupAnalogy(app) {
  const { store } = app;
  let row = null; // { z, label, probs }

  function source() {
    if ($('analogy-source').value === 'drawing') {
      const x = store.state.drawing;
      return x ? { x, label: store.state.label, what: t('the drawing, as a {name}', { name: app.className(store.state.label) }) } : null;
    }
    const i = Number($('analogy-index').value);
    if (!Number.isInteger(i) || i < 0 || i >= app.heldout.n) return null;
    return { x: app.heldout.images.subarray(i * PIXELS, (i + 1) * PIXELS), label: app.heldout.labels[i], what: t('held-out #{i}, a {name}', { i: String(i), name: app.className(app.heldout.labels[i]) }) };
  }

  function render() {
    const s = app.subject;
    $('analogy-panel').hidden = !s?.conditional;
    if (!s?.conditional) { row = null; return; }
    const src = source();
    if (!src) {
      $('analogy-info').textContent = t('Draw a {noun} (and pick its class above), or give a held-out number from 0 to {max}.', { noun: app.classNoun, max: String(app.heldout.n - 1) });
      row = null;
      return;
    }
    const { mu } = s.encode(src.x, src.label);
    const n = s.classes;
    const z = new Float32Array(n * s.latent);
    for (let y = 0; y < n; y++) z.set(mu, y * s.latent);
    const labels = Uint8Array.from({ length: n }, (_, y) => y);
    const probs = s.model.decode(z, labels);
    paintDigit($('analogy-input'), src.x);
    showSheet($('analogy-row'), probs, 1, n);
    $('analogy-info').textContent = `${src.what}: z = μ(x, y) = (${formatList(mu)}), ${t('decoded with each label 0 to {max}.', { max: String(n - 1) })}`;
    row = { z: Array.from(mu), label: src.label, probs };
  }

  async function exportPng() {
    if (!row) return;
    const n = app.subject.classes;
    const { blob } = await exportSheetPng(row.probs, 1, n, {
      title: t('Style analogy: one z, decoded as each {noun}', { noun: app.classNoun }),
      colLabels: Array.from({ length: n }, (_, y) => `y = ${app.className(y)}`),
      labels: $('export-labels').checked,
    });
    app.download(blob, 'vae-analogy.png');
  }

  for (const id of ['analogy-source', 'analogy-index']) $(id).addEventListener('change', render);
  $('analogy-export').addEventListener('click', exportPng);
  store.subscribe(['subject', 'drawing', 'label'], render);
  onLang(() => { if (app.subject) render(); });
  /** Shows held-out image i's row (a lesson step does this). */
  function show(i) {
    $('analogy-source').value = 'heldout';
    $('analogy-index').value = String(i);
    render();
  }

  return { get row() { return row; }, render, show };
}
