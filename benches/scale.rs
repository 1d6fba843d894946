//! How locker-config and locker-server scale with the size of a project, each figure beside a
//! floor measured in the same run, with min/median and the ratios.
//!
//! ```text
//! cargo bench --bench scale
//! ```
//!
//! - a 50-field config load in a 10,000-secret project (5 environments) vs the raw transfer of
//!   the same pages (plain GETs + JSON parse, no decryption), and the same load at 100 secrets;
//! - `Locker::list_secrets(None)` at 10,000 and 50,000 secrets vs a floor (plain GETs + parse +
//!   decryption), and the cost per secret at 50,000 vs 10,000;
//! - building a `Locker`;
//! - 1,000 concurrent cold loaders against one server: p50/p99, requests per loader, errors and
//!   the kernel's listen-queue overflows;
//! - `get(key, Some(env))` at 100 vs 10,000 secrets: requests per call on a warm client and time.
//!
//! Projects are seeded in bulk through the server's store (`Store::import_secrets`), with
//! secrets encrypted as a client would.

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use locker_config::Locker;
use locker_protocol::crypto::{SymmetricKey, name_hash};
use locker_server::{AccessKey, LocalServer, SecretImport};
use serde_json::{Value, json};
use support::fifty::Fifty;
use tokio::runtime::Runtime;

/// A list page as the floor reads it: plain fields, nothing lenient.
#[derive(serde::Deserialize)]
struct RawPage {
    results: Vec<RawSecret>,
    #[allow(dead_code)]
    next: Option<String>,
}

/// A secret as the floor reads it.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct RawSecret {
    id: String,
    environment_id: Option<String>,
    environment_hash: Option<String>,
    secret_hash: Option<String>,
    key: Option<String>,
    value: Option<String>,
    description: Option<String>,
    environment_name: Option<String>,
}

/// The environments every seeded project has; the config loads `prod`.
const ENVIRONMENTS: [&str; 5] = ["prod", "staging", "dev", "test", "qa"];

/// Min and median of a set of timings.
#[derive(Debug, Clone, Copy)]
struct Stats {
    min: Duration,
    median: Duration,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Stats {
        samples.sort();
        Stats {
            min: samples[0],
            median: samples[samples.len() / 2],
        }
    }
}

/// Runs `f` once to warm up, then `samples` times, and returns min/median.
fn measure<T>(samples: usize, mut f: impl FnMut() -> T) -> Stats {
    black_box(f());
    let times = (0..samples)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    Stats::of(times)
}

fn ms(d: Duration) -> String {
    format!("{:9.3} ms", d.as_secs_f64() * 1000.0)
}

fn ratio(a: Stats, b: Stats) -> String {
    format!(
        "{:5.2}x (min) {:5.2}x (median)",
        a.min.as_secs_f64() / b.min.as_secs_f64(),
        a.median.as_secs_f64() / b.median.as_secs_f64()
    )
}

fn row(name: &str, s: Stats) {
    println!("  {name:<46} min {}  median {}", ms(s.min), ms(s.median));
}

/// One seeded project: its key, project key, environment ids and a client.
struct Seeded {
    key: AccessKey,
    project_key: SymmetricKey,
    locker: Locker,
}

/// Creates a project with the five environments and `total` secrets: the 50 fields of
/// [`Fifty`] (even ones in `prod`, odd ones in "All") and fillers spread over the environments.
fn seed(rt: &Runtime, server: &LocalServer, total: usize) -> Seeded {
    let key = server.create_project().expect("project");
    let http = reqwest::Client::new();
    let base = server.base_url();
    let auth = format!("Bearer {}", key.access_key_id);
    let project_key = rt.block_on(support::project_key(&base, &key));
    let pid = key.project_id;
    let post = |path: &'static str, body: Value| {
        let (http, base, auth) = (http.clone(), base.clone(), auth.clone());
        async move {
            let resp = http
                .post(format!("{base}{path}"))
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .expect("POST");
            assert!(resp.status().is_success(), "{}", resp.status());
            let bytes = resp.bytes().await.expect("body");
            serde_json::from_slice::<Value>(&bytes).expect("JSON")
        }
    };
    let mut env_ids = Vec::new();
    for name in ENVIRONMENTS {
        let body = json!({"name": project_key.encrypt(name), "hash": name_hash(pid, name)});
        let env = rt.block_on(post("/v1/environments", body));
        env_ids.push(env["id"].as_str().expect("env id").to_owned());
    }
    let secrets: Vec<SecretImport> = (0..total)
        .map(|i| {
            let (name, value, env) = if i < 50 {
                (
                    format!("FIELD_{i:02}"),
                    i.to_string(),
                    (i % 2 == 0).then_some(0),
                )
            } else {
                (format!("FILLER_{i:06}"), format!("value-{i}"), Some(i % 5))
            };
            SecretImport {
                key: project_key.encrypt(&name),
                value: project_key.encrypt(&value),
                description: None,
                hash: name_hash(pid, &name),
                environment_id: env.map(|e| env_ids[e].clone()),
            }
        })
        .collect();
    server
        .store()
        .import_secrets(pid, secrets)
        .expect("secrets imported");
    let locker = Locker::builder()
        .access_key_id(key.access_key_id.clone())
        .secret_access_key(key.secret_access_key.clone())
        .api_base(base)
        .build()
        .expect("client");
    rt.block_on(locker.project_id()).expect("profile");
    Seeded {
        key,
        project_key,
        locker,
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = LocalServer::start().expect("server");
    let base = server.base_url();
    let http = reqwest::Client::new();

    let seeding = Instant::now();
    let small = seed(&rt, &server, 100);
    let ten_k = seed(&rt, &server, 10_000);
    let fifty_k = seed(&rt, &server, 50_000);
    println!(
        "\nseeded 100 + 10,000 + 50,000 secrets in {:.1?}",
        seeding.elapsed()
    );

    let load = |p: &Seeded| {
        rt.block_on(
            Fifty::loader()
                .client(p.locker.clone())
                .cache_dir(cache_dir())
                .environment("prod")
                .load_async(),
        )
        .expect("load")
    };
    // The pages a load asks for, taken from the request log, for the raw transfer.
    let pages_of = |p: &Seeded, f: &dyn Fn()| {
        server.clear_request_log();
        f();
        server
            .request_log()
            .into_iter()
            .map(|r| {
                if r.query.is_empty() {
                    r.path
                } else {
                    format!("{}?{}", r.path, r.query)
                }
            })
            .map(|path| (path, p.key.access_key_id.clone()))
            .collect::<Vec<_>>()
    };
    // Plain GETs of `pages`: the bytes only, or parsed too, or parsed and decrypted.
    let raw = |pages: &[(String, String)], parse: bool, decrypt: Option<&SymmetricKey>| {
        rt.block_on(async {
            let mut n = 0;
            for (path, token) in pages {
                let bytes = http
                    .get(format!("{base}{path}"))
                    .header("Authorization", format!("Bearer {token}"))
                    .send()
                    .await
                    .expect("GET")
                    .bytes()
                    .await
                    .expect("body");
                if !parse {
                    n += bytes.len();
                } else if path.starts_with("/v1/secrets") {
                    let page: RawPage = serde_json::from_slice(&bytes).expect("page");
                    for s in page.results {
                        if let Some(pk) = decrypt {
                            for field in [&s.key, &s.value, &s.description, &s.environment_name]
                                .into_iter()
                                .flatten()
                            {
                                black_box(pk.decrypt(field).expect("decrypts"));
                            }
                        }
                        n += 1;
                    }
                } else {
                    black_box(serde_json::from_slice::<Value>(&bytes).expect("JSON"));
                }
            }
            n
        })
    };

    println!("\n50-field config load (warm client: profile cached)");
    let pages_10k = pages_of(&ten_k, &|| {
        load(&ten_k);
    });
    let load_10k = measure(10, || load(&ten_k));
    let raw_10k = measure(10, || raw(&pages_10k, true, None));
    let load_100 = measure(30, || load(&small));
    row("load, 10,000 secrets", load_10k);
    row(
        &format!("raw transfer of its {} pages", pages_10k.len()),
        raw_10k,
    );
    println!(
        "  {:<46} {}",
        "load / raw transfer",
        ratio(load_10k, raw_10k)
    );
    row("load, 100 secrets", load_100);
    println!("  requests per load at 10,000: {}", pages_10k.len());

    println!("\nlist_secrets(None) + decryption");
    let list = |p: &Seeded| {
        rt.block_on(p.locker.list_secrets(None))
            .expect("list")
            .len()
    };
    let pages_of_list = |p: &Seeded| {
        pages_of(p, &|| {
            list(p);
        })
    };
    let (pl_10k, pl_50k) = (pages_of_list(&ten_k), pages_of_list(&fifty_k));
    let list_10k = measure(5, || list(&ten_k));
    let floor_10k = measure(5, || raw(&pl_10k, true, Some(&ten_k.project_key)));
    let list_50k = measure(3, || list(&fifty_k));
    let floor_50k = measure(3, || raw(&pl_50k, true, Some(&fifty_k.project_key)));
    let raw_list_10k = measure(5, || raw(&pl_10k, true, None));
    let bytes_list_10k = measure(5, || raw(&pl_10k, false, None));
    let size_10k = raw(&pl_10k, false, None);
    row("list 10,000", list_10k);
    row("floor 10,000 (GETs + parse + decrypt)", floor_10k);
    println!(
        "  {:<46} {}",
        "list / floor at 10,000",
        ratio(list_10k, floor_10k)
    );
    row("list 50,000", list_50k);
    row("floor 50,000", floor_50k);
    println!(
        "  {:<46} {}",
        "list / floor at 50,000",
        ratio(list_50k, floor_50k)
    );
    let per = |s: Stats, n: u32| Stats {
        min: s.min / n,
        median: s.median / n,
    };
    println!(
        "  {:<46} {}",
        "per secret, 50,000 vs 10,000",
        ratio(per(list_50k, 50_000), per(list_10k, 10_000))
    );
    row("raw transfer of 10,000 (GETs + parse)", raw_list_10k);
    row(
        &format!(
            "server answers of 10,000 (GETs, {:.1} MiB)",
            size_10k as f64 / 1048576.0
        ),
        bytes_list_10k,
    );

    println!("\nbuilding a Locker");
    let build = measure(200, || {
        Locker::builder()
            .access_key_id(small.key.access_key_id.clone())
            .secret_access_key(small.key.secret_access_key.clone())
            .api_base(base.clone())
            .build()
            .expect("client")
    });
    row("Locker::builder()...build()", build);

    println!("\nget(key, Some(env))");
    let get = |p: &Seeded| {
        rt.block_on(p.locker.get("FIELD_00", Some("prod")))
            .expect("get")
            .expect("present")
    };
    // Requests of a `get` on a warm client: a first one fills its environment cache.
    let get_requests = |p: &Seeded| {
        get(p);
        server.clear_request_log();
        get(p);
        server.request_log().len()
    };
    let (req_100, req_10k) = (get_requests(&small), get_requests(&ten_k));
    let get_100 = measure(50, || get(&small));
    let get_10k = measure(50, || get(&ten_k));
    row(&format!("get at 100 ({req_100} requests, warm)"), get_100);
    row(
        &format!("get at 10,000 ({req_10k} requests, warm)"),
        get_10k,
    );
    println!("  {:<46} {}", "10,000 / 100", ratio(get_10k, get_100));
    drop((small, ten_k, fifty_k));
    server.shutdown();

    concurrent_cold_loaders(&rt, 1000);
}

/// `ListenOverflows` of `/proc/net/netstat` (Linux), if readable.
fn listen_overflows() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/net/netstat").ok()?;
    let mut lines = text.lines();
    while let (Some(names), Some(values)) = (lines.next(), lines.next()) {
        if !names.starts_with("TcpExt:") {
            continue;
        }
        let i = names
            .split_whitespace()
            .position(|n| n == "ListenOverflows")?;
        return values.split_whitespace().nth(i)?.parse().ok();
    }
    None
}

/// `n` loaders, each with its own new `Locker`, load the config at once from one server.
fn concurrent_cold_loaders(rt: &Runtime, n: usize) {
    let server = LocalServer::start().expect("server");
    let project = seed(rt, &server, 100);
    server.clear_request_log();
    let key = Arc::new(project.key.clone());
    let base = server.base_url();
    let before = listen_overflows();
    let start = Instant::now();
    let results: Vec<Result<Duration, String>> = rt.block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (key, base) = (key.clone(), base.clone());
                tokio::spawn(async move {
                    let start = Instant::now();
                    let locker = Locker::builder()
                        .access_key_id(key.access_key_id.clone())
                        .secret_access_key(key.secret_access_key.clone())
                        .api_base(base)
                        .build()
                        .map_err(|e| e.to_string())?;
                    Fifty::loader()
                        .client(locker)
                        .cache_dir(cache_dir())
                        .environment("prod")
                        .load_async()
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(start.elapsed())
                })
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        for t in tasks {
            out.push(t.await.unwrap_or_else(|e| Err(e.to_string())));
        }
        out
    });
    let wall = start.elapsed();
    let after = listen_overflows();
    let mut times: Vec<Duration> = results.iter().filter_map(|r| r.clone().ok()).collect();
    let errors = results.iter().filter(|r| r.is_err()).count();
    times.sort();
    let pct = |p: f64| {
        times
            .get(((times.len() as f64 * p) as usize).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let requests = server.request_log().len();
    println!("\n{n} concurrent cold loaders (own Locker each), 100-secret project");
    println!(
        "  p50 {}  p99 {}  wall {}",
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(wall)
    );
    println!(
        "  requests per loader {:.2}, errors {errors}, ListenOverflows {}",
        requests as f64 / n as f64,
        match (before, after) {
            (Some(b), Some(a)) => format!("{} (before {b}, after {a})", a - b),
            _ => "unavailable".to_owned(),
        }
    );
    if let Some(e) = results.iter().find_map(|r| r.clone().err()) {
        println!("  first error: {e}");
    }
    server.shutdown();
}

/// Where the bench's loads keep their snapshots: a temporary directory, never the home one.
fn cache_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
        .path()
}
