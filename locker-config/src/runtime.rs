//! The background runtime behind every blocking call.
//!
//! Blocking entry points (`AppConfig::load`, [`crate::blocking`]) must work from a plain `main`
//! and from inside a tokio runtime alike. `Runtime::block_on` panics when called from async
//! code, and a reqwest connection pool must not outlive the runtime its connections were
//! opened on, so blocking calls run their futures on one process-wide runtime owned here and
//! wait for the result on a std channel, which is safe from any thread.

use std::future::Future;
use std::sync::OnceLock;
use std::sync::mpsc;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("locker-config")
            .enable_all()
            .build()
            .expect("failed to start the locker-config background runtime")
    })
}

/// Runs `fut` to completion on the background runtime and returns its output, blocking the
/// calling thread. Safe to call from inside another tokio runtime.
pub(crate) fn block_on<F>(fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    runtime().spawn(async move {
        // The receiver only goes away if the caller's thread died; nothing to do then.
        let _ = tx.send(fut.await);
    });
    rx.recv()
        .expect("a locker-config background task panicked; see the panic message above")
}

/// Spawns `fut` on the background runtime (live config's refresh tasks run there, whatever
/// runtime, if any, the caller has).
pub(crate) fn spawn<F>(fut: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    runtime().spawn(fut)
}

#[cfg(test)]
mod tests {
    use super::block_on;

    #[test]
    fn works_outside_a_runtime() {
        assert_eq!(block_on(async { 1 + 1 }), 2);
    }

    #[tokio::test]
    async fn works_inside_a_current_thread_runtime() {
        assert_eq!(
            block_on(async {
                tokio::task::yield_now().await;
                3
            }),
            3
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn works_inside_a_multi_thread_runtime() {
        assert_eq!(block_on(async { 4 }), 4);
    }
}
