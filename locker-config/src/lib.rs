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
//! # Layers
//!
//! Locker is one layer of several. A field's value comes from the first that sets its key,
//! highest first:
//!
//! 1. [`Loader::override_value`];
//! 2. the process environment, opt-in: `prefix + key` with [`Loader::process_env`] or
//!    `#[locker(env_prefix = "MYAPP_")]` on the struct (nested keys and aliases too:
//!    `MYAPP_DB_URL`); only the variables for the config's keys are looked up;
//! 3. Locker: the environment, then "All";
//! 4. a dotenv file, opt-in with [`Loader::dotenv_file`] (a missing file is no layer);
//! 5. `default_in(…)` for the environment, then `default`.
//!
//! ```no_run
//! # use locker_config::LockerConfig;
//! # #[derive(Debug, LockerConfig)] struct AppConfig { #[locker(key = "HTTP_PORT")] port: u16 }
//! let loaded = AppConfig::loader()
//!     .environment("prod")
//!     .process_env("MYAPP_")        // MYAPP_HTTP_PORT wins over HTTP_PORT in Locker
//!     .dotenv_file(".env.local")    // fills what Locker lacks
//!     .load_with_sources()?;
//! for source in &loaded.sources {
//!     println!("{source}");         // e.g. "port (HTTP_PORT) <- process environment MYAPP_HTTP_PORT"
//! }
//! # Ok::<(), locker_config::Error>(())
//! ```
//!
//! The report names the variable or the file and line ([`config::ValueSource`]), never a value,
//! and [`Loader::check`] lists the keys the process environment shadows. The layers are read
//! before the request and add none. [`EnvValues`] takes the same two layers. Services with a
//! serde config can add Locker to figment or config-rs instead (features below).
//!
//! # Cargo features
//!
//! Both are off by default.
//!
//! - `figment`: `locker_config::figment::LockerProvider`, Locker as a
//!   [figment](https://docs.rs/figment) provider.
//! - `config`: `locker_config::config_rs::LockerSource`, Locker as a
//!   [config-rs](https://docs.rs/config) `Source` and `AsyncSource`.
//!
//! Both are built from a [`ValuesLoader`], so values go through the same decryption, integrity
//! checks, snapshots and fallback as the derive's; keys are lowercased and `__` nests
//! (`DB__POOL` → `db.pool`). [`Secret<T>`] implements `serde::Deserialize` (never `Serialize`)
//! for such configs.
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
//! # Nested structs and per-environment rules
//!
//! Settings come in groups. `#[locker(nested)]` reads a struct that derives `LockerConfig`
//! itself under a prefix (the field name in upper snake case plus `_`, or `prefix = "…"`;
//! `""` flattens); the same struct can appear twice, nesting is recursive, and `Option<Nested>`
//! is `None` when none of its keys is set. Errors, `describe()`, `KEYS` and the load report use
//! the full path, and a nested config still costs one list request.
//!
//! ```
//! use locker_config::{LockerConfig, Secret};
//!
//! #[derive(Debug, LockerConfig)]
//! struct DbConfig {
//!     /// Postgres connection string.
//!     url: Secret<String>,
//!     #[locker(default = 10, default_in(dev = 2))]  // per-environment defaults
//!     pool_size: u32,
//! }
//!
//! #[derive(Debug, LockerConfig)]
//! #[locker(validate = check_app)]                  // runs once every field has loaded
//! struct AppConfig {
//!     #[locker(nested)]                            // DB_URL, DB_POOL_SIZE
//!     db: DbConfig,
//!     #[locker(nested, prefix = "REPLICA_DB_")]    // REPLICA_DB_URL, REPLICA_DB_POOL_SIZE
//!     replica: Option<DbConfig>,
//!     #[locker(required_in("prod"))]               // optional, except in prod
//!     sentry_dsn: Option<Secret<String>>,
//!     #[locker(alias = "REDIS_URI")]               // the old key, read when REDIS_URL is absent
//!     redis_url: Option<String>,
//!     #[locker(delimiter = ";", default = "a.example;b.example")]
//!     hosts: Vec<String>,
//!     #[locker(default = 4, validate = at_least_one)]
//!     workers: u32,
//! }
//!
//! fn at_least_one(n: &u32) -> Result<(), &'static str> {
//!     if *n == 0 { Err("must be at least 1") } else { Ok(()) }
//! }
//!
//! fn check_app(app: &AppConfig) -> Result<(), String> {
//!     match &app.replica {
//!         Some(replica) if replica.pool_size > app.db.pool_size => Err("replica pool too large".into()),
//!         _ => Ok(()),
//!     }
//! }
//!
//! assert_eq!(
//!     AppConfig::KEYS,
//!     ["DB_URL", "DB_POOL_SIZE", "REPLICA_DB_URL", "REPLICA_DB_POOL_SIZE", "SENTRY_DSN", "REDIS_URL", "HOSTS", "WORKERS"]
//! );
//! let cfg = AppConfig::from_values([("DB_URL", "postgres://db"), ("REDIS_URI", "redis://cache")]).unwrap();
//! assert!(cfg.replica.is_none());
//! assert_eq!(cfg.redis_url.as_deref(), Some("redis://cache"));
//!
//! let err = AppConfig::from_values([("REPLICA_DB_POOL_SIZE", "5"), ("WORKERS", "0")]).unwrap_err();
//! assert_eq!(err.to_string(), "configuration error: failed to load AppConfig from the given values: 3 problems
//!   - db.url (DB_URL): missing: not given, and no default
//!   - replica.url (REPLICA_DB_URL): missing: `replica` is optional, but some of its keys are set and this one is not
//!   - workers (WORKERS): value from given values rejected by validation: must be at least 1");
//! ```
//!
//! A validation message is shown as written, in errors and logs: it must not contain the value.
//!
//! # Check a project, write templates
//!
//! `AppConfig::check("prod")` (or [`Loader::check`]) looks at an environment without loading
//! it, with one list request, and returns a [`CheckReport`]: every problem a load would hit,
//! plus drift — keys in the environment that no field reads (with a did-you-mean), fields set
//! only in "All", empty values, deprecated aliases in use. Never a value. It returns `Ok`
//! whatever it finds; `Err` only when it cannot look (credentials, network, unknown
//! environment).
//!
//! `AppConfig::template(TemplateFormat::Dotenv)` writes an `.env.example` and
//! [`TemplateFormat::Markdown`] a table for a README, from the same description.
//! [`TemplateFormat::Json`] writes the config's [`Schema`](config::Schema), which
//! `locker check --schema FILE --env E` checks an environment against by the same rules, without
//! building the app (values are not parsed there: the schema has no types).
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
//! assert_eq!(AppConfig::with_override_sync(AppConfig::from_values([("HTTP_PORT", "1")]).unwrap(), handler), 1);
//! ```
//!
//! On a multi-thread runtime, code runs on worker threads the test does not own.
//! `override_global_process` reaches every thread and task of the process, one test at a time
//! per config type (a second call waits for the first guard); `with_override` wraps one future,
//! and the override follows it to whichever worker polls it:
//!
//! ```
//! # use locker_config::LockerConfig;
//! # #[derive(Debug, LockerConfig)]
//! # struct AppConfig {
//! #     #[locker(key = "HTTP_PORT", default = 8080)]
//! #     port: u16,
//! # }
//! # #[tokio::main(flavor = "multi_thread")]
//! # async fn main() {
//! let _guard = AppConfig::override_global_process(AppConfig::from_values([("HTTP_PORT", "2")]).unwrap());
//! let spawned = tokio::spawn(async { AppConfig::global().port });
//! assert_eq!(spawned.await.unwrap(), 2);
//!
//! let port = AppConfig::with_override(AppConfig::from_values([("HTTP_PORT", "3")]).unwrap(), async {
//!     tokio::task::yield_now().await;
//!     AppConfig::global().port
//! });
//! assert_eq!(tokio::spawn(port).await.unwrap(), 3);
//! # }
//! ```
//!
//! # Introspection
//!
//! `AppConfig::KEYS` lists the keys; `AppConfig::describe()` returns a [`FieldInfo`] per field
//! (key, path, type, defaults as written, rules, optional, secret, doc comment).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// Unit tests derive `LockerConfig` inside the crate, where the generated `::locker_config`
// paths must resolve too.
#[cfg(test)]
extern crate self as locker_config;

pub mod blocking;
mod client;
pub mod config;
#[cfg(feature = "config")]
pub mod config_rs;
pub mod credentials;
mod error;
#[cfg(feature = "figment")]
pub mod figment;
mod layers;
mod live;
mod model;
mod pipeline;
mod runtime;
mod sealed;
mod secret;
pub mod snapshot;
mod values;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use client::{
    DEFAULT_MAX_NETWORK_RETRIES, DEFAULT_PAGE_SIZE, DEFAULT_READ_TIMEOUT, DEFAULT_WRITE_TIMEOUT,
    EnvironmentUpdate, ExportFormat, Locker, LockerBuilder, NewEnvironment, NewSecret,
    SecretUpdate,
};
pub use config::{
    CheckReport, ConfigReport, FieldInfo, Loaded, Loader, LockerConfig, OverrideGuard,
    ProcessOverrideGuard, TemplateFormat, WithOverride,
};
pub use error::{Error, ErrorKind, Result};
pub use live::{Change, Changes, Live, LiveStatus};
pub use model::{BrokenSecret, Environment, Saved, SecretRecord};
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
/// - `default_in(dev = 8080, test = "0", "prod-eu" = 1)`: per-environment defaults, typed or
///   string like `default`; an environment without an entry uses `default` (if any).
/// - `required_in("prod", …)`: on an `Option` field, a missing value is an error in these
///   environments. (`from_values` loads no environment: there, only `default` applies and
///   `required_in` does not.)
/// - `alias = "OLD_KEY"` (repeatable): read this key, in order, when the key itself is absent;
///   each use logs a one-line deprecation warning (never the value) and the load report names
///   it.
/// - `json`: parse the value as JSON with serde.
/// - `with = path::to::parse`: parse with `fn(&str) -> Result<T, E>` where `E: Display`.
/// - `validate = path::to::check`: `fn(&T) -> Result<(), E>` where `E: Display`, run on the
///   parsed value (on the inner value of an `Option`). Its message joins the all-problems
///   report as written, so it must not contain the value.
/// - `delimiter = ";"`: the separator of a `Vec` field (default `,`); a backslash escapes it
///   inside an item and `\\` is one backslash.
/// - `nested`: the field's type derives `LockerConfig` too (or is an `Option` of one); its keys
///   are read under the prefix `FIELD_` (upper snake case).
/// - `prefix = "REPLICA_DB_"`: with `nested`, another prefix; `""` reads the keys as they are.
///
/// On the struct:
///
/// - `validate = path`: `fn(&Self) -> Result<(), E>` where `E: Display`, run once every field
///   has loaded.
/// - `env_prefix = "MYAPP_"`: process environment variables named the prefix plus the key
///   (`MYAPP_DATABASE_URL`) override Locker; `""` reads the bare keys. Upper-case ASCII
///   letters, digits and `_`, not starting with a digit, ending with `_`. It becomes
///   [`LockerConfig::ENV_PREFIX`]. Only the loaded struct's prefix is read: the keys of a
///   nested struct come under it (`MYAPP_DB_URL`), and a nested struct's own `env_prefix`
///   counts only when that struct is loaded by itself.
///
/// Mistakes (enums, tuple or unit structs, generics, unknown or duplicate attributes, two
/// fields with one key, an alias equal to a key, `default` or `default_in` on an `Option`,
/// `required_in` on a non-`Option`, `delimiter` on a non-`Vec`, `nested` on a type without the
/// derive, a `validate` function of the wrong signature, an invalid or repeated prefix, an
/// invalid `env_prefix` or one on a field) are
/// compile errors at the offending token, all reported together. Keys that collide across
/// nested structs, where the macro cannot see them, are a load (and `check`) error naming both
/// fields.
pub use locker_config_derive::LockerConfig;
