//! PyTorch users' files: weights written by the Python `safetensors` package from numpy arrays in the two
//! layouts learners meet (`tests/pytorch/make_files.py`), loaded by `Model::from_safetensors` and compared
//! with the numpy forward pass the script computes in float64. Broken files are refused with their reason.
//!
//! The script needs Python with `safetensors` and `numpy`: `scripts/test` installs both from PyPI into a
//! virtual environment and names its interpreter in `VAE_PYTHON`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use vae_core::config::Family;
use vae_core::Model;

#[derive(Deserialize)]
struct Expect {
    x: Vec<f32>,
    z: Vec<f32>,
    mu: Vec<f64>,
    logvar: Vec<f64>,
    decoded: Vec<f64>,
    latent: usize,
}

fn files() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::env::temp_dir().join(format!("vae-pytorch-{}", std::process::id()));
    let python = std::env::var("VAE_PYTHON").unwrap_or_else(|_| "python3".into());
    let run = Command::new(&python)
        .arg(root.join("tests/pytorch/make_files.py"))
        .arg(&out)
        .arg(root.join("web/data/heldout-images.idx3-ubyte"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python} ({e}); run scripts/test, which installs it"));
    assert!(
        run.status.success(),
        "{python} tests/pytorch/make_files.py failed (scripts/test installs safetensors and numpy and sets \
         VAE_PYTHON):\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

fn load(dir: &Path, name: &str) -> Result<Model, String> {
    let bytes = std::fs::read(dir.join(format!("{name}.safetensors"))).unwrap();
    Model::from_safetensors(&bytes).map_err(|e| e.to_string())
}

fn close(ours: &[f32], numpy: &[f64], tol: f64, what: &str) {
    assert_eq!(ours.len(), numpy.len(), "{what}");
    for (i, (a, b)) in ours.iter().zip(numpy).enumerate() {
        assert!((*a as f64 - b).abs() <= tol * b.abs().max(1.0), "{what}[{i}]: ours {a}, numpy {b}");
    }
}

/// Both layouts load as Bernoulli VAEs of the architecture their shapes give, and encode and decode as
/// numpy's forward pass does (float32 weights, our f32 arithmetic against numpy's float64: 1e-5).
/// Mutation that turns it red: swap the chunked layer's halves (mu from the second) in `pytorch::sequential`.
#[test]
fn pytorch_layouts_load_and_match_numpy() {
    let dir = files();
    for (name, hidden, latent) in [("sequential", vec![64, 32], 3), ("examples", vec![400], 20)] {
        let model = load(&dir, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let cfg = model.config();
        assert_eq!((cfg.input, &cfg.hidden, cfg.latent, cfg.family), (784, &hidden, latent, Family::Vae), "{name}");
        let want: Expect = serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json"))).unwrap()).unwrap();
        assert_eq!(want.latent, latent);
        let (mu, logvar) = model.encode_slice(&want.x, None).unwrap();
        close(&mu, &want.mu, 1e-5, &format!("{name} mu"));
        close(&logvar.unwrap(), &want.logvar, 1e-5, &format!("{name} logvar"));
        close(&model.decode_slice(&want.z, None).unwrap(), &want.decoded, 1e-5, &format!("{name} decoded"));
    }
}

/// Each broken file is refused with a reason that names the tensor; a missing tensor or an unknown layout
/// also names the layouts understood.
#[test]
fn broken_pytorch_files_are_refused_by_name() {
    let dir = files();
    let cases = [
        ("missing-fc22", "tensor `fc22.weight` is missing", true),
        ("misshapen-fc3", "tensor `fc3.weight` has shape [400, 21], but the layers around it need [400, 20]", false),
        ("odd-encoder-output", "tensor `encoder.4.weight` gives 7 outputs", false),
        (
            "unmirrored-decoder",
            "tensor `decoder.2.weight` has shape [50, 32], but the layers around it need [64, 32]",
            false,
        ),
        ("unknown-layout", "its tensors (body.linear.bias, body.linear.weight) are in no layout it knows", true),
        ("missing-bias", "tensor `decoder.4.bias` is missing", true),
    ];
    let layouts = "a PyTorch nn.Sequential VAE (`encoder.N` and `decoder.N` Linear layers) and pytorch/examples' vae";
    for (name, reason, names_layouts) in cases {
        let e = load(&dir, name).err().unwrap_or_else(|| panic!("{name} was accepted"));
        assert!(e.contains(reason), "{name}: {e}");
        assert_eq!(e.contains(layouts), names_layouts, "{name}: {e}");
    }
}
