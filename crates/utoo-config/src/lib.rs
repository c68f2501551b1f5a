//! npm's configuration chain, read the way npm reads it, so utoo talks to the same registry
//! with the same credentials and certificates as `npm install` would in the same folder,
//! and acts on the same settings ([`Settings`]) whichever level set them.

mod chain;
mod npmrc;
mod settings;

pub use chain::{Config, ConfigError, ConfigSources};
pub use npmrc::{expand_env, parse_npmrc, LIST_SEPARATOR};
pub use settings::{parse_date, Allow, Omit, ReplaceRegistryHost, Settings};
