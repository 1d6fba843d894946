//! What a service pays at every start, each figure beside its floor measured in the same run,
//! with medians and the ratios side by side.
//!
//! ```text
//! cargo bench --bench cold            # quick: a few seconds
//! COLD_SAMPLES=200 cargo bench --bench cold
//! ```
//!
//! - a default 50-field load (it writes its snapshot) vs the floor: the raw GET of the same
//!   list, JSON parse and decryption of the records the load keeps;
//! - the same load with snapshots off (`CachePolicy::Off`) vs the same floor;
//! - a whole process that loads once (a new client, as at a service's start, with the cache
//!   directory an earlier run left) vs the same process without the load; beside it, the
//!   protocol's own floor for a process: the same process with a runtime, an HTTP client and
//!   the raw GET of the list instead of the load, and the load beside that;
//! - the requests of a cold load when an earlier run left its cache directory;
//! - the requests of `locker secret set KEY V --env E` on an existing key in a cold process:
//!   the command's former sequence beside today's, without and with the profile in the cache.
//!
//! The process rows run this bench binary again as a child (`COLD_CHILD=load`, `empty` or
//! `get`).

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use locker_config::{CachePolicy, Locker};
use support::Project;
use support::fifty::{self, Fifty};

/// A list page as the floor reads it: plain fields, nothing lenient.
#[derive(serde::Deserialize)]
struct RawPage {
    results: Vec<RawSecret>,
}

/// A secret as the floor reads it.
#[derive(serde::Deserialize)]
struct RawSecret {
    key: Option<String>,
    value: Option<String>,
    environment_name: Option<String>,
}

/// Min and median of a set of timings.
#[derive(Debug, Clone, Copy)]
struct Stats {
    min: Duration,
    median: Duration,
}

/// Runs each of `fs` once to warm up, then all of them in turn `samples` times (so a drift of
/// the machine's speed touches each alike), and returns their min/median.
fn measure<const N: usize>(samples: usize, fs: [&dyn Fn(); N]) -> [Stats; N] {
    for f in &fs {
        f();
    }
    let mut times = [(); N].map(|()| Vec::with_capacity(samples));
    for _ in 0..samples {
        for (f, t) in fs.iter().zip(times.iter_mut()) {
            let start = Instant::now();
            f();
            t.push(start.elapsed());
        }
    }
    times.map(|mut t| {
        t.sort();
        Stats {
            min: t[0],
            median: t[t.len() / 2],
        }
    })
}

fn ms(d: Duration) -> String {
    format!("{:8.3} ms", d.as_secs_f64() * 1000.0)
}

/// One row: the figure, its floor, and the ratios.
fn row(name: &str, goal: &str, a: Stats, floor: Stats) {
    println!(
        "  {name:<44} {} / {}   floor {} / {}   ratio {:5.2}x / {:5.2}x   (goal {goal})",
        ms(a.min),
        ms(a.median),
        ms(floor.min),
        ms(floor.median),
        a.min.as_secs_f64() / floor.min.as_secs_f64(),
        a.median.as_secs_f64() / floor.median.as_secs_f64(),
    );
}

/// The child process of the process rows: a new client, as at a service's start, and one
/// blocking load (`load`) or none (`empty`).
fn child(mode: &str) {
    let var = |name: &str| std::env::var(name).expect("set by the parent");
    let locker = Locker::builder()
        .access_key_id(var("COLD_KEY_ID"))
        .secret_access_key(var("COLD_SECRET"))
        .api_base(var("COLD_BASE"))
        .build()
        .expect("client");
    if mode == "get" {
        // What any client pays for the list at a start: a runtime like the one blocking loads
        // run on, an HTTP client like the client's own for a plain-http base, one connection
        // and the GET.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .tls_certs_only(std::iter::empty())
            .build()
            .expect("HTTP client");
        let auth = format!("Bearer {}", var("COLD_KEY_ID"));
        let body = runtime.block_on(async {
            let response = http
                .get(var("COLD_LIST"))
                .header("Authorization", &auth)
                .send();
            response.await.expect("GET").bytes().await.expect("body")
        });
        black_box((locker, body));
        return;
    }
    if mode == "load" {
        let cfg = Fifty::loader()
            .client(locker)
            .cache_dir(var("COLD_CACHE"))
            .environment("prod")
            .load()
            .expect("load");
        black_box(cfg);
    } else {
        black_box(locker);
    }
}

fn main() {
    if let Ok(mode) = std::env::var("COLD_CHILD") {
        return child(&mode);
    }
    let samples: usize = std::env::var("COLD_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let project = Project::new();
    fifty::seed(&project);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let locker = project.client();
    // A warm client: the profile is cached, so each load is its list.
    rt.block_on(locker.project_id()).expect("profile");
    let base = project.server.base_url();
    let auth = format!("Bearer {}", project.key.access_key_id);
    let project_key = rt.block_on(support::project_key(&base, &project.key));
    let http = reqwest::Client::new();
    let cache = project.cache_dir();
    // The floor asks for the very list a load asks for, taken from the request log.
    let before = project.server.request_log().len();
    rt.block_on(
        Fifty::loader()
            .client(locker.clone())
            .cache_dir(&cache)
            .environment("prod")
            .load_async(),
    )
    .expect("load");
    let list = project.server.request_log()[before..]
        .iter()
        .find(|r| r.path == "/v1/secrets")
        .map(|r| format!("{base}{}?{}", r.path, r.query))
        .expect("the load lists");
    let floor = || {
        rt.block_on(async {
            let bytes = http
                .get(&list)
                .header("Authorization", &auth)
                .send()
                .await
                .expect("GET")
                .bytes()
                .await
                .expect("body");
            let page: RawPage = serde_json::from_slice(&bytes).expect("page");
            assert_eq!(page.results.len(), 50);
            for s in page.results {
                for field in [&s.key, &s.value, &s.environment_name]
                    .into_iter()
                    .flatten()
                {
                    black_box(project_key.decrypt(field).expect("decrypts"));
                }
            }
        });
    };
    let load = |policy: CachePolicy| {
        black_box(
            rt.block_on(
                Fifty::loader()
                    .client(locker.clone())
                    .cache_dir(&cache)
                    .cache_policy(policy)
                    .environment("prod")
                    .load_async(),
            )
            .expect("load"),
        );
    };
    let default = || load(CachePolicy::default());
    let off = || load(CachePolicy::Off);

    println!(
        "\ncold start: 50-field config, 2 worker threads, min / median of {samples} runs each"
    );
    let [d, o, f] = measure(samples, [&default, &off, &floor]);
    row(
        "default load (writes its snapshot) / floor",
        "<= 1.5x",
        d,
        f,
    );
    row("load with snapshots off / floor", "<= 1.3x", o, f);

    // A whole process: this binary again, with and without the load.
    let exe = std::env::current_exe().expect("the bench binary");
    let process_cache = tempfile::tempdir().expect("a cache directory");
    let spawn = |mode: &str| {
        let status = Command::new(&exe)
            .env("COLD_CHILD", mode)
            .env("COLD_KEY_ID", &project.key.access_key_id)
            .env("COLD_SECRET", &project.key.secret_access_key)
            .env("COLD_BASE", &base)
            .env("COLD_CACHE", process_cache.path())
            .env("COLD_LIST", &list)
            .status()
            .expect("the child runs");
        assert!(status.success(), "child {mode}: {status}");
    };
    let with_load = || spawn("load");
    let empty = || spawn("empty");
    let get = || spawn("get");
    let [p, e, g] = measure(samples.min(60), [&with_load, &empty, &get]);
    row(
        "a process that loads once / without the load",
        "<= 2x",
        p,
        e,
    );
    row("a process that only GETs the list / empty", "-", g, e);
    row("a process that loads once / one that GETs", "-", p, g);

    // Requests of a cold load (a new client, as a new process has) when an earlier run, itself
    // cold, left its cache directory.
    let earlier = tempfile::tempdir().expect("a cache directory");
    let cold_load = || {
        rt.block_on(
            Fifty::loader()
                .client(project.client())
                .cache_dir(earlier.path())
                .environment("prod")
                .load_async(),
        )
        .expect("cold load");
    };
    cold_load();
    let before = project.server.request_log().len();
    cold_load();
    let log = project.server.request_log();
    let paths: Vec<String> = log[before..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    println!(
        "  {:<44} {} ({})   (goal 1)",
        "requests of a cold load with a warm cache",
        paths.len(),
        paths.join(", ")
    );
    secret_set_requests(&project, &rt);
}

/// Requests of `locker secret set KEY V --env E` on an existing key, in a cold process: the
/// library calls the command makes, each on a new client as a new process has (the command's
/// own counts are asserted by locker-cli/tests/requests.rs). Before: the command created the
/// secret and, refused as a duplicate, looked it up and changed it; now: one lookup by hash
/// and the PUT, plus the profile when no cache holds it.
fn secret_set_requests(project: &Project, rt: &tokio::runtime::Runtime) {
    use locker_config::{ErrorKind, NewSecret, SecretUpdate};
    let set = NewSecret::new("BENCH_SET", "v1").environment("prod");
    rt.block_on(project.client().create(set.clone()))
        .expect("created");
    let cache = tempfile::tempdir().expect("a cache directory");
    let cached = || {
        project
            .builder()
            .profile_cache(cache.path())
            .build()
            .expect("the client builds")
    };
    let sent = |run: &dyn Fn()| {
        let before = project.server.request_log().len();
        run();
        project.server.request_log().len() - before
    };
    let before = sent(&|| {
        let client = project.client();
        let err = rt
            .block_on(client.create(set.clone()))
            .expect_err("a duplicate");
        assert_eq!(err.kind(), ErrorKind::Conflict);
        rt.block_on(client.modify("BENCH_SET", Some("prod"), SecretUpdate::new().value("v2")))
            .expect("modified");
    });
    let cold = sent(&|| {
        rt.block_on(cached().set(set.clone())).expect("set");
    });
    let warm = sent(&|| {
        rt.block_on(cached().set(set.clone())).expect("set");
    });
    println!(
        "  {:<44} before {before}, now {cold} (no cache) / {warm} (warm cache)   (goal <= 3)",
        "requests of `secret set` on an existing key"
    );
}
