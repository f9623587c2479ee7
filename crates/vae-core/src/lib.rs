//! vae-core: a variational autoencoder for MNIST on candle, with no web or file-system dependencies,
//! so the same code trains natively and runs in the browser.
//!
//! - [`config`]: the architecture (`VaeConfig`), which travels inside every weights file;
//! - [`model`]: encoder x -> (mu, log sigma^2), decoder z -> pixel logits, the reparameterisation trick;
//! - [`loss`]: the negative ELBO in nats (stable BCE summed over pixels + beta * analytic KL);
//! - [`train`]: seeded AdamW training and evaluation, with [`backprop`] the hand-written step and [`adamw`]
//!   the fused optimiser;
//! - [`weights`]: safetensors bytes in and out, checked before use;
//! - [`idx`]: the MNIST IDX format;
//! - [`latent`]: grids and interpolation paths in latent space;
//! - [`probe`]: the matrix product that bounds training speed, for the benchmarks.

pub mod adamw;
pub mod backprop;
pub mod config;
pub mod error;
pub mod idx;
pub mod kernel;
mod lanes;
pub mod latent;
pub mod loss;
pub mod model;
pub mod probe;
pub mod train;
pub mod weights;

pub use config::VaeConfig;
pub use error::{Error, Result};
pub use idx::Dataset;
pub use loss::LossParts;
pub use model::Vae;
pub use train::{evaluate, neg_elbo_per_image, StepStats, TrainConfig, Trainer};
