//! `vae`: train, evaluate and draw the MNIST VAE natively, and serve the explorer page.

mod data;
mod eval;
mod grid;
mod serve;
mod train;

use clap::{Parser, Subcommand};

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
    /// Serve the explorer page (web/ and pkg/) over HTTP.
    Serve(serve::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Train(a) => train::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Grid(a) => grid::run(a),
        Command::Serve(a) => serve::run(a),
    }
}
