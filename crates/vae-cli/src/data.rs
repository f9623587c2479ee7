//! Reading the IDX splits and weights files from disk, with the path in every error.

use std::path::Path;

use anyhow::{Context, Result};
use vae_core::{Dataset, Vae};

/// Reads `<dir>/<split>-images.idx3-ubyte` and `<dir>/<split>-labels.idx1-ubyte`.
pub fn load_split(dir: &Path, split: &str) -> Result<Dataset> {
    let images = dir.join(format!("{split}-images.idx3-ubyte"));
    let labels = dir.join(format!("{split}-labels.idx1-ubyte"));
    let read =
        |p: &Path| std::fs::read(p).with_context(|| format!("cannot read {} (run scripts/make-data)", p.display()));
    Dataset::from_idx(&read(&images)?, &read(&labels)?)
        .with_context(|| format!("in {} / {}", images.display(), labels.display()))
}

pub fn load_vae(path: &Path) -> Result<Vae> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Vae::from_safetensors(&bytes).with_context(|| format!("in {}", path.display()))
}
