//! One batched load of a 50-field config against fetching the same 50 keys one by one, both
//! against a local Locker-compatible server, side by side, with the ratio.
//!
//! ```text
//! cargo bench --bench load
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use support::Project;
use support::fifty::{self, Fifty};

fn main() {
    let project = Project::new();
    fifty::seed(&project);
    let locker = project.client();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // Warm the client's profile cache so both sides measure only the reads.
    rt.block_on(locker.project_id()).expect("profile");

    let batched = || {
        rt.block_on(
            Fifty::loader()
                .client(locker.clone())
                .cache_dir(cache_dir())
                .environment("prod")
                .load_async(),
        )
        .expect("load")
    };
    let one_by_one = || {
        rt.block_on(async {
            let mut values = Vec::with_capacity(50);
            for key in Fifty::KEYS {
                values.push(
                    locker
                        .get(key, Some("prod"))
                        .await
                        .expect("get")
                        .expect("present"),
                );
            }
            values
        })
    };

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .configure_from_args();
    let mut group = c.benchmark_group("50-field config");
    group.bench_function("one batched load", |b| b.iter(|| black_box(batched())));
    group.bench_function("50 gets one by one", |b| b.iter(|| black_box(one_by_one())));
    group.finish();

    // The ratio, measured side by side in this run.
    let time = |f: &dyn Fn()| {
        let runs = 10;
        let start = Instant::now();
        for _ in 0..runs {
            f();
        }
        start.elapsed() / runs
    };
    let batch = time(&|| {
        black_box(batched());
    });
    let single = time(&|| {
        black_box(one_by_one());
    });
    println!(
        "\none batched load: {batch:.2?}   50 gets one by one: {single:.2?}   ratio: {:.1}x",
        single.as_secs_f64() / batch.as_secs_f64()
    );
}

/// Where the bench's loads keep their snapshots: a temporary directory, never the home one.
fn cache_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
        .path()
}
