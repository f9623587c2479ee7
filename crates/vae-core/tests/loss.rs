//! The loss against closed forms and finite differences, and training on a small batch.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use vae_core::loss::{bce_with_logits_sum, kl_standard_normal, neg_elbo};
use vae_core::model::{reparameterize, Vae};
use vae_core::{Dataset, TrainConfig, Trainer, VaeConfig};

fn t(v: &[f64], shape: (usize, usize)) -> Tensor {
    Tensor::from_slice(v, shape, &Device::Cpu).unwrap()
}

#[test]
fn kl_matches_closed_form() {
    // KL(N(mu, s^2) || N(0, 1)) = 1/2 (s^2 + mu^2 - 1 - ln s^2), summed over dimensions.
    // mu = (1, 2), s^2 = (1, 4): 1/2 (1 + 1 - 1 - 0) + 1/2 (4 + 4 - 1 - ln 4) = 3.3068528...
    let kl = kl_standard_normal(&t(&[1.0, 2.0], (1, 2)), &t(&[0.0, 4f64.ln()], (1, 2))).unwrap();
    let v = kl.to_vec1::<f64>().unwrap()[0];
    assert!((v - (0.5 + 0.5 * (7.0 - 4f64.ln()))).abs() < 1e-12, "{v}");
    // The prior itself has zero KL.
    let zero = kl_standard_normal(&t(&[0.0; 4], (2, 2)), &t(&[0.0; 4], (2, 2))).unwrap();
    assert_eq!(zero.to_vec1::<f64>().unwrap(), vec![0.0, 0.0]);
}

#[test]
fn bce_is_finite_and_correct_at_extreme_logits() {
    // Pixels (x, logit): the exact BCE is -x ln s(l) - (1 - x) ln(1 - s(l)).
    // (1, 100) -> ln(1 + e^-100) ~ 3.7e-44; (0, 100) -> 100; (1, -100) -> 100; (0, -100) -> ~0; (0.5, 0) -> ln 2.
    for dtype in [DType::F32, DType::F64] {
        let x = t(&[1.0, 0.0, 1.0, 0.0, 0.5], (1, 5)).to_dtype(dtype).unwrap();
        let l = t(&[100.0, 100.0, -100.0, -100.0, 0.0], (1, 5)).to_dtype(dtype).unwrap();
        let v = bce_with_logits_sum(&l, &x).unwrap().to_dtype(DType::F64).unwrap().to_vec1::<f64>().unwrap()[0];
        assert!(v.is_finite());
        assert!((v - (200.0 + 2f64.ln())).abs() < 1e-4, "{dtype:?}: {v}");
    }
    // Per-pixel check away from the extremes against the textbook form.
    let (x, l) = (0.3f64, 1.7f64);
    let s = 1.0 / (1.0 + (-l).exp());
    let want = -x * s.ln() - (1.0 - x) * (1.0 - s).ln();
    let got = bce_with_logits_sum(&t(&[l], (1, 1)), &t(&[x], (1, 1))).unwrap().to_vec1::<f64>().unwrap()[0];
    assert!((got - want).abs() < 1e-12);
}

/// A small VAE in f64, for exact gradient checks.
fn tiny(varmap: &VarMap) -> (Vae, VaeConfig) {
    let cfg = VaeConfig { input: 12, hidden: vec![6], latent: 2, beta: 0.7 };
    let vae = Vae::new(&cfg, VarBuilder::from_varmap(varmap, DType::F64, &Device::Cpu)).unwrap();
    (vae, cfg)
}

fn objective(vae: &Vae, x: &Tensor, eps: &Tensor, beta: f64) -> Tensor {
    let (mu, logvar) = vae.encode(x).unwrap();
    let z = reparameterize(&mu, &logvar, eps).unwrap();
    let logits = vae.decode_logits(&z).unwrap();
    neg_elbo(&logits, x, &mu, &logvar, beta).unwrap().objective
}

#[test]
fn gradient_matches_finite_differences() {
    let varmap = VarMap::new();
    let (vae, cfg) = tiny(&varmap);
    let x = Tensor::rand(0f64, 1f64, (3, cfg.input), &Device::Cpu).unwrap();
    let eps = Tensor::randn(0f64, 1f64, (3, cfg.latent), &Device::Cpu).unwrap();
    let loss = objective(&vae, &x, &eps, cfg.beta);
    let grads = loss.backward().unwrap();
    let vars: Vec<(String, Var)> = {
        let data = varmap.data().lock().unwrap();
        data.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let h = 1e-6;
    let mut checked = 0;
    for (name, var) in &vars {
        let g = grads.get(var.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let base = var.as_tensor().flatten_all().unwrap().to_vec1::<f64>().unwrap();
        for i in [0, base.len() / 2, base.len() - 1] {
            let at = |d: f64| {
                let mut p = base.clone();
                p[i] += d;
                var.set(&Tensor::from_vec(p, var.shape(), &Device::Cpu).unwrap()).unwrap();
                objective(&vae, &x, &eps, cfg.beta).to_scalar::<f64>().unwrap()
            };
            let fd = (at(h) - at(-h)) / (2.0 * h);
            var.set(&Tensor::from_vec(base.clone(), var.shape(), &Device::Cpu).unwrap()).unwrap();
            assert!(
                (fd - g[i]).abs() <= 1e-6 * (1.0 + fd.abs()),
                "{name}[{i}]: analytic {} vs finite difference {fd}",
                g[i]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 10, "every parameter tensor of the tiny model was checked");
}

/// 64 synthetic 28x28 images: four bar patterns at random offsets and intensities.
pub fn synthetic(n: usize) -> Dataset {
    let mut images = vec![0u8; n * 784];
    for (k, img) in images.chunks_exact_mut(784).enumerate() {
        let (kind, off) = (k % 4, 6 + (k * 7) % 9);
        for a in 4..24 {
            for w in 0..3 {
                let (r, c) = match kind {
                    0 => (a, off + w),
                    1 => (off + w, a),
                    2 => (a, (a + w).min(27)),
                    _ => (a, (27 - a + w).min(27)),
                };
                img[r * 28 + c] = 255 - (k % 5) as u8 * 20;
            }
        }
    }
    let labels = (0..n).map(|k| (k % 4) as u8).collect();
    Dataset::new(images, labels).unwrap()
}

#[test]
fn loss_falls_over_50_steps_on_a_small_batch() {
    let mut tr = Trainer::new(VaeConfig::default(), TrainConfig { batch: 32, seed: 7, ..Default::default() }).unwrap();
    tr.set_data(synthetic(64)).unwrap();
    let first = tr.train_steps(1).unwrap();
    for _ in 0..48 {
        tr.train_steps(1).unwrap();
    }
    let last = tr.train_steps(1).unwrap();
    assert_eq!(last.step, 50);
    assert_eq!(last.epoch, 24, "64 images in batches of 32: a new epoch every 2 steps");
    // At initialisation every pixel is near p = 0.5: about 784 ln 2 = 543 nats.
    assert!((first.recon - 543.0).abs() < 30.0, "{first:?}");
    assert!(last.loss < first.loss - 200.0, "first {first:?}, last {last:?}");
}

#[test]
fn same_seed_same_losses_and_weights() {
    let run = || {
        let mut tr =
            Trainer::new(VaeConfig::default(), TrainConfig { batch: 16, seed: 3, shift: 2, ..Default::default() })
                .unwrap();
        tr.set_data(synthetic(64)).unwrap();
        let s = tr.train_steps(5).unwrap();
        (s, tr.to_safetensors(DType::F32).unwrap())
    };
    // Same seed: same initial weights, batches, shifts and eps, so the same file, byte for byte.
    let (a, wa) = run();
    let (b, wb) = run();
    assert_eq!(a, b);
    assert!(wa == wb, "two runs from the same seed wrote different weights files");
    // A different seed gives a different model.
    let other = Trainer::new(VaeConfig::default(), TrainConfig { seed: 4, ..Default::default() }).unwrap();
    assert!(other.to_safetensors(DType::F32).unwrap() != wa);
}
