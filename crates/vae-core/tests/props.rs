//! Properties, checked by proptest on random inputs: the latent helpers (a grid covers its range, a path
//! hits both endpoints, slerp keeps norms) and the loss (finite and non-negative for every finite input in
//! the range where its true value is a finite f32).

use candle_core::{Device, Tensor};
use proptest::prelude::*;
use vae_core::latent::{grid, lerp, path, slerp};
use vae_core::loss::{bce_with_logits_sum, kl_standard_normal};

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
}

/// A pair of vectors of the same dimension (1 to 8), each coordinate in [-10, 10].
fn pair() -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
    (1usize..=8).prop_flat_map(|d| (prop::collection::vec(-10f32..10.0, d), prop::collection::vec(-10f32..10.0, d)))
}

proptest! {
    #[test]
    fn a_grid_covers_its_range(n in 2usize..=30, lo in -10f32..10.0, width in 0.01f32..20.0) {
        let hi = lo + width;
        let g = grid(n, lo, hi);
        prop_assert_eq!(g.len(), n * n);
        // Every point lies in the square, and both ends of both axes are reached exactly.
        prop_assert!(g.iter().flatten().all(|&v| v >= lo && v <= hi));
        prop_assert_eq!(g[0], [lo, hi]);
        prop_assert_eq!(g[n * n - 1], [hi, lo]);
        // Equal steps along a row and down a column.
        let step = width / (n - 1) as f32;
        for c in 1..n {
            prop_assert!((g[c][0] - g[c - 1][0] - step).abs() <= 1e-4 * (1.0 + width));
            prop_assert!((g[(c - 1) * n][1] - g[c * n][1] - step).abs() <= 1e-4 * (1.0 + width));
        }
    }

    #[test]
    fn a_path_hits_both_endpoints((a, b) in pair(), k in 2usize..=20, spherical: bool) {
        let p = path(&a, &b, k, spherical);
        prop_assert_eq!(p.len(), k);
        prop_assert!(close(&p[0], &a, 1e-4), "{:?} vs {:?}", p[0], a);
        prop_assert!(close(&p[k - 1], &b, 1e-4), "{:?} vs {:?}", p[k - 1], b);
    }

    #[test]
    fn lerp_moves_at_a_constant_rate((a, b) in pair(), t in 0f32..=1.0) {
        let p = lerp(&a, &b, t);
        let expect: Vec<f32> = a.iter().zip(&b).map(|(x, y)| (1.0 - t) * x + t * y).collect();
        prop_assert!(close(&p, &expect, 1e-5));
    }

    /// The norm goes linearly from |a| to |b|, so with |a| = |b| it stays constant (the classic slerp).
    #[test]
    fn slerp_keeps_norms((a, b) in pair(), t in 0f32..=1.0, equal: bool) {
        let (na, nb0) = (norm(&a), norm(&b));
        prop_assume!(na > 1e-3 && nb0 > 1e-3);
        let b: Vec<f32> = if equal { b.iter().map(|y| y * na / nb0).collect() } else { b };
        let nb = norm(&b);
        let cos = a.iter().zip(&b).map(|(x, y)| x * y).sum::<f32>() / (na * nb);
        // Opposite ends have no unique great circle (slerp falls back to lerp through the origin).
        prop_assume!(cos > -0.999);
        let p = slerp(&a, &b, t);
        let want = (1.0 - t) * na + t * nb;
        prop_assert!((norm(&p) - want).abs() <= 1e-3 * (1.0 + want), "|p| {} vs {}", norm(&p), want);
    }

    /// BCE summed over 784 pixels: finite and >= 0 for any logits up to 1e30 in size and targets in [0, 1].
    #[test]
    fn reconstruction_is_finite_and_non_negative(
        logits in prop::collection::vec(prop_oneof![-1e30f32..1e30, -50f32..50.0], 784),
        x in prop::collection::vec(prop_oneof![0f32..=1.0, Just(0.0), Just(1.0)], 784),
    ) {
        let l = Tensor::from_vec(logits, (1, 784), &Device::Cpu).unwrap();
        let x = Tensor::from_vec(x, (1, 784), &Device::Cpu).unwrap();
        let r = bce_with_logits_sum(&l, &x).unwrap().to_vec1::<f32>().unwrap()[0];
        prop_assert!(r.is_finite() && r >= 0.0, "recon {}", r);
    }

    /// Closed-form KL: finite and >= 0 for |mu| up to 1e18 and log sigma^2 from -1e30 to 80. Above 88.7,
    /// sigma^2 itself is not a finite f32, so no finite answer exists.
    #[test]
    fn kl_is_finite_and_non_negative(
        mu in prop::collection::vec(prop_oneof![-1e18f32..1e18, -5f32..5.0], 1..=64),
        lv in prop::collection::vec(prop_oneof![-1e30f32..80.0, -5f32..5.0], 64),
    ) {
        let d = mu.len();
        let m = Tensor::from_vec(mu, (1, d), &Device::Cpu).unwrap();
        let v = Tensor::from_vec(lv[..d].to_vec(), (1, d), &Device::Cpu).unwrap();
        let kl = kl_standard_normal(&m, &v).unwrap().to_vec1::<f32>().unwrap()[0];
        prop_assert!(kl.is_finite(), "kl {}", kl);
        // Exactly 0 only at mu = 0, logvar = 0; rounding may leave a few ulps below it.
        prop_assert!(kl >= -1e-5, "kl {}", kl);
    }
}
