//! `vae bench`: native speed figures for `scripts/bench`: training samples per second (784-512-2, batch 100,
//! the median of timed windows after warm-up, for the family asked for) and the GFLOP/s of the 100x784 by
//! 784x512 product. The thread count is rayon's (set RAYON_NUM_THREADS=1 for one thread). Prints one JSON
//! object.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use vae_core::config::Family;
use vae_core::probe::MatmulProbe;
use vae_core::{TrainConfig, Trainer, VaeConfig};

#[derive(clap::Args)]
pub struct Args {
    /// Folder with the IDX splits.
    #[arg(long, default_value = "web/data")]
    data: PathBuf,
    /// Steps before timing starts.
    #[arg(long, default_value_t = 50)]
    warm: usize,
    /// Timed windows; the median is reported.
    #[arg(long, default_value_t = 5)]
    windows: usize,
    /// Steps per window.
    #[arg(long, default_value_t = 50)]
    steps: usize,
    /// The family to train: vae, ae or cvae (on the digits' 10 labels).
    #[arg(long, default_value = "vae", value_parser = |s: &str| Family::try_from(s.to_string()))]
    family: Family,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub fn run(a: Args) -> Result<()> {
    let classes = if a.family == Family::Cvae { 10 } else { 0 };
    let cfg = VaeConfig { family: a.family, classes, ..Default::default() };
    let batch = 100;
    let mut t = Trainer::new(cfg.clone(), TrainConfig { batch, seed: 1, ..Default::default() })?;
    t.set_data(crate::data::load_split(&a.data, "train")?)?;
    t.train_steps(a.warm)?;
    let rates: Vec<f64> = (0..a.windows.max(1))
        .map(|_| {
            let start = Instant::now();
            t.train_steps(a.steps).map(|_| (a.steps * batch) as f64 / start.elapsed().as_secs_f64())
        })
        .collect::<Result<_, _>>()?;
    let mut probe = MatmulProbe::new(100, 784, 512)?;
    for _ in 0..20 {
        probe.run()?;
    }
    let gflops: Vec<f64> = (0..a.windows.max(1))
        .map(|_| {
            let start = Instant::now();
            for _ in 0..50 {
                probe.run()?;
            }
            Ok(50.0 * probe.flops() as f64 / start.elapsed().as_secs_f64() / 1e9)
        })
        .collect::<Result<_>>()?;
    let out = serde_json::json!({
        "threads": candle_core::utils::get_num_threads(),
        "family": a.family.name(),
        "samples_per_sec": median(rates.clone()),
        "windows": rates,
        "step_flops": vae_core::train::step_flops(&cfg, batch),
        "matmul_gflops": median(gflops),
    });
    println!("{out}");
    Ok(())
}
