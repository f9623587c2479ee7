//! One error type for the core, with messages written for the person who will read them on a page.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("invalid setting `{field}`: {reason}")]
    Config { field: &'static str, reason: String },
    #[error("this is not a usable weights file: {0}")]
    Weights(String),
    #[error("this is not a usable MNIST IDX file: {0}")]
    Idx(String),
    #[error("bad input: {0}")]
    Input(String),
    #[error("the loss is not a finite number ({0}); training was stopped")]
    NonFinite(f32),
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
}

pub type Result<T> = std::result::Result<T, Error>;
