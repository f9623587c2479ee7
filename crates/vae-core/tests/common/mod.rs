//! What the tests that read the repository's files share: its root, a file read with a hint when it is
//! missing, and a data set's held-out split.

use std::path::PathBuf;

use vae_core::Dataset;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file under the repository's root; a missing one panics with how to make it.
pub fn read(rel: &str) -> Vec<u8> {
    let p = root().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {} ({e}); run scripts/make-data first", p.display()))
}

/// The held-out split of a zoo data set ("mnist", "fashion-mnist"), from its folder under web/data.
pub fn heldout(dataset: &str) -> Dataset {
    let dir = PathBuf::from("web/data").join(vae_core::zoo::data_folder(dataset).unwrap());
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    Dataset::from_idx(&read(&path("heldout-images.idx3-ubyte")), &read(&path("heldout-labels.idx1-ubyte"))).unwrap()
}
