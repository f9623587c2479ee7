//! A trained model of the family (VAE, beta-VAE, autoencoder, conditional VAE) as the explorer and the CLI
//! use it: its description and its weights in one flat buffer, run by the hand-written engine of
//! [`crate::backprop`]. Encoding, decoding and evaluation all run here; the candle engine
//! ([`crate::candle`]) is the reference it is tested against.
//!
//! Parameter names, as stored in a weights file, are those of [`VaeConfig::layers`]: `enc.{i}.{weight,bias}`
//! for the encoder's hidden layers, `enc_mu.*` and `enc_logvar.*` for a Gaussian posterior's heads (`enc_z.*`
//! for an autoencoder's code), `dec.{i}.*` for the decoder's hidden layers and `dec_out.*` for its output
//! layer. Weights are `(out, in)`, as in candle and PyTorch.

use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::backprop::{Net, Work};
use crate::config::VaeConfig;
use crate::error::{Error, Result};
use crate::idx::Dataset;
use crate::loss::LossParts;

/// Every parameter of a model of this architecture: name and shape, in the order of [`VaeConfig::layers`].
pub fn param_shapes(cfg: &VaeConfig) -> Vec<(String, Vec<usize>)> {
    cfg.layers()
        .into_iter()
        .flat_map(|d| [(format!("{}.weight", d.name), vec![d.out, d.inp]), (format!("{}.bias", d.name), vec![d.out])])
        .collect()
}

/// A model of the family with its weights.
#[derive(Clone)]
pub struct Model {
    pub(crate) net: Net,
    pub(crate) params: Vec<f32>,
}

impl Model {
    /// A model of `cfg` with the weights `params`, in the order of [`param_shapes`].
    pub fn new(cfg: &VaeConfig, params: Vec<f32>) -> Result<Self> {
        cfg.validate()?;
        let net = Net::new(cfg);
        if params.len() != net.len() {
            return Err(Error::Input(format!(
                "a {} model has {} parameters, got {}",
                cfg.describe(),
                net.len(),
                params.len()
            )));
        }
        Ok(Self { net, params })
    }

    /// Loads a model from safetensors bytes: ours (the architecture in the metadata) or a PyTorch user's
    /// (see [`crate::weights`]).
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self> {
        let (cfg, params) = crate::weights::from_safetensors(bytes)?;
        let model = Self::new(&cfg, params)?;
        // Finite weights can still be so large that the network overflows (inf - inf = NaN): try the model
        // once at z = 0 and on a mid-grey image before accepting it (the fuzzer found such a file).
        let y = cfg.conditional().then_some(&[0u8][..]);
        let probe =
            model.decode_slice(&vec![0.0; cfg.latent], y).and_then(|_| model.encode_slice(&vec![0.5; cfg.input], y));
        if probe.is_err() {
            return Err(Error::Weights(
                "its weights are so large that the model's output overflows to infinity or NaN".into(),
            ));
        }
        Ok(model)
    }

    pub fn config(&self) -> &VaeConfig {
        self.net.config()
    }

    /// Every parameter in one flat buffer, in the order of [`param_shapes`].
    pub fn params(&self) -> &[f32] {
        &self.params
    }

    /// Each parameter's name, shape and values.
    pub fn named_params(&self) -> Vec<(String, Vec<usize>, &[f32])> {
        self.net.params().into_iter().map(|(name, shape, r)| (name, shape, &self.params[r])).collect()
    }

    /// z: n * latent numbers [and a CVAE's n labels] -> n * input means of the likelihood, sigmoid(logits):
    /// pixel probabilities for a Bernoulli model. The explorer's hot path (the drag, the grid).
    pub fn decode_slice(&self, z: &[f32], labels: Option<&[u8]>) -> Result<Vec<f32>> {
        check(z, self.config().latent, "z", f32::MIN, f32::MAX)?;
        let y = self.labels(labels, z.len() / self.config().latent)?;
        finite(self.net.decode(&self.params, z, y), "pixel probability")
    }

    /// x: n * input pixels in [0, 1] [and a CVAE's n labels] -> mu (an autoencoder's z), and log sigma^2 for
    /// a Gaussian posterior (None for an autoencoder), each n * latent numbers.
    pub fn encode_slice(&self, x: &[f32], labels: Option<&[u8]>) -> Result<(Vec<f32>, Option<Vec<f32>>)> {
        check(x, self.config().input, "x", 0.0, 1.0)?;
        let y = self.labels(labels, x.len() / self.config().input)?;
        let (mu, logvar) = self.net.encode(&self.params, x, y);
        Ok((finite(mu, "mu")?, logvar.map(|v| finite(v, "log sigma^2")).transpose()?))
    }

    /// Each image's terms (beta = 1): the reconstruction averaged over `samples` draws of eps from `rng`, and
    /// the analytic KL, which does not depend on eps (0 for an autoencoder, which draws nothing).
    fn terms(&self, x: &[f32], y: Option<&[u8]>, samples: usize, rng: &mut StdRng, w: &mut Work) -> Vec<LossParts> {
        let cfg = self.config();
        let n = x.len() / cfg.input;
        let draws = if cfg.family.gaussian() { samples.max(1) } else { 1 };
        let mut out = vec![LossParts::default(); n];
        for _ in 0..draws {
            let eps = if cfg.family.gaussian() { crate::train::normals(rng, n * cfg.latent) } else { Vec::new() };
            let (recon, kl) = self.net.terms(&self.params, x, y, &eps, w);
            for ((o, &r), &k) in out.iter_mut().zip(recon).zip(kl) {
                o.recon += r / draws as f32;
                o.kl = k;
            }
        }
        out.iter_mut().for_each(|o| o.loss = o.recon + o.kl);
        out
    }

    /// The negative ELBO of each image in x (n * input pixels in [0, 1]) [with a CVAE's labels], averaging the
    /// reconstruction over `samples` draws of eps from a generator seeded by `seed`: the VAE's anomaly score.
    /// An autoencoder's is its reconstruction term alone (its `kl` is 0: it has no ELBO).
    pub fn neg_elbo_per_image(
        &self,
        x: &[f32],
        labels: Option<&[u8]>,
        samples: usize,
        seed: u64,
    ) -> Result<Vec<LossParts>> {
        check(x, self.config().input, "x", 0.0, 1.0)?;
        let y = self.labels(labels, x.len() / self.config().input)?;
        Ok(self.terms(x, y, samples, &mut StdRng::seed_from_u64(seed), &mut Work::default()))
    }

    /// Mean negative ELBO (beta = 1, whatever the training beta), reconstruction and KL over `data` (a CVAE
    /// reads its labels), averaging the reconstruction over `samples` draws of eps per image from a generator
    /// seeded by `seed`.
    pub fn evaluate(&self, data: &Dataset, samples: usize, seed: u64) -> Result<LossParts> {
        if data.is_empty() {
            return Err(Error::Input("cannot evaluate on an empty set".into()));
        }
        if data.image(0).len() != self.config().input {
            return Err(Error::Input(format!(
                "the images have {} pixels, the model takes {}",
                data.image(0).len(),
                self.config().input
            )));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let mut w = Work::default();
        let (mut recon, mut kl) = (0f64, 0f64);
        let all: Vec<usize> = (0..data.len()).collect();
        for chunk in all.chunks(500) {
            let x = data.batch_f32(chunk);
            let labels: Vec<u8> = chunk.iter().map(|&i| data.labels[i]).collect();
            let y = self.labels(Some(&labels), chunk.len())?;
            for p in self.terms(&x, y, samples, &mut rng, &mut w) {
                recon += p.recon as f64;
                kl += p.kl as f64;
            }
        }
        let n = data.len() as f64;
        let (recon, kl) = ((recon / n) as f32, (kl / n) as f32);
        Ok(LossParts { loss: recon + kl, recon, kl })
    }

    /// The labels a call needs: a CVAE's, checked (one class index per image or point, each below
    /// `classes`); None for the other families, which take no labels (any given are not used).
    pub fn labels<'a>(&self, labels: Option<&'a [u8]>, n: usize) -> Result<Option<&'a [u8]>> {
        let cfg = self.config();
        if !cfg.conditional() {
            return Ok(None);
        }
        let classes = cfg.classes;
        let y = labels.ok_or_else(|| {
            Error::Input(format!(
                "the labels are missing: this conditional VAE needs one class (0 to {}) per image or point",
                classes - 1
            ))
        })?;
        if y.len() != n {
            return Err(Error::Input(format!("got {} labels for {n} images or points", y.len())));
        }
        if let Some(i) = y.iter().position(|&c| c as usize >= classes) {
            return Err(Error::Input(format!(
                "labels[{i}] is {}, but this conditional VAE has {classes} classes (0 to {})",
                y[i],
                classes - 1
            )));
        }
        Ok(Some(y))
    }
}

/// Checks that a flat slice holds a positive multiple of `width` finite numbers in [lo, hi].
pub(crate) fn check(v: &[f32], width: usize, what: &str, lo: f32, hi: f32) -> Result<()> {
    if v.is_empty() || !v.len().is_multiple_of(width) {
        return Err(Error::Input(format!("{what} must hold a positive multiple of {width} numbers, got {}", v.len())));
    }
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(Error::Input(format!("{what}[{i}] is {}, not a finite number", v[i])));
    }
    if let Some(i) = v.iter().position(|x| *x < lo || *x > hi) {
        return Err(Error::Input(format!("{what}[{i}] is {}, outside [{lo}, {hi}]", v[i])));
    }
    Ok(())
}

/// The model's outputs, or an error if one is not a finite number (a model whose weights overflow f32).
fn finite(v: Vec<f32>, what: &str) -> Result<Vec<f32>> {
    match v.iter().position(|x| !x.is_finite()) {
        None => Ok(v),
        Some(i) => Err(Error::Input(format!(
            "the model computed {} for output {i} ({what}): its weights overflow f32 arithmetic here",
            v[i]
        ))),
    }
}
