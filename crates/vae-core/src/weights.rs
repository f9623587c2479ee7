//! Weights to and from safetensors bytes. No file paths: the same code runs in a browser.
//!
//! The file's metadata holds `vae_config` (the `VaeConfig` as JSON), so a weights file describes its own
//! architecture. Loading checks everything before building a model: the header (the `safetensors` crate
//! checks offsets and sizes before it allocates), the architecture, every tensor's name, shape and dtype,
//! and that every value is finite. A file without `vae_config` is read as a PyTorch user's `state_dict`
//! ([`crate::pytorch`]).

use std::collections::HashMap;

pub use candle_core::DType;
use candle_core::{Device, Tensor};
use safetensors::SafeTensors;

use crate::config::VaeConfig;
use crate::error::{Error, Result};
use crate::model::{param_shapes, Model};

pub const CONFIG_KEY: &str = "vae_config";

/// Largest weights file we read: 64 MiB holds 16 million f32 parameters, twenty times the pretrained model.
/// A larger file is refused before it is parsed (the page checks the same bound before reading a file).
pub const MAX_BYTES: usize = 64 << 20;

/// Serialises a model's weights with its config in the metadata. `dtype` is the storage type (F32, F16 or
/// BF16).
pub fn to_safetensors(model: &Model, dtype: DType) -> Result<Vec<u8>> {
    if !matches!(dtype, DType::F32 | DType::F16 | DType::BF16) {
        return Err(Error::Input(format!("weights can be stored as f32, f16 or bf16, not {dtype:?}")));
    }
    let mut named = Vec::new();
    for (name, shape, v) in model.named_params() {
        named.push((name, Tensor::from_slice(v, shape, &Device::Cpu)?.to_dtype(dtype)?));
    }
    // One metadata key only: safetensors takes the metadata as a HashMap, whose order is random, and a
    // second key would make the same weights serialise to different bytes from run to run.
    let meta = HashMap::from([(CONFIG_KEY.to_string(), model.config().to_json())]);
    safetensors::serialize(named, Some(meta)).map_err(|e| Error::Weights(e.to_string()))
}

/// Parses and checks a weights file: returns its config and its parameters, flat, in the order of
/// [`param_shapes`].
pub fn from_safetensors(bytes: &[u8]) -> Result<(VaeConfig, Vec<f32>)> {
    if bytes.is_empty() {
        return Err(Error::Weights("the file is empty".into()));
    }
    if bytes.len() > MAX_BYTES {
        return Err(Error::Weights(format!(
            "the file is {:.0} MiB ({} bytes); weights files for this explorer are at most {} MiB ({MAX_BYTES} bytes)",
            bytes.len() as f64 / 1_048_576.0,
            bytes.len(),
            MAX_BYTES >> 20
        )));
    }
    if bytes.len() < 8 {
        return Err(Error::Weights(format!(
            "the file is only {} bytes long; a safetensors file starts with an 8-byte header length",
            bytes.len()
        )));
    }
    let st = SafeTensors::deserialize(bytes).map_err(|e| Error::Weights(describe_st_error(e)))?;
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| Error::Weights(describe_st_error(e)))?;
    let cfg_json = meta.metadata().as_ref().and_then(|m| m.get(CONFIG_KEY));
    let Some(cfg_json) = cfg_json else {
        return crate::pytorch::from_state_dict(&st);
    };
    let cfg = VaeConfig::from_json(cfg_json)?;

    let expected = param_shapes(&cfg);
    let mut flat = Vec::with_capacity(cfg.num_params());
    for (name, shape) in &expected {
        let view = st.tensor(name).map_err(|_| Error::Weights(format!("tensor `{name}` is missing")))?;
        if view.shape() != shape.as_slice() {
            return Err(Error::Weights(format!(
                "tensor `{name}` has shape {:?}, but the architecture needs {:?}",
                view.shape(),
                shape
            )));
        }
        flat.extend(read_f32(&view, name)?);
    }
    let known: std::collections::HashSet<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    if let Some(extra) = st.names().into_iter().find(|n| !known.contains(&n[..])) {
        return Err(Error::Weights(format!("unexpected tensor `{extra}` for this architecture")));
    }
    Ok((cfg, flat))
}

/// A tensor's values as f32 (from F32, F16 or BF16), refused if one is not finite.
pub(crate) fn read_f32(view: &safetensors::tensor::TensorView, name: &str) -> Result<Vec<f32>> {
    if !matches!(view.dtype(), safetensors::Dtype::F32 | safetensors::Dtype::F16 | safetensors::Dtype::BF16) {
        return Err(Error::Weights(format!(
            "tensor `{name}` is {:?}; only F32, F16 and BF16 are supported",
            view.dtype()
        )));
    }
    let t = candle_core::safetensors::Load::load(view, &Device::Cpu)?.to_dtype(DType::F32)?;
    let v = t.flatten_all()?.to_vec1::<f32>()?;
    if !v.iter().all(|v| v.is_finite()) {
        return Err(Error::Weights(format!("tensor `{name}` contains NaN or infinite values")));
    }
    Ok(v)
}

fn describe_st_error(e: safetensors::SafeTensorError) -> String {
    use safetensors::SafeTensorError as E;
    match e {
        E::HeaderTooLarge | E::HeaderTooSmall | E::InvalidHeaderLength => {
            "the header length in its first 8 bytes is impossible for this file; the file is damaged or is not a \
             safetensors file"
                .to_string()
        }
        E::InvalidHeader(_) | E::InvalidHeaderDeserialization(_) | E::JsonError(_) => {
            format!("the header is not valid JSON metadata ({e}); the file is damaged or is not a safetensors file")
        }
        E::InvalidOffset(_) | E::TensorInvalidInfo | E::MetadataIncompleteBuffer | E::ValidationOverflow => {
            format!("the header does not match the data ({e}); the file is truncated or damaged")
        }
        other => other.to_string(),
    }
}
