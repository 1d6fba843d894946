//! Typed, per-environment configuration loaded from [Locker Secrets], and an async client for
//! the Locker Secrets API.
//!
//! [Locker Secrets]: https://locker.io
//!
//! # Declare the configuration
//!
//! ```
//! use locker_config::{LockerConfig, Secret};
//! use std::time::Duration;
//!
//! #[derive(Debug, LockerConfig)]
//! struct AppConfig {
//!     /// Postgres connection string.
//!     database_url: Secret<String>,            // key DATABASE_URL; required
//!     #[locker(key = "HTTP_PORT", default = 8080)]
//!     port: u16,                               // typed default
//!     #[locker(default = "30s")]
//!     request_timeout: Duration,               // string default, parsed like a stored value
//!     redis_url: Option<String>,               // absent → None
//!     #[locker(default = "https://a.example,https://b.example")]
//!     allowed_origins: Vec<String>,            // comma separated
//!     #[locker(default)]
//!     verbose: bool,                           // Default::default()
//! }
//! # let cfg = AppConfig::from_values([("DATABASE_URL", "postgres://localhost/test")]).unwrap();
//! # assert_eq!(cfg.port, 8080);
//! ```
//!
//! Each field reads the secret whose key is the field name in upper snake case (`r#type` reads
//! `TYPE`) unless `#[locker(key = "…")]` says otherwise. The derive generates inherent
//! functions, so no trait import is needed to call them.
//!
//! # Load it
//!
//! ```no_run
//! # use locker_config::LockerConfig;
//! # #[derive(Debug, LockerConfig)] struct AppConfig { #[locker(key = "HTTP_PORT")] port: u16 }
//! # async fn run() -> locker_config::Result<()> {
//! let cfg = AppConfig::load("prod")?;                       // blocking
//! let cfg = AppConfig::load_async("prod").await?;           // async
//! let cfg: &'static AppConfig = AppConfig::init("prod")?;   // load into the global instance
//! let cfg: &'static AppConfig = AppConfig::global();        // read it anywhere
//! # Ok(()) }
//! ```
//!
//! Credentials come from [`Locker::from_env`]: `LOCKER_ACCESS_KEY_ID`,
//! `LOCKER_SECRET_ACCESS_KEY` (and `LOCKER_API_BASE`), else `~/.locker/credential.json`.
//! `load` works from a plain `main` and from inside a tokio runtime. [`Loader`], from
//! `AppConfig::loader()`, picks the environment and client, overrides values and reports where
//! each value came from.
//!
//! One load costs **one** list request (plus the client's profile, once per client), however
//! many fields there are. A field's value is the secret with its key in the environment, else
//! the one in "All", else the default, else an error (`None` for `Option` fields).
//!
//! # Supported field types
//!
//! | Type | Stored value |
//! |---|---|
//! | any `FromStr` type: integers, floats, `String`, `PathBuf`, `IpAddr`, `SocketAddr`, URLs… | parsed with `FromStr` |
//! | `bool` | `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, any case |
//! | `Duration` | `30s`, `5m`, `1h30m`, `250ms` |
//! | `Vec<T>` | a comma-separated list of `T`; items trimmed; empty → empty list |
//! | `Option<T>` | absent → `None` |
//! | [`Secret<T>`] | like `T`, never printed |
//! | `#[locker(json)]` any `Deserialize` type | JSON |
//! | `#[locker(with = path)]` any type | `path(&str) -> Result<T, E>` decides |
//!
//! They combine: `Option<Secret<String>>`, `Option<Vec<u16>>`, `Secret<u16>`, `Vec<Duration>`.
//!
//! # Every problem at once
//!
//! A failed load returns one [`Error`] of kind [`ErrorKind::Config`] that lists every missing
//! and every unparsable field — field, key, environment and the expected form, never the
//! value. [`Error::config_report`] gives the typed [`ConfigReport`].
//!
//! ```
//! # use locker_config::LockerConfig;
//! #[derive(Debug, LockerConfig)]
//! struct AppConfig {
//!     database_url: String,
//!     #[locker(key = "HTTP_PORT")]
//!     port: u16,
//! }
//!
//! let err = AppConfig::from_values([("HTTP_PORT", "eighty")]).unwrap_err();
//! assert_eq!(err.to_string(), "configuration error: failed to load AppConfig from the given values: 2 problems
//!   - database_url (DATABASE_URL): missing: not given, and no default
//!   - port (HTTP_PORT): invalid value from given values: expected an integer from 0 to 65535");
//! ```
//!
//! # Testing
//!
//! `from_values` builds a config without network. `override_global` makes `global()` return
//! a test's own config on the current thread until the guard drops, so tests running in
//! parallel never see each other's values and no environment variable is touched:
//!
//! ```
//! # use locker_config::LockerConfig;
//! #[derive(Debug, LockerConfig)]
//! struct AppConfig {
//!     #[locker(key = "HTTP_PORT", default = 8080)]
//!     port: u16,
//! }
//!
//! fn handler() -> u16 {
//!     AppConfig::global().port
//! }
//!
//! let _guard = AppConfig::override_global(AppConfig::from_values([("HTTP_PORT", "0")]).unwrap());
//! assert_eq!(handler(), 0);
//! assert_eq!(AppConfig::with_override(AppConfig::from_values([("HTTP_PORT", "1")]).unwrap(), handler), 1);
//! ```
//!
//! # Introspection
//!
//! `AppConfig::KEYS` lists the keys; `AppConfig::describe()` returns a [`FieldInfo`] per field
//! (key, field, type, default as written, optional, secret, doc comment).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod blocking;
pub mod client;
pub mod config;
pub mod credentials;
mod error;
mod export;
mod live;
mod logging;
pub mod model;
mod retry;
mod runtime;
mod secret;
pub mod snapshot;
mod values;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use client::{
    EnvironmentUpdate, Locker, LockerBuilder, NewEnvironment, NewSecret, SecretUpdate,
};
pub use config::{ConfigReport, FieldInfo, Loaded, Loader, LockerConfig, OverrideGuard};
pub use error::{Error, ErrorKind, Result};
pub use export::ExportFormat;
pub use live::{Change, Changes, Live};
pub use model::{Environment, SecretRecord};
pub use secret::Secret;
pub use snapshot::{CachePolicy, Origin, SnapshotReason};
pub use values::{EnvValues, ValuesLoader};

/// Derives loading from Locker for a struct with named fields; see the crate docs.
///
/// Field attributes, all inside `#[locker(...)]`:
///
/// - `key = "HTTP_PORT"`: the Locker key (default: the field name in upper snake case).
/// - `default = "30s"`: a string default, parsed like a stored value when loading.
/// - `default = 8080`: a typed default; a type mismatch is a compile error at the literal.
///   Use a string default for types without literals (`Secret<T>`, `Vec<T>`, `Duration`).
/// - `default`: `Default::default()`. Not allowed on `Option` fields.
/// - `json`: parse the value as JSON with serde.
/// - `with = path::to::parse`: parse with `fn(&str) -> Result<T, E>` where `E: Display`.
///
/// Mistakes (enums, tuple or unit structs, generics, unknown or duplicate attributes, two
/// fields with one key, `default` on an `Option`) are compile errors at the offending token,
/// all reported together.
pub use locker_config_derive::LockerConfig;
