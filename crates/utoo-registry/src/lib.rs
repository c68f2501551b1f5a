//! Talking to an npm registry: one pooled HTTP client that trusts what npm trusts, with
//! retries on transient failures; packuments fetched once per name and parsed off the async
//! runtime; tarballs as byte streams.

mod client;
mod error;
mod packument_cache;
mod packuments;
mod retry;
mod tls;

pub use client::{RegistryClient, TarballResponse};
pub use error::RegistryError;
pub use packument_cache::CachePolicy;
pub use packuments::Packuments;
pub use retry::Retries;
