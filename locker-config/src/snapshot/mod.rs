//! Encrypted local snapshots: the sealed file, the cache policies and origins, and the records
//! a load keeps, at rest.
//!
//! Every successful load writes a snapshot of what it loaded: the records of the environment
//! and of "All" that the loader can use, by record id, sealed with a key derived from the
//! secret access key (see [`CachePolicy`] for when it is read). The same records are what a
//! live refresh updates in place from the changes since the snapshot's revision date.

mod file;
mod policy;
mod records;

pub use crate::sealed::CACHE_DIR_VAR;
pub(crate) use file::SnapshotFile;
pub(crate) use policy::round;
pub use policy::{CachePolicy, DEFAULT_FALLBACK_AFTER, DEFAULT_MAX_STALE, Origin, SnapshotReason};
pub(crate) use records::{Records, changed_keys, now_secs};

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use zeroize::Zeroizing;

    use super::*;
    use crate::client::{Kept, Listing, Want};

    fn kept(id: &str, key: &str, value: &str, in_environment: bool) -> Kept {
        Kept {
            id: id.to_owned(),
            key: key.to_owned(),
            value: Zeroizing::new(value.to_owned()),
            in_environment,
        }
    }

    fn listing(kept: Vec<Kept>, dropped: &[&str]) -> Listing {
        Listing {
            project_id: 1,
            revision: Some(2.0),
            count: None,
            received: 0,
            kept,
            dropped: dropped.iter().map(|s| (*s).to_owned()).collect(),
            seen_environment: true,
        }
    }

    #[test]
    fn changes_apply_by_record_id_and_report_changed_keys() {
        let old = Records::for_tests(
            "prod",
            &[
                ("1", "A", "a1", true),
                ("2", "B", "b1", false),
                ("3", "C", "c1", true),
            ],
        );
        let mut new = old.clone();
        // A rotated, C moved to another environment, D added in "All".
        new.apply(listing(
            vec![kept("1", "A", "a2", true), kept("4", "D", "d1", false)],
            &["3"],
        ));
        let resolved = new.resolved();
        assert_eq!(resolved.get("A"), Some(&("a2", true)));
        assert_eq!(resolved.get("C"), None);
        assert_eq!(changed_keys(&old, &new), ["A", "C", "D"]);
        assert!(changed_keys(&old, &old.clone()).is_empty());
    }

    #[test]
    fn coverage_of_keys_and_environment() {
        let mut r = Records::for_tests("prod", &[]);
        let want = |env: &str, keys: Option<&[&str]>| Want {
            environment: env.to_owned(),
            keys: keys.map(|k| std::sync::Arc::new(k.iter().map(|s| (*s).to_owned()).collect())),
        };
        assert!(r.covers(&want("prod", None)));
        assert!(!r.covers(&want("staging", None)));
        r.keys = Some(std::sync::Arc::new(
            ["A", "B"].iter().map(|s| (*s).to_owned()).collect(),
        ));
        assert!(r.covers(&want("prod", Some(&["A"]))));
        assert!(!r.covers(&want("prod", Some(&["A", "C"]))));
        assert!(!r.covers(&want("prod", None)));
    }

    #[test]
    fn origin_displays_age_and_reason() {
        let o = Origin::Snapshot {
            age: Duration::from_millis(3_700),
            fetched_at: UNIX_EPOCH,
            reason: SnapshotReason::Unreachable,
        };
        assert_eq!(
            o.to_string(),
            "a local snapshot 3s old (Locker unreachable)"
        );
        assert_eq!(Origin::Network.to_string(), "Locker");
    }
}
