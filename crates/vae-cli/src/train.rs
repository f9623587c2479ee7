//! `vae train`: seeded training with a validation slice carved from the training set, early stopping on
//! it (never on the held-out set), and the best epoch's weights written out.

use std::path::PathBuf;

use anyhow::{Context, Result};
use candle_core::DType;
use indicatif::{ProgressBar, ProgressStyle};
use vae_core::config::{Family, Likelihood};
use vae_core::train::Engine;
use vae_core::{Dataset, TrainConfig, Trainer, VaeConfig};

#[derive(clap::Args)]
pub struct Args {
    /// Folder with the IDX splits (train-*.idx?-ubyte).
    #[arg(long, default_value = "web/data")]
    data: PathBuf,
    /// Where to write the weights.
    #[arg(long, default_value = "model.safetensors")]
    out: PathBuf,
    #[arg(long, default_value_t = 1)]
    seed: u32,
    /// Hidden layer sizes, comma-separated (the decoder mirrors them).
    #[arg(long, value_delimiter = ',', default_value = "512")]
    hidden: Vec<usize>,
    /// The model: vae (a beta-VAE with --beta), ae (an autoencoder: no sampling, no KL) or cvae (conditioned
    /// on each digit's label).
    #[arg(long, default_value = "vae", value_parser = |s: &str| Family::try_from(s.to_string()))]
    family: Family,
    /// Latent dimensions, 1 to 64.
    #[arg(long, default_value_t = 2)]
    latent: usize,
    /// Classes a cvae's label takes (default 10, the digits); other families take none.
    #[arg(long)]
    classes: Option<usize>,
    /// Weight of the KL term (a beta-VAE when not 1); reports give the true negative ELBO beside it.
    #[arg(long, default_value_t = 1.0)]
    beta: f64,
    /// The decoder's likelihood: bernoulli (binary cross-entropy) or gaussian (fixed sigma 0.2, in nats with
    /// its constant).
    #[arg(long, default_value = "bernoulli", value_parser = |s: &str| Likelihood::try_from(s.to_string()))]
    likelihood: Likelihood,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    #[arg(long, default_value_t = 100)]
    batch: usize,
    #[arg(long, default_value_t = 0.0)]
    weight_decay: f64,
    /// Random translation of training images by up to this many pixels.
    #[arg(long, default_value_t = 0)]
    shift: usize,
    /// Most epochs.
    #[arg(long, default_value_t = 100)]
    epochs: u64,
    /// Stop after this many epochs without a better validation loss.
    #[arg(long, default_value_t = 15)]
    patience: u64,
    /// Halve the learning rate after this many epochs without improvement (0 = never).
    #[arg(long, default_value_t = 0)]
    lr_patience: u64,
    /// Digits of the training set held back for validation (chosen by the seed).
    #[arg(long, default_value_t = 1000)]
    val: usize,
    /// Draws of eps per validation digit.
    #[arg(long, default_value_t = 2)]
    val_samples: usize,
    /// The engine: fast (the hand-written step, as in the browser) or candle (candle's autograd and
    /// candle-nn's AdamW, the reference). The same seed gives the same run on both, to rounding.
    #[arg(long, default_value = "fast", value_parser = engine)]
    engine: Engine,
    /// Store the weights as f16 (half the size) instead of f32.
    #[arg(long)]
    f16: bool,
    /// Train exactly this many steps on all the training digits (no validation slice, no early stopping)
    /// and write the final weights: the run the page's training panel makes with the same settings.
    #[arg(long)]
    steps: Option<usize>,
}

fn engine(s: &str) -> std::result::Result<Engine, String> {
    match s {
        "fast" => Ok(Engine::Fast),
        "candle" => Ok(Engine::Candle),
        _ => Err(format!("the engine must be fast or candle, got {s:?}")),
    }
}

pub fn run(a: Args) -> Result<()> {
    let full = crate::data::load_split(&a.data, "train")?;
    let classes = a.classes.unwrap_or(if a.family == Family::Cvae { 10 } else { 0 });
    let cfg = VaeConfig {
        hidden: a.hidden.clone(),
        latent: a.latent,
        beta: a.beta,
        likelihood: a.likelihood,
        family: a.family,
        classes,
        ..Default::default()
    };
    let tcfg = TrainConfig { lr: a.lr, batch: a.batch, weight_decay: a.weight_decay, seed: a.seed, shift: a.shift };
    let mut t = Trainer::with_engine(cfg, tcfg, a.engine)?;
    if let Some(steps) = a.steps {
        t.set_data(full)?;
        let s = t.train_steps(steps)?;
        let bytes = t.to_safetensors(if a.f16 { DType::F16 } else { DType::F32 })?;
        std::fs::write(&a.out, &bytes).with_context(|| format!("cannot write {}", a.out.display()))?;
        eprintln!("{steps} steps (mean batch loss {:.4}); wrote {} ({} bytes)", s.loss, a.out.display(), bytes.len());
        return Ok(());
    }
    let (train, val) = split(&full, a.val, a.seed)?;
    t.set_data(train.clone())?;
    let steps_per_epoch = (train.len() / a.batch.min(train.len())).max(1);
    eprintln!(
        "training {:?} ({} parameters) on {} images, validating on {}, {} steps per epoch",
        t.config(),
        t.config().num_params(),
        train.len(),
        val.len(),
        steps_per_epoch
    );

    let bar = ProgressBar::new(a.epochs);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] epoch {pos}/{len} {msg}")?.progress_chars("=> "),
    );
    let (mut best, mut best_epoch, mut since_best, mut since_lr) = (f32::INFINITY, 0, 0, 0);
    let mut best_weights = t.tensors()?;
    let mut lr = a.lr;
    for epoch in 1..=a.epochs {
        let s = t.train_steps(steps_per_epoch)?;
        // The same eps every epoch (fixed seed), so epochs are compared on equal terms.
        let v = t.model().evaluate(&val, a.val_samples, 12345)?;
        if v.loss < best {
            (best, best_epoch, since_best, since_lr) = (v.loss, epoch, 0, 0);
            best_weights = t.tensors()?;
        } else {
            since_best += 1;
            since_lr += 1;
        }
        if a.lr_patience > 0 && since_lr >= a.lr_patience {
            lr /= 2.0;
            t.set_lr(lr)?;
            since_lr = 0;
        }
        // An AE reports its reconstruction; a beta-VAE its objective and, beside it, the true negative ELBO.
        let terms = if a.family == Family::Ae {
            String::new()
        } else if a.beta == 1.0 {
            format!(" (recon {:.2} kl {:.2})", s.recon, s.kl)
        } else {
            format!(" (recon {:.2} kl {:.2}, -ELBO {:.2})", s.recon, s.kl, s.recon + s.kl)
        };
        let msg = format!("train {:.2}{terms} val {:.2} best {:.2}@{} lr {:.1e}", s.loss, v.loss, best, best_epoch, lr);
        if bar.is_hidden() {
            eprintln!("epoch {epoch}: {msg}"); // not a terminal: one line per epoch for the log
        }
        bar.set_message(msg);
        bar.inc(1);
        if since_best >= a.patience {
            break;
        }
    }
    bar.finish();
    t.load_tensors(&best_weights)?;
    let bytes = t.to_safetensors(if a.f16 { DType::F16 } else { DType::F32 })?;
    std::fs::write(&a.out, &bytes).with_context(|| format!("cannot write {}", a.out.display()))?;
    let what = if a.family == Family::Ae { "reconstruction" } else { "negative ELBO" };
    eprintln!(
        "best validation {what} {best:.2} at epoch {best_epoch}; wrote {} ({} bytes)",
        a.out.display(),
        bytes.len()
    );
    Ok(())
}

/// A seeded random `val`-digit slice of `d` for validation, and the rest for training.
fn split(d: &Dataset, val: usize, seed: u32) -> Result<(Dataset, Dataset)> {
    use rand::{seq::SliceRandom, SeedableRng};
    anyhow::ensure!(val < d.len(), "--val {val} leaves no training digits out of {}", d.len());
    let mut order: Vec<usize> = (0..d.len()).collect();
    // Its own generator (seed + a constant), independent of the trainer's stream.
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed as u64 ^ 0x5eed_0000_0000));
    let pick = |ids: &[usize]| {
        let images = ids.iter().flat_map(|&i| d.image(i).iter().copied()).collect();
        let labels = ids.iter().map(|&i| d.labels[i]).collect();
        Dataset::new(images, labels)
    };
    Ok((pick(&order[val..])?, pick(&order[..val])?))
}
