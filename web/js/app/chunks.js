// The chunks of a batch that two threads decode together, each claiming the next one from a counter in shared
// memory until none is left (app/split-decode.js, decode-worker.js), and the shared buffer that carries the batch:
// its header, its points and labels, and the helper's rows.

/** This many chunks (fewer where a batch has fewer 4-row tiles): enough that a thread the host slows down
 *  leaves its share of the batch to the other, few enough that each call still runs the product kernel on many
 *  rows. The 20 x 20 grid, claimed in 8 chunks of 52 rows (the last 36, before the chunks were evened out),
 *  took 4.52, 4.87 and 4.72 ms against 4.68, 5.17 and 4.77 in 2 chunks (medians of 140 calls each, alternated
 *  in blocks of 10 in one page), 5.48 and 5.16 against 5.95 and 5.70 in 4, and 5.12 and 4.57 against 5.01 and
 *  4.71 in 14. Larger chunks first (80, 80, 60, 60, 40, 40, 20 and 20 rows), so that the last ones are
 *  small: 5.07, 5.81, 4.68 and 5.42 ms against 4.95, 5.74, 4.61 and 5.09 for these, not kept. */
export const CHUNKS = 8;

/** A batch of n rows in at most CHUNKS chunks of whole 4-row tiles (the last may be cut short at n), the
 *  larger chunks first: their first rows, and n. Four rows is the SIMD128 build's product tile; the relaxed-SIMD
 *  build's is three (crates/vae-core/src/kernel.rs), which leaves one row of a 52-row chunk to a narrower tile.
 *  That costs nothing measurable: 51, 52 and 48 points decoded in 21.2, 21.1 and 22.3 µs a point (relaxed
 *  build, one Chromium page, medians of 40 rounds). */
export function chunksOf(n) {
  const tiles = Math.ceil(n / 4);
  const count = Math.min(CHUNKS, tiles);
  const bounds = [0];
  for (let c = 0; c < count; c++) bounds.push(Math.min(n, bounds[c] + 4 * (Math.floor(tiles / count) + (c < tiles % count ? 1 : 0))));
  return bounds;
}

/** The claim counter of `job`, no chunk claimed: the job in the high bits, so that a helper still on an
 *  earlier job can claim nothing of this one. */
export function counterFor(job) {
  return (job & 0x7fffff) << 8;
}

/** The job bits of a claim counter's value v >= 0, as counterFor writes them, whatever has been claimed since. */
export function jobOf(v) {
  return v >> 8;
}

/** Claims the next of `count` chunks of `job` from the counter head[0]: its index, or -1 once none is left or
 *  the counter is another job's. */
export function claim(head, job, count) {
  for (;;) {
    const v = Atomics.load(head, 0);
    if (v - counterFor(job) < 0 || v - counterFor(job) >= count) return -1;
    if (Atomics.compareExchange(head, 0, v, v + 1) === v) return v - counterFor(job);
  }
}

/** The shared buffer's header, Int32 indices: the claim counter, each chunk's flag (the job whose rows the helper
 *  has written there), and the job's number, its model's key, its number of points and whether it carries labels. The
 *  page writes a job's header, points and labels before its counter (Atomics.store), so a helper that sees the
 *  counter sees them. */
export const HEAD = { counter: 0, flag: 1, job: 1 + CHUNKS, key: 2 + CHUNKS, points: 3 + CHUNKS, labelled: 4 + CHUNKS, length: 5 + CHUNKS };

/** Where a batch of n points of `latent` numbers, decoded into `input` numbers each, lies in the shared buffer:
 *  byte offsets of its points (Float32), its labels (one byte each) and the helper's rows (Float32), and the
 *  buffer's length in bytes. */
export function layout(n, latent, input) {
  const z = 4 * HEAD.length;
  const labels = z + 4 * n * latent;
  const rows = labels + 4 * Math.ceil(n / 4);
  return { z, labels, rows, bytes: rows + 4 * n * input };
}
