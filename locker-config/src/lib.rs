//! Typed, per-environment configuration loaded from Locker Secrets.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod config;
pub mod crypto;
mod error;
pub mod model;
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
mod runtime;
mod secret;

pub use client::{Locker, LockerBuilder};
pub use error::{Error, ErrorKind, Result};
pub use config::{ConfigReport, FieldInfo, Loaded, Loader, LockerConfig, OverrideGuard};
pub use model::{Environment, SecretRecord};
pub use secret::Secret;

/// Derives loading from Locker for a struct with named fields; see the crate docs.
pub use locker_config_derive::LockerConfig;
