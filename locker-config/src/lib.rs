//! Typed, per-environment configuration loaded from Locker Secrets.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod blocking;
pub mod client;
pub mod credentials;
pub mod crypto;
mod error;
mod export;
mod logging;
pub mod model;
mod retry;
mod runtime;
mod wire;

pub use client::{
    EnvironmentUpdate, Locker, LockerBuilder, NewEnvironment, NewSecret, SecretUpdate,
};
pub use error::{Error, ErrorKind, Result};
pub use export::ExportFormat;
pub use model::{Environment, SecretRecord};
