//! npm's configuration chain, read the way npm reads it, so utoo talks to the same registry
//! with the same credentials and certificates as `npm install` would in the same folder.

mod chain;
mod npmrc;

pub use chain::{Config, ConfigError, ConfigSources};
pub use npmrc::parse_npmrc;
