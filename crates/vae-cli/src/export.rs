//! `vae export DIR`: the explorer as a static site that any static host serves: the page (`web/`), both wasm
//! modules (`pkg/`, at `pkg/`), the zoo and the data the page loads, and a `_headers` file with the same
//! response headers `vae serve` sends (Netlify and Cloudflare Pages read it; other hosts ignore it).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{ensure, Context, Result};

#[derive(clap::Args)]
pub struct Args {
    /// The folder to write; it must not exist yet, or be empty.
    dir: PathBuf,
    /// The page's folder.
    #[arg(long, default_value = "web")]
    web: PathBuf,
    /// wasm-bindgen's output folder (both modules).
    #[arg(long, default_value = "pkg")]
    pkg: PathBuf,
}

/// Files the page never loads: the full 60,000-image Fashion-MNIST training split (47 MB; the page trains on
/// its first 12,000, `train-page-*`, and `vae train` reads the full one from `web/data`), and wasm-bindgen's
/// TypeScript declarations.
fn skipped(rel: &Path) -> bool {
    let s = rel.to_string_lossy().replace('\\', "/");
    s.starts_with("data/fashion-mnist/train-images")
        || s.starts_with("data/fashion-mnist/train-labels")
        || s.ends_with(".d.ts")
}

/// The `_headers` file: every path gets the policy `vae serve` sends.
pub fn headers_file() -> String {
    format!(
        "/*\n  Content-Security-Policy: {}\n  X-Content-Type-Options: nosniff\n  Referrer-Policy: no-referrer\n  \
         Cross-Origin-Opener-Policy: same-origin\n  Cross-Origin-Embedder-Policy: require-corp\n  Cache-Control: no-cache\n",
        crate::serve::CSP
    )
}

pub fn run(a: Args) -> Result<()> {
    for (dir, what) in [(&a.web, "the page"), (&a.pkg, "the wasm modules")] {
        ensure!(
            dir.is_dir(),
            "cannot export {what}: {} is not a folder (run ./scripts/run once to build it)",
            dir.display()
        );
    }
    ensure!(
        ["vae_wasm_bg.wasm", "vae_train_bg.wasm", "vae_wasm_relaxed_bg.wasm", "vae_train_relaxed_bg.wasm"]
            .iter()
            .all(|f| a.pkg.join(f).is_file()),
        "{} does not hold both wasm modules in both builds (vae_wasm and vae_train, each as _bg.wasm and \
         _relaxed_bg.wasm): build them first",
        a.pkg.display()
    );
    if a.dir.exists() {
        ensure!(a.dir.is_dir(), "{} exists and is not a folder", a.dir.display());
        ensure!(
            fs::read_dir(&a.dir)?.next().is_none(),
            "{} is not empty: export into a new or empty folder, so that nothing of yours is overwritten",
            a.dir.display()
        );
    }
    // The nearest folder of DIR's that exists, resolved, against the sources: a site inside web/ would copy itself.
    let absolute = std::path::absolute(&a.dir)?;
    let existing = absolute.ancestors().find(|p| p.exists()).unwrap_or(Path::new("/"));
    let target = fs::canonicalize(existing)?;
    let inside = |d: &Path| -> Result<bool> { Ok(target.starts_with(fs::canonicalize(d)?)) };
    ensure!(
        !inside(&a.web)? && !inside(&a.pkg)?,
        "{} is inside {} or {}: export somewhere else, or the copy would copy itself",
        a.dir.display(),
        a.web.display(),
        a.pkg.display()
    );
    let mut n = (0usize, 0u64);
    copy_tree(&a.web, &a.dir, Path::new(""), &mut n)?;
    copy_tree(&a.pkg, &a.dir.join("pkg"), Path::new("pkg"), &mut n)?;
    fs::write(a.dir.join("_headers"), headers_file())?;
    println!(
        "wrote the explorer to {}: {} files, {:.1} MB. Serve it with any static host, e.g. `python3 -m http.server -d {}`.",
        a.dir.display(),
        n.0 + 1,
        n.1 as f64 / 1e6,
        a.dir.display()
    );
    Ok(())
}

/// Copies `from` into `to`, file by file (std's fs has no recursive copy), skipping what the page never loads;
/// `rel` is the place in the site, and `n` counts files and bytes.
fn copy_tree(from: &Path, to: &Path, rel: &Path, n: &mut (usize, u64)) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let mut entries = fs::read_dir(from)
        .with_context(|| format!("cannot read {}", from.display()))?
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let here = rel.join(&name);
        if skipped(&here) || name.to_string_lossy().starts_with('.') || name == "README.md" && rel == Path::new("pkg") {
            continue;
        }
        let kind = e.file_type()?;
        if kind.is_dir() {
            copy_tree(&e.path(), &to.join(&name), &here, n)?;
        } else if kind.is_file() {
            n.1 += fs::copy(e.path(), to.join(&name)).with_context(|| format!("cannot copy {}", e.path().display()))?;
            n.0 += 1;
        }
    }
    Ok(())
}
