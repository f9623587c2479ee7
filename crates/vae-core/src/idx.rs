//! MNIST's IDX format: big-endian magic `0x0000_08NN` (0x08 = unsigned bytes, NN = number of dimensions),
//! one big-endian u32 per dimension, then the raw bytes. Every malformed input is an `Error::Idx`.

use crate::error::{Error, Result};

/// Side of an MNIST image.
pub const SIDE: usize = 28;
pub const PIXELS: usize = SIDE * SIDE;

/// Images and labels of one split, as bytes: `images.len() == n * 784`, `labels.len() == n`, labels 0-9.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

impl Dataset {
    pub fn new(images: Vec<u8>, labels: Vec<u8>) -> Result<Self> {
        if !images.len().is_multiple_of(PIXELS) {
            return Err(Error::Idx(format!("{} image bytes is not a whole number of 28x28 images", images.len())));
        }
        let n = images.len() / PIXELS;
        if labels.len() != n {
            return Err(Error::Idx(format!("there are {n} images but {} labels", labels.len())));
        }
        if let Some((i, l)) = labels.iter().enumerate().find(|(_, &l)| l > 9) {
            return Err(Error::Idx(format!("label {i} is {l}; MNIST labels are 0 to 9")));
        }
        Ok(Self { images, labels })
    }

    /// Parses an IDX images file (28x28) and an IDX labels file and checks that they agree.
    pub fn from_idx(images: &[u8], labels: &[u8]) -> Result<Self> {
        let (dims, img) = parse(images, 3, "images")?;
        if dims[1] != SIDE || dims[2] != SIDE {
            return Err(Error::Idx(format!("images are {}x{}; MNIST images are 28x28", dims[1], dims[2])));
        }
        let (_, lab) = parse(labels, 1, "labels")?;
        Self::new(img.to_vec(), lab.to_vec())
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i * PIXELS..(i + 1) * PIXELS]
    }

    /// Images `idx` as f32 in [0, 1], row after row.
    pub fn batch_f32(&self, idx: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(idx.len() * PIXELS);
        for &i in idx {
            out.extend(self.image(i).iter().map(|&b| b as f32 / 255.0));
        }
        out
    }

    pub fn images_idx(&self) -> Vec<u8> {
        encode(&[self.len(), SIDE, SIDE], &self.images)
    }

    pub fn labels_idx(&self) -> Vec<u8> {
        encode(&[self.len()], &self.labels)
    }
}

/// Splits an IDX file of unsigned bytes with `ndim` dimensions into its dimensions and its data.
pub fn parse<'a>(bytes: &'a [u8], ndim: u8, what: &str) -> Result<(Vec<usize>, &'a [u8])> {
    if bytes.len() < 4 {
        return Err(Error::Idx(format!("the {what} file is {} bytes long, too short for an IDX header", bytes.len())));
    }
    if bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 || bytes[3] != ndim {
        return Err(Error::Idx(format!(
            "the {what} file starts with {:02x} {:02x} {:02x} {:02x}, not the IDX magic 00 00 08 {ndim:02x} of {ndim}-D unsigned bytes",
            bytes[0], bytes[1], bytes[2], bytes[3]
        )));
    }
    let header = 4 + 4 * ndim as usize;
    if bytes.len() < header {
        return Err(Error::Idx(format!("the {what} file ends inside its header")));
    }
    let dims: Vec<usize> =
        bytes[4..header].chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize).collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::Idx(format!("the {what} file claims impossibly large dimensions {dims:?}")))?;
    let data = &bytes[header..];
    if data.len() != expected {
        return Err(Error::Idx(format!(
            "the {what} file's header says {dims:?} = {expected} bytes of data, but it holds {} (truncated or padded)",
            data.len()
        )));
    }
    Ok((dims, data))
}

/// Writes an IDX file of unsigned bytes.
pub fn encode(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, dims.len() as u8];
    for &d in dims {
        out.extend((d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize) -> Dataset {
        let images = (0..n * PIXELS).map(|i| (i % 251) as u8).collect();
        let labels = (0..n).map(|i| (i % 10) as u8).collect();
        Dataset::new(images, labels).unwrap()
    }

    #[test]
    fn round_trip() {
        let d = sample(3);
        assert_eq!(Dataset::from_idx(&d.images_idx(), &d.labels_idx()).unwrap(), d);
    }

    fn err(images: &[u8], labels: &[u8]) -> String {
        Dataset::from_idx(images, labels).unwrap_err().to_string()
    }

    #[test]
    fn malformed_files_are_rejected_with_reasons() {
        let d = sample(3);
        let (img, lab) = (d.images_idx(), d.labels_idx());
        assert!(err(&[], &lab).contains("too short"));
        let mut bad_magic = img.clone();
        bad_magic[2] = 0x0d;
        assert!(err(&bad_magic, &lab).contains("magic"));
        assert!(err(&lab, &lab).contains("magic"), "a labels file is not an images file");
        assert!(err(&img[..img.len() - 1], &lab).contains("truncated"));
        assert!(err(&img[..10], &lab).contains("header"));
        let mut wrong_dims = encode(&[3, 27, 28], &d.images[..3 * 27 * 28]);
        assert!(err(&wrong_dims, &lab).contains("28x28"));
        wrong_dims = encode(&[u32::MAX as usize, u32::MAX as usize, u32::MAX as usize], &[]);
        assert!(err(&wrong_dims, &lab).contains("large") || err(&wrong_dims, &lab).contains("truncated"));
        assert!(err(&img, &encode(&[2], &[1, 2])).contains("3 images but 2 labels"));
        assert!(err(&img, &encode(&[3], &[1, 2, 10])).contains("0 to 9"));
    }
}
