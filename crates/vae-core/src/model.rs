//! The VAE itself: an MLP encoder x -> (mu, log sigma^2) and an MLP decoder z -> Bernoulli pixel logits.
//!
//! Parameter names, as stored in a weights file: `enc.{i}.{weight,bias}` for the encoder's hidden layers,
//! `enc_mu.*` and `enc_logvar.*` for its two heads, `dec.{i}.*` for the decoder's hidden layers and
//! `dec_out.*` for its output layer. Weights are `(out, in)`, as in candle and PyTorch.

use candle_core::{Module, Tensor};
use candle_nn::{linear, Linear, VarBuilder};

use crate::backprop::Net;
use crate::config::{Stage, VaeConfig};
use crate::error::{Error, Result};

pub struct Vae {
    cfg: VaeConfig,
    enc: Vec<Linear>,
    enc_mu: Linear,
    enc_logvar: Linear,
    dec: Vec<Linear>,
    dec_out: Linear,
    /// The same weights in one flat buffer, for the hand-written decoder that `decode_slice` runs.
    net: Net,
    flat: Vec<f32>,
}

/// Every parameter of a model of this architecture: name and shape, in the order of [`VaeConfig::layers`].
pub fn param_shapes(cfg: &VaeConfig) -> Vec<(String, Vec<usize>)> {
    cfg.layers()
        .into_iter()
        .flat_map(|d| [(format!("{}.weight", d.name), vec![d.out, d.inp]), (format!("{}.bias", d.name), vec![d.out])])
        .collect()
}

impl Vae {
    pub fn new(cfg: &VaeConfig, vb: VarBuilder) -> Result<Self> {
        cfg.validate()?;
        let (mut enc, mut heads, mut dec, mut out) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // The same weights in one flat buffer, in the order of the layers (the layout of `Net`).
        let mut flat = Vec::with_capacity(cfg.num_params());
        let f32s = |t: &Tensor| t.flatten_all()?.to_dtype(candle_core::DType::F32)?.to_vec1::<f32>();
        for d in cfg.layers() {
            let l = linear(d.inp, d.out, vb.pp(&d.name))?;
            flat.extend(f32s(l.weight())?);
            flat.extend(f32s(l.bias().expect("every layer has a bias"))?);
            match d.stage {
                Stage::Encoder => enc.push(l),
                Stage::Head => heads.push(l),
                Stage::Decoder => dec.push(l),
                Stage::Output => out.push(l),
            }
        }
        let (Ok([enc_mu, enc_logvar]), Ok([dec_out])) = (<[Linear; 2]>::try_from(heads), <[Linear; 1]>::try_from(out))
        else {
            unreachable!("VaeConfig::layers lists two heads and one output layer")
        };
        let net = Net::new(cfg);
        Ok(Self { cfg: cfg.clone(), enc, enc_mu, enc_logvar, dec, dec_out, net, flat })
    }

    pub fn config(&self) -> &VaeConfig {
        &self.cfg
    }

    /// Every parameter in one flat buffer, in the order of [`param_shapes`] (the layout of [`Net`]).
    pub(crate) fn flat(&self) -> &[f32] {
        &self.flat
    }

    /// x: (n, input) in [0, 1] -> (mu, logvar), each (n, latent).
    pub fn encode(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let mut h = x.clone();
        for l in &self.enc {
            h = l.forward(&h)?.relu()?;
        }
        Ok((self.enc_mu.forward(&h)?, self.enc_logvar.forward(&h)?))
    }

    /// z: (n, latent) -> pixel logits (n, input).
    pub fn decode_logits(&self, z: &Tensor) -> Result<Tensor> {
        let mut h = z.clone();
        for l in &self.dec {
            h = l.forward(&h)?.relu()?;
        }
        Ok(self.dec_out.forward(&h)?)
    }

    /// z: (n, latent) -> Bernoulli pixel probabilities (n, input) in [0, 1].
    pub fn decode(&self, z: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::sigmoid(&self.decode_logits(z)?)?)
    }
}

/// The reparameterisation trick: z = mu + sigma * eps, with sigma = exp(logvar / 2) and eps ~ N(0, I)
/// drawn outside, so gradients flow through mu and logvar and the noise comes from a seeded RNG.
pub fn reparameterize(mu: &Tensor, logvar: &Tensor, eps: &Tensor) -> Result<Tensor> {
    let sigma = (logvar * 0.5)?.exp()?;
    Ok((mu + (sigma * eps)?)?)
}

/// Plain-slice entry points, shared by the CLI and the wasm binding.
impl Vae {
    /// Loads a model from safetensors bytes (architecture from the file's metadata).
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self> {
        let device = candle_core::Device::Cpu;
        let (cfg, tensors) = crate::weights::from_safetensors(bytes, &device)?;
        let vae = Self::new(&cfg, VarBuilder::from_tensors(tensors, candle_core::DType::F32, &device))?;
        // Finite weights can still be so large that the network overflows (inf - inf = NaN): try the model
        // once at z = 0 and on a mid-grey image before accepting it (the fuzzer found such a file).
        let probe = vae.decode_slice(&vec![0.0; cfg.latent]).and_then(|_| vae.encode_slice(&vec![0.5; cfg.input]));
        if probe.is_err() {
            return Err(Error::Weights(
                "its weights are so large that the model's output overflows to infinity or NaN".into(),
            ));
        }
        Ok(vae)
    }

    /// z: n * latent numbers -> n * input pixel probabilities. The explorer's hot path (the drag, the grid):
    /// the hand-written decoder of [`crate::backprop`], which gives `decode`'s numbers (tested) without
    /// candle's per-op tensors.
    pub fn decode_slice(&self, z: &[f32]) -> Result<Vec<f32>> {
        self.check(z, self.cfg.latent, "z", f32::MIN, f32::MAX)?;
        finite(self.net.decode(&self.flat, z), "pixel probability")
    }

    /// x: n * input pixels in [0, 1] -> (mu, logvar), each n * latent numbers. The hand-written encoder of
    /// [`crate::backprop`], which gives `encode`'s numbers (tested) without candle's per-op tensors.
    pub fn encode_slice(&self, x: &[f32]) -> Result<(Vec<f32>, Vec<f32>)> {
        self.check(x, self.cfg.input, "x", 0.0, 1.0)?;
        let (mu, logvar) = self.net.encode(&self.flat, x);
        Ok((finite(mu, "mu")?, finite(logvar, "log sigma^2")?))
    }

    /// Checks a flat slice (a multiple of `width` finite numbers in [lo, hi]) and shapes it as rows.
    pub(crate) fn rows(&self, v: &[f32], width: usize, what: &str, lo: f32, hi: f32) -> Result<Tensor> {
        self.check(v, width, what, lo, hi)?;
        Ok(Tensor::from_slice(v, (v.len() / width, width), &candle_core::Device::Cpu)?)
    }

    /// Checks that a flat slice holds a positive multiple of `width` finite numbers in [lo, hi].
    fn check(&self, v: &[f32], width: usize, what: &str, lo: f32, hi: f32) -> Result<()> {
        if v.is_empty() || !v.len().is_multiple_of(width) {
            return Err(Error::Input(format!(
                "{what} must hold a positive multiple of {width} numbers, got {}",
                v.len()
            )));
        }
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::Input(format!("{what}[{i}] is {}, not a finite number", v[i])));
        }
        if let Some(i) = v.iter().position(|x| *x < lo || *x > hi) {
            return Err(Error::Input(format!("{what}[{i}] is {}, outside [{lo}, {hi}]", v[i])));
        }
        Ok(())
    }
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
