//! `vae`: train, evaluate and draw the MNIST VAE natively, and serve the explorer page.

mod bench;
mod data;
mod eval;
mod export;
mod grid;
mod manifest;
mod serve;
mod train;

use clap::{Parser, Subcommand};

// candle allocates a fresh buffer for every tensor op; with glibc's malloc, buffers of this size come from
// mmap and go back on free, so each op paid page faults (high system time). mimalloc keeps and reuses them.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "vae", version, about = "Train, evaluate and explore a 2-D MNIST VAE")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a VAE on the training split and write its weights as safetensors.
    Train(train::Args),
    /// Held-out negative ELBO, reconstruction and KL of a weights file.
    Eval(eval::Args),
    /// Write a PNG of the N x N manifold of decoded digits.
    Grid(grid::Args),
    /// Refresh the zoo's manifest: each model's family, sizes and held-out figures, read from its file.
    Manifest(manifest::Args),
    /// Serve the explorer page (web/ and pkg/) over HTTP.
    Serve(serve::Args),
    /// Write the explorer as a static site (the page, both wasm modules, the zoo and the data) for any host.
    Export(export::Args),
    /// Native speed figures for scripts/bench (JSON): training samples/s and matrix-product GFLOP/s.
    Bench(bench::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Train(a) => train::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Export(a) => export::run(a),
        Command::Grid(a) => grid::run(a),
        Command::Manifest(a) => manifest::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Bench(a) => bench::run(a),
    }
}
