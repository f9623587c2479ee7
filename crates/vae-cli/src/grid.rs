use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use vae_core::idx::SIDE;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value = "web/models/mnist-2d.safetensors")]
    weights: PathBuf,
    /// Digits per side.
    #[arg(long, default_value_t = 20)]
    n: usize,
    /// The grid spans [-range, range] on both axes.
    #[arg(long, default_value_t = 3.0)]
    range: f32,
    #[arg(long, default_value = "grid.png")]
    out: PathBuf,
    /// The class a conditional VAE decodes the grid in (a digit, 0-9).
    #[arg(long)]
    label: Option<u8>,
}

pub fn run(a: Args) -> Result<()> {
    if !(1..=100).contains(&a.n) {
        bail!("--n must be 1 to 100, got {}", a.n);
    }
    if !(a.range.is_finite() && a.range > 0.0) {
        bail!("--range must be a positive number, got {}", a.range);
    }
    let vae = crate::data::load_vae(&a.weights)?;
    if vae.config().latent != 2 {
        bail!("a manifold grid needs a 2-D latent space; this model has {}", vae.config().latent);
    }
    let z: Vec<f32> = vae_core::latent::grid(a.n, -a.range, a.range).into_iter().flatten().collect();
    let labels = match (vae.config().conditional(), a.label) {
        (true, Some(d)) => Some(vec![d; a.n * a.n]),
        (true, None) => bail!("this model is a conditional VAE: give the class to decode in with --label 0-9"),
        (false, Some(_)) => bail!("--label is for a conditional VAE; this model is a {}", vae.config().family.name()),
        (false, None) => None,
    };
    let probs = vae.decode_slice(&z, labels.as_deref())?;
    let side = a.n * SIDE;
    let mut img = vec![0u8; side * side];
    for (k, digit) in probs.chunks_exact(SIDE * SIDE).enumerate() {
        let (r, c) = (k / a.n, k % a.n);
        for (p, v) in digit.iter().enumerate() {
            let (y, x) = (r * SIDE + p / SIDE, c * SIDE + p % SIDE);
            img[y * side + x] = (v * 255.0).round() as u8;
        }
    }
    let file = std::fs::File::create(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), side as u32, side as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()?.write_image_data(&img)?;
    println!("wrote {} ({side}x{side}, {n}x{n} digits over [-{r}, {r}]^2)", a.out.display(), n = a.n, r = a.range);
    Ok(())
}
