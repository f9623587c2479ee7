//! The architecture and loss weighting of a VAE. A `VaeConfig` travels inside every weights file (as JSON
//! in the safetensors metadata), so a weights file describes the model it belongs to.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Largest layer we accept. A 784-4096-... MLP is already far more than a browser can train; anything
/// bigger is a typo or a hostile file, and would only fail later with an allocation error.
pub const MAX_LAYER: usize = 4096;
/// Most hidden layers per side.
pub const MAX_DEPTH: usize = 4;
/// Largest latent dimension.
pub const MAX_LATENT: usize = 64;
/// Most classes a conditional VAE takes.
pub const MAX_CLASSES: usize = 256;
/// Most trainable parameters: their f32 weights file must fit in `weights::MAX_BYTES` (64 MiB), so that
/// every model that can be made can also be saved and loaded again.
pub const MAX_PARAMS: usize = 16_000_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VaeConfig {
    /// Pixels per image: 28 x 28 MNIST.
    pub input: usize,
    /// Hidden layer sizes of the encoder; the decoder mirrors them. One layer of 512 is the classic MLP VAE.
    pub hidden: Vec<usize>,
    /// Latent dimension: 2, so the latent space can be drawn as a plane.
    pub latent: usize,
    /// Weight of the KL term (beta-VAE); 1 gives the true negative ELBO.
    pub beta: f64,
    /// The decoder's likelihood p(x | z), whose negative log is the reconstruction term. A file without it
    /// (every file before it existed) holds a Bernoulli model.
    pub likelihood: Likelihood,
    /// Which model of the family: a VAE (the default, and every file's before the field existed), an
    /// autoencoder, or a conditional VAE.
    pub family: Family,
    /// A conditional VAE's number of classes: the length of the one-hot label concatenated to the encoder's
    /// and the decoder's inputs. 0 for the other families.
    pub classes: usize,
}

/// The model families the lessons compare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Family {
    /// x -> q(z | x) = N(mu, sigma^2), z = mu + sigma eps, loss = recon + beta KL (a beta-VAE when beta != 1).
    #[default]
    Vae,
    /// A deterministic encoder x -> z: no log sigma^2, no sampling, no KL; the loss is the reconstruction.
    Ae,
    /// A conditional VAE (Sohn et al. 2015): the label's one-hot vector is concatenated to the encoder's input
    /// and to the decoder's.
    Cvae,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Self::Vae => "vae",
            Self::Ae => "ae",
            Self::Cvae => "cvae",
        }
    }

    /// Whether the posterior is a Gaussian (with a log sigma^2 head, sampling and a KL term).
    pub fn gaussian(self) -> bool {
        !matches!(self, Self::Ae)
    }
}

impl TryFrom<String> for Family {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        match s.as_str() {
            "vae" => Ok(Self::Vae),
            "ae" => Ok(Self::Ae),
            "cvae" => Ok(Self::Cvae),
            _ => Err(format!("family must be \"vae\", \"ae\" or \"cvae\", got {s:?}")),
        }
    }
}

impl From<Family> for String {
    fn from(f: Family) -> Self {
        f.name().to_string()
    }
}

/// The decoder's likelihood p(x | z). Both read the decoder's output through the logistic function: as
/// each pixel's Bernoulli probability, or as the mean of a Gaussian of fixed standard deviation
/// [`crate::loss::GAUSSIAN_SIGMA`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Likelihood {
    /// Reconstruction = binary cross-entropy summed over pixels.
    #[default]
    Bernoulli,
    /// Reconstruction = sum (x - mean)^2 / (2 sigma^2) + d (ln sigma + ln(2 pi) / 2): a true negative
    /// log-density in nats, constant included. A density over continuous pixel values, not a probability of
    /// the bytes: it can be negative, and does not compare one for one with a Bernoulli model's nats.
    Gaussian,
}

impl Likelihood {
    pub fn name(self) -> &'static str {
        match self {
            Self::Bernoulli => "bernoulli",
            Self::Gaussian => "gaussian",
        }
    }
}

impl TryFrom<String> for Likelihood {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        match s.as_str() {
            "bernoulli" => Ok(Self::Bernoulli),
            "gaussian" => Ok(Self::Gaussian),
            _ => Err(format!("likelihood must be \"bernoulli\" or \"gaussian\", got {s:?}")),
        }
    }
}

impl From<Likelihood> for String {
    fn from(l: Likelihood) -> Self {
        l.name().to_string()
    }
}

/// Where a dense layer sits in the model, and so what follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// An encoder hidden layer, followed by ReLU.
    Encoder,
    /// The encoder's head for the code: a VAE's mu, an autoencoder's z. No activation.
    Mean,
    /// A VAE's head for log sigma^2. No activation.
    LogVar,
    /// A decoder hidden layer, followed by ReLU.
    Decoder,
    /// The decoder's output layer: the pixel logits.
    Output,
}

/// One dense layer, y = x W^T + b with W stored `(out, in)`, as the model's description lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dense {
    /// The parameters' name prefix: `{name}.weight` and `{name}.bias`.
    pub name: String,
    pub inp: usize,
    pub out: usize,
    pub stage: Stage,
    /// Whether a training step needs the gradient with respect to this layer's input (the images need none).
    pub input_gradient: bool,
}

impl Dense {
    /// Its weight's and bias's parameters.
    pub fn params(&self) -> usize {
        self.inp * self.out + self.out
    }
}

impl Default for VaeConfig {
    fn default() -> Self {
        Self {
            input: 784,
            hidden: vec![512],
            latent: 2,
            beta: 1.0,
            likelihood: Likelihood::Bernoulli,
            family: Family::Vae,
            classes: 0,
        }
    }
}

impl VaeConfig {
    /// Checks every field and names the first bad one.
    pub fn validate(&self) -> Result<()> {
        if self.input == 0 || self.input > 65_536 {
            return Err(Error::Config { field: "input", reason: format!("must be 1 to 65536, got {}", self.input) });
        }
        if self.hidden.is_empty() || self.hidden.len() > MAX_DEPTH {
            return Err(Error::Config {
                field: "hidden",
                reason: format!("must list 1 to {MAX_DEPTH} layer sizes, got {}", self.hidden.len()),
            });
        }
        if let Some(&h) = self.hidden.iter().find(|&&h| h == 0 || h > MAX_LAYER) {
            return Err(Error::Config {
                field: "hidden",
                reason: format!("layer sizes must be 1 to {MAX_LAYER}, got {h}"),
            });
        }
        if self.latent == 0 || self.latent > MAX_LATENT {
            return Err(Error::Config {
                field: "latent",
                reason: format!("must be 1 to {MAX_LATENT}, got {}", self.latent),
            });
        }
        match (self.family, self.classes) {
            (Family::Cvae, 0) => {
                return Err(Error::Config {
                    field: "classes",
                    reason: "a cvae needs the number of classes its labels take (10 for digits), got 0".into(),
                })
            }
            (Family::Cvae, c) if c > MAX_CLASSES => {
                return Err(Error::Config { field: "classes", reason: format!("must be 1 to {MAX_CLASSES}, got {c}") })
            }
            (Family::Vae | Family::Ae, c) if c > 0 => {
                return Err(Error::Config {
                    field: "classes",
                    reason: format!("only a cvae takes labels; a {} has 0 classes, got {c}", self.family.name()),
                })
            }
            _ => {}
        }
        if self.num_params() > MAX_PARAMS {
            return Err(Error::Config {
                field: "hidden",
                reason: format!(
                    "the model would have {} parameters; at most {MAX_PARAMS} (a 64 MiB weights file)",
                    self.num_params()
                ),
            });
        }
        if !self.beta.is_finite() || self.beta < 0.0 || self.beta > 1000.0 {
            return Err(Error::Config {
                field: "beta",
                reason: format!("must be a number from 0 to 1000, got {}", self.beta),
            });
        }
        Ok(())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a VaeConfig always serialises")
    }

    pub fn from_json(s: &str) -> Result<Self> {
        let cfg: Self = serde_json::from_str(s)
            .map_err(|e| Error::Weights(format!("the architecture in the file's metadata is not valid: {e}")))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The family and layer sizes, e.g. "784-512-2" for a VAE, "ae 784-512-2", "cvae 784-512-2 (10 classes)".
    pub fn describe(&self) -> String {
        let mut dims = vec![self.input];
        dims.extend(&self.hidden);
        dims.push(self.latent);
        let sizes = dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("-");
        match self.family {
            Family::Vae => sizes,
            Family::Ae => format!("ae {sizes}"),
            Family::Cvae => format!("cvae {sizes} ({} classes)", self.classes),
        }
    }

    /// Whether the model takes labels (a CVAE).
    pub fn conditional(&self) -> bool {
        self.family == Family::Cvae
    }

    /// Numbers of eps per image that a training step draws: the latent size for a Gaussian posterior, none
    /// for an autoencoder.
    pub fn eps_width(&self) -> usize {
        if self.family.gaussian() {
            self.latent
        } else {
            0
        }
    }

    /// The model's dense layers: the one list that the parameter names and shapes, the weights file's layout,
    /// the flat buffer of the hand-written engine, the candle model and the FLOP count are all read from.
    /// In order: `enc.{i}` for the encoder's hidden layers; the heads, `enc_mu` and `enc_logvar` for a VAE
    /// or CVAE, `enc_z` for an autoencoder; `dec.{i}` for the decoder's hidden layers (the encoder's
    /// mirrored); and `dec_out`, which gives the pixel logits. A CVAE's first encoder layer takes the image
    /// and then the one-hot label (`input + classes` numbers), and its first decoder layer z and then the
    /// label (`latent + classes`).
    pub fn layers(&self) -> Vec<Dense> {
        let dense = |name: String, inp, out, stage, input_gradient| Dense { name, inp, out, stage, input_gradient };
        let mut out = Vec::with_capacity(2 * self.hidden.len() + 3);
        let mut prev = self.input + self.classes;
        for (i, &h) in self.hidden.iter().enumerate() {
            out.push(dense(format!("enc.{i}"), prev, h, Stage::Encoder, i > 0));
            prev = h;
        }
        if self.family.gaussian() {
            out.push(dense("enc_mu".into(), prev, self.latent, Stage::Mean, true));
            out.push(dense("enc_logvar".into(), prev, self.latent, Stage::LogVar, true));
        } else {
            out.push(dense("enc_z".into(), prev, self.latent, Stage::Mean, true));
        }
        let mut prev = self.latent + self.classes;
        for (i, &h) in self.hidden.iter().rev().enumerate() {
            out.push(dense(format!("dec.{i}"), prev, h, Stage::Decoder, true));
            prev = h;
        }
        out.push(dense("dec_out".into(), prev, self.input, Stage::Output, true));
        out
    }

    /// Number of trainable parameters.
    pub fn num_params(&self) -> usize {
        self.layers().iter().map(Dense::params).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_round_trips() {
        let c = VaeConfig::default();
        c.validate().unwrap();
        assert_eq!(VaeConfig::from_json(&c.to_json()).unwrap(), c);
        // 784*512+512 + 2*(512*2+2) + 2*512+512 + 512*784+784
        assert_eq!(c.num_params(), 401_920 + 2_052 + 1_536 + 402_192);
    }

    /// A file's config without `likelihood` (every file before it existed) is a Bernoulli model; a named
    /// likelihood round-trips; an unknown one is refused naming the field.
    #[test]
    fn likelihood_defaults_round_trips_and_is_checked() {
        let old = VaeConfig::from_json(r#"{"input":784,"hidden":[512],"latent":2,"beta":1.0}"#).unwrap();
        assert_eq!(old.likelihood, Likelihood::Bernoulli);
        let g = VaeConfig { likelihood: Likelihood::Gaussian, ..Default::default() };
        assert!(g.to_json().contains(r#""likelihood":"gaussian""#), "{}", g.to_json());
        assert_eq!(VaeConfig::from_json(&g.to_json()).unwrap(), g);
        let e = VaeConfig::from_json(r#"{"likelihood":"poisson"}"#).unwrap_err().to_string();
        assert!(e.contains(r#"likelihood must be "bernoulli" or "gaussian", got "poisson""#), "{e}");
    }

    /// A file's config without `family` is a VAE; each family round-trips; the AE has one head and no
    /// log sigma^2; a CVAE's first layers take the label; bad families and class counts name their field.
    #[test]
    fn families_default_round_trip_and_are_checked() {
        let old = VaeConfig::from_json(r#"{"input":784,"hidden":[512],"latent":2,"beta":1.0}"#).unwrap();
        assert_eq!((old.family, old.classes), (Family::Vae, 0));
        let ae = VaeConfig { family: Family::Ae, ..Default::default() };
        let cvae = VaeConfig { family: Family::Cvae, classes: 10, ..Default::default() };
        for c in [&ae, &cvae] {
            assert_eq!(&VaeConfig::from_json(&c.to_json()).unwrap(), c);
        }
        let names = |c: &VaeConfig| c.layers().into_iter().map(|d| (d.name, d.inp, d.out)).collect::<Vec<_>>();
        let want_ae = [("enc.0", 784, 512), ("enc_z", 512, 2), ("dec.0", 2, 512), ("dec_out", 512, 784)];
        assert_eq!(names(&ae), want_ae.map(|(n, i, o)| (n.to_string(), i, o)));
        let want_cvae = [
            ("enc.0", 794, 512),
            ("enc_mu", 512, 2),
            ("enc_logvar", 512, 2),
            ("dec.0", 12, 512),
            ("dec_out", 512, 784),
        ];
        assert_eq!(names(&cvae), want_cvae.map(|(n, i, o)| (n.to_string(), i, o)));
        // By hand: 784*512+512 + 512*2+2 + 2*512+512 + 512*784+784.
        assert_eq!(ae.num_params(), 401_920 + 1_026 + 1_536 + 402_192);
        assert_eq!(cvae.num_params(), 794 * 512 + 512 + 2 * 1_026 + 12 * 512 + 512 + 402_192);
        let e = VaeConfig::from_json(r#"{"family":"gan"}"#).unwrap_err().to_string();
        assert!(e.contains(r#"family must be "vae", "ae" or "cvae", got "gan""#), "{e}");
        for (c, why) in [
            (VaeConfig { family: Family::Cvae, ..Default::default() }, "got 0"),
            (VaeConfig { family: Family::Cvae, classes: 257, ..Default::default() }, "1 to 256"),
            (VaeConfig { classes: 10, ..Default::default() }, "only a cvae takes labels"),
        ] {
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains("`classes`") && e.contains(why), "{e}");
        }
    }

    #[test]
    fn bad_fields_are_named() {
        let cases = [
            VaeConfig { hidden: vec![], ..Default::default() },
            VaeConfig { hidden: vec![0], ..Default::default() },
            VaeConfig { hidden: vec![1_000_000], ..Default::default() },
            VaeConfig { hidden: vec![4096, 4096], ..Default::default() },
            VaeConfig { latent: 0, ..Default::default() },
            VaeConfig { beta: f64::NAN, ..Default::default() },
            VaeConfig { beta: -1.0, ..Default::default() },
        ];
        let fields = ["hidden", "hidden", "hidden", "hidden", "latent", "beta", "beta"];
        for (c, f) in cases.iter().zip(fields) {
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(f), "{e} should name {f}");
        }
    }
}
