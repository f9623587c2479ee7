// The manifold grid: N x N points over the two shown dimensions (the others held at the point's values,
// a CVAE's class at the picked one), decoded as one batch shared by the page's thread and a helper worker
// (app/split-decode.js). Pressing a cell moves the point there.
import { axisValues, drawManifold, gridPoints } from '../draw/manifold.js';
import { LIMITS } from '../app/urlstate.js';
import { zName } from './point.js';
import { onLang, t } from '../i18n/i18n.js';
import { SplitDecoder } from '../app/split-decode.js';

const $ = (id) => document.getElementById(id);

/** The grid's points in all d dimensions: each cell of the 2-D grid in dims `pair`, the rest from `z`. */
export function gridLatents(n, range, spacing, z, pair) {
  const flat = gridPoints(n, range, spacing);
  const d = z.length;
  if (d === 2 && pair[0] === 0 && pair[1] === 1) return flat;
  const out = new Float32Array(n * n * d);
  for (let c = 0; c < n * n; c++) {
    out.set(z, c * d);
    out[c * d + pair[0]] = flat[2 * c];
    out[c * d + pair[1]] = flat[2 * c + 1];
  }
  return out;
}

export function setupGrid(app) {
  const { store } = app;
  const split = new SplitDecoder(); // the page's thread and a helper worker share each grid
  let cache = null; // the grid drawn: { key, subject, n, range, spacing, pair, label, probs, axis }
  let decoding = false;

  /** The grid the state asks for, with its key (the subject aside). */
  function asked() {
    const s = app.subject;
    const { grid: { n, range, spacing }, z, pair, label } = store.state;
    const held = z.filter((_, j) => !pair.includes(j));
    return { key: `${n}|${range}|${spacing}|${pair}|${held}|${s.conditional ? label : ''}`, subject: s, n, range, spacing, pair, label, z };
  }
  const current = (want) => cache && cache.key === want.key && cache.subject === want.subject;

  /** Decodes the grid asked for, then the latest asked for meanwhile, until the drawn one is current. The
   *  canvas's data-pending is "true" until then (tests wait for it). */
  async function update() {
    decoding = true;
    $('manifold').dataset.pending = 'true';
    try {
      for (let want = asked(); !current(want); want = asked()) {
        const probs = await split.decode(want.subject, gridLatents(want.n, want.range, want.spacing, want.z, want.pair), want.label);
        split.recycle(cache?.probs); // the grid it replaces is not drawn again
        cache = { ...want, probs, axis: axisValues(want.n, want.range, want.spacing) };
        $('manifold').dataset.split = `${split.last.page}+${split.last.helper}`;
        if (store.state.view !== 'grid' || !app.subject) break;
      }
    } catch (e) {
      app.showNotice(() => t('The grid could not be decoded: {why}.', { why: e.message }));
    } finally {
      decoding = false;
      $('manifold').dataset.pending = 'false';
    }
    draw();
  }

  /** Draws the grid; one that is out of date is decoded first (update draws it when it lands). */
  function render() {
    if (store.state.view !== 'grid' || !app.subject) return;
    if (current(asked())) draw();
    else if (!decoding) update();
  }

  /** Draws the grid last decoded, with the point's cell marked, and says what it shows. */
  function draw() {
    if (!cache || store.state.view !== 'grid') return;
    const { subject: s, n, range, spacing, pair, label } = cache;
    const z = store.state.z;
    const cell = drawManifold($('manifold'), cache.probs, n, cache.axis, [z[pair[0]], z[pair[1]]]);
    $('manifold').dataset.cell = cell ? cell.join(',') : '';
    const others = s.latent > 2 ? t(' in {a} and {b}, the other dimensions at the point\'s values', { a: zName(pair[0]), b: zName(pair[1]) }) : '';
    const cls = s.conditional ? t(', all decoded as {noun} {name}', { noun: s.noun, name: s.className(label) }) : '';
    $('grid-info').textContent = `${t('{n}×{n} {nouns} over [−{r}, {r}]²', { n, nouns: s.nouns, r: String(range) })}${others}${cls}, ${spacing === 'quantile'
      ? t('at evenly spaced quantiles of N(0, 1) (denser near 0)') : t('evenly spaced')}. ${cell
      ? t('The red square is the cell nearest to the point.') : t('The point lies outside this grid.')}`;
  }

  function pick(e) {
    if (!cache) return;
    const c = $('manifold');
    const r = c.getBoundingClientRect();
    const n = cache.n;
    const col = Math.min(n - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * n)));
    const row = Math.min(n - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * n)));
    app.point.request(app.map.withPair(app.point.current(), [cache.axis[col], cache.axis[n - 1 - row]]));
  }

  const setGrid = (patch) => store.set({ grid: { ...store.state.grid, ...patch } });
  $('grid-n').addEventListener('input', (e) => { $('grid-n-out').value = e.target.value; setGrid({ n: Number(e.target.value) }); });
  $('grid-range').addEventListener('change', (e) => {
    const r = Number(e.target.value);
    if (!(r >= LIMITS.r[0] && r <= LIMITS.r[1])) {
      app.showNotice(() => t('The grid\'s range must be a number from {lo} to {hi}.', { lo: LIMITS.r[0], hi: LIMITS.r[1] }));
      e.target.value = store.state.grid.range;
      return;
    }
    app.showNotice('');
    setGrid({ range: r });
  });
  $('grid-spacing').addEventListener('change', (e) => setGrid({ spacing: e.target.value }));
  $('manifold').addEventListener('pointerdown', (e) => { pick(e); e.preventDefault(); });
  $('manifold').addEventListener('pointermove', (e) => { if (e.buttons & 1) pick(e); });

  /** Shows the grid's settings in its fields (after a link set them). */
  function showFields() {
    const { n, range, spacing } = store.state.grid;
    $('grid-n').value = n;
    $('grid-n-out').value = n;
    $('grid-range').value = range;
    $('grid-spacing').value = spacing;
  }

  store.subscribe(['z', 'grid', 'pair', 'label', 'subject', 'view'], render);
  store.subscribe(['grid'], showFields);
  onLang(render);
  /** The grid drawn last (its probabilities, settings and subject), and the decoder's helper. */
  return { render, showFields, drawn: () => cache, split };
}
