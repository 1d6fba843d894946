//! Typed, per-environment configuration loaded from Locker Secrets.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod crypto;
mod error;
pub mod model;
mod runtime;

pub use client::{Locker, LockerBuilder};
pub use error::{Error, ErrorKind, Result};
pub use model::{Environment, SecretRecord};
