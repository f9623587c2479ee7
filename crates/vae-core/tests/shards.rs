//! A training step in shares ([`vae_core::train::SHARDS`]): the shares of a batch add up to its gradient,
//! and two replicas that each compute one share and hand it to the other keep the weights of one trainer
//! that computes both, to the bit. This is the page's two-worker training, without the workers.

mod common;

use candle_core::DType;
use proptest::prelude::*;
use vae_core::backprop::{Net, Work};
use vae_core::config::{Family, Likelihood};
use vae_core::train::{shard_rows, SHARDS};
use vae_core::{Dataset, TrainConfig, Trainer, VaeConfig};

fn config(family: Family, likelihood: Likelihood) -> VaeConfig {
    let classes = if family == Family::Cvae { 10 } else { 0 };
    VaeConfig { hidden: vec![32], latent: 3, likelihood, family, classes, beta: 1.5, ..Default::default() }
}

fn digits(n: usize) -> Dataset {
    let all = common::heldout("mnist");
    let pick: Vec<usize> = (0..n).map(|i| i * all.len() / n).collect();
    let images = pick.iter().flat_map(|&i| all.image(i).to_vec()).collect();
    Dataset::new(images, pick.iter().map(|&i| all.labels[i]).collect()).unwrap()
}

fn bits(t: &Trainer) -> Vec<u32> {
    t.model().params().iter().map(|v| v.to_bits()).collect()
}

/// A replica of `t` as the page's second worker makes it: the weights through an f32 weights file, the
/// optimizer's state, the settings and the position.
fn replica(t: &Trainer) -> Trainer {
    let mut r = Trainer::from_safetensors(&t.to_safetensors(DType::F32).unwrap(), t.train_config().clone()).unwrap();
    r.set_beta(t.config().beta).unwrap();
    let (m, v, step) = t.optimizer_state().unwrap();
    r.set_optimizer_state(m, v, step).unwrap();
    r.set_position(t.step(), t.epoch());
    r
}

/// One step on two replicas: `a` draws the batch and computes shard 0, `b` is handed shard 1's rows and
/// computes it, each hands its share to the other, and both apply the sum.
fn paired_step(a: &mut Trainer, b: &mut Trainer) {
    a.draw_batch().unwrap();
    b.hold_batch(a.shard_batch(1)).unwrap();
    let pa = a.share_gradient(0).unwrap();
    let pb = b.share_gradient(1).unwrap();
    let (ga, gb) = (a.share(0).to_vec(), b.share(1).to_vec());
    a.set_share(1, &gb, pb).unwrap();
    b.set_share(0, &ga, pa).unwrap();
    let (la, lb) = (a.apply_shares().unwrap(), b.apply_shares().unwrap());
    assert_eq!(la, lb);
}

/// From one seed: 9 steps of one trainer, against 4 steps of one trainer and then 5 paired steps of it and
/// its replica. All three end with the same weights, to the bit, in every family, with augmentation, for a
/// batch that splits evenly (20: 12 + 8 rows), one that does not (37: 20 + 17) and one that is all in shard 0
/// (3). Mutation that turns it red: the replica built without the optimizer's state.
#[test]
fn two_replicas_keep_one_trainers_weights_to_the_bit() {
    let data = digits(120);
    for (family, likelihood) in [
        (Family::Vae, Likelihood::Bernoulli),
        (Family::Ae, Likelihood::Gaussian),
        (Family::Cvae, Likelihood::Bernoulli),
    ] {
        for (batch, shift) in [(20, 0), (37, 2), (3, 0)] {
            let what = format!("{family:?} {likelihood:?}, batch {batch}, shift {shift}");
            let tcfg = TrainConfig { batch, seed: 11, lr: 3e-3, shift, ..Default::default() };
            let mut one = Trainer::new(config(family, likelihood), tcfg.clone()).unwrap();
            one.set_data(data.clone()).unwrap();
            one.train_steps(9).unwrap();

            let mut a = Trainer::new(config(family, likelihood), tcfg).unwrap();
            a.set_data(data.clone()).unwrap();
            a.train_steps(4).unwrap();
            let mut b = replica(&a);
            for _ in 0..5 {
                paired_step(&mut a, &mut b);
            }
            assert_eq!(a.step(), 9, "{what}");
            assert_eq!(bits(&a), bits(&one), "{what}: the paired trainer left one trainer's weights");
            assert_eq!(bits(&b), bits(&a), "{what}: the replica left the trainer's weights");
            // And the run moved the weights: a step that applied nothing would also agree with itself.
            let start = Trainer::new(config(family, likelihood), TrainConfig { batch, seed: 11, ..Default::default() })
                .unwrap();
            assert_ne!(bits(&a), bits(&start), "{what}");
        }
    }
}

/// The two shares of a batch's gradient add up to the gradient of the whole batch computed at once, within
/// float rounding (relative 1e-5 of its norm; the products sum in other orders), and so do the losses.
/// Mutation that turns it red: a share divided by its own rows instead of the batch's.
#[test]
fn shares_add_up_to_the_batch_gradient() {
    let data = digits(37);
    for family in [Family::Vae, Family::Ae, Family::Cvae] {
        let cfg = config(family, Likelihood::Bernoulli);
        let net = Net::new(&cfg);
        let p: Vec<f32> = (0..net.len()).map(|i| ((i * 7919 % 1000) as f32 / 1000.0 - 0.5) * 0.2).collect();
        let n = data.len();
        let x = data.batch_f32(&(0..n).collect::<Vec<_>>());
        let y = (family == Family::Cvae).then(|| data.labels.clone());
        let eps: Vec<f32> = (0..n * cfg.latent).map(|i| ((i * 31 % 17) as f32 / 8.0) - 1.0).collect();
        let mut whole = vec![0f32; net.len()];
        let all = net.loss_and_grad(&p, &mut whole, &x, y.as_deref(), &eps, 1.5, &mut Work::default());
        let mut sum = vec![0f32; net.len()];
        let mut loss = 0f32;
        for s in 0..SHARDS {
            let r = shard_rows(n, s);
            let mut g = vec![0f32; net.len()];
            let (d, lat) = (cfg.input, cfg.latent);
            let parts = net.share_loss_and_grad(
                &p,
                &mut g,
                &x[r.start * d..r.end * d],
                y.as_ref().map(|y| &y[r.clone()]),
                &eps[r.start * lat..r.end * lat],
                1.5,
                n,
                &mut Work::default(),
            );
            loss += parts.loss;
            sum.iter_mut().zip(&g).for_each(|(a, b)| *a += b);
        }
        let norm = whole.iter().map(|v| v * v).sum::<f32>().sqrt();
        let diff = whole.iter().zip(&sum).map(|(a, b)| (a - b) * (a - b)).sum::<f32>().sqrt();
        assert!(norm > 1.0 && diff <= 1e-5 * norm, "{family:?}: |whole - sum| = {diff}, |whole| = {norm}");
        assert!((loss - all.loss).abs() <= 1e-5 * all.loss.abs(), "{family:?}: {loss} against {}", all.loss);
    }
}

proptest! {
    /// The shards cover the batch's rows in order, without gaps or overlap; the cut is a multiple of 4 (or the
    /// batch's end), and neither shard is more than 3 rows past half the batch.
    #[test]
    fn shards_cover_a_batch(n in 1usize..=4096) {
        let (a, b) = (shard_rows(n, 0), shard_rows(n, 1));
        prop_assert_eq!(a.start, 0);
        prop_assert_eq!(a.end, b.start);
        prop_assert_eq!(b.end, n);
        prop_assert!(a.end % 4 == 0 || a.end == n);
        prop_assert!(a.len() <= n.div_ceil(2) + 3 && b.len() <= n.div_ceil(2));
    }
}
