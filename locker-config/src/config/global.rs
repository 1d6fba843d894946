//! The process-global instance of each config type, and test overrides: per thread, per
//! future (installed around each poll) and per process (one at a time per type).

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::thread::{self, ThreadId};

use super::LockerConfig;
use super::loader::Loader;
use crate::error::{Error, ErrorKind, Result};

/// The global slot of one config type; generated code keeps one in a `static`.
pub struct GlobalCell<T: 'static> {
    value: OnceLock<T>,
    // Held while loading, so racing first users wait for one load instead of starting many.
    init: Mutex<Option<Loader<T>>>,
    // The process override: checked on every `global()` only while `process_set` says there
    // is one, so configs without one pay a single atomic load.
    process_set: AtomicBool,
    process: Mutex<Option<ProcessOverride<T>>>,
    // Signalled when a process override ends, for the next test waiting to install its own.
    process_released: Condvar,
}

/// The process override of one type, and the thread that installed it (a second install from
/// that thread would wait for itself forever).
struct ProcessOverride<T: 'static> {
    config: &'static T,
    owner: ThreadId,
}

impl<T> GlobalCell<T> {
    /// An empty slot.
    pub const fn new() -> Self {
        GlobalCell {
            value: OnceLock::new(),
            init: Mutex::new(None),
            process_set: AtomicBool::new(false),
            process: Mutex::new(None),
            process_released: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Loader<T>>> {
        self.init.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_process(&self) -> MutexGuard<'_, Option<ProcessOverride<T>>> {
        self.process.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn process_override(&self) -> Option<&'static T> {
        if !self.process_set.load(Ordering::Acquire) {
            return None;
        }
        self.lock_process().as_ref().map(|held| held.config)
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

/// `T::global()`: this thread's override (or that of the future it is polling) if any, else the
/// process override, else the global instance, loaded on first use (exactly once, however many
/// threads race for it).
pub(crate) fn global<T: LockerConfig>() -> &'static T {
    if let Some(config) = current_override::<T>() {
        return config;
    }
    let cell = T::__global();
    if let Some(config) = cell.process_override() {
        return config;
    }
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

/// Pushes `config` onto this thread's overrides; the guard pops it.
fn push_override<T: LockerConfig>(config: &'static T) -> OverrideGuard<T> {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    OVERRIDES.with(|slots| slots.borrow_mut().push((id, TypeId::of::<T>(), config)));
    OverrideGuard {
        id,
        _marker: PhantomData,
    }
}

pub(crate) fn override_global<T: LockerConfig>(config: T) -> OverrideGuard<T> {
    push_override(Box::leak(Box::new(config)))
}

pub(crate) fn with_override_sync<T: LockerConfig, R>(config: T, f: impl FnOnce() -> R) -> R {
    let _guard = override_global(config);
    f()
}

/// Makes `T::global()` return `config` on every thread and task of the process until the guard
/// drops; a thread's own override (or that of the future it polls) still wins there.
///
/// Returned by `AppConfig::override_global_process(…)`. There is one process override per type
/// at a time: while a guard lives, a second `override_global_process` of the same type waits
/// (blocking its thread) until the first guard drops, so tests that each install their own
/// never see each other's values; tests of other config types are not held up. Every test
/// that reads `T::global()` in a binary with process overrides of `T` should install one, or
/// use a type of its own: a test with none sees whichever process override is current. Asking
/// again on the thread that holds the guard panics instead of waiting for itself forever. The
/// guard may be sent to another thread; the override ends when it drops, panics included. The
/// config is leaked so `global()` can hand out `&'static` references; overrides are meant for
/// tests.
#[must_use = "the override ends when the guard is dropped"]
pub struct ProcessOverrideGuard<T> {
    // `release_process::<T>`: the type carries no `LockerConfig` bound, so that the stub the
    // derive emits beside a compile error (no trait impl) still names it without a cascade.
    release: fn(),
    _marker: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for ProcessOverrideGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessOverrideGuard")
            .finish_non_exhaustive()
    }
}

impl<T> Drop for ProcessOverrideGuard<T> {
    fn drop(&mut self) {
        (self.release)();
    }
}

fn release_process<T: LockerConfig>() {
    let cell = T::__global();
    let mut held = cell.lock_process();
    *held = None;
    cell.process_set.store(false, Ordering::Release);
    drop(held);
    cell.process_released.notify_one();
}

pub(crate) fn override_global_process<T: LockerConfig>(config: T) -> ProcessOverrideGuard<T> {
    let cell = T::__global();
    let me = thread::current().id();
    let mut held = cell.lock_process();
    while let Some(current) = held.as_ref() {
        assert!(
            current.owner != me,
            "{}::override_global_process: this thread already holds the process override of \
             this type; drop that guard first, or nest with override_global (this thread) or \
             with_override (one future)",
            T::NAME
        );
        held = cell
            .process_released
            .wait(held)
            .unwrap_or_else(PoisonError::into_inner);
    }
    *held = Some(ProcessOverride {
        config: Box::leak(Box::new(config)),
        owner: me,
    });
    cell.process_set.store(true, Ordering::Release);
    ProcessOverrideGuard {
        release: release_process::<T>,
        _marker: PhantomData,
    }
}

/// A future that sees a config override on whichever thread polls it: returned by
/// `AppConfig::with_override(config, future)`.
///
/// Around each poll of the inner future the override is installed as the polling thread's
/// newest override and removed again (as `tracing`'s `Instrument` enters its span), so a task
/// that moves between the workers of a multi-thread runtime keeps it, and the other tasks on
/// those workers never see it. It wins over a process override. Tasks the future spawns do not
/// inherit it; wrap them too. The config is leaked so `global()` can hand out `&'static`
/// references; overrides are meant for tests.
#[must_use = "futures do nothing unless polled"]
pub struct WithOverride<T: 'static, F> {
    config: &'static T,
    future: Pin<Box<F>>,
}

impl<T, F> fmt::Debug for WithOverride<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithOverride").finish_non_exhaustive()
    }
}

impl<T: LockerConfig, F: Future> Future for WithOverride<T, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // Dropped when the poll returns or unwinds, so the override never outlives the poll.
        let _guard = push_override(self.config);
        self.future.as_mut().poll(cx)
    }
}

pub(crate) fn with_override<T: LockerConfig, F: Future>(
    config: T,
    future: F,
) -> WithOverride<T, F> {
    WithOverride {
        config: Box::leak(Box::new(config)),
        future: Box::pin(future),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Unit;

    #[test]
    fn process_guards_and_wrapped_futures_cross_threads() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>(_: &T) {}
        send_sync::<ProcessOverrideGuard<Unit>>();
        let future = WithOverride {
            config: &7u8,
            future: Box::pin(async { 1 }),
        };
        send(&future);
    }
}
