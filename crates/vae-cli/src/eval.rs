use std::path::PathBuf;

use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {
    /// Weights file (safetensors).
    #[arg(long, default_value = "web/models/mnist-2d.safetensors")]
    weights: PathBuf,
    /// Folder with the IDX splits.
    #[arg(long, default_value = "web/data")]
    data: PathBuf,
    /// Which split to evaluate.
    #[arg(long, default_value = "heldout")]
    split: String,
    /// Draws of eps per image.
    #[arg(long, default_value_t = 10)]
    samples: usize,
    /// Seed of the eps generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<()> {
    let vae = crate::data::load_vae(&a.weights)?;
    let data = crate::data::load_split(&a.data, &a.split)?;
    let p = vae.evaluate(&data, a.samples, a.seed)?;
    if !vae.config().family.gaussian() {
        // An autoencoder has no ELBO: its reconstruction term alone.
        if a.json {
            println!("{}", serde_json::json!({ "recon": p.recon, "n": data.len() }));
        } else {
            println!(
                "{} {}: reconstruction {:.2} nats (an autoencoder has no KL term and no ELBO; {} images)",
                a.weights.display(),
                a.split,
                p.recon,
                data.len()
            );
        }
        return Ok(());
    }
    if a.json {
        println!(
            "{}",
            serde_json::json!({ "loss": p.loss, "recon": p.recon, "kl": p.kl, "n": data.len(), "samples": a.samples })
        );
    } else {
        println!(
            "{} {}: negative ELBO {:.2} nats = reconstruction {:.2} + KL {:.2} ({} images, {} samples of eps each)",
            a.weights.display(),
            a.split,
            p.loss,
            p.recon,
            p.kl,
            data.len(),
            a.samples
        );
    }
    Ok(())
}
