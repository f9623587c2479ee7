//! A PyTorch user's VAE, saved with `safetensors.torch.save_file(model.state_dict(), path)`: a file with no
//! `vae_config` metadata, whose architecture is inferred from its tensors' names and shapes. Two layouts are
//! understood, the two that learners meet:
//!
//! 1. the lesson's `nn.Sequential` VAE: `encoder = [Linear(784, h), ReLU, ..., Linear(h, 2 latent)]`, whose last
//!    output is chunked into mu and then log sigma^2, and `decoder = [Linear(latent, h), ReLU, ..., Linear(h,
//!    784), Sigmoid]`, with keys `encoder.N.weight`/`.bias` and `decoder.N.weight`/`.bias`;
//! 2. pytorch/examples' `vae`: `fc1` (encoder), `fc21` (mu), `fc22` (log sigma^2), `fc3` and `fc4`
//!    (decoder).
//!
//! Both are Bernoulli VAEs (a sigmoid output trained with binary cross-entropy). The decoder must mirror
//! the encoder's hidden sizes, as ours does.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use safetensors::SafeTensors;

use crate::config::VaeConfig;
use crate::error::{Error, Result};
use crate::model::param_shapes;
use crate::weights::read_f32;

/// The layouts named in every refusal.
const LAYOUTS: &str = "this explorer reads its own files (with `vae_config` metadata), a PyTorch nn.Sequential \
                       VAE (`encoder.N` and `decoder.N` Linear layers) and pytorch/examples' vae (`fc1`, `fc21`, \
                       `fc22`, `fc3`, `fc4`)";

/// Where one of our parameters comes from: a key of the file and, for the chunked head, its rows.
struct Source {
    key: String,
    rows: Option<Range<usize>>,
}

/// Reads a `state_dict` file in one of the two layouts: its config and its parameters in our order.
pub fn from_state_dict(st: &SafeTensors) -> Result<(VaeConfig, Vec<f32>)> {
    let names: Vec<String> = st.names().into_iter().map(str::to_string).collect();
    let (cfg, sources) = if names.iter().any(|n| n.starts_with("encoder.") || n.starts_with("decoder.")) {
        sequential(st, &names)?
    } else if names.iter().any(|n| n.starts_with("fc")) {
        examples(st)?
    } else {
        let mut shown: Vec<&str> = names.iter().map(String::as_str).take(4).collect();
        shown.sort();
        return Err(Error::Weights(format!(
            "it has no `vae_config` metadata, and its tensors ({}) are in no layout it knows: {LAYOUTS}",
            if shown.is_empty() { "none".to_string() } else { shown.join(", ") }
        )));
    };
    let used: HashSet<&str> = sources.iter().map(|s| s.key.as_str()).collect();
    if let Some(extra) = names.iter().find(|n| !used.contains(n.as_str())) {
        return Err(Error::Weights(format!("unexpected tensor `{extra}` for a PyTorch VAE of this layout")));
    }
    let mut flat = Vec::with_capacity(cfg.num_params());
    for ((name, shape), src) in param_shapes(&cfg).into_iter().zip(&sources) {
        let view = st.tensor(&src.key).map_err(|_| missing(&src.key))?;
        let rows = src.rows.clone().unwrap_or(0..shape[0]);
        let mut want = shape.clone();
        if src.rows.is_some() {
            want[0] *= 2;
        }
        if view.shape() != want.as_slice() {
            return Err(Error::Weights(format!(
                "tensor `{}` has shape {:?}, but the layers around it need {want:?} (for our `{name}`)",
                src.key,
                view.shape()
            )));
        }
        let v = read_f32(&view, &src.key)?;
        let per_row: usize = shape[1..].iter().product();
        flat.extend_from_slice(&v[rows.start * per_row..rows.end * per_row]);
    }
    Ok((cfg, flat))
}

fn missing(key: &str) -> Error {
    Error::Weights(format!("tensor `{key}` is missing; {LAYOUTS}"))
}

/// A 2-D weight's shape, or a refusal naming the key.
fn weight_shape(st: &SafeTensors, key: &str) -> Result<[usize; 2]> {
    let view = st.tensor(key).map_err(|_| missing(key))?;
    match view.shape() {
        &[out, inp] => Ok([out, inp]),
        s => Err(Error::Weights(format!("tensor `{key}` has shape {s:?}; a Linear layer's weight is (out, in)"))),
    }
}

/// The pairs (weight, bias) of the `Linear` layers under `prefix` (`encoder` or `decoder`), by index.
fn linears(names: &[String], prefix: &str) -> Result<Vec<usize>> {
    let mut found = BTreeMap::new();
    for n in names.iter().filter(|n| n.starts_with(&format!("{prefix}."))) {
        let rest = &n[prefix.len() + 1..];
        let parsed = rest.split_once('.').and_then(|(i, what)| Some((i.parse::<usize>().ok()?, what)));
        match parsed {
            Some((i, "weight" | "bias")) => {
                found.insert(i, ());
            }
            _ => {
                return Err(Error::Weights(format!(
                    "tensor `{n}` is not a Linear layer's `{prefix}.N.weight` or `{prefix}.N.bias`; {LAYOUTS}"
                )))
            }
        }
    }
    if found.len() < 2 {
        return Err(Error::Weights(format!(
            "the `{prefix}` has {} Linear layer(s); an nn.Sequential VAE's has at least two (a hidden layer and its \
             output); {LAYOUTS}",
            found.len()
        )));
    }
    Ok(found.into_keys().collect())
}

/// The lesson's nn.Sequential VAE.
fn sequential(st: &SafeTensors, names: &[String]) -> Result<(VaeConfig, Vec<Source>)> {
    let (enc, dec) = (linears(names, "encoder")?, linears(names, "decoder")?);
    if enc.len() != dec.len() {
        return Err(Error::Weights(format!(
            "the encoder has {} Linear layers and the decoder {}; the decoder must mirror the encoder",
            enc.len(),
            dec.len()
        )));
    }
    let key = |prefix: &str, i: usize, what: &str| format!("{prefix}.{i}.{what}");
    let [_, input] = weight_shape(st, &key("encoder", enc[0], "weight"))?;
    let mut hidden = Vec::new();
    for &i in &enc[..enc.len() - 1] {
        hidden.push(weight_shape(st, &key("encoder", i, "weight"))?[0]);
    }
    let last = key("encoder", enc[enc.len() - 1], "weight");
    let [two_latent, _] = weight_shape(st, &last)?;
    if two_latent % 2 != 0 {
        return Err(Error::Weights(format!(
            "tensor `{last}` gives {two_latent} outputs; the last encoder layer gives mu and then log sigma^2, so it \
             needs an even number"
        )));
    }
    let cfg = VaeConfig { input, hidden, latent: two_latent / 2, ..Default::default() };
    cfg.validate()?;
    let lat = cfg.latent;
    let mut sources = Vec::new();
    let mut push = |prefix: &str, i: usize, rows: Option<Range<usize>>| {
        for what in ["weight", "bias"] {
            sources.push(Source { key: key(prefix, i, what), rows: rows.clone() });
        }
    };
    for &i in &enc[..enc.len() - 1] {
        push("encoder", i, None);
    }
    push("encoder", enc[enc.len() - 1], Some(0..lat));
    push("encoder", enc[enc.len() - 1], Some(lat..2 * lat));
    for &i in &dec {
        push("decoder", i, None);
    }
    Ok((cfg, sources))
}

/// pytorch/examples' vae: fc1, fc21, fc22, fc3, fc4.
fn examples(st: &SafeTensors) -> Result<(VaeConfig, Vec<Source>)> {
    let [hidden, input] = weight_shape(st, "fc1.weight")?;
    let [latent, _] = weight_shape(st, "fc21.weight")?;
    let cfg = VaeConfig { input, hidden: vec![hidden], latent, ..Default::default() };
    cfg.validate()?;
    let sources = ["fc1", "fc21", "fc22", "fc3", "fc4"]
        .iter()
        .flat_map(|l| ["weight", "bias"].map(|w| Source { key: format!("{l}.{w}"), rows: None }))
        .collect();
    Ok((cfg, sources))
}
