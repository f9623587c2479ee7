//! The candle engine: the same model description ([`VaeConfig::layers`]) built from candle-nn layers, its
//! loss from candle ops ([`crate::loss`]), its gradients from candle's autograd and its updates from
//! candle-nn's `AdamW`. It is the reference that every gradient of the hand-written engine is tested
//! against, and the native path that runs on any candle device (`vae train --engine candle`).

use candle_core::{DType, Device, Module, Tensor, Var};
use candle_nn::{linear, Linear, Optimizer, ParamsAdamW, VarBuilder};

use crate::config::{Stage, VaeConfig};
use crate::error::Result;
use crate::loss::{kl_standard_normal, recon_sum, LossParts, LossTensors};

/// A model of the family as candle-nn layers.
pub struct CandleModel {
    cfg: VaeConfig,
    enc: Vec<Linear>,
    /// A VAE's mu head, or an autoencoder's code head.
    mean: Linear,
    logvar: Option<Linear>,
    dec: Vec<Linear>,
    out: Linear,
}

impl CandleModel {
    /// The layers of [`VaeConfig::layers`], each read from `vb` under its name.
    pub fn new(cfg: &VaeConfig, vb: VarBuilder) -> Result<Self> {
        cfg.validate()?;
        let (mut enc, mut mean, mut logvar, mut dec, mut out) = (Vec::new(), None, None, Vec::new(), None);
        for d in cfg.layers() {
            let l = linear(d.inp, d.out, vb.pp(&d.name))?;
            match d.stage {
                Stage::Encoder => enc.push(l),
                Stage::Mean => mean = Some(l),
                Stage::LogVar => logvar = Some(l),
                Stage::Decoder => dec.push(l),
                Stage::Output => out = Some(l),
            }
        }
        let (Some(mean), Some(out)) = (mean, out) else { unreachable!("VaeConfig::layers lists a head and an output") };
        Ok(Self { cfg: cfg.clone(), enc, mean, logvar, dec, out })
    }

    pub fn config(&self) -> &VaeConfig {
        &self.cfg
    }

    /// x: (n, input) in [0, 1] [and a CVAE's one-hot labels (n, classes)] -> mu (an autoencoder's z), and
    /// log sigma^2 for a Gaussian posterior.
    pub fn encode(&self, x: &Tensor, y: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
        let mut h = join(x, y)?;
        for l in &self.enc {
            h = l.forward(&h)?.relu()?;
        }
        Ok((self.mean.forward(&h)?, self.logvar.as_ref().map(|l| l.forward(&h)).transpose()?))
    }

    /// z: (n, latent) [and a CVAE's one-hot labels] -> logits (n, input).
    pub fn decode_logits(&self, z: &Tensor, y: Option<&Tensor>) -> Result<Tensor> {
        let mut h = join(z, y)?;
        for l in &self.dec {
            h = l.forward(&h)?.relu()?;
        }
        Ok(self.out.forward(&h)?)
    }

    /// z -> the likelihood's means sigmoid(logits), (n, input).
    pub fn decode(&self, z: &Tensor, y: Option<&Tensor>) -> Result<Tensor> {
        Ok(candle_nn::ops::sigmoid(&self.decode_logits(z, y)?)?)
    }

    /// The objective mean(recon + beta kl) and each image's terms, with the noise eps (n, latent) for a
    /// Gaussian posterior; an autoencoder's z is its code and its KL term is 0.
    pub fn loss(&self, x: &Tensor, y: Option<&Tensor>, eps: &Tensor, beta: f64) -> Result<LossTensors> {
        let (mu, logvar) = self.encode(x, y)?;
        let z = match &logvar {
            Some(lv) => reparameterize(&mu, lv, eps)?,
            None => mu.clone(),
        };
        let recon = recon_sum(&self.decode_logits(&z, y)?, x, self.cfg.likelihood)?;
        let kl = match &logvar {
            Some(lv) => kl_standard_normal(&mu, lv)?,
            None => recon.zeros_like()?,
        };
        let objective = (&recon + (&kl * beta)?)?.mean_all()?;
        Ok(LossTensors { objective, recon, kl })
    }
}

/// [x, y] along the features, or x alone.
fn join(x: &Tensor, y: Option<&Tensor>) -> Result<Tensor> {
    Ok(match y {
        Some(y) => Tensor::cat(&[x, y], 1)?,
        None => x.clone(),
    })
}

/// The one-hot rows (n, classes) of class indices.
pub fn one_hot(labels: &[u8], classes: usize, device: &Device) -> Result<Tensor> {
    let mut v = vec![0f32; labels.len() * classes];
    for (i, &c) in labels.iter().enumerate() {
        v[i * classes + c as usize] = 1.0;
    }
    Ok(Tensor::from_vec(v, (labels.len(), classes), device)?)
}

/// The reparameterisation trick: z = mu + sigma * eps, with sigma = exp(logvar / 2) and eps ~ N(0, I)
/// drawn outside, so gradients flow through mu and logvar and the noise comes from a seeded RNG.
pub fn reparameterize(mu: &Tensor, logvar: &Tensor, eps: &Tensor) -> Result<Tensor> {
    let sigma = (logvar * 0.5)?.exp()?;
    Ok((mu + (sigma * eps)?)?)
}

/// A candle model whose parameters are `Var`s made from a flat buffer (in the order of
/// [`crate::model::param_shapes`]), so that autograd gives each one's gradient.
pub struct CandleVars {
    pub model: CandleModel,
    /// In the order of the flat buffer.
    pub vars: Vec<Var>,
}

impl CandleVars {
    pub fn new(cfg: &VaeConfig, flat: &[f32], device: &Device) -> Result<Self> {
        let net = crate::backprop::Net::new(cfg);
        let mut vars = Vec::new();
        let mut tensors = std::collections::HashMap::new();
        for (name, shape, r) in net.params() {
            let v = Var::from_tensor(&Tensor::from_slice(&flat[r], shape, device)?)?;
            tensors.insert(name, v.as_tensor().clone());
            vars.push(v);
        }
        let model = CandleModel::new(cfg, VarBuilder::from_tensors(tensors, DType::F32, device))?;
        Ok(Self { model, vars })
    }

    /// The parameters' values, flat.
    pub fn flat(&self) -> Result<Vec<f32>> {
        let mut out = Vec::new();
        for v in &self.vars {
            out.extend(v.as_tensor().flatten_all()?.to_vec1::<f32>()?);
        }
        Ok(out)
    }

    /// Sets the parameters from a flat buffer.
    pub fn load(&self, flat: &[f32]) -> Result<()> {
        let mut at = 0;
        for v in &self.vars {
            let len = v.as_tensor().elem_count();
            v.set(&Tensor::from_slice(&flat[at..at + len], v.as_tensor().shape(), v.as_tensor().device())?)?;
            at += len;
        }
        Ok(())
    }
}

/// The candle engine's training step: autograd's gradient and candle-nn's AdamW on the `Var`s.
pub struct CandleStep {
    vars: CandleVars,
    opt: candle_nn::AdamW,
}

impl CandleStep {
    pub fn new(cfg: &VaeConfig, flat: &[f32], lr: f64, weight_decay: f64) -> Result<Self> {
        let vars = CandleVars::new(cfg, flat, &Device::Cpu)?;
        let params = ParamsAdamW { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay };
        let opt = candle_nn::AdamW::new(vars.vars.clone(), params)?;
        Ok(Self { vars, opt })
    }

    /// One step on the images x with labels and eps; returns the losses and, if they are finite, writes the
    /// updated parameters into `flat`.
    pub fn step(
        &mut self,
        x: &[f32],
        labels: Option<&[u8]>,
        eps: &[f32],
        beta: f64,
        flat: &mut [f32],
    ) -> Result<LossParts> {
        let cfg = self.vars.model.config().clone();
        let dev = Device::Cpu;
        let n = x.len() / cfg.input;
        let xt = Tensor::from_slice(x, (n, cfg.input), &dev)?;
        let yt = labels.filter(|_| cfg.conditional()).map(|y| one_hot(y, cfg.classes, &dev)).transpose()?;
        let et = if cfg.family.gaussian() {
            Tensor::from_slice(eps, (n, cfg.latent), &dev)?
        } else {
            Tensor::zeros((n, cfg.latent), DType::F32, &dev)?
        };
        let t = self.vars.model.loss(&xt, yt.as_ref(), &et, beta)?;
        let mean = |v: &Tensor| -> Result<f32> { Ok(v.mean_all()?.to_scalar::<f32>()?) };
        let parts = LossParts { loss: t.objective.to_scalar::<f32>()?, recon: mean(&t.recon)?, kl: mean(&t.kl)? };
        if parts.is_finite() {
            self.opt.backward_step(&t.objective)?;
            flat.copy_from_slice(&self.vars.flat()?);
        }
        Ok(parts)
    }

    pub fn set_learning_rate(&mut self, lr: f64) {
        self.opt.set_learning_rate(lr);
    }

    /// Replaces the parameters (the optimiser's moments are kept).
    pub fn load(&self, flat: &[f32]) -> Result<()> {
        self.vars.load(flat)
    }
}
