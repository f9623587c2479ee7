//! Points in latent space: grids for the manifold picture and paths for interpolation.

/// An n x n grid of 2-D points over [lo, hi] on both axes, row-major with the first row at z2 = hi,
/// so that row r, column c sits where a plot with z2 pointing up would draw it.
pub fn grid(n: usize, lo: f32, hi: f32) -> Vec<[f32; 2]> {
    // (1 - t) lo + t hi with t = i / (n - 1): t = 0 and t = 1 give lo and hi exactly (lo + (hi - lo) t can
    // miss hi by an ulp, which the property test found).
    let at = |i: usize| {
        if n == 1 {
            return (lo + hi) / 2.0;
        }
        let t = i as f32 / (n - 1) as f32;
        (1.0 - t) * lo + t * hi
    };
    (0..n).flat_map(|r| (0..n).map(move |c| [at(c), at(n - 1 - r)])).collect()
}

/// (1 - t) a + t b.
pub fn lerp(a: &[f32], b: &[f32], t: f32) -> Vec<f32> {
    a.iter().zip(b).map(|(x, y)| x + t * (y - x)).collect()
}

/// Spherical interpolation: the direction turns along the great circle from a to b at a constant rate
/// while the norm goes linearly from |a| to |b|. When a and b have equal norms this is the classic slerp
/// and keeps the norm all along. Where the angle is undefined (a zero endpoint) or the great circle is
/// not unique (a and b opposite), it falls back to `lerp`.
pub fn slerp(a: &[f32], b: &[f32], t: f32) -> Vec<f32> {
    let na = norm(a);
    let nb = norm(b);
    if na < 1e-12 || nb < 1e-12 {
        return lerp(a, b, t);
    }
    let cos = (a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / (na * nb)).clamp(-1.0, 1.0);
    let omega = cos.acos();
    if omega < 1e-6 || (std::f32::consts::PI - omega) < 1e-4 {
        return lerp(a, b, t);
    }
    let s = omega.sin();
    let (wa, wb) = (((1.0 - t) * omega).sin() / s, (t * omega).sin() / s);
    let r = na + t * (nb - na);
    a.iter().zip(b).map(|(x, y)| r * (wa * x / na + wb * y / nb)).collect()
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

/// k points from a to b, both included (k >= 2).
pub fn path(a: &[f32], b: &[f32], k: usize, spherical: bool) -> Vec<Vec<f32>> {
    let k = k.max(2);
    (0..k)
        .map(|i| {
            let t = i as f32 / (k - 1) as f32;
            if spherical {
                slerp(a, b, t)
            } else {
                lerp(a, b, t)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_covers_its_range_row_major_top_first() {
        let g = grid(3, -2.0, 2.0);
        assert_eq!(g.len(), 9);
        assert_eq!(g[0], [-2.0, 2.0]);
        assert_eq!(g[2], [2.0, 2.0]);
        assert_eq!(g[4], [0.0, 0.0]);
        assert_eq!(g[8], [2.0, -2.0]);
    }

    #[test]
    fn interpolation_hits_endpoints() {
        let (a, b) = ([1.0, 0.0], [0.0, 3.0]);
        for spherical in [false, true] {
            let p = path(&a, &b, 5, spherical);
            assert_eq!(p.len(), 5);
            assert!(p[0].iter().zip(&a).all(|(x, y)| (x - y).abs() < 1e-6));
            assert!(p[4].iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-6));
        }
    }

    #[test]
    fn slerp_keeps_equal_norms_and_lerp_cuts_the_corner() {
        let (a, b) = ([2.0, 0.0], [0.0, 2.0]);
        let mid = slerp(&a, &b, 0.5);
        assert!((norm(&mid) - 2.0).abs() < 1e-5);
        assert!((mid[0] - 2f32.sqrt()).abs() < 1e-5 && (mid[1] - 2f32.sqrt()).abs() < 1e-5);
        assert!((norm(&lerp(&a, &b, 0.5)) - 2f32.sqrt()).abs() < 1e-5);
        // Opposite endpoints: no unique great circle, lerp through the origin.
        assert_eq!(slerp(&[1.0, 0.0], &[-1.0, 0.0], 0.5), vec![0.0, 0.0]);
    }
}
