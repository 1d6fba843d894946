//! Not public API: what `#[derive(LockerConfig)]` expands to calls only this module, through
//! absolute paths. It may change in any release.

use std::future::Future;

pub use crate::config::build::{Ctx, DefaultValue, Defaults, Nested};
pub use crate::config::field::{
    FieldList, FieldsBuilder, KeyPart, key_buffer, key_bytes, key_count, key_list,
};
pub use crate::config::global::{GlobalCell, OverrideGuard, ProcessOverrideGuard, WithOverride};
pub use crate::config::parse::{Parser, boolean, duration, from_str, json, list, secret, with};
pub use crate::config::{CheckReport, FieldInfo, Loader, LockerConfig, TemplateFormat};
pub use crate::error::Result;
pub use crate::secret::Secret;

/// `T::load(env)`.
pub fn load<T: LockerConfig>(environment: &str) -> Result<T> {
    Loader::<T>::new().environment(environment).load()
}

/// `T::load_async(env)`.
pub fn load_async<T: LockerConfig>(
    environment: &str,
) -> impl Future<Output = Result<T>> + Send + 'static {
    Loader::<T>::new().environment(environment).load_async()
}

/// `T::init(env)`.
pub fn init<T: LockerConfig>(environment: &str) -> Result<&'static T> {
    Loader::<T>::new().environment(environment).init()
}

/// `T::global()`.
pub fn global<T: LockerConfig>() -> &'static T {
    crate::config::global::global::<T>()
}

/// `T::check(env)`.
pub fn check<T: LockerConfig>(environment: &str) -> Result<CheckReport> {
    Loader::<T>::new().environment(environment).check()
}

/// `T::check_async(env)`.
pub fn check_async<T: LockerConfig>(
    environment: &str,
) -> impl Future<Output = Result<CheckReport>> + Send + 'static {
    Loader::<T>::new().environment(environment).check_async()
}

/// `T::template(format)`.
pub fn template<T: LockerConfig>(format: TemplateFormat) -> String {
    crate::config::template::render::<T>(format)
}

/// `T::from_values(pairs)`.
pub fn from_values<T, I, K, V>(pairs: I) -> Result<T>
where
    T: LockerConfig,
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    crate::config::from_values::<T, I, K, V>(pairs)
}

/// `T::override_global(config)`.
pub fn override_global<T: LockerConfig>(config: T) -> OverrideGuard<T> {
    crate::config::global::override_global(config)
}

/// `T::override_global_process(config)`.
pub fn override_global_process<T: LockerConfig>(config: T) -> ProcessOverrideGuard<T> {
    crate::config::global::override_global_process(config)
}

/// `T::with_override(config, future)`.
pub fn with_override<T: LockerConfig, F: Future>(config: T, future: F) -> WithOverride<T, F> {
    crate::config::global::with_override(config, future)
}

/// `T::with_override_sync(config, f)`.
pub fn with_override_sync<T: LockerConfig, R>(config: T, f: impl FnOnce() -> R) -> R {
    crate::config::global::with_override_sync(config, f)
}
