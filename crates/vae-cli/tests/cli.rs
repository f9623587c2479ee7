//! The `vae` binary on the committed weights and the generated data.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn vae(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vae")).args(args).current_dir(root()).output().unwrap()
}

#[test]
fn grid_writes_a_png_of_n_by_n_digits() {
    let out = std::env::temp_dir().join(format!("vae-grid-{}.png", std::process::id()));
    let o = vae(&["grid", "--n", "7", "--range", "2.5", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&out).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (7 * 28, 7 * 28));
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    // Digits are drawn: some ink, mostly background.
    let ink = buf.iter().filter(|&&v| v > 128).count() as f64 / buf.len() as f64;
    assert!((0.03..0.5).contains(&ink), "ink fraction {ink}");
    std::fs::remove_file(out).unwrap();
}

#[test]
fn eval_reports_json_and_bad_files_fail_with_their_reason() {
    let o = vae(&["eval", "--samples", "1", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let (loss, recon, kl) = (v["loss"].as_f64().unwrap(), v["recon"].as_f64().unwrap(), v["kl"].as_f64().unwrap());
    assert_eq!(v["n"], 1000);
    assert!((loss - recon - kl).abs() < 1e-3 && loss < 160.0 && kl > 1.0, "{v}");

    let o = vae(&["eval", "--weights", "Cargo.toml"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a usable weights file"));
    let o = vae(&["grid", "--n", "0"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--n must be 1 to 100"));
}

#[test]
fn train_from_a_seed_is_bit_exact() {
    let dir = std::env::temp_dir().join(format!("vae-train-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |name: &str| {
        let out = dir.join(name);
        let o = Command::new(env!("CARGO_BIN_EXE_vae"))
            .args(["train", "--hidden", "64", "--epochs", "2", "--val", "8000", "--seed", "5", "--shift", "1"])
            .arg("--out")
            .arg(&out)
            .current_dir(root())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(out).unwrap()
    };
    let (a, b) = (run("a.safetensors"), run("b.safetensors"));
    assert!(a == b, "two seeded one-thread runs wrote different weights");
    let vae = vae_core::Vae::from_safetensors(&a).unwrap();
    assert_eq!(vae.config().hidden, vec![64]);
    std::fs::remove_dir_all(dir).unwrap();
}

/// `vae train --family F --latent N --likelihood L --beta B --engine E --steps K` for every family: the file
/// holds that description, and the same seed on the candle engine writes weights within rounding of the fast
/// engine's (4 steps of batch 100). `vae eval` reports an AE's reconstruction alone and a CVAE's negative
/// ELBO; `vae grid --label` decodes a CVAE in a class, and is refused for a VAE.
#[test]
fn every_family_trains_on_both_engines_and_evaluates() {
    let dir = std::env::temp_dir().join(format!("vae-families-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let train = |family: &str, engine: &str| {
        let out = dir.join(format!("{family}-{engine}.safetensors"));
        let o = vae(&[
            "train",
            "--family",
            family,
            "--hidden",
            "32",
            "--latent",
            "2",
            "--likelihood",
            "gaussian",
            "--beta",
            "0.5",
            "--engine",
            engine,
            "--steps",
            "4",
            "--seed",
            "2",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{family} {engine}: {}", String::from_utf8_lossy(&o.stderr));
        let model = vae_core::Model::from_safetensors(&std::fs::read(&out).unwrap()).unwrap();
        (out, model)
    };
    for family in ["vae", "ae", "cvae"] {
        let (path, fast) = train(family, "fast");
        let (_, candle) = train(family, "candle");
        let cfg = fast.config();
        assert_eq!((cfg.family.name(), cfg.latent, cfg.likelihood.name(), cfg.beta), (family, 2, "gaussian", 0.5));
        assert_eq!(cfg.classes, if family == "cvae" { 10 } else { 0 });
        assert_eq!(candle.config(), cfg);
        let worst = fast.params().iter().zip(candle.params()).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(worst < 1e-4, "{family}: the engines' weights differ by {worst}");

        let o = vae(&["eval", "--weights", path.to_str().unwrap(), "--samples", "1", "--json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(v["recon"].as_f64().unwrap().is_finite(), "{v}");
        assert_eq!(v["kl"].is_null(), family == "ae", "{family}: {v}");
        let png = dir.join(format!("{family}.png"));
        let grid = |label: Option<&str>| {
            let mut args =
                vec!["grid", "--weights", path.to_str().unwrap(), "--n", "3", "--out", png.to_str().unwrap()];
            args.extend(label.into_iter().flat_map(|l| ["--label", l]));
            vae(&args)
        };
        match family {
            "cvae" => {
                assert!(grid(Some("7")).status.success());
                let e = String::from_utf8_lossy(&grid(None).stderr).into_owned();
                assert!(e.contains("give the class to decode in with --label 0-9"), "{e}");
            }
            _ => {
                let e = String::from_utf8_lossy(&grid(Some("7")).stderr).into_owned();
                assert!(e.contains("--label is for a conditional VAE"), "{e}");
            }
        }
    }
    let o = vae(&["train", "--family", "gan"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains(r#"family must be "vae", "ae" or "cvae", got "gan""#));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn export_writes_a_static_site_with_the_servers_headers_and_refuses_to_overwrite() {
    let tmp = std::env::temp_dir().join(format!("vae-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    // A pkg/ folder as wasm-bindgen leaves it (the real modules are built after these tests run; the e2e test
    // serves an export of the real ones).
    let pkg = tmp.join("pkg");
    let modules = ["vae_wasm_bg.wasm", "vae_train_bg.wasm", "vae_wasm_relaxed_bg.wasm", "vae_train_relaxed_bg.wasm"];
    // Without the relaxed-SIMD build, the export says what is missing.
    std::fs::create_dir_all(&pkg).unwrap();
    for f in &modules[..2] {
        std::fs::write(pkg.join(f), f).unwrap();
    }
    let o = vae(&["export", tmp.join("half").to_str().unwrap(), "--pkg", pkg.to_str().unwrap()]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("_relaxed_bg.wasm"));
    for f in modules.iter().chain(&["vae_wasm.js", "vae_wasm.d.ts", "README.md"]) {
        std::fs::write(pkg.join(f), f).unwrap();
    }
    let site = tmp.join("site");
    let o = vae(&["export", site.to_str().unwrap(), "--pkg", pkg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "index.html",
        "style.css",
        "js/main.js",
        "js/lab-worker.js",
        "models/manifest.json",
        "models/mnist-2d.safetensors",
        "data/heldout-images.idx3-ubyte",
        "data/fashion-mnist/train-page-images.idx3-ubyte",
        "pkg/vae_wasm_bg.wasm",
        "pkg/vae_train_bg.wasm",
        "pkg/vae_wasm_relaxed_bg.wasm",
        "pkg/vae_train_relaxed_bg.wasm",
    ] {
        assert_eq!(
            std::fs::read(site.join(f)).unwrap(),
            std::fs::read(if let Some(p) = f.strip_prefix("pkg/") { pkg.join(p) } else { root().join("web").join(f) })
                .unwrap(),
            "{f}"
        );
    }
    for f in [
        "pkg/vae_wasm.d.ts",
        "pkg/README.md",
        "data/fashion-mnist/train-images.idx3-ubyte",
        "data/fashion-mnist/train-labels.idx1-ubyte",
    ] {
        assert!(!site.join(f).exists(), "{f} is not part of the site");
    }
    // The headers file repeats the policy of the page's <meta>, plus frame-ancestors (which a <meta> cannot set).
    let html = std::fs::read_to_string(root().join("web/index.html")).unwrap();
    let meta =
        html.split("http-equiv=\"Content-Security-Policy\" content=\"").nth(1).unwrap().split('"').next().unwrap();
    let headers = std::fs::read_to_string(site.join("_headers")).unwrap();
    assert!(headers.contains(&format!("Content-Security-Policy: {meta}; frame-ancestors 'none'\n")), "{headers}");
    for h in [
        "X-Content-Type-Options: nosniff",
        "Referrer-Policy: no-referrer",
        "Cross-Origin-Opener-Policy: same-origin",
        "Cross-Origin-Embedder-Policy: require-corp",
    ] {
        assert!(headers.contains(h), "{h}");
    }
    // A second export into the same folder, and one into web/ itself, are refused with the reason.
    let o = vae(&["export", site.to_str().unwrap(), "--pkg", pkg.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not empty"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = vae(&["export", "web/site-copy", "--pkg", pkg.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("would copy itself"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!root().join("web/site-copy").exists());
    std::fs::remove_dir_all(&tmp).unwrap();
}
