//! Snapshots and live refresh in a 10,000-secret project, side by side in one run: a load from
//! a fresh snapshot under `CacheFirst` against a network load, and a refresh tick with nothing
//! changed and one after a single change against a full load — time (min / median) and bytes
//! the server sent.
//!
//! ```text
//! cargo bench --bench live
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use locker_config::{CachePolicy, Live, Loader, Locker, NewEnvironment, NewSecret, SecretUpdate};
use support::{AppConfig, Project};
use tokio::task::JoinSet;

const SECRETS: usize = 10_000;
const ENVIRONMENTS: [&str; 4] = ["prod", "staging", "dev", "qa"];
const RUNS: usize = 15;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let project = Project::new();
    let locker = project.client();
    let started = Instant::now();
    rt.block_on(seed(&locker));
    println!(
        "seeded {SECRETS} secrets over {} environments and \"All\" in {:.1?}",
        ENVIRONMENTS.len(),
        started.elapsed()
    );
    let cache = tempfile::tempdir().expect("a temporary directory");

    let network = || {
        rt.block_on(
            Loader::<AppConfig>::new()
                .environment("prod")
                .client(locker.clone())
                .cache_dir(cache.path())
                .cache_policy(CachePolicy::NetworkOnly)
                .load_async(),
        )
        .expect("network load")
    };
    let cache_first = || {
        rt.block_on(
            Loader::<AppConfig>::new()
                .environment("prod")
                .client(locker.clone())
                .cache_dir(cache.path())
                .cache_policy(CachePolicy::CacheFirst {
                    rest_time: Duration::from_secs(3600),
                    max_stale: Duration::from_secs(24 * 3600),
                })
                .load_async(),
        )
        .expect("snapshot load")
    };
    network(); // warm: profile cached, snapshot written

    let (net, net_bytes) = measure(&project, &rt, || {
        black_box(network());
    });
    let (snap, snap_bytes) = measure(&project, &rt, || {
        black_box(cache_first());
    });

    let live: Live<AppConfig> = rt
        .block_on(
            Loader::<AppConfig>::new()
                .environment("prod")
                .client(locker.clone())
                .cache_dir(cache.path())
                .watch_async(Duration::from_secs(3600)),
        )
        .expect("watch");
    let (tick, tick_bytes) = measure(&project, &rt, || {
        live.refresh_now().expect("refresh");
    });
    let mut n = 0;
    let (delta, delta_bytes) = measure_with_setup(
        &project,
        &rt,
        || {
            n += 1;
            rt.block_on(locker.modify(
                "DATABASE_URL",
                Some("prod"),
                SecretUpdate::new().value(format!("postgres://db-{n}/app")),
            ))
            .expect("modify");
        },
        || {
            live.refresh_now().expect("refresh");
        },
    );

    println!(
        "\n{SECRETS}-secret project, {RUNS} runs each (min / median, bytes sent by the server):"
    );
    row("network load (NetworkOnly)", net, net_bytes);
    row("load from a fresh snapshot (CacheFirst)", snap, snap_bytes);
    row("refresh tick, nothing changed", tick, tick_bytes);
    row("refresh tick after one change", delta, delta_bytes);
    let ratio = |a: Stats, b: Stats| a.median.as_secs_f64() / b.median.as_secs_f64().max(1e-9);
    println!(
        "\nnetwork load / snapshot load: {:.0}x   full load / unchanged tick: {:.0}x   full load / \
         tick after one change: {:.1}x",
        ratio(net, snap),
        ratio(net, tick),
        ratio(net, delta),
    );
    println!(
        "bytes: full load {net_bytes}, unchanged tick {tick_bytes}, tick after one change \
         {delta_bytes} ({:.2}% of a full load)",
        100.0 * delta_bytes as f64 / net_bytes.max(1) as f64
    );
}

/// 10,000 secrets: the config's keys in prod and "All", the rest spread over the environments.
async fn seed(locker: &Locker) {
    for env in ENVIRONMENTS {
        locker
            .create_environment(NewEnvironment::new(env))
            .await
            .expect("environment");
    }
    let mut secrets = vec![
        NewSecret::new("DATABASE_URL", "postgres://db/app").environment("prod"),
        NewSecret::new("HTTP_PORT", "9000"),
    ];
    for i in secrets.len()..SECRETS {
        let secret = NewSecret::new(format!("FILLER_{i}"), format!("value-{i}"));
        secrets.push(match i % 5 {
            4 => secret,
            e => secret.environment(ENVIRONMENTS[e]),
        });
    }
    let mut tasks = JoinSet::new();
    let mut pending = secrets.into_iter();
    for _ in 0..8 {
        let locker = locker.clone();
        let batch: Vec<NewSecret> = pending.by_ref().take(SECRETS / 8 + 1).collect();
        tasks.spawn(async move {
            for secret in batch {
                locker.create(secret).await.expect("secret");
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.expect("seeding task");
    }
}

#[derive(Clone, Copy)]
struct Stats {
    min: Duration,
    median: Duration,
}

fn row(what: &str, stats: Stats, bytes: usize) {
    println!(
        "  {what:<42} {:>10.2?} / {:>10.2?}   {bytes:>9} bytes",
        stats.min, stats.median
    );
}

fn measure(project: &Project, rt: &tokio::runtime::Runtime, mut f: impl FnMut()) -> (Stats, usize) {
    measure_with_setup(project, rt, || {}, &mut f)
}

/// Times `f` (after an untimed `setup` each run) and counts the bytes the server sent for the
/// last run, by replaying its GET requests.
fn measure_with_setup(
    project: &Project,
    rt: &tokio::runtime::Runtime,
    mut setup: impl FnMut(),
    mut f: impl FnMut(),
) -> (Stats, usize) {
    let mut times = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    for _ in 0..RUNS {
        setup();
        project.server.clear_request_log();
        let start = Instant::now();
        f();
        times.push(start.elapsed());
        bytes = replay_bytes(project, rt);
    }
    times.sort();
    (
        Stats {
            min: times[0],
            median: times[RUNS / 2],
        },
        bytes,
    )
}

/// The body bytes of every GET in the request log, sent again (nothing changed in between).
fn replay_bytes(project: &Project, rt: &tokio::runtime::Runtime) -> usize {
    let log = project.server.request_log();
    let base = project.server.base_url();
    let key = project.key.access_key_id.clone();
    rt.block_on(async move {
        let http = reqwest::Client::new();
        let mut total = 0;
        for r in log.iter().filter(|r| r.method == "GET") {
            let url = if r.query.is_empty() {
                format!("{base}{}", r.path)
            } else {
                format!("{base}{}?{}", r.path, r.query)
            };
            let body = http
                .get(url)
                .bearer_auth(&key)
                // As the client sends it: delta answers to `revision_date` (PROTOCOL.md §2).
                .header("X-Locker-Delta", "1")
                .send()
                .await
                .expect("replay")
                .bytes()
                .await
                .expect("body");
            total += body.len();
        }
        total
    })
}
