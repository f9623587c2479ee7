//! The negative ELBO of a VAE, per image, in nats:
//!
//!   -ELBO(x) = E_q[-log p(x|z)] + KL(q(z|x) || N(0, I))
//!
//! The reconstruction term is, for a Bernoulli decoder, the binary cross-entropy summed over the 784
//! pixels, computed from logits in the stable form; for a Gaussian decoder, the Gaussian negative
//! log-density of mean sigmoid(logits) and fixed standard deviation [`GAUSSIAN_SIGMA`], constant included.
//! The KL term is the closed form for two Gaussians. A beta-VAE weights the KL.

use candle_core::{Tensor, D};

use crate::config::Likelihood;
use crate::error::Result;

/// The Gaussian decoder's fixed standard deviation, in pixel units (pixels in [0, 1]). The pretrained 2-D
/// Bernoulli model's reconstructions decode(mu) of the held-out digits are off by 0.193 RMS per pixel, and a
/// Gaussian gives given residuals their highest likelihood when sigma is their RMS: 0.2 puts the
/// reconstruction term of a 2-D Gaussian model on the scale of the errors such a model makes.
pub const GAUSSIAN_SIGMA: f32 = 0.2;

/// Per-image reconstruction term -log p(x | z) of the given likelihood, summed over pixels -> (n,).
pub fn recon_sum(logits: &Tensor, x: &Tensor, likelihood: Likelihood) -> Result<Tensor> {
    match likelihood {
        Likelihood::Bernoulli => bce_with_logits_sum(logits, x),
        Likelihood::Gaussian => gaussian_nll_sum(logits, x),
    }
}

/// Per-image Gaussian negative log-density with mean sigmoid(l) and standard deviation [`GAUSSIAN_SIGMA`],
/// summed over pixels: sum (x - m)^2 / (2 sigma^2) + d (ln sigma + ln(2 pi) / 2) -> (n,).
pub fn gaussian_nll_sum(logits: &Tensor, x: &Tensor) -> Result<Tensor> {
    let s = GAUSSIAN_SIGMA as f64;
    let d = logits.dim(D::Minus1)? as f64;
    // sigmoid(l) = exp(-softplus(-l)), softplus(v) = relu(v) + log(1 + exp(-|v|)): the BCE's own stable ops,
    // so no exp overflows (nor its gradient), and the page's module links no sigmoid kernel of candle's
    // (candle_nn::ops::sigmoid added 37 KB raw, 8.7 KB gzipped, to the page's wasm).
    let softplus_neg = (logits.neg()?.relu()? + ((logits.abs()?.neg()?.exp()? + 1.0)?).log()?)?;
    let mean = softplus_neg.neg()?.exp()?;
    let sq = (x - mean)?.sqr()?.sum(D::Minus1)?;
    Ok(((sq / (2.0 * s * s))? + d * (s.ln() + 0.5 * (2.0 * std::f64::consts::PI).ln()))?)
}

/// Per-image BCE with logits, summed over pixels: x (n, d) targets in [0, 1], logits l (n, d) -> (n,).
///
///   BCE(x, l) = -x log sigmoid(l) - (1 - x) log(1 - sigmoid(l)) = relu(l) - x l + log(1 + exp(-|l|))
///
/// which never takes the exp of a large positive number, so it is finite for any finite logit.
pub fn bce_with_logits_sum(logits: &Tensor, x: &Tensor) -> Result<Tensor> {
    let softplus_neg_abs = ((logits.abs()?.neg()?.exp()? + 1.0)?).log()?; // log(1 + exp(-|l|))
    let per_pixel = ((logits.relu()? - (x * logits)?)? + softplus_neg_abs)?;
    Ok(per_pixel.sum(D::Minus1)?)
}

/// KL(N(mu, sigma^2) || N(0, I)) per image: -1/2 * sum_j (1 + logvar_j - mu_j^2 - exp(logvar_j)) -> (n,).
pub fn kl_standard_normal(mu: &Tensor, logvar: &Tensor) -> Result<Tensor> {
    let inner = (((logvar + 1.0)? - mu.sqr()?)? - logvar.exp()?)?;
    Ok((inner.sum(D::Minus1)? * -0.5)?)
}

/// Mean losses over a set of images, in nats per image.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LossParts {
    /// recon + beta * kl: the objective (with beta = 1, the negative ELBO).
    pub loss: f32,
    /// Reconstruction term -log p(x | z), summed over pixels (BCE for a Bernoulli decoder).
    pub recon: f32,
    /// KL(q(z|x) || p(z)).
    pub kl: f32,
}

impl LossParts {
    pub fn is_finite(&self) -> bool {
        self.loss.is_finite() && self.recon.is_finite() && self.kl.is_finite()
    }
}

impl std::ops::AddAssign for LossParts {
    fn add_assign(&mut self, o: Self) {
        self.loss += o.loss;
        self.recon += o.recon;
        self.kl += o.kl;
    }
}

/// The three losses as tensors: the scalar objective mean(recon + beta kl), and the per-image terms (see
/// [`crate::candle::CandleModel::loss`]).
pub struct LossTensors {
    pub objective: Tensor,
    pub recon: Tensor,
    pub kl: Tensor,
}
