//! The layers around Locker: the process environment above it, a dotenv file below it.
//!
//! Both are read before the list request and never cause one; what they hold is wiped on drop.

mod dotenv;
mod env;

pub(crate) use dotenv::DotenvFile;
pub(crate) use env::{EnvLookup, EnvVar, ProcessEnv};
