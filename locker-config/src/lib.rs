//! Typed, per-environment configuration loaded from Locker Secrets.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod blocking;
pub mod client;
pub mod config;
pub mod credentials;
pub mod crypto;
mod error;
mod export;
mod logging;
pub mod model;
mod retry;
mod runtime;
mod secret;
mod wire;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use client::{
    EnvironmentUpdate, Locker, LockerBuilder, NewEnvironment, NewSecret, SecretUpdate,
};
pub use error::{Error, ErrorKind, Result};
pub use config::{ConfigReport, FieldInfo, Loaded, Loader, LockerConfig, OverrideGuard};
pub use export::ExportFormat;
pub use model::{Environment, SecretRecord};
pub use secret::Secret;

/// Derives loading from Locker for a struct with named fields; see the crate docs.
pub use locker_config_derive::LockerConfig;
