//! The matrix products of the wasm build: [`product_t`] forward and [`product_nn`] backward. [`product_t`]:
//! y = a b^T with both factors row-major, so that the summed index runs along each factor's rows ("dot form").
//! Three rows of `a` against three rows of `b` at a time in the relaxed-SIMD build, four by two elsewhere (see
//! `shape`), four lanes of the summed index per vector: on x86-64 V8 keeps the accumulators and the loads in
//! registers. No packing: each tile's rows of `b` (at most 9.4 KB for the model's layers) stay in L1 while all
//! of `a` streams past them.
//!
//! Why by hand, beside `gemm`: in Chromium 156 here, a scratch wasm module timed gemm's simd128 kernel
//! (12 x 4 tiles over packed panels) and this tile call for call, in three browser launches: the probe's
//! product (100 x 784 by 784 x 512) ran at 27.7-29.7 GFLOP/s in gemm and 38.2-40.1 in this tile, the 20 x 20
//! grid's (400 x 512 by 512 x 784) at 29.2-30.0 and 36.9-37.8. Natively gemm stays: its AVX2 kernels and
//! threads are faster there.
//!
//! The backward pass's products, dx = dy W and dW = dy^T x, have their summed index along a factor's
//! columns. [`product_nn`] takes them as they lie ("broadcast form"); transposing them into dot form first
//! cost a copy of each factor per product. Training the 784-512-2 VAE in a Chromium worker (relaxed build,
//! alternated with the transposing build in one page): 7,815 against 7,378 samples/s (medians of 18 windows of
//! 40 steps; the broadcast build ahead in 5 of 6 rounds), 7,551 against 7,275 in another run, and 4,384
//! against 3,882 while a test run shared the host.

use std::cell::RefCell;

use wide::f32x4;

use crate::lanes::{load, madd, padded, quad};

// The tiles' shapes, for each build. A tile's accumulators, the vectors of b it loads and a vector of a must all
// stay in the 15 vector registers V8 allocates on x86-64 (xmm15 is its scratch).
// - With fused multiply-adds (the relaxed-SIMD wasm build), 3 x 3 in both forms: nine accumulators, three
//   vectors of b, one of a: 13 registers, and six loads for nine multiply-adds, against six for eight in 4 x 2.
//   Alternated with 4 x 2 in one Chromium page (medians of 15 rounds): the grid's largest product,
//   400 x 384 by 384 x 784, at 27.9 against 25.8 and 29.4 against 26.9 GFLOP/s (ahead in 15 and 14 of 15);
//   the 20 x 20 grid decoded in 9.59 against 10.22, 9.98 against 10.78 and 12.81 against 13.31 ms (ahead in
//   36, 31 and 33 of 40); training (medians of 18 windows of 40 steps) at 8,126 against 6,947 samples/s, with
//   7,733 for the dot form's 3 x 3 alone, and 8,207 against 7,632 in another page.
// - Everywhere else (the SIMD128 build, and natively: a multiply, then an add, whose product takes one more
//   register), 4 x 2 in both forms: in the SIMD128 build 3 x 3 trained at 5,571 samples/s against 7,123 for
//   4 x 2 (6,620 with the dot form's alone), in one page.
// Not 4 x 3 (twelve accumulators: 16 registers): the grid's largest product at 23.8 against 45.5 GFLOP/s for
// 3 x 3 (relaxed build). Not 5 x 2 (ten accumulators, 13 registers): training at 6,709 against 9,249 samples/s
// for 4 x 2 (relaxed build, the same page, medians of 18 windows of 40 steps).
#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
mod shape {
    /// Rows of `a` and rows of `b` per dot-form tile.
    pub const DOT: [usize; 2] = [3, 3];
    /// Rows of `y` and vectors of its columns per broadcast-form tile.
    pub const BROADCAST: [usize; 2] = [3, 3];
}
#[cfg(not(all(target_arch = "wasm32", target_feature = "relaxed-simd")))]
mod shape {
    pub const DOT: [usize; 2] = [4, 2];
    pub const BROADCAST: [usize; 2] = [4, 2];
}

/// Below this many rows of `a` (a single decode), [`product_t`] takes them one at a time against `GR` rows of b.
const FEW: usize = 4;
/// Rows of `b` per tile when `a` has fewer than [`FEW`] rows.
const GR: usize = 8;

/// y (m, n) = [y +] a (m, k) b (n, k)^T, with m and n from the lengths of `a` and `b`.
pub fn product_t(a: &[f32], b: &[f32], k: usize, y: &mut [f32], add: bool) {
    product_t_in::<{ shape::DOT[0] }, { shape::DOT[1] }>(a, b, k, y, add)
}

/// [`product_t`] in tiles of MR rows of `a` by NR rows of `b` (at most 4 x 3).
fn product_t_in<const MR: usize, const NR: usize>(a: &[f32], b: &[f32], k: usize, y: &mut [f32], add: bool) {
    assert!(k > 0 && a.len().is_multiple_of(k) && b.len().is_multiple_of(k), "factors are not rows of {k}");
    let (m, n) = (a.len() / k, b.len() / k);
    assert_eq!(y.len(), m * n, "product destination");
    // One to three rows (a single decode): each against eight rows of b at a time, so that eight accumulators,
    // not two, keep the multiply-adds apart; the last columns go to the tiles below. The sums are those of the
    // 1 x 2 tile, to the bit. The pretrained decoder's single decode took 31.0 against 63.4 µs (relaxed build)
    // and 37.3 against 63.3 (SIMD128): in Chromium, a scratch wasm module, medians of 7 blocks of 2,000
    // decodes, alternated.
    let wide = if m < FEW { n / GR * GR } else { 0 };
    for j in (0..wide).step_by(GR) {
        for i in 0..m {
            tile::<1, GR>(&a[i * k..(i + 1) * k], &b[j * k..(j + GR) * k], k, &mut y[i * n..], n, j, add);
        }
    }
    dot_tiles::<MR, NR>(a, &b[wide * k..], k, y, n, wide, add);
}

/// The rows of `a` (m, k) against the rows of `b`, MR by NR at a time: y[i * n + j0 + c] = [y +] a_i . b_c.
fn dot_tiles<const MR: usize, const NR: usize>(
    a: &[f32],
    b: &[f32],
    k: usize,
    y: &mut [f32],
    n: usize,
    j0: usize,
    add: bool,
) {
    let (m, nb) = (a.len() / k, b.len() / k);
    for c in (0..nb).step_by(NR) {
        let nr = NR.min(nb - c);
        let (bj, j) = (&b[c * k..(c + nr) * k], j0 + c);
        for i in (0..m).step_by(MR) {
            let mr = MR.min(m - i);
            let ai = &a[i * k..(i + mr) * k];
            let yi = &mut y[i * n..];
            // Arms for shapes larger than MR x NR are never taken (LLVM drops them).
            match (mr, nr) {
                (4, 3) => tile::<4, 3>(ai, bj, k, yi, n, j, add),
                (4, 2) => tile::<4, 2>(ai, bj, k, yi, n, j, add),
                (4, 1) => tile::<4, 1>(ai, bj, k, yi, n, j, add),
                (3, 3) => tile::<3, 3>(ai, bj, k, yi, n, j, add),
                (3, 2) => tile::<3, 2>(ai, bj, k, yi, n, j, add),
                (3, 1) => tile::<3, 1>(ai, bj, k, yi, n, j, add),
                (2, 3) => tile::<2, 3>(ai, bj, k, yi, n, j, add),
                (2, 2) => tile::<2, 2>(ai, bj, k, yi, n, j, add),
                (2, 1) => tile::<2, 1>(ai, bj, k, yi, n, j, add),
                (1, 3) => tile::<1, 3>(ai, bj, k, yi, n, j, add),
                (1, 2) => tile::<1, 2>(ai, bj, k, yi, n, j, add),
                _ => tile::<1, 1>(ai, bj, k, yi, n, j, add),
            }
        }
    }
}

/// R rows of `a` (R * k numbers) against C rows of `b`, into y[r * n + j + c]. Not inlined: as one function
/// per tile shape, the products with k = 100 (the weight gradients) ran about 10 % faster in Chromium.
#[inline(never)]
fn tile<const R: usize, const C: usize>(a: &[f32], b: &[f32], k: usize, y: &mut [f32], n: usize, j: usize, add: bool) {
    // Each row sliced once (bounds checked here), then read unchecked by `load`.
    let rows: [&[f32]; R] = std::array::from_fn(|r| &a[r * k..(r + 1) * k]);
    let cols: [&[f32]; C] = std::array::from_fn(|c| &b[c * k..(c + 1) * k]);
    let mut acc = [[f32x4::ZERO; C]; R];
    let full = k / 4 * 4;
    for q in 0..k / 4 {
        // SAFETY: 4 q + 4 <= full <= k, the length of every row.
        let bv: [f32x4; C] = std::array::from_fn(|c| unsafe { load(cols[c], 4 * q) });
        for r in 0..R {
            let av = unsafe { load(rows[r], 4 * q) };
            for c in 0..C {
                acc[r][c] = madd(av, bv[c], acc[r][c]);
            }
        }
    }
    for r in 0..R {
        for c in 0..C {
            let mut s = sum(acc[r][c]);
            if full < k {
                s += (full..k).map(|q| rows[r][q] * cols[c][q]).sum::<f32>();
            }
            let out = &mut y[r * n + j + c];
            *out = if add { *out + s } else { s };
        }
    }
}

/// b's panel is packed when it holds at most this many numbers (8 KB, a quarter of L1).
const PANEL_MAX: usize = 2048;

thread_local! {
    /// [`product_nn`]'s packed copies of a and of b's panel, kept between calls so that a product allocates
    /// nothing once they have grown.
    static PACKS: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// y (m, n) = [y +] a b, with `b` (k, n) row-major and element (i, q) of `a` (m, k) at
/// `a[i * a_row + q * a_col]`: the "broadcast form", for the backward pass's products, whose factors come
/// as they lie (dx = dy W reads dy by rows, dW = dy^T x by columns) with no transposing. Three rows of y by
/// twelve columns at a time in the relaxed-SIMD build, four by eight elsewhere (see `shape`): for each q, the
/// rows' numbers of `a` broadcast against the vectors of b's row q, into accumulators that are y's own numbers
/// (no sum across lanes at the end). The column tiles are the outer loop, so that b's panel (k rows of the
/// tile's columns) stays in L1 while `a` streams past it. Not XNNPACK's other shape, 6 x 8: its twelve
/// accumulators, two vectors of b and the broadcast fill 15 of x86-64's 16 vector registers, and training ran
/// at 5,204 against 6,592 samples/s with it (the same page, 9 windows each).
///
/// Packing, as XNNPACK does, where it paid in Chromium (a scratch wasm module, the 784-512-2 model's
/// products at a share of 50 rows, each timed against the unpacked kernel in turn):
/// - `a` read by columns (dW's dy^T) is copied into blocks of a tile's rows, each (k, BR), so that a tile's
///   numbers of each q lie side by side rather than a row of dy apart.
/// - b's panel is copied into a (k, 4 BV) block when it is small (the weight gradients, k = 50): b's rows are
///   512 numbers apart in dW = dy^T h, 2 KB, so that in place the panel's rows fall into two of L1's 64 sets
///   and evict each other. Together: dW of the decoder's output layer at 42.0-47.1 against 30.2-33.8
///   GFLOP/s (relaxed build), 32.1-36.2 against 20.0-25.6 (SIMD128 build); of the encoder's first layer at
///   45.0-46.0 against 37.1-37.2, and 35.2-35.9 against 29.2-30.2. A large panel (dx = dy W, k = 784: 25 KB)
///   is read in place: packed, it ran at 35.1-36.5 against 43.2-43.3.
#[allow(clippy::too_many_arguments)]
pub fn product_nn(a: &[f32], a_row: usize, a_col: usize, m: usize, b: &[f32], k: usize, y: &mut [f32], add: bool) {
    product_nn_in::<{ shape::BROADCAST[0] }, { shape::BROADCAST[1] }>(a, a_row, a_col, m, b, k, y, add)
}

/// [`product_nn`] in tiles of BR rows of y by BV vectors of its columns (at most 4 x 3), and blocks of BR rows
/// where `a` is packed.
#[allow(clippy::too_many_arguments)]
fn product_nn_in<const BR: usize, const BV: usize>(
    a: &[f32],
    a_row: usize,
    a_col: usize,
    m: usize,
    b: &[f32],
    k: usize,
    y: &mut [f32],
    add: bool,
) {
    assert!(k > 0 && m > 0 && b.len().is_multiple_of(k), "b is not k = {k} rows");
    let n = b.len() / k;
    assert_eq!(y.len(), m * n, "product destination");
    assert!((m - 1) * a_row + (k - 1) * a_col < a.len(), "a is too short for {m} x {k} at its strides");
    let full = n / 4 * 4;
    // b's panel is read by every row block: packed where there are several (not for the heads' dW, of two rows).
    let (pack_a, pack_b) = (a_col != 1, k * 4 * BV <= PANEL_MAX && m >= 4 * BR);
    PACKS.with(|packs| {
        let (pa, pb) = &mut *packs.borrow_mut();
        if pack_a {
            // Row block i / BR at pa[i * k..], (k, BR): element (i + r, q) at q * BR + r. A last block of fewer
            // than BR rows leaves the rest as it was: its tile reads only its own rows.
            pa.resize(pa.len().max(m.div_ceil(BR) * BR * k), 0.0);
            for (i, dst) in (0..m).step_by(BR).zip(pa.chunks_exact_mut(k * BR)) {
                let rows = BR.min(m - i);
                for (q, d) in dst.chunks_exact_mut(BR).enumerate() {
                    if a_row == 1 && rows == BR {
                        // dy^T: the block's numbers of q lie side by side in dy's row q.
                        d.copy_from_slice(&a[i + q * a_col..][..BR]);
                    } else {
                        for (r, d) in d[..rows].iter_mut().enumerate() {
                            *d = a[(i + r) * a_row + q * a_col];
                        }
                    }
                }
            }
        }
        let mut c = 0;
        while c < full {
            let vectors = BV.min((full - c) / 4);
            let w = 4 * vectors;
            let (bp, b_row) = if pack_b {
                pb.resize(pb.len().max(k * w), 0.0);
                // Four numbers at a time: one 16-byte load and store each.
                for (j, d) in pb[..k * w].chunks_exact_mut(4).enumerate() {
                    let (q, v) = (j / vectors, j % vectors);
                    d.copy_from_slice(&b[q * n + c + 4 * v..][..4]);
                }
                (&pb[..], w)
            } else {
                (&b[c..], n)
            };
            for i in (0..m).step_by(BR) {
                let (ai, ar, ac) = if pack_a { (&pa[i * k..], 1, BR) } else { (&a[i * a_row..], a_row, a_col) };
                let yi = &mut y[i * n + c..];
                match (BR.min(m - i), vectors) {
                    (4, 3) => btile::<4, 3>(ai, ar, ac, bp, b_row, k, yi, n, add),
                    (4, 2) => btile::<4, 2>(ai, ar, ac, bp, b_row, k, yi, n, add),
                    (4, 1) => btile::<4, 1>(ai, ar, ac, bp, b_row, k, yi, n, add),
                    (3, 3) => btile::<3, 3>(ai, ar, ac, bp, b_row, k, yi, n, add),
                    (3, 2) => btile::<3, 2>(ai, ar, ac, bp, b_row, k, yi, n, add),
                    (3, 1) => btile::<3, 1>(ai, ar, ac, bp, b_row, k, yi, n, add),
                    (2, 3) => btile::<2, 3>(ai, ar, ac, bp, b_row, k, yi, n, add),
                    (2, 2) => btile::<2, 2>(ai, ar, ac, bp, b_row, k, yi, n, add),
                    (2, 1) => btile::<2, 1>(ai, ar, ac, bp, b_row, k, yi, n, add),
                    (1, 3) => btile::<1, 3>(ai, ar, ac, bp, b_row, k, yi, n, add),
                    (1, 2) => btile::<1, 2>(ai, ar, ac, bp, b_row, k, yi, n, add),
                    _ => btile::<1, 1>(ai, ar, ac, bp, b_row, k, yi, n, add),
                }
            }
            c += w;
        }
        // The last one to three columns: all of them in the decoder's first layer, whose z is two numbers wide.
        if full == n {
            return;
        }
        if pack_a {
            // dW = dy^T z: a block's rows at a time against b's number broadcast, q = 0, 1, ... in order.
            for c in full..n {
                for i in (0..m).step_by(BR) {
                    let ai = &pa[i * k..(i + BR) * k];
                    let rows = |q: usize| if BR == 4 { quad(&ai[q * BR..][..BR]) } else { padded(&ai[q * BR..][..BR]) };
                    let acc = (0..k).fold(f32x4::ZERO, |s, q| madd(rows(q), f32x4::splat(b[q * n + c]), s));
                    for (r, &s) in acc.to_array()[..BR.min(m - i)].iter().enumerate() {
                        let out = &mut y[(i + r) * n + c];
                        *out = if add { *out + s } else { s };
                    }
                }
            }
        } else {
            // dz = dh W: a's rows against the columns, copied into rows, in the dot form's tiles: 2.9 µs for a
            // share's 50 rows (k = 512), against 42-44 µs one number at a time, one sum after another (Chromium,
            // a scratch wasm module, the relaxed build).
            let t = n - full;
            pb.resize(pb.len().max(t * k), 0.0);
            for (q, row) in b.chunks_exact(n).enumerate() {
                for (c, &v) in row[full..].iter().enumerate() {
                    pb[c * k + q] = v;
                }
            }
            let rows = if a_row == k {
                &a[..m * k]
            } else {
                // Rows further apart than k: copied side by side, as the tiles read them.
                pa.resize(pa.len().max(m * k), 0.0);
                for (i, d) in pa[..m * k].chunks_exact_mut(k).enumerate() {
                    d.copy_from_slice(&a[i * a_row..][..k]);
                }
                &pa[..m * k]
            };
            dot_tiles::<{ shape::DOT[0] }, { shape::DOT[1] }>(rows, &pb[..t * k], k, y, n, full, add);
        }
    });
}

/// R rows of y by V vectors of its columns: element (r, q) of `a` at `a[r * a_row + q * a_col]`, b's V
/// vectors of row q at `b[q * b_row..]`, and `y` (rows n apart) from the tile's first number.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn btile<const R: usize, const V: usize>(
    a: &[f32],
    a_row: usize,
    a_col: usize,
    b: &[f32],
    b_row: usize,
    k: usize,
    y: &mut [f32],
    n: usize,
    add: bool,
) {
    // Every read below is inside its slice (checked once here, then read unchecked).
    assert!((R - 1) * a_row + (k - 1) * a_col < a.len() && (k - 1) * b_row + 4 * V <= b.len());
    assert!((R - 1) * n + 4 * V <= y.len());
    let mut acc = [[f32x4::ZERO; V]; R];
    for q in 0..k {
        // SAFETY: q < k, checked against b's length above.
        let bv: [f32x4; V] = std::array::from_fn(|v| unsafe { load(b, q * b_row + 4 * v) });
        for (r, row) in acc.iter_mut().enumerate() {
            // SAFETY: r < R and q < k, checked against a's length above.
            let av = f32x4::splat(unsafe { *a.get_unchecked(r * a_row + q * a_col) });
            for (s, &bq) in row.iter_mut().zip(&bv) {
                *s = madd(av, bq, *s);
            }
        }
    }
    for (r, row) in acc.iter().enumerate() {
        for (v, &s) in row.iter().enumerate() {
            let at = r * n + 4 * v;
            let out = &mut y[at..at + 4];
            let s = if add { quad(out) + s } else { s };
            out.copy_from_slice(s.as_array_ref());
        }
    }
}

/// The sum of the four lanes, ((l0 + l2) + (l1 + l3)): the same code on every target, so the native tests
/// check the sums wasm makes.
#[inline(always)]
fn sum(v: f32x4) -> f32 {
    let [l0, l1, l2, l3] = v.to_array();
    (l0 + l2) + (l1 + l3)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// `len` numbers in [-1, 1), spread by a multiplicative hash of their index, `salt` and `seed`.
    fn fill(len: usize, salt: u64, seed: u64) -> Vec<f32> {
        (0..len as u64).map(|i| (((i + salt) * 2_654_435_761 + seed % 1000) % 997) as f32 / 498.0 - 1.0).collect()
    }

    proptest! {
        /// Every shape's tiles and edges, in both builds' tile shapes (m up to 9 covers two 4 x 2 or three 3 x 3
        /// tiles and each partial one, and fewer than four rows the 1 x 8 tiles; n up to 19, two of those and
        /// each remainder; k up to 11, no full group of four, one, two, and each tail), with and without
        /// accumulating, against the plain triple loop in f64.
        #[test]
        fn product_t_is_a_times_b_transposed(
            m in 1usize..10, n in 1usize..20, k in 1usize..12, add: bool, fused_shape: bool, seed: u64,
        ) {
            let fill = |len, salt| fill(len, salt, seed);
            let (a, b, y0) = (fill(m * k, 1), fill(n * k, 2), fill(m * n, 3));
            let mut y = y0.clone();
            if fused_shape {
                product_t_in::<3, 3>(&a, &b, k, &mut y, add);
            } else {
                product_t_in::<4, 2>(&a, &b, k, &mut y, add);
            }
            for i in 0..m {
                for j in 0..n {
                    let dot: f64 = (0..k).map(|q| a[i * k + q] as f64 * b[j * k + q] as f64).sum();
                    let want = dot + if add { y0[i * n + j] as f64 } else { 0.0 };
                    prop_assert!((y[i * n + j] as f64 - want).abs() <= 1e-5, "({i}, {j}): {} against {want}", y[i * n + j]);
                }
            }
        }

        /// The broadcast form at every edge, in both builds' tile shapes (n up to 19: tiles of three, two and
        /// one vectors, the last columns, these in the dot form's tiles where `a` is read by rows), with `a` read
        /// by rows (side by side or further apart) and by columns (packed in blocks of four or three rows), b's
        /// panel packed (from m = 16 or 12 rows, k up to 11, and up to PANEL_MAX / 8 = 256 or PANEL_MAX / 12 =
        /// 170) and read in place (fewer rows, or k above those), against the triple loop in f64.
        #[test]
        fn product_nn_is_a_times_b(
            m in 1usize..20,
            n in 1usize..20,
            k in prop_oneof![1usize..12, 168usize..173, 254usize..259],
            layout in 0usize..3,
            add: bool,
            fused_shape: bool,
            seed: u64,
        ) {
            let fill = |len, salt| fill(len, salt, seed);
            // a by rows (as dy in dx = dy W), by rows further apart than k, or by columns (stored (k, m), as dy
            // is for dW = dy^T x).
            let (a_row, a_col) = [(k, 1), (k + 3, 1), (1, m)][layout];
            let (a, b, y0) = (fill((m - 1) * a_row + (k - 1) * a_col + 1, 1), fill(k * n, 2), fill(m * n, 3));
            let mut y = y0.clone();
            if fused_shape {
                product_nn_in::<3, 3>(&a, a_row, a_col, m, &b, k, &mut y, add);
            } else {
                product_nn_in::<4, 2>(&a, a_row, a_col, m, &b, k, &mut y, add);
            }
            for i in 0..m {
                for j in 0..n {
                    let terms = (0..k).map(|q| a[i * a_row + q * a_col] as f64 * b[q * n + j] as f64);
                    let (dot, size) = terms.fold((0.0, 0.0), |(s, z), t| (s + t, z + t.abs()));
                    let want = dot + if add { y0[i * n + j] as f64 } else { 0.0 };
                    // A sum of k + 1 f32 terms in any order is within (k + 1) u of the sum of their sizes.
                    let bound = 1e-6 + (k + 1) as f64 * f32::EPSILON as f64 * (size + y0[i * n + j].abs() as f64);
                    prop_assert!((y[i * n + j] as f64 - want).abs() <= bound, "({i}, {j}): {} against {want}", y[i * n + j]);
                }
            }
        }
    }
}
