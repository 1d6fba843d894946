//! The process-global instance of each config type, and per-thread test overrides.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use super::LockerConfig;
use super::loader::Loader;
use crate::error::{Error, ErrorKind, Result};

/// The global slot of one config type; generated code keeps one in a `static`.
pub struct GlobalCell<T> {
    value: OnceLock<T>,
    // Held while loading, so racing first users wait for one load instead of starting many.
    init: Mutex<Option<Loader<T>>>,
}

impl<T> GlobalCell<T> {
    /// An empty slot.
    pub const fn new() -> Self {
        GlobalCell {
            value: OnceLock::new(),
            init: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Loader<T>>> {
        self.init.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Default for GlobalCell<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for GlobalCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GlobalCell")
            .field("initialised", &self.value.get().is_some())
            .finish()
    }
}

fn already<T: LockerConfig>() -> Error {
    Error::new(
        ErrorKind::Config,
        format!("the global {} is already initialised", T::NAME),
    )
}

impl<T: LockerConfig> Loader<T> {
    /// Loads (blocking) into the process-global instance returned by `T::global()`.
    ///
    /// Fails with [`ErrorKind::Config`] if the global instance is already initialised, so a
    /// second `init` cannot silently keep values from another environment.
    pub fn init(self) -> Result<&'static T> {
        let cell = T::__global();
        let _guard = cell.lock();
        if cell.value.get().is_some() {
            return Err(already::<T>());
        }
        let config = self.load()?;
        Ok(cell.value.get_or_init(|| config))
    }

    /// Makes this loader the one `T::global()` uses for its lazy first load, instead of
    /// `LOCKER_ENVIRONMENT` and [`Locker::from_env`](crate::Locker::from_env). Nothing is
    /// loaded yet. The loader stays installed until a load succeeds: after a failed attempt,
    /// the next `global()` tries again with it. Fails if the global instance is already
    /// initialised.
    pub fn install_global(self) -> Result<()> {
        let cell = T::__global();
        let mut guard = cell.lock();
        if cell.value.get().is_some() {
            return Err(already::<T>());
        }
        *guard = Some(self);
        Ok(())
    }
}

/// `T::global()`: this thread's override if any, else the global instance, loaded on first use
/// (exactly once, however many threads race for it).
pub(crate) fn global<T: LockerConfig>() -> &'static T {
    if let Some(config) = current_override::<T>() {
        return config;
    }
    let cell = T::__global();
    if let Some(config) = cell.value.get() {
        return config;
    }
    let guard = cell.lock();
    if let Some(config) = cell.value.get() {
        return config;
    }
    // The installed loader stays in the cell: a failed attempt must not make the next call
    // fall back to a default loader (another environment, other credentials).
    let loader = (*guard).clone().unwrap_or_default();
    let result = loader.load();
    let err = match result {
        Ok(config) => {
            let config = cell.value.get_or_init(|| config);
            drop(guard);
            return config;
        }
        Err(err) => err,
    };
    // Unlock before panicking, so the next call retries instead of finding a poisoned lock.
    drop(guard);
    // The error names fields, keys and environments, never values.
    panic!("{}::global() could not load the config: {err}", T::NAME)
}

/// Marks a guard as tied to its thread (not `Send`) and to the config type.
type ThreadBound<T> = PhantomData<(*const (), fn() -> T)>;

type Slot = (u64, TypeId, &'static (dyn Any + Send + Sync));

thread_local! {
    static OVERRIDES: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

fn current_override<T: LockerConfig>() -> Option<&'static T> {
    OVERRIDES.with(|slots| {
        let slots = slots.borrow();
        let (_, _, config) = slots
            .iter()
            .rev()
            .find(|(_, ty, _)| *ty == TypeId::of::<T>())?;
        config.downcast_ref::<T>()
    })
}

/// Makes `T::global()` on the current thread return `config` until the guard drops.
///
/// Returned by `AppConfig::override_global(…)`. Overrides are per thread and per type, so tests
/// running in parallel each see their own values; they nest (the newest wins). The config is
/// leaked so `global()` can hand out `&'static` references; overrides are meant for tests.
#[must_use = "the override ends when the guard is dropped"]
pub struct OverrideGuard<T> {
    id: u64,
    // Not Send: the override lives in this thread's storage.
    _marker: ThreadBound<T>,
}

impl<T> fmt::Debug for OverrideGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OverrideGuard")
            .field("id", &self.id)
            .finish()
    }
}

impl<T> Drop for OverrideGuard<T> {
    fn drop(&mut self) {
        // `try_with`: the guard may drop during thread teardown.
        let _ = OVERRIDES.try_with(|slots| slots.borrow_mut().retain(|(id, _, _)| *id != self.id));
    }
}

pub(crate) fn override_global<T: LockerConfig>(config: T) -> OverrideGuard<T> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let leaked: &'static T = Box::leak(Box::new(config));
    OVERRIDES.with(|slots| slots.borrow_mut().push((id, TypeId::of::<T>(), leaked)));
    OverrideGuard {
        id,
        _marker: PhantomData,
    }
}

pub(crate) fn with_override<T: LockerConfig, R>(config: T, f: impl FnOnce() -> R) -> R {
    let _guard = override_global(config);
    f()
}
