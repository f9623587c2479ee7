//! The zoo's manifest (`web/models/manifest.json`): the pretrained models the page offers, each with its
//! held-out figures. The hand-written fields are `id`, `file`, `dataset` and `description`; `family`,
//! `latent`, `beta`, `likelihood`, `classes` and `heldout` are read from the weights file and measured on
//! the held-out set ([`Entry::refresh`]), so the manifest cannot drift from the files it lists.

use serde::{Deserialize, Serialize};

use crate::config::{Family, Likelihood};
use crate::{Dataset, Model, Result};

/// Draws of eps per held-out image, and their seed, behind every figure in the manifest.
pub const SAMPLES: usize = 10;
pub const SEED: u64 = 0;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub models: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub file: String,
    pub family: Family,
    pub dataset: String,
    pub latent: usize,
    pub beta: f64,
    pub likelihood: Likelihood,
    /// A CVAE's number of classes; absent for the other families.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<usize>,
    pub description: String,
    pub heldout: Heldout,
}

/// Mean nats per held-out image, to two decimals. An autoencoder has `recon` only: no KL and no ELBO.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Heldout {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nelbo: Option<f32>,
    pub recon: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kl: Option<f32>,
}

/// The data sets a zoo model can be trained on, and the folder of each one's IDX splits under the data
/// root (`web/data`).
pub const DATASETS: [(&str, &str); 2] = [("mnist", ""), ("fashion-mnist", "fashion-mnist")];

/// The folder of `dataset`'s splits under the data root; an unknown name is refused, naming the known ones.
pub fn data_folder(dataset: &str) -> Result<&'static str> {
    DATASETS.iter().find(|(name, _)| *name == dataset).map(|(_, dir)| *dir).ok_or_else(|| {
        let known: Vec<&str> = DATASETS.iter().map(|(n, _)| *n).collect();
        crate::Error::Input(format!("the data set {dataset:?} is not one of {}", known.join(", ")))
    })
}

fn round2(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

impl Manifest {
    pub fn from_json(s: &str) -> Result<Self> {
        serde_json::from_str(s).map_err(|e| crate::Error::Input(format!("the zoo's manifest is not valid: {e}")))
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a manifest always serialises");
        s.push('\n');
        s
    }
}

impl Heldout {
    /// The model's figures on `data` with the manifest's draws of eps.
    pub fn measure(model: &Model, data: &Dataset) -> Result<Self> {
        let p = model.evaluate(data, SAMPLES, SEED)?;
        Ok(if model.config().family.gaussian() {
            Heldout { nelbo: Some(round2(p.loss)), recon: round2(p.recon), kl: Some(round2(p.kl)) }
        } else {
            Heldout { nelbo: None, recon: round2(p.recon), kl: None }
        })
    }
}

impl Entry {
    /// Rewrites the fields that the weights file and the held-out set determine.
    pub fn refresh(&mut self, model: &Model, data: &Dataset) -> Result<()> {
        let c = model.config();
        self.family = c.family;
        self.latent = c.latent;
        self.beta = c.beta;
        self.likelihood = c.likelihood;
        self.classes = c.conditional().then_some(c.classes);
        self.heldout = Heldout::measure(model, data)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_autoencoder_entry_has_recon_only() {
        let json = r#"{ "models": [ { "id": "ae-2d", "file": "a.safetensors", "family": "ae", "dataset": "mnist",
            "latent": 2, "beta": 1, "likelihood": "bernoulli", "description": "d", "heldout": { "recon": 130.5 } } ] }"#;
        let m = Manifest::from_json(json).unwrap();
        assert_eq!(m.models[0].heldout, Heldout { nelbo: None, recon: 130.5, kl: None });
        let out = m.to_json();
        assert!(!out.contains("nelbo") && !out.contains("\"kl\"") && !out.contains("classes"), "{out}");
        assert_eq!(Manifest::from_json(&out).unwrap(), m);
    }

    #[test]
    fn each_data_set_has_its_folder() {
        assert_eq!(data_folder("mnist").unwrap(), "");
        assert_eq!(data_folder("fashion-mnist").unwrap(), "fashion-mnist");
        let e = data_folder("cifar").unwrap_err().to_string();
        assert!(e.contains("\"cifar\"") && e.contains("mnist, fashion-mnist"), "{e}");
    }

    #[test]
    fn a_bad_manifest_names_the_field() {
        let e = Manifest::from_json(r#"{ "models": [ { "id": "x" } ] }"#).unwrap_err().to_string();
        assert!(e.contains("file"), "{e}");
    }
}
