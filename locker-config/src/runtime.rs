//! The background runtime behind every blocking call.
//!
//! Blocking entry points (`AppConfig::load`, [`crate::blocking`]) must work from a plain `main`
//! and from inside a tokio runtime alike. A reqwest connection pool must not outlive the runtime
//! its connections were opened on, so blocking calls run their futures within one process-wide
//! runtime owned here: driven by the calling thread when it is in no runtime, else spawned there
//! and waited for on a std channel (`Runtime::block_on` panics when called from async code).

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
///
/// Outside any runtime (a plain `main`, a test thread) the calling thread drives `fut` itself
/// within the background runtime, whose workers run what it spawns (connections): a cold
/// start's load then costs no hand-over to a worker and back. Inside a runtime, where that
/// would panic (or block a worker), `fut` is spawned on the background runtime and waited for.
pub(crate) fn block_on<F>(fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if tokio::runtime::Handle::try_current().is_err() {
        return runtime().block_on(fut);
    }
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

    #[test]
    fn plain_threads_drive_their_futures_at_once_and_what_they_spawn_outlives_them() {
        // Many threads at a time, each driving its own future within the one runtime.
        let threads: Vec<_> = (0..8)
            .map(|i| {
                std::thread::spawn(move || {
                    block_on(async move {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        i
                    })
                })
            })
            .collect();
        let sum: i32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(sum, 28);
        // A task spawned by a future driven on a plain thread runs on the runtime's workers,
        // and is still there for the next blocking call (as a connection is).
        let (tx, rx) = tokio::sync::oneshot::channel::<u8>();
        let task = block_on(async move { tokio::spawn(async move { rx.await.unwrap() + 1 }) });
        tx.send(41).unwrap();
        assert_eq!(block_on(task).unwrap(), 42);
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
