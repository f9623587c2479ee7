//! vae-core: the family of models the lessons compare (VAE, beta-VAE, autoencoder, conditional VAE) for
//! MNIST, with no web or file-system dependencies, so the same code trains natively and runs in the browser.
//!
//! - [`config`]: the one description of a model (`VaeConfig`, its layers), which travels inside every
//!   weights file;
//! - [`model`]: a trained model (`Model`): encode, decode, the negative ELBO, on the hand-written engine;
//! - [`backprop`]: the hand-written engine, its pieces each with a forward and a backward;
//! - [`candle`]: the same description on candle-nn and candle's autograd, the reference;
//! - [`loss`]: the negative ELBO in nats as candle ops (the likelihoods and the analytic KL);
//! - [`train`]: seeded AdamW training on either engine, with [`adamw`] the fused optimiser;
//! - [`weights`]: safetensors bytes in and out, checked before use; [`pytorch`]: PyTorch users' files;
//! - [`idx`]: the MNIST IDX format;
//! - [`latent`]: grids and interpolation paths in latent space;
//! - [`probe`]: the matrix product that bounds training speed, for the benchmarks;
//! - [`zoo`]: the manifest of pretrained models and their held-out figures.

pub mod adamw;
pub mod backprop;
pub mod candle;
pub mod config;
pub mod error;
pub mod idx;
pub mod kernel;
mod lanes;
pub mod latent;
pub mod loss;
pub mod model;
pub mod probe;
pub mod pytorch;
pub mod train;
pub mod weights;
pub mod zoo;

pub use config::VaeConfig;
pub use error::{Error, Result};
pub use idx::Dataset;
pub use loss::LossParts;
pub use model::Model;
/// The name the model had when the family was one VAE; kept so that existing code keeps working.
pub type Vae = Model;
pub use train::{StepStats, TrainConfig, Trainer};
