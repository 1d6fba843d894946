//! Test overrides on multi-thread runtimes: a process override reaches every spawned task, two
//! tests with process overrides of one type take turns, a guard dropped while a task runs, and
//! `with_override` following its future to whichever worker or thread polls it.
//!
//! Statics are shared by every test of this binary, and a process override is one per type, so
//! each test uses a config type of its own unless sharing one is the point.

mod support;

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use locker_config::LockerConfig;
use support::Project;

macro_rules! port_config {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, LockerConfig)]
        struct $name {
            #[locker(key = "HTTP_PORT")]
            port: u16,
        }

        impl $name {
            fn with_port(port: u16) -> Self {
                Self::from_values([("HTTP_PORT", port.to_string())]).unwrap()
            }
        }
    )*};
}

port_config!(
    Fifty, Shared, Waiting, Dropped, Follow, Polled, Unwound, Reentrant
);

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn fifty_of_fifty_spawned_tasks_see_a_process_override_and_a_thread_override_wins_at_home() {
    let rt = runtime(4);
    let _process = Fifty::override_global_process(Fifty::with_port(1));
    // This thread's own override wins here, and only here.
    let _thread = Fifty::override_global(Fifty::with_port(2));
    let hits = rt.block_on(async {
        assert_eq!(Fifty::global().port, 2);
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                tokio::spawn(async {
                    tokio::task::yield_now().await;
                    Fifty::global().port
                })
            })
            .collect();
        let mut hits = 0;
        for task in tasks {
            if task.await.unwrap() == 1 {
                hits += 1;
            }
        }
        hits
    });
    println!("{hits} of 50 spawned tasks saw the process override");
    assert_eq!(hits, 50);
    assert_eq!(Fifty::global().port, 2);
}

/// One of two tests that install process overrides of `Shared` at the same time: each sees
/// only its own value in 50 spawned tasks, and never runs while the other holds its override.
fn tasks_see_only_their_test_value(port: u16) {
    static INSIDE: AtomicBool = AtomicBool::new(false);
    let rt = runtime(2);
    let guard = Shared::override_global_process(Shared::with_port(port));
    assert!(
        !INSIDE.swap(true, Ordering::SeqCst),
        "two process overrides of one type at once"
    );
    let seen = rt.block_on(async move {
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                tokio::spawn(async move {
                    let mut seen = HashSet::new();
                    for _ in 0..20 {
                        seen.insert(Shared::global().port);
                        tokio::task::yield_now().await;
                    }
                    seen
                })
            })
            .collect();
        let mut seen = HashSet::new();
        for task in tasks {
            seen.extend(task.await.unwrap());
        }
        seen
    });
    assert_eq!(seen, HashSet::from([port]));
    INSIDE.store(false, Ordering::SeqCst);
    drop(guard);
}

#[test]
fn parallel_process_overrides_of_one_type_a() {
    tasks_see_only_their_test_value(100);
}

#[test]
fn parallel_process_overrides_of_one_type_b() {
    tasks_see_only_their_test_value(200);
}

#[test]
fn a_second_process_override_waits_for_the_first_guard() {
    let events = Mutex::new(Vec::new());
    let held = Barrier::new(2);
    thread::scope(|s| {
        s.spawn(|| {
            let guard = Waiting::override_global_process(Waiting::with_port(1));
            events
                .lock()
                .unwrap()
                .push(("first in", Waiting::global().port));
            held.wait();
            // Give the second thread every chance to get in while the first guard lives.
            thread::sleep(Duration::from_millis(100));
            events
                .lock()
                .unwrap()
                .push(("first out", Waiting::global().port));
            drop(guard);
        });
        s.spawn(|| {
            held.wait();
            let _guard = Waiting::override_global_process(Waiting::with_port(2));
            events
                .lock()
                .unwrap()
                .push(("second in", Waiting::global().port));
        });
    });
    assert_eq!(
        events.into_inner().unwrap(),
        [("first in", 1), ("first out", 1), ("second in", 2)]
    );
}

#[test]
fn a_guard_dropped_while_a_task_runs() {
    let p = Project::new();
    p.seed(&["prod"], &[(Some("prod"), "HTTP_PORT", "7000")]);
    assert_eq!(p.loader::<Dropped>("prod").init().unwrap().port, 7000);

    let rt = runtime(2);
    let guard = Dropped::override_global_process(Dropped::with_port(1));
    let (seen_tx, seen_rx) = tokio::sync::oneshot::channel();
    let (dropped_tx, dropped_rx) = tokio::sync::oneshot::channel::<()>();
    let task = rt.spawn(async move {
        let before = Dropped::global();
        seen_tx.send(before.port).unwrap();
        dropped_rx.await.unwrap();
        // The reference taken under the override stays valid; new reads see the global.
        (before.port, Dropped::global().port)
    });
    assert_eq!(rt.block_on(seen_rx).unwrap(), 1);
    drop(guard);
    dropped_tx.send(()).unwrap();
    assert_eq!(rt.block_on(task).unwrap(), (1, 7000));

    // The dropped guard released the type: the next override does not wait.
    let _next = Dropped::override_global_process(Dropped::with_port(2));
    assert_eq!(
        rt.block_on(rt.spawn(async { Dropped::global().port }))
            .unwrap(),
        2
    );
}

#[test]
fn with_override_follows_its_future_across_workers() {
    let rt = runtime(4);
    // What every task without an override of its own sees.
    let _process = Follow::override_global_process(Follow::with_port(1));
    let mut migrated = 0;
    let mut rounds = 0;
    // Work stealing moves tasks between workers at its own pace: run rounds until some task
    // was polled on more than one worker (nearly always the first round).
    while migrated == 0 && rounds < 20 {
        rounds += 1;
        migrated = rt.block_on(async {
            let with: Vec<_> = (0..16u16)
                .map(|i| {
                    let port = 1000 + i;
                    tokio::spawn(Follow::with_override(Follow::with_port(port), async move {
                        let mut workers = HashSet::new();
                        for _ in 0..200 {
                            assert_eq!(Follow::global().port, port);
                            workers.insert(thread::current().id());
                            tokio::task::yield_now().await;
                        }
                        workers.len()
                    }))
                })
                .collect();
            let without: Vec<_> = (0..16)
                .map(|_| {
                    tokio::spawn(async {
                        for _ in 0..200 {
                            // Never another task's override, on the same workers.
                            assert_eq!(Follow::global().port, 1);
                            tokio::task::yield_now().await;
                        }
                    })
                })
                .collect();
            let mut migrated = 0;
            for task in with {
                if task.await.unwrap() > 1 {
                    migrated += 1;
                }
            }
            for task in without {
                task.await.unwrap();
            }
            migrated
        });
    }
    println!("{migrated} of 16 overridden tasks moved between workers (round {rounds})");
    assert!(
        migrated > 0,
        "no task moved between workers in {rounds} rounds"
    );
}

/// Pending once, then ready: a point where the future may move to another thread.
fn yield_once() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn with_override_goes_with_its_future_to_another_thread_and_leaves_nothing_behind() {
    let mut future = Polled::with_override(Polled::with_port(9), async {
        let first = (thread::current().id(), Polled::global().port);
        yield_once().await;
        let second = (thread::current().id(), Polled::global().port);
        (first, second)
    });
    // Polled first on a thread with an override of its own: the future's is newer and wins
    // inside it; after the poll the thread's own is back.
    let (mut future, home) = thread::spawn(move || {
        let _own = Polled::override_global(Polled::with_port(5));
        assert!(poll_once(&mut future).is_pending());
        assert_eq!(Polled::global().port, 5);
        (future, thread::current().id())
    })
    .join()
    .unwrap();
    // Finished on another thread, which has no override at all.
    let ((first_thread, first), (second_thread, second)) = thread::spawn(move || {
        let Poll::Ready(out) = poll_once(&mut future) else {
            panic!("the future finishes on its second poll");
        };
        out
    })
    .join()
    .unwrap();
    assert_eq!(first_thread, home);
    assert_ne!(second_thread, home);
    assert_eq!((first, second), (9, 9));
}

#[test]
fn a_panicking_poll_removes_the_future_override() {
    let _own = Unwound::override_global(Unwound::with_port(5));
    let mut future = Unwound::with_override(Unwound::with_port(9), async {
        assert_eq!(Unwound::global().port, 9);
        panic!("the test future fails");
    });
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(&mut future);
    }));
    assert!(unwound.is_err());
    assert_eq!(Unwound::global().port, 5);
}

#[test]
fn asking_twice_on_one_thread_panics_instead_of_waiting_forever() {
    let first = Reentrant::override_global_process(Reentrant::with_port(1));
    let err = std::panic::catch_unwind(|| {
        let _second = Reentrant::override_global_process(Reentrant::with_port(2));
    })
    .unwrap_err();
    let message = err.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("Reentrant::override_global_process"),
        "{message}"
    );
    assert!(message.contains("already holds"), "{message}");
    // The first override is intact, and the type is usable again once it drops.
    assert_eq!(Reentrant::global().port, 1);
    drop(first);
    // The guard is Send: one made on another thread keeps the override here.
    let other = thread::spawn(|| Reentrant::override_global_process(Reentrant::with_port(3)))
        .join()
        .unwrap();
    assert_eq!(Reentrant::global().port, 3);
    drop(other);
}
