// "Your own images": files or a folder dropped or chosen, read in the page (app/drop-reader.js) with the
// chosen options, shown on a contact sheet with what was skipped and why, then split, saved in this browser's
// storage and handed to the training panel. Nothing is uploaded.
import { LIMITS, holdOut, readDrop } from '../app/drop-reader.js';
import { setOwnDataset } from '../app/datasets.js';
import { loadOwnData, saveOwnData } from '../checkpoints.js';
import { showSheet } from '../draw/sheet.js';
import { attr, t, text } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const PIXELS = 784;
const SHEET_COLS = 20;
const SHEET_ROWS = 12;
const SKIPPED_SHOWN = 40;

/** The files of a drop, folders walked, each with its path ('shoes/a.png'). */
async function dropFiles(dataTransfer) {
  const entries = [...dataTransfer.items].map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) return [...dataTransfer.files].map((file) => ({ file, path: file.name }));
  const out = [];
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      out.push({ file: await new Promise((res, rej) => entry.file(res, rej)), path: prefix + entry.name });
      return;
    }
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
      if (!batch.length) break;
      for (const e of batch) await walk(e, `${prefix}${entry.name}/`);
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}

const fromInput = (input) => [...input.files].map((file) => ({ file, path: file.webkitRelativePath || file.name }));

/** hooks: { app, trainOn(datasetId) } */
export function setupOwnData(hooks) {
  let files = null; // the last drop, kept so that changing an option reads it again
  let result = null; // what readDrop made of it
  let reading = null;

  const options = () => ({ centre: $('own-centre').checked, invert: $('own-invert').value });
  const say = (make) => { text($('own-summary'), typeof make === 'function' ? make : () => make); };

  async function read(list) {
    const run = (async () => {
      say(() => (list.length === 1 ? t('Reading one file…') : t('Reading {n} files…', { n: list.length })));
      $('own-train').disabled = true;
      try {
        result = await readDrop(list, options());
        files = list;
      } catch (e) {
        // The drop was refused whole: what was read before stays, as it was.
        if (result) show(result);
        else say(() => e.message);
        hooks.app.showError(() => e.message);
        return;
      }
      show(result);
    })();
    reading = run;
    await run;
    if (reading === run) reading = null;
  }

  function show(r) {
    document.body.dataset.ownImages = String(r?.n ?? 0);
    $('own-sheet').hidden = !r?.n;
    if (r?.n) {
      const k = Math.min(r.n, SHEET_COLS * SHEET_ROWS);
      const cols = Math.min(SHEET_COLS, k);
      const rows = Math.ceil(k / cols);
      const probs = new Float32Array(rows * cols * PIXELS);
      for (let i = 0; i < k * PIXELS; i++) probs[i] = r.images[i] / 255;
      showSheet($('own-sheet'), probs, rows, cols);
      const caption = () => `${k < r.n ? t('The first {k} of the {n} images', { k, n: r.n }) : r.n === 1 ? t('The one image') : t('The {n} images', { n: r.n })}${t(', as the model will see them: 28 × 28 grey, in the files\' order.')}`;
      attr($('own-sheet'), 'aria-label', () => `${t('Contact sheet.')} ${caption()}`);
      text($('own-sheet-caption'), caption);
    }
    $('own-sheet-caption').hidden = !r?.n;
    const skipped = r?.skipped ?? [];
    $('own-skipped-box').hidden = !skipped.length;
    text($('own-skipped-title'), () => (skipped.length === 1 ? t('1 file skipped') : t('{n} files skipped', { n: skipped.length })));
    const items = skipped.slice(0, SKIPPED_SHOWN).map(({ name, reason }) => {
      const li = document.createElement('li');
      const b = document.createElement('b');
      b.textContent = name;
      li.append(b, text(document.createElement('span'), () => `: ${reason}.`));
      return li;
    });
    if (skipped.length > SKIPPED_SHOWN) items.push(text(document.createElement('li'), () => t('and {n} more.', { n: skipped.length - SKIPPED_SHOWN })));
    $('own-skipped').replaceChildren(...items);
    if (!r) return;
    const counts = r.labels ? r.classes.map((c, i) => `${c} ×${r.labels.filter((l) => l === i).length}`).join(', ') : '';
    say(() => {
      const parts = [];
      if (r.n) {
        parts.push(r.n === 1 ? t('1 image read') : t('{n} images read', { n: r.n }));
        parts.push(r.labels ? t('in {k} classes ({counts})', { k: r.classes.length, counts }) : t('unlabelled'));
      } else {
        parts.push(t('No image could be read'));
      }
      let words = `${parts.join(', ')}.`;
      if (r.notes.length) words += ` ${r.notes.map((note) => note.message).join(' ')}`;
      if (r.n && r.n < LIMITS.minImages) words += ` ${tooFew(r)}`;
      else if (r.n) words += ` ${t('Press “Train on these images”: a tenth is held out to measure the model.')}`;
      return words;
    });
    $('own-train').disabled = !(r.n >= LIMITS.minImages);
  }

  function tooFew(r) {
    try { holdOut(r); return ''; } catch (e) { return e.message; }
  }

  async function use() {
    if (!result || result.n < LIMITS.minImages) return;
    const { train, heldout } = holdOut(result);
    const source = files.length === 1 ? files[0].path : `${files.length}`;
    const record = { source, classes: result.labels ? result.classes : [], train, heldout, savedAt: Date.now() };
    try {
      await saveOwnData(record);
    } catch (e) {
      hooks.app.showError(() => t('Your images could not be kept in this browser\'s storage ({why}); training needs them there.', { why: e.message }));
      return;
    }
    register(record);
    hooks.trainOn('own');
  }

  /** Makes a saved set the page's 'own' data set, and offers it in the training panel's data picker. */
  function register(record) {
    const h = record.heldout;
    const ds = setOwnDataset({
      source: record.source ?? '',
      classes: record.classes,
      trainN: record.train.labels.length,
      heldout: { n: h.labels.length, bytes: h.bytes, labels: h.labels, images: Float32Array.from(h.bytes, (b) => b / 255) },
    });
    const option = $('train-dataset').querySelector('option[value="own"]');
    option.disabled = false;
    text(option, () => t('Your own images ({n} + {k} held out)', { n: record.train.labels.length, k: h.labels.length }));
    return ds;
  }

  $('own-pick-files').addEventListener('click', () => $('own-files').click());
  $('own-pick-folder').addEventListener('click', () => $('own-folder').click());
  for (const id of ['own-files', 'own-folder']) {
    $(id).addEventListener('change', (e) => { if (e.target.files.length) read(fromInput(e.target)); e.target.value = ''; });
  }
  for (const id of ['own-centre', 'own-invert']) $(id).addEventListener('change', () => { if (files) read(files); });
  $('own-train').addEventListener('click', use);
  // A set saved on an earlier visit (a model may be training on it).
  loadOwnData().then((r) => { if (r) register(r); }).catch(() => {});

  return {
    /** A drop on the page that is not a weights file. */
    async drop(dataTransfer) {
      hooks.app.store.set({ page: 'train' });
      await read(await dropFiles(dataTransfer));
    },
    register,
    get result() { return result; },
    get reading() { return reading; },
  };
}
