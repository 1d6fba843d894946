//! Every response body has a bound that fits what the call expects, checked while reading: a
//! 16 MB answer to the revision probe is refused after 64 bytes, not parsed into hundreds of
//! megabytes of JSON values.

use super::*;

/// 16 MB (just under the general bound of 16 MiB) of a JSON array of zeros, the shape that
/// costs most to parse into a value.
const CHUNK_ZEROS: usize = 32 * 1024;
const TIMES: usize = 244;

/// `[0,0,…,0]`, 16 MB, announced with its length (`sized`) or sent chunked.
fn huge_array(sized: bool) -> Reply {
    let chunk = b"0,".repeat(CHUNK_ZEROS);
    if sized {
        let mut body = b"[".to_vec();
        for _ in 0..TIMES {
            body.extend_from_slice(&chunk);
        }
        body.extend_from_slice(b"0]");
        return Reply::Body(200, body);
    }
    Reply::Chunked {
        first: b"[".to_vec(),
        chunk,
        times: TIMES,
        last: b"0]".to_vec(),
    }
}

#[tokio::test]
async fn a_16_mb_revision_probe_is_an_invalid_response_whether_sized_or_chunked() {
    for sized in [true, false] {
        let server = serve_replies(move |_| huge_array(sized)).await;
        let started = Instant::now();
        let err = quick_client(&server.base)
            .sync_revision_date()
            .await
            .unwrap_err();
        assert!(started.elapsed() < NO_HANG, "{:?}", started.elapsed());
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
        assert_eq!(err.status(), Some(200));
        assert_eq!(
            err.message(),
            "the response to GET /v1/sync/revision_date is larger than 64 bytes"
        );
        // A typed answer, not a retried one.
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn a_revision_date_within_the_bound_is_read() {
    for body in ["1717171717.123456", " 1717171717.5\n", "\"1717171717.25\""] {
        let server = serve_replies(move |_| Reply::Body(200, body.as_bytes().to_vec())).await;
        let revision = quick_client(&server.base)
            .sync_revision_date()
            .await
            .unwrap();
        assert!(
            (revision - 1_717_171_717.0).abs() < 1.0,
            "{body}: {revision}"
        );
    }
}

#[tokio::test]
async fn a_list_page_is_read_chunked_up_to_the_general_bound_only() {
    // A page of the secrets list may be large, but not larger than the general bound.
    let times = transport::MAX_RESPONSE_BODY / (2 * CHUNK_ZEROS) + 8;
    let server = serve_replies(move |target| {
        if api_path(target).starts_with("/v1/profile") {
            return json(profile());
        }
        Reply::Chunked {
            first: b"{\"results\":[".to_vec(),
            chunk: b"0,".repeat(CHUNK_ZEROS),
            times,
            last: b"0]}".to_vec(),
        }
    })
    .await;
    let err = quick_client(&server.base)
        .list_secrets(None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert_eq!(
        err.message(),
        format!(
            "the response to GET /v1/secrets is larger than {} bytes",
            transport::MAX_RESPONSE_BODY
        )
    );
}

/// The peak resident memory of this process, in KiB (`VmHWM` of `/proc/self/status`).
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const CHILD: &str = "LOCKER_CONFIG_PROBE_MEMORY_CHILD";

#[test]
fn a_16_mb_revision_probe_costs_little_memory() {
    if peak_kib().is_none() {
        return; // no /proc: not Linux
    }
    // In a process of its own, so that no other test's memory counts.
    let name = "client::tests::bounds::probe_memory_in_a_child";
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            name,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let field = |key: &str| -> u64 {
        let at = stdout.find(key).unwrap_or_else(|| panic!("{stdout}")) + key.len();
        stdout[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (before, after) = (field("peak_before_kib="), field("peak_after_kib="));
    println!("peak resident memory: {before} KiB before the probe, {after} KiB after");
    // The responder streams the body in 64 KiB chunks; reading the whole 16 MiB and parsing
    // it into JSON values grew the peak by ~260 MiB.
    let grown = after.saturating_sub(before);
    assert!(grown < 16 * 1024, "the probe grew the peak by {grown} KiB");
}

#[test]
#[ignore = "run in a child process by a_16_mb_revision_probe_costs_little_memory"]
fn probe_memory_in_a_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = serve_replies(|_| huge_array(false)).await;
        let client = quick_client(&server.base);
        let before = peak_kib().unwrap();
        let err = client.sync_revision_date().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
        let after = peak_kib().unwrap();
        println!("peak_before_kib={before} peak_after_kib={after}");
    });
}
