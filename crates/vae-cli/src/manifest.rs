use std::path::PathBuf;

use anyhow::{Context, Result};
use vae_core::zoo::{data_folder, Heldout, Manifest};

#[derive(clap::Args)]
pub struct Args {
    /// The manifest; each entry's `file` is read beside it.
    #[arg(long, default_value = "web/models/manifest.json")]
    path: PathBuf,
    /// The data root: MNIST's IDX splits, and each other data set's in its folder (web/data/fashion-mnist).
    #[arg(long, default_value = "web/data")]
    data: PathBuf,
    /// Only check: fail if a stated figure or field differs from the files, and write nothing.
    #[arg(long)]
    check: bool,
}

pub fn run(a: Args) -> Result<()> {
    let text = std::fs::read_to_string(&a.path).with_context(|| format!("cannot read {}", a.path.display()))?;
    let mut manifest = Manifest::from_json(&text).with_context(|| format!("in {}", a.path.display()))?;
    let dir = a.path.parent().unwrap_or(std::path::Path::new("."));
    let before = manifest.clone();
    for e in &mut manifest.models {
        let data = crate::data::load_split(&a.data.join(data_folder(&e.dataset)?), "heldout")?;
        let model = crate::data::load_vae(&dir.join(&e.file))?;
        e.refresh(&model, &data).with_context(|| format!("model {}", e.id))?;
        let Heldout { nelbo, recon, kl } = e.heldout;
        match (nelbo, kl) {
            (Some(n), Some(k)) => println!("{}: negative ELBO {n:.2} = recon {recon:.2} + KL {k:.2}", e.id),
            _ => println!("{}: reconstruction {recon:.2} (an autoencoder: no KL, no ELBO)", e.id),
        }
    }
    if a.check {
        anyhow::ensure!(manifest == before, "{} differs from its files; run `vae manifest`", a.path.display());
        return Ok(());
    }
    std::fs::write(&a.path, manifest.to_json()).with_context(|| format!("cannot write {}", a.path.display()))?;
    println!("wrote {}", a.path.display());
    Ok(())
}
