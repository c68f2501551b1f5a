//! Putting packages where Node looks for them: a package folder from the cache becomes
//! `node_modules/<path>`, and every `bin` becomes a link in the right `.bin` folder.

mod bins;
mod error;
mod place;
mod prune;

pub use bins::link_bins;
pub use error::LinkError;
pub use place::{LinkMethod, Linker, Placed};
pub use prune::{remove_extraneous, remove_package};
