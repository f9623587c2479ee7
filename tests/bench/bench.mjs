// scripts/bench: speed in real headless Chromium (ours, TensorFlow.js 4.22 and ONNX Runtime Web 1.30, same run,
// same browser, the peers decoding our own pretrained decoder; and two limits we did not write, the
// instruction-set peak and XNNPACK's GEMM) and natively, against the targets of the speed issues. Prints a table;
// full runs (three by default, `--runs N`) also write BENCHMARKS.md, each row the median of the runs. `--quick` (what CI runs) makes every figure with one short window, checks that every row
// was measured, and writes nothing. It never fails on a speed figure, only on a figure it could not make.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ROOT, startServer, launch, openPage, waitReady } from '../e2e/harness.mjs';
import { ACCUMULATORS, flopsPerIteration, peakModules } from './peak.mjs';

const quick = process.argv.includes('--quick');
// Full runs, each of every figure; the table gives each row's median over them (`--runs N`; three by default,
// one in quick mode).
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Math.max(1, Number(process.argv[runsArg + 1]) || 1) : (quick ? 1 : 3);
const Q = (full, short) => (quick ? short : full);
/** The path of a module's wasm file in one build (scripts/lib.sh): 'vae_wasm' or 'vae_train', 'relaxed' or 'simd128'. */
const wasmFile = (name, build) => `pkg/${name}${build === 'relaxed' ? '_relaxed' : ''}_bg.wasm`;
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const quantile = (v, q) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(q * v.length))];
const fmt = (v, d = 0) => Number(v).toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d });

const peak = { modules: await peakModules(), accumulators: ACCUMULATORS, flopsPerIteration: Object.fromEntries(ACCUMULATORS.map((k) => [k, flopsPerIteration(k)])) };
// The shapes whose products we compare with XNNPACK's: the training step's largest (batch 100, 784 → 512)
// and the grid decode's largest (400 points, 256 → 384).
const GEMMS = [[100, 784, 512], [400, 256, 384]];
const server = await startServer();
const browser = await launch();
let rows = []; // this run's: [section, figure, ours, target or peer, note]
// Every measured number behind the rows, unformatted: [name, value, may it be zero]. A figure that is not a
// finite positive number (NaN, Infinity, which fmt prints as ∞, or 0) was not measured, and fails the run.
let figures = [];
const measured = (name, value, zeroAllowed = false) => { figures.push([name, value, zeroAllowed]); return value; };
try {
  let env;
  let browserVersion;
  const runs = []; // each full run's rows
  for (let run = 1; run <= RUNS; run++) {
    if (RUNS > 1) console.log(`run ${run} of ${RUNS}`);
    rows = [];
    figures = [];
    const { page, context } = await openPage(browser, server.url);
    if ((await waitReady(page)) !== 'ready') throw new Error('the page did not load');
    env = await page.evaluate(() => ({ ua: navigator.userAgent, isolated: crossOriginIsolated, build: document.body.dataset.wasm }));
    // Every row of ours runs the build the page picks (relaxed SIMD in this Chromium), except the rows that
    // name the SIMD128 build: the fallback, for comparison.
    const BUILD = env.build;
    const buildName = { relaxed: 'relaxed-SIMD build', simd128: 'SIMD128 build' };
    browserVersion = browser.version();

    const dec = await decodeInPage(page, { singles: Q(1000, 50), grids: Q(30, 3) });
    measured('one decode, median', dec.oneMedian);
    measured('one decode, p99', dec.oneP99);
    measured('20x20 grid, median', dec.gridMedian);
    rows.push(['decode', 'one point, median (incl. copy to JS)', `${fmt(dec.oneMedian * 1000)} µs`, '≤ 150 µs']);
    rows.push(['decode', 'one point, p99', `${fmt(dec.oneP99 * 1000)} µs`, '']);
    rows.push(['decode', `20x20 grid, median of ${dec.grids} after 20 warm-up calls`, `${fmt(dec.gridMedian, 1)} ms`, '≤ 17 ms', `the ${buildName[BUILD]}, as the page runs it`]);
    const other = BUILD === 'relaxed' ? 'simd128' : null;
    if (other) {
      // Both builds, alternately in the same page: their ratio, free of this host's drift.
      const pairs = [];
      for (let i = 0; i < Q(3, 1); i++) {
        const [a, b] = [await decodeInPage(page, { singles: 5, grids: Q(30, 3), build: BUILD }), await decodeInPage(page, { singles: 5, grids: Q(30, 3), build: other })];
        pairs.push([a.gridMedian, b.gridMedian]);
      }
      const ratio = median(pairs.map(([a, b]) => b / a));
      const otherGrid = measured('grid, SIMD128 build', median(pairs.map(([, b]) => b)));
      rows.push(['decode', '20x20 grid, the SIMD128 build (the fallback), in the same page', `${fmt(otherGrid, 1)} ms`, `${buildName[BUILD]} ${fmt(ratio, 2)}×`, `${pairs.length} alternations of 30 grids each, median of each: ${pairs.map(([a, b]) => `${fmt(a, 1)} v ${fmt(b, 1)} ms`).join(', ')}`]);
    }

    // The grid as the page decodes it: shared by the page's thread and its helper worker (web/js/app/
    // split-decode.js), alternated with one call on the page's thread: the scaling on this host.
    const split = await splitGrid(page, { grids: Q(30, 3) });
    measured('grid shared with the helper', split.two);
    rows.push(['decode', `20x20 grid as the page decodes it: the page's thread and its helper worker claiming chunks of it (web/js/app/chunks.js), the page's ${split.rows} of 400 points at the median (${split.fewest}-${split.most})`, `${fmt(split.two, 1)} ms`, `${fmt(split.one / split.two, 2)}× one thread`, `one thread, alternated in the same page: ${fmt(split.one, 1)} ms; the ${buildName[BUILD]}; probabilities that differ from one call's: ${split.differ}`]);

    const drag = await scriptedDrag(page, Q(3, 1));
    measured('drag, frames/s', drag.framesPerSecond);
    // A drag that decodes nothing still counts 60 frames a second: it must have painted new digits too.
    measured('drag, frames that painted a new digit', drag.painted);
    measured('drag, slowest decode', drag.slowestDecode);
    measured('drag, dropped frames', drag.dropped, true);
    rows.push(['drag', `frames/s over a ${drag.seconds}-s drag, mouse moves at ${fmt(drag.movesPerSecond, 1)}/s`, fmt(drag.framesPerSecond, 1), '60']);
    rows.push(['drag', 'dropped frames (gaps over 1.5 × 16.7 ms)', `${drag.dropped}`, '0', `${drag.painted} of ${drag.frames} frames painted a new digit; slowest decode ${fmt(drag.slowestDecode, 2)} ms`]);
    await context.close();

    // The twin view: the same drag on one of two maps, each frame decoding the point with both models.
    const twinPage = await openPage(browser, `${server.url}#page=compare`);
    if ((await waitReady(twinPage.page)) !== 'ready') throw new Error('the compare page did not load');
    await twinPage.page.waitForFunction(() => window.vaeExplorer.state.twinSubjects?.every(Boolean));
    const twin = await scriptedDrag(twinPage.page, Q(3, 1), '#twin-map-0');
    measured('twin drag, frames/s', twin.framesPerSecond);
    measured('twin drag, frames that painted', twin.painted);
    measured('twin drag, dropped frames', twin.dropped, true);
    rows.push(['drag', `twin view (AE and VAE decode each point): frames/s over a ${twin.seconds}-s drag`, fmt(twin.framesPerSecond, 1), '60']);
    rows.push(['drag', 'twin view: dropped frames', `${twin.dropped}`, '0', `${twin.painted} of ${twin.frames} frames painted; ${twin.decodes} decodes (2 a frame); slowest decode ${fmt(twin.slowestDecode, 2)} ms`]);
    await twinPage.context.close();

    const cold = [];
    for (let i = 0; i < Q(3, 1); i++) cold.push(await coldStart());
    measured('cold start', median(cold));
    rows.push(['cold start', `navigation to the first painted digit, median of ${cold.length}`, `${fmt(median(cold))} ms`, '≤ 1,000 ms', `runs: ${cold.map((v) => fmt(v)).join(', ')}`]);

    const tr = await trainingInWorker({ ...Q({ warm: 100, windows: 5, steps: 50, gap: 150, mem: [1000, 10000] }, { warm: 5, windows: 1, steps: 10, gap: 0, mem: [20, 200] }), peak, build: BUILD });
    const stepGflops = (tr.median / 100) * tr.flops / 1e9;
    // The step's products against the instruction-set peak, window by window (both timed in the same window).
    // `peak` is 'simd128' or 'relaxed'; null where that peak was not measured.
    const ofPeak = (x, peak = 'simd128') => x.peaks[peak]?.map((p, i) => (100 * (x.rates[i] / 100) * x.flops / 1e9) / p) ?? null;
    measured('worker training, samples/s', tr.median);
    measured('matmul probe, GFLOP/s', tr.matmul);
    measured('SIMD128 peak, GFLOP/s', median(tr.peaks.simd128));
    measured('step FLOPs', tr.flops);
    tr.mem.forEach((m, i) => measured(`wasm memory ${i}`, m.bytes));
    rows.push(['training', `Web Worker, 784-512-2, batch 100: samples/s, median of ${tr.rates.length} windows of ${tr.steps} steps${tr.span}`, fmt(tr.median), '≥ 3,600', `the ${buildName[BUILD]}; windows: ${tr.rates.map((r) => fmt(r)).join(', ')}`]);
    const peakSimd = median(tr.peaks.simd128);
    rows.push(['limit', `instruction-set peak: f32x4 mul + add from 8, 12 or 16 register accumulators (the best; tests/bench/peak.mjs), SIMD128, in the training worker, best of 3 calls each in each window, median of ${tr.peaks.simd128.length}`, `${fmt(peakSimd, 1)} GFLOP/s`, '', `windows: ${tr.peaks.simd128.map((g) => fmt(g, 1)).join(', ')}`]);
    if (tr.peaks.relaxed) {
      rows.push(['limit', 'instruction-set peak with relaxed SIMD (f32x4.relaxed_madd), the same way', `${fmt(median(tr.peaks.relaxed), 1)} GFLOP/s`, '', `${fmt(median(tr.peaks.relaxed) / peakSimd, 2)}× the SIMD128 peak; the relaxed-SIMD build's kernel uses it`]);
    }
    // The relaxed build is measured against both peaks: the SIMD128 one the issue names, and the relaxed one,
    // the true limit of the instructions that build uses.
    const relaxedNote = (x) => (BUILD === 'relaxed' && ofPeak(x, 'relaxed') ? `; ${fmt(median(ofPeak(x, 'relaxed')))} % of the relaxed-SIMD peak` : '');
    rows.push(['ours', `training step's products (${fmt(tr.flops / 1e6, 1)} MFLOP a step): % of the SIMD128 peak, median over windows`, `${fmt(median(ofPeak(tr)))} %`, '≥ 75 %', `the ${buildName[BUILD]}; ${fmt(stepGflops, 1)} GFLOP/s${relaxedNote(tr)}; windows: ${ofPeak(tr).map((e) => fmt(e)).join(', ')} %`]);
    rows.push(['ours', `probe: 100x784 by 784x512 product in the same wasm build, 5 after each step, median of ${tr.gf.length} windows`, `${fmt(tr.matmul, 1)} GFLOP/s`, '', `${fmt(100 * tr.matmul / peakSimd)} % of the SIMD128 peak${BUILD === 'relaxed' && tr.peaks.relaxed ? `, ${fmt(100 * tr.matmul / median(tr.peaks.relaxed))} % of the relaxed-SIMD peak` : ''}; windows: ${tr.gf.map((g) => fmt(g, 1)).join(', ')}`]);
    if (other) {
      const o = await trainingInWorker({ ...Q({ warm: 100, windows: 3, steps: 50, gap: 150 }, { warm: 5, windows: 1, steps: 10, gap: 0 }), mem: [], peak, build: other });
      measured('worker training, SIMD128 build, samples/s', o.median);
      rows.push(['training', `the same, the SIMD128 build (the fallback): samples/s, median of ${o.rates.length} windows`, fmt(o.median), '', `its step's products at ${fmt(median(ofPeak(o)))} % of the SIMD128 peak; probe ${fmt(o.matmul, 1)} GFLOP/s; windows: ${o.rates.map((r) => fmt(r)).join(', ')}`]);
    }
    // Two workers (the page's default where it can share memory), alternated window for window with one.
    const pair = await pairedTraining(Q({ warm: 50, windows: 9, steps: 50 }, { warm: 5, windows: 1, steps: 10 }));
    measured('worker training on two workers, samples/s', pair.two);
    rows.push(['training', `two workers (web/js/train-pair.js, the page's default where it can share memory), 784-512-2, batch 100: samples/s, median of ${pair.windows} windows`, fmt(pair.two), `${fmt(pair.two / pair.one, 2)}× one worker`, `one worker, its windows alternated with these in the same worker: ${fmt(pair.one)}; the same weights to the bit after both runs; the ${buildName[pair.build] ?? pair.build}; ${pair.cores} cores`]);
    rows.push(['memory', `wasm memory after ${fmt(tr.mem[0].steps)} / ${fmt(tr.mem[1].steps)} training steps`, `${fmt(tr.mem[0].bytes / 1048576, 1)} / ${fmt(tr.mem[1].bytes / 1048576, 1)} MiB`, 'no growth']);

    // The other families in the worker, 784-512-2 at batch 100 like the VAE above: each window's steps against
    // the products interleaved with them, so that the ratio to the VAE's efficiency does not depend on how fast
    // this host happens to be in that minute.
    for (const family of ['ae', 'cvae']) {
      const f = await trainingInWorker({ ...Q({ warm: 100, windows: 5, steps: 50, gap: 150 }, { warm: 5, windows: 1, steps: 10, gap: 0 }), mem: [], family, peak, build: BUILD });
      measured(`worker training ${family}, samples/s`, f.median);
      const perProbe = (x) => median(x.rates.map((r, i) => r / x.gf[i]));
      rows.push(['training', `Web Worker, ${family.toUpperCase()} 784-512-2, batch 100: samples/s, median of ${f.rates.length} windows`, fmt(f.median), '≥ 95 % of the VAE\'s', `${fmt(100 * perProbe(f) / perProbe(tr))} % of the VAE's samples/s per probe GFLOP/s; its step's products at ${fmt(median(ofPeak(f)))} % of the SIMD128 peak (${fmt(f.flops / 1e6, 1)} MFLOP a step); windows: ${f.rates.map((r) => fmt(r)).join(', ')}`]);
    }

    for (const threads of [1, cpus().length]) {
      const vaeRate = {};
      for (const family of ['vae', 'ae', 'cvae']) {
        const nat = JSON.parse(execFileSync(process.env.VAE_BIN ?? join(ROOT, 'target', 'release', 'vae'),
          ['bench', '--family', family, '--warm', String(Q(50, 5)), '--windows', String(Q(5, 1)), '--steps', String(Q(50, 10))],
          { cwd: ROOT, env: { ...process.env, RAYON_NUM_THREADS: String(threads) } }).toString());
        measured(`native training ${family}, ${threads} threads`, nat.samples_per_sec);
        measured(`native matmul, ${family}, ${threads} threads`, nat.matmul_gflops);
        // Natively the probe runs after the training windows, not between their steps, and its figure moves
        // more than the training's (59.6 to 87.4 GFLOP/s in one run's three families at one thread): the
        // families, run one after another, are compared by their samples/s alone.
        vaeRate[family] = nat.samples_per_sec;
        const ratio = family === 'vae' ? '' : `${fmt(100 * vaeRate[family] / vaeRate.vae)} % of the VAE's samples/s; `;
        rows.push(['native', `${family.toUpperCase()} training samples/s, ${nat.threads} thread${nat.threads > 1 ? 's' : ''}`, fmt(nat.samples_per_sec), family === 'vae' ? '' : '≥ 95 % of the VAE\'s', `${ratio}matmul ${fmt(nat.matmul_gflops, 1)} GFLOP/s; windows ${nat.windows.map((r) => fmt(r)).join(', ')}`]);
      }
    }

    const peers = {};
    // tfjs-backend-wasm with one thread (as ours) and with two (its threaded build), and tfjs-backend-cpu.
    for (const [name, backend, threads] of [['wasm', 'wasm', 1], ['wasm ×2', 'wasm', 2], ['cpu', 'cpu', 1]]) {
      peers[name] = await tfjs(backend, {
        ...Q({ warm: 10, windows: 5, steps: backend === 'cpu' ? 10 : 50, singles: backend === 'cpu' ? 200 : 1000, grids: 30, gemmReps: 30 },
          { warm: 1, windows: 1, steps: 2, singles: 10, grids: 2, gemmReps: 3 }),
        gemms: name === 'wasm' ? GEMMS : [],
        threads,
      }, dec.config);
      peers[name].asked = threads;
    }
    // The best registry GEMM in wasm, XNNPACK's, on our shapes; ours against it and against the peak.
    const xnn = peers.wasm.gemm;
    GEMMS.forEach(([m, k, n]) => measured(`XNNPACK ${m}x${k}x${n}`, xnn[`${m}x${k}x${n}`]));
    const [xStep, xGrid] = GEMMS.map(([m, k, n]) => xnn[`${m}x${k}x${n}`]);
    rows.push(['limit', 'XNNPACK GEMM (tfjs-backend-wasm 4.22 matMul, untransposed, SIMD, 1 thread): 100x784 by 784x512', `${fmt(xStep, 1)} GFLOP/s`, '', `${fmt(100 * xStep / peakSimd)} % of the SIMD128 peak; median of the calls, result read back`]);
    rows.push(['limit', 'XNNPACK GEMM, the same way: 400x256 by 256x384 (the grid decode\'s largest product)', `${fmt(xGrid, 1)} GFLOP/s`, '', `${fmt(100 * xGrid / peakSimd)} % of the SIMD128 peak`]);
    rows.push(['ours', 'training step\'s products against XNNPACK on the step\'s largest shape', `${fmt(100 * stepGflops / xStep)} %`, '', `${fmt(stepGflops, 1)} against ${fmt(xStep, 1)} GFLOP/s (different moments of the run)`]);
    rows.push(['ours', 'probe (100x784 by 784x512) against XNNPACK on the same shape', `${fmt(100 * tr.matmul / xStep)} %`, '', `${fmt(tr.matmul, 1)} against ${fmt(xStep, 1)} GFLOP/s`]);
    // The grid decode's products, from the model's own description (the decoder mirrors the encoder's hidden sizes).
    const decDims = [dec.config.latent, ...[...dec.config.hidden].reverse(), dec.config.input];
    const gridFlops = 2 * 400 * decDims.slice(1).reduce((s, d, i) => s + decDims[i] * d, 0);
    const gridGflops = gridFlops / (dec.gridMedian / 1000) / 1e9;
    measured('grid GFLOP/s', gridGflops);
    rows.push(['ours', `20x20 grid decode's products (${fmt(gridFlops / 1e6, 1)} MFLOP): GFLOP/s`, `${fmt(gridGflops, 1)} GFLOP/s`, '', `${fmt(100 * gridGflops / peakSimd)} % of the SIMD128 peak; ${fmt(100 * gridGflops / xGrid)} % of XNNPACK's 400x256x384`]);
    for (const [backend, p] of Object.entries(peers)) {
      for (const key of ['trainMedian', 'oneMedian', 'oursOneMedian', 'gridMedian', 'oursGridMedian']) measured(`tfjs-${backend} ${key}`, p[key]);
      // A peer that draws other pictures is not decoding our model: the bench stops there.
      if (!(p.gridDiff < 1e-4)) throw new Error(`tfjs-${backend}'s grid differs from ours by ${p.gridDiff}: it is not decoding the same model`);
      rows.push([`tfjs-${backend}`, `training samples/s (${p.trainRates.length} × ${p.steps} steps)`, fmt(p.trainMedian), `ours ${fmt(tr.median / p.trainMedian, 1)}×`, backend.startsWith('wasm') ? 'floor: ours ≥ 10× the best tfjs-wasm configuration' : '']);
      const paired = 'each call paired with one of ours in the same page';
      rows.push([`tfjs-${backend}`, 'one decode, median', `${fmt(p.oneMedian * 1000)} µs`, `ours ${fmt(p.oneMedian / p.oursOneMedian, 1)}×`, `${paired}: ours ${fmt(p.oursOneMedian * 1000)} µs`]);
      // Asked for two threads, tfjs-backend-wasm 4.22 loads its threaded build and starts its worker pool, but
      // XNNPACK's thread pool reports the count tf.wasm.getThreadsCount() gives, which the row says.
      const threadsNote = p.asked > 1 ? `; ${p.asked} threads asked for (cross-origin isolated page, threaded build), ${p.threads} reported by tf.wasm.getThreadsCount()` : '';
      rows.push([`tfjs-${backend}`, '20x20 grid, median', `${fmt(p.gridMedian, 1)} ms`, `ours ${fmt(p.gridMedian / p.oursGridMedian, 1)}×`, `${paired}: ours ${fmt(p.oursGridMedian, 1)} ms; our pretrained decoder in both (probabilities within ${p.gridDiff.toExponential(1)})${threadsNote}`]);
    }

    // ONNX Runtime Web, one thread and two (the page is cross-origin isolated): our decoder exported to ONNX.
    for (const threads of [1, 2]) {
      const o = await onnxRuntime(threads, Q({ singles: 1000, grids: 30 }, { singles: 10, grids: 2 }));
      for (const key of ['one', 'oursOne', 'grid', 'oursGrid']) measured(`ort-wasm ${threads} threads ${key}`, o[key]);
      if (!(o.gridDiff < 1e-4)) throw new Error(`ONNX Runtime Web's grid differs from ours by ${o.gridDiff}: it is not decoding the same model`);
      if (threads > 1 && !o.isolated) throw new Error('the ONNX Runtime page is not cross-origin isolated: it cannot run threads');
      const paired = 'each call paired with one of ours in the same page';
      const name = `ort-wasm ×${threads}`;
      rows.push([name, `ONNX Runtime Web 1.30, wasm, ${threads} thread${threads > 1 ? 's' : ''}: one decode (session.run), median`, `${fmt(o.one * 1000, 1)} µs`, `ours ${fmt(o.one / o.oursOne, 2)}×`, `groups of 10 calls, each group paired with 10 of ours in the same page: ours ${fmt(o.oursOne * 1000, 1)} µs`]);
      const oursHow = threads > 1
        ? `blocks of 10 calls of each, alternated in the same page (the first 4 of each block not counted): ours, the page's thread and its helper worker claiming chunks of the grid (the page's ${o.pageRows} of 400 points at the median),`
        : `${paired}: ours (one thread)`;
      rows.push([name, '20x20 grid, median', `${fmt(o.grid, 1)} ms`, `ours ${fmt(o.grid / o.oursGrid, 2)}×`, `${oursHow} ${fmt(o.oursGrid, 1)} ms; our pretrained decoder exported to ONNX (probabilities within ${o.gridDiff.toExponential(1)})`]);
    }

    const size = (f) => { const b = readFileSync(join(ROOT, f)); return [b.length, gzipSync(b, { level: 9 }).length]; };
    const [pr, pg] = size(wasmFile('vae_wasm', BUILD));
    const [tr2, tg] = size(wasmFile('vae_train', BUILD));
    const [sr, sg] = size(wasmFile('vae_wasm', BUILD === 'relaxed' ? 'simd128' : 'relaxed'));
    [pr, pg, tr2, tg, sr, sg].forEach((v, i) => measured(`wasm size ${i}`, v));
    rows.push(['size', 'wasm the page loads, raw / gzip -9', `${fmt(pr)} / ${fmt(pg)} B`, '≤ 350 KB gzip', `the ${buildName[BUILD]}; the other build of the same module: ${fmt(sr)} / ${fmt(sg)} B`]);
    rows.push(['size', 'wasm the training worker loads, raw / gzip -9', `${fmt(tr2)} / ${fmt(tg)} B`, '', `the ${buildName[BUILD]}; fetched only when training starts`]);
    rows.push(['size', 'pretrained weights (f16)', `${fmt(readFileSync(join(ROOT, 'web', 'models', 'mnist-2d.safetensors')).length)} B`, '']);

    const missing = [
      ...rows.filter((r) => /NaN|undefined|Infinity|∞/.test(r.join(' '))).map((r) => r[1]),
      ...figures.filter(([, v, zero]) => !(Number.isFinite(v) && (v > 0 || (zero && v === 0)))).map(([name, v]) => `${name} = ${v}`),
    ];
    if (missing.length) {
      console.error(`figures that were not measured: ${missing.join('; ')}`);
      process.exitCode = 1;
      break;
    }
    runs.push(rows);
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const machine = `${cpus().length} cores, ${cpu}, ${fmt(totalmem() / 2 ** 30)} GiB; Chromium ${browserVersion} headless`
    + ` (${env.isolated ? 'cross-origin isolated, 5 µs timers' : 'not isolated: 100 µs timers'})`;
  const date = new Date().toISOString().slice(0, 10);
  if (runs.length === RUNS) {
    const table = mergeRuns(runs);
    printTable(table, machine, date);
    if (!quick) {
      writeFileSync(join(ROOT, 'BENCHMARKS.md'), markdown(table, machine, date, env.build));
      console.log('wrote BENCHMARKS.md');
    }
  }
} finally {
  await browser.close();
  await server.stop();
}

/** One table from several full runs: for each row, the row of the run whose figure (the first number of its
 *  "measured" cell; a peer's ratio to ours, on a peer's row) is the median, so that its ratio and notes stay
 *  those of one run, with every run's figure (and ratio) beside it. Rows are matched by position; every run
 *  makes the same rows in the same order. */
function mergeRuns(runs) {
  if (runs.length === 1) return runs[0];
  const first = (cell) => Number((String(cell).match(/-?[\d,]*\.?\d+/) ?? ['NaN'])[0].replace(/,/g, ''));
  return runs[0].map((row, i) => {
    const same = runs.map((r) => r[i]);
    if (same.some((r) => !r || r[0] !== row[0])) throw new Error(`the runs made different rows at row ${i + 1} (${row[1]})`);
    // A peer's row ("ours 1.4×") is the run whose ratio is the median: the ratio is what its target is set
    // on, and the run with the peer's median time need not have it (runs 43-45: the grid's ratios 1.79, 1.27
    // and 1.40, ORT's times 8.6, 8.6 and 8.1 ms).
    const key = /^ours /.test(row[3] ?? '') ? (r) => first(r[3]) : (r) => first(r[2]);
    const byValue = same.map((r, k) => [key(r), k]).sort((a, b) => a[0] - b[0]);
    const mid = same[byValue[byValue.length >> 1][1]];
    // A ratio's median run is not every run's: each run's ratio too, where the row has one.
    const ratios = /×/.test(row[3] ?? '') ? `; ratios by run: ${same.map((r) => r[3]).join(' · ')}` : '';
    const spread = `${runs.length} runs: ${same.map((r) => r[2]).join(' · ')}${ratios}`;
    return [mid[0], mid[1], mid[2], mid[3], mid[4] ? `${spread}; ${mid[4]}` : spread];
  });
}

function printTable(rows, machine, date) {
  console.log(`${date} · ${machine}${quick ? ' · QUICK MODE: one short window per figure, rough figures' : ''}`);
  for (const [sec, fig, ours, ref, note] of rows) {
    console.log(`${sec.padEnd(10)} ${fig.padEnd(78)} ${ours.padStart(22)}  ${(ref ?? '').padEnd(14)} ${note ?? ''}`);
  }
}

function markdown(rows, machine, date, build) {
  const esc = (s) => String(s ?? '').replace(/\|/g, '\\|');
  return `# Benchmarks

Written by \`./scripts/bench\` on ${date}. Machine: ${machine}.
${RUNS > 1 ? `Each row is the median of ${RUNS} full runs: the row of the run whose figure is the median (on a peer's row, whose ratio to ours is), with every run's figure in its notes.\n` : ''}
Ours and TensorFlow.js 4.22 ran in the same browser, in the same run. Ours: \`pkg/\` from \`./scripts/build-wasm\`
(single thread), the build the page picks (${build === 'relaxed' ? 'relaxed SIMD: f32x4.relaxed_madd in the product kernel' : 'SIMD128'}) except where a row names the SIMD128 build; decoding used the pretrained model, training a fresh 784-512-2 model.
TensorFlow.js: the same architectures, loss, optimiser (Adam, lr 1e-3) and batch, on \`tfjs-backend-wasm\`
(SIMD, one thread) and \`tfjs-backend-cpu\`, run on the main thread of the same page; its decoder is our
pretrained one, read from the same weights file (the bench stops if its pictures differ from ours). Native: \`vae bench\`.
Two limits we did not write: the instruction-set peak (f32x4 multiply-adds from registers, \`tests/bench/peak.mjs\`,
timed in the training worker in every window) and XNNPACK's GEMM (tfjs-backend-wasm's \`matMul\` on untransposed
operands of our shapes).

| | figure | measured | target / ratio | notes |
| --- | --- | --- | --- | --- |
${rows.map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n')}

The ratios say how many times faster ours is (a time divided by ours, or our rate divided by theirs). The decode
ratios pair each TensorFlow.js call with a call of ours made right after it in the same page, since this host's
speed drifts within seconds; the decode rows at the top are ours alone, in the explorer's page.
`;
}

/** In the page: ours, one decode (median, p99 over `singles` calls) and the 20x20 grid (median of `grids`);
 *  with the page's own instance of the core, or with `build` ('relaxed', 'simd128') in an instance of its own. */
async function decodeInPage(page, { singles, grids, build = null }) {
  const file = build && `/${wasmFile('vae_wasm', build)}`;
  const r = await page.evaluate(async ({ singles, grids, build, file }) => {
    const { default: init, Vae } = await import(build ? `/pkg/vae_wasm.js?build=${build}` : '/pkg/vae_wasm.js');
    await init(build ? { module_or_path: file } : undefined);
    const vae = new Vae(new Uint8Array(await (await fetch('/models/mnist-2d.safetensors')).arrayBuffer()));
    const time = (n, f, warm = 5) => {
      for (let i = 0; i < warm; i++) f(i);
      return Array.from({ length: n }, (_, i) => { const t = performance.now(); f(i); return performance.now() - t; });
    };
    const one = time(singles, (i) => vae.decode(Float32Array.of(Math.sin(i) * 2, Math.cos(i) * 2)));
    const g = new Float32Array(800);
    for (let k = 0; k < 400; k++) { g[2 * k] = -3 + (6 * (k % 20)) / 19; g[2 * k + 1] = 3 - (6 * Math.floor(k / 20)) / 19; }
    // Warm-up: V8 runs wasm from its baseline compiler first and swaps in optimised code once it is hot.
    const grid = time(grids, () => vae.decode(g), 20);
    return { one, grid, config: vae.config };
  }, { singles, grids, build, file });
  return { oneMedian: median(r.one), oneP99: quantile(r.one, 0.99), gridMedian: median(r.grid), grids, config: r.config };
}

/**
 * Serves tests/bench/`name` at /__bench/`name` (whatever its query) to the pages of `context`: at the page's
 * origin, since its Content-Security-Policy allows workers from 'self' only, with the headers vae serve sends
 * with the page's own workers (the page is cross-origin isolated).
 */
function serveBenchWorker(context, name) {
  const path = `/__bench/${name}`;
  return context.route((url) => url.pathname === path, (route) => route.fulfill({
    body: readFileSync(join(ROOT, 'tests', 'bench', name)),
    contentType: 'text/javascript',
    headers: { 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' },
  }));
}

/** In the explorer's page: the 20x20 grid decoded by the page's SplitDecoder (its thread and the helper
 *  worker) and by one call on its thread, alternately, once the helper holds the model; the medians of `grids`
 *  of each, and how many probabilities differ (bit for bit). */
async function splitGrid(page, { grids }) {
  return page.evaluate(splitGridInPage, { grids });
}

/** splitGrid's body, run in the page: window.vaeExplorer's subject and grid decoder. */
async function splitGridInPage({ grids }) {
  const s = window.vaeExplorer.state.subject;
  const split = window.vaeExplorer.app.grid.split;
  const g = new Float32Array(800);
  for (let k = 0; k < 400; k++) { g[2 * k] = -3 + (6 * (k % 20)) / 19; g[2 * k + 1] = 3 - (6 * Math.floor(k / 20)) / 19; }
  await split.decode(s, g); // the first call of a model starts the helper and sends it the weights
  for (let t = 0; split.ready === null && !split.failed && t < 500; t++) await new Promise((r) => setTimeout(r, 20));
  if (split.ready === null) throw new Error(`the grid's helper worker is not ready: ${split.failed ?? 'no answer in 10 s'}`);
  // As the grid panel does, each grid's array is given back once the next has landed (SplitDecoder.recycle).
  let shown = null;
  const pageRows = [];
  const splitCall = async () => { const probs = await split.decode(s, g); split.recycle(shown); shown = probs; pageRows.push(split.last.page); };
  for (let i = 0; i < 20; i++) { s.decode(g); await splitCall(); }
  const [one, two] = [[], []];
  for (let i = 0; i < grids; i++) {
    let t = performance.now();
    s.decode(g);
    one.push(performance.now() - t);
    t = performance.now();
    await splitCall();
    two.push(performance.now() - t);
  }
  const [whole, joined] = [s.decode(g), await split.decode(s, g)];
  if (split.failed || split.last.helper === 0) throw new Error(`the helper did not take its share: ${split.failed}`);
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  return { one: median(one), two: median(two), rows: median(pageRows), fewest: Math.min(...pageRows), most: Math.max(...pageRows), differ: whole.filter((v, i) => !Object.is(v, joined[i])).length };
}

/** Navigation to the first painted digit, in a fresh context (empty cache), from the page's own mark. */
async function coldStart() {
  const { page, context } = await openPage(browser, server.url);
  await page.waitForFunction(() => performance.getEntriesByName('vae:first-digit').length > 0, null, { timeout: 30_000 });
  const ms = await page.evaluate(() => performance.getEntriesByName('vae:first-digit')[0].startTime);
  await context.close();
  return ms;
}

/**
 * Drags the point across the real page with the mouse, one move every 1/60 s for `seconds`, in a circle.
 * In the page, counts animation frames, the frames in which the digit was decoded and painted, and the gaps
 * between frames: a gap over 1.5 frame periods is a dropped frame.
 */
async function scriptedDrag(page, seconds, canvas = '#latent') {
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
  const box = await page.locator(canvas).boundingBox();
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
    decodes: rec.decodes.length,
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
 * In a dedicated module worker running the training module (`pkg/vae_train`): trains the classic 784-512-2
 * VAE (batch 100, seed 1) on the 9,000 training digits, `warm` steps then `windows` timed windows of
 * `steps` steps with `gap` untimed steps between windows; times the 100x784 by 784x512 product; reads wasm
 * memory after mem[0] and mem[1] steps.
 */
async function trainingInWorker(args) {
  const { page, context } = await openPage(browser, server.url);
  await waitReady(page);
  await serveBenchWorker(context, 'train-worker.js');
  const out = await page.evaluate(async (args) => {
    const worker = new Worker('/__bench/train-worker.js', { type: 'module' });
    const r = await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage(args);
    });
    worker.terminate();
    return r;
  }, { ...args, file: `/${wasmFile('vae_train', args.build)}` });
  await context.close();
  const last = args.warm + args.windows * args.steps + (args.windows - 1) * args.gap;
  const span = args.windows > 1 ? `, one every ${fmt(args.steps + args.gap)} steps from step ${fmt(args.warm)} to ${fmt(last)}` : '';
  return { rates: out.rates, median: median(out.rates), steps: args.steps, span, flops: out.flops, gf: out.gf, matmul: median(out.gf), mem: out.memory, peaks: out.peaks };
}

/** Two-worker training against one (tests/bench/pair-worker.js, which runs the page's own protocol and helper),
 *  in the build the page picks; stops the bench if the two runs' weights differ. */
async function pairedTraining(args) {
  const { page, context } = await openPage(browser, server.url);
  await waitReady(page);
  await serveBenchWorker(context, 'pair-worker.js');
  const out = await page.evaluate((args) => new Promise((resolve, reject) => {
    const worker = new Worker(`/__bench/pair-worker.js?wasm=${document.body.dataset.wasm}`, { type: 'module' });
    worker.onmessage = (e) => { worker.terminate(); resolve(e.data); };
    worker.onerror = (e) => reject(new Error(e.message ?? 'the pair worker failed'));
    worker.postMessage(args);
  }), args);
  await context.close();
  if (!out.same) throw new Error('one worker and two gave different weights from the same seed');
  return { one: median(out.one), two: median(out.two), windows: out.one.length, build: out.build, cores: out.cores };
}

/** ONNX Runtime Web 1.30 (npm), its wasm backend with `threads` threads, in a page of the same origin (its files
 *  served by the bench only), decoding our pretrained decoder exported to ONNX by tests/bench/export_decoder.py;
 *  each call paired with one of ours, as for TensorFlow.js. Returns the medians and the largest difference of
 *  the two grids' probabilities. */
async function onnxRuntime(threads, { singles, grids }) {
  const { page, context } = await openPage(browser, server.url, { bypassCSP: true });
  await waitReady(page);
  const dist = join(ROOT, 'tests', 'bench', 'node_modules', 'onnxruntime-web', 'dist');
  const onnx = process.env.BENCH_ONNX ?? join(ROOT, 'target', 'bench', 'decoder.onnx');
  await page.route('**/__ort/**', (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop();
    const file = name === 'decoder.onnx' ? onnx : join(dist, name);
    if (!/^[\w.-]+$/.test(name) || !existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({
      body: readFileSync(file),
      contentType: name.endsWith('.wasm') ? 'application/wasm' : name.endsWith('.mjs') ? 'text/javascript' : 'application/octet-stream',
      // Same origin, and its workers cross-origin isolated as the page is: ORT's threads need shared memory.
      headers: { 'Cross-Origin-Resource-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    });
  });
  const r = await page.evaluate(async ({ threads, singles, grids }) => {
    const ort = await import('/__ort/ort.wasm.min.mjs');
    ort.env.wasm.wasmPaths = '/__ort/';
    ort.env.wasm.numThreads = threads;
    const session = await ort.InferenceSession.create('/__ort/decoder.onnx', { executionProviders: ['wasm'] });
    const { default: init, Vae } = await import('/pkg/vae_wasm.js');
    await init();
    const ours = new Vae(new Uint8Array(await (await fetch('/models/mnist-2d.safetensors')).arrayBuffer()));
    const decode = async (z) => (await session.run({ z: new ort.Tensor('float32', z, [z.length / 2, 2]) })).probs.data;
    const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
    // Their calls and ours alternated, `size` calls at a time, each group timed whole. A single decode takes 8 to
    // 20 steps of this page's 5 µs timer: it is timed in groups of 10, so that a call's time is known to 0.5 µs.
    const alternated = async (count, warm, theirs, mine, size = 1) => {
      for (let i = 0; i < warm; i++) { await theirs(i); await mine(i); }
      const [a, b] = [[], []];
      for (let i = 0; i < count; i += size) {
        for (const [f, into] of [[theirs, a], [mine, b]]) {
          const t0 = performance.now();
          for (let j = i; j < i + size; j++) await f(j);
          into.push((performance.now() - t0) / size);
        }
      }
      return [median(a), median(b)];
    };
    const point = (i) => Float32Array.of(Math.sin(i) * 2, Math.cos(i) * 2);
    const [one, oursOne] = await alternated(singles, 5, (i) => decode(point(i)), (i) => ours.decode(point(i)), 10);
    const g = new Float32Array(800);
    for (let k = 0; k < 400; k++) { g[2 * k] = -3 + (6 * (k % 20)) / 19; g[2 * k + 1] = 3 - (6 * Math.floor(k / 20)) / 19; }
    // With two threads, ours on two cores as well: the grid as the page decodes it, its thread and its helper
    // worker (the page's own model, whose weights file is ours's).
    const s = window.vaeExplorer.state.subject;
    const split = window.vaeExplorer.app.grid.split;
    if (threads > 1) {
      await split.decode(s, g);
      for (let t = 0; split.ready === null && !split.failed && t < 500; t++) await new Promise((r) => setTimeout(r, 20));
      if (split.ready === null) throw new Error(`the grid's helper worker is not ready: ${split.failed ?? 'no answer in 10 s'}`);
    }
    // The page's grid panel gives each grid's array back once the next has landed (SplitDecoder.recycle), and
    // so does this. ORT's wasm backend has no such reuse: given a pre-allocated output tensor on the CPU, it
    // leaves it untouched (all zeros, in a scratch run), so each of its calls makes a new output array.
    let shown = null;
    const pageRows = [];
    const oursGridCall = threads > 1 ? async () => { const probs = await split.decode(s, g); split.recycle(shown); shown = probs; pageRows.push(split.last.page); return probs; } : () => ours.decode(g);
    // With two threads, call for call is unfair to ours: ORT's two threads slow what runs for about 40 ms
    // after them (ours right after one of its calls took 14.7-17.4 ms, back to back 7.4-9.0 ms, in scratch
    // runs). So blocks alternate, 10 calls of theirs, then 10 of ours, the first 4 of each block not counted.
    // In scratch pages (medians over 10 blocks, by place in the block), ours ran 9.9, 11.4, 7.5, 6.5, then
    // 4.7-5.5 ms after a block of ORT's, and 4.5-5.3 ms from the first call after a block of 9 ms pauses;
    // ORT's own calls did not depend on their place (7.4-8.6 ms).
    const blocks = async (count, warm, theirs, mine) => {
      for (let i = 0; i < warm; i++) { await theirs(i); await mine(i); }
      const [a, b] = [[], []];
      while (a.length < count) {
        for (const [f, into] of [[theirs, a], [mine, b]]) {
          for (let i = 0; i < 10; i++) {
            const t0 = performance.now();
            await f(i);
            if (i >= 4) into.push(performance.now() - t0);
          }
        }
      }
      return [median(a), median(b)];
    };
    const [grid, oursGrid] = await (threads > 1 ? blocks : alternated)(grids, 20, () => decode(g), oursGridCall);
    const theirs = await decode(g);
    const mine = await oursGridCall();
    if (threads > 1 && !(split.last.helper > 0)) throw new Error(`the helper did not take its share: ${split.failed}`);
    const gridDiff = theirs.reduce((m, v, i) => Math.max(m, Math.abs(v - mine[i])), 0);
    return { one, oursOne, grid, oursGrid, gridDiff, threads: ort.env.wasm.numThreads, isolated: crossOriginIsolated, pageRows: pageRows.length ? median(pageRows) : null };
  }, { threads, singles, grids });
  await context.close();
  return r;
}

/** TensorFlow.js 4.22 in a page of the same origin: its files are served to the page by the bench only. */
async function tfjs(backend, opts, config) {
  // The peer runs in a context of its own that bypasses the page's Content-Security-Policy: TensorFlow.js is
  // not written for a policy without eval, and the page itself never loads it.
  const { page, context } = await openPage(browser, server.url, { bypassCSP: true });
  await waitReady(page);
  // Served under /__tfjs/ by the bench (same origin, as the page's own policy requires), never by vae serve.
  const mod = (p) => join(ROOT, 'tests', 'bench', 'node_modules', '@tensorflow', p);
  const files = {
    'tf.min.js': mod('tfjs/dist/tf.min.js'),
    'tf-backend-wasm.min.js': mod('tfjs-backend-wasm/dist/tf-backend-wasm.min.js'),
    'tfjs-backend-wasm.wasm': mod('tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
    'tfjs-backend-wasm-simd.wasm': mod('tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'),
    'tfjs-backend-wasm-threaded-simd.wasm': mod('tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm'),
    'tfjs-peer.js': join(ROOT, 'tests', 'bench', 'tfjs-peer.js'),
  };
  await page.route('**/__tfjs/**', (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop();
    if (!files[name]) return route.fulfill({ status: 404 });
    return route.fulfill({
      body: readFileSync(files[name]),
      contentType: name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript',
      headers: { 'Cross-Origin-Resource-Policy': 'same-origin' },
    });
  });
  for (const f of ['tf.min.js', 'tf-backend-wasm.min.js', 'tfjs-peer.js']) {
    await page.addScriptTag({ url: `/__tfjs/${f}` });
  }
  const r = await page.evaluate(async ({ backend, opts, hidden }) => {
    const images = new Uint8Array(await (await fetch('/data/train-images.idx3-ubyte')).arrayBuffer()).subarray(16);
    // Ours too, with the pretrained weights, timed call for call against theirs.
    const { default: init, Vae } = await import('/pkg/vae_wasm.js');
    await init();
    const weights = new Uint8Array(await (await fetch('/models/mnist-2d.safetensors')).arrayBuffer());
    const ours = new Vae(weights);
    return window.tfjsPeer(backend, { ...opts, images, weights, decoderHidden: [...hidden].reverse(), ours });
  }, { backend, opts, hidden: config.hidden });
  await context.close();
  return { ...r, steps: opts.steps };
}
