//! The records one load keeps (by id), at rest, and how they resolve to values.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::policy::{Origin, SnapshotReason};
use crate::client::{Listing, Want};

/// One kept record at rest. The value is wiped on drop.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    key: String,
    value: String,
    in_environment: bool,
}

impl Drop for Record {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

/// What one environment resolves for one set of keys: the records by id, and when and at which
/// Locker revision they were fetched. What a snapshot holds, and what a refresh updates.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Records {
    pub(crate) project_id: i64,
    pub(crate) environment: String,
    /// The keys the records were chosen for; `None`: every key.
    pub(crate) keys: Option<Arc<BTreeSet<String>>>,
    /// Locker's revision date the records are current at, if the server said.
    pub(crate) revision: Option<f64>,
    /// Seconds since the epoch when the records were fetched or last confirmed.
    pub(crate) fetched_at: f64,
    records: BTreeMap<String, Record>,
}

impl fmt::Debug for Records {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Records")
            .field("environment", &self.environment)
            .field("revision", &self.revision)
            .field("records", &self.records.len())
            .finish_non_exhaustive()
    }
}

/// How far ahead of this clock a fetch time may lie and still count as just fetched: clocks of
/// two hosts disagree, and a clock can be corrected backwards. Further ahead, the records are
/// unusable: a snapshot dated in the future must not pass for a fresh one.
pub(crate) const CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// The age at `now` of records fetched at `fetched_at` (both in seconds since the epoch).
fn age_at(now: f64, fetched_at: f64) -> Option<Duration> {
    let secs = now - fetched_at;
    if !secs.is_finite() {
        return None;
    }
    if secs < 0.0 {
        return (-secs <= CLOCK_SKEW.as_secs_f64()).then_some(Duration::ZERO);
    }
    Duration::try_from_secs_f64(secs).ok()
}

pub(crate) fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Records {
    pub(crate) fn from_listing(listing: Listing, want: &Want) -> Self {
        let mut records = Records {
            project_id: listing.project_id,
            environment: want.environment.clone(),
            keys: want.keys.clone(),
            revision: listing.revision,
            fetched_at: now_secs(),
            records: BTreeMap::new(),
        };
        records.apply(listing);
        records
    }

    /// Records from `(id, key, value, in_environment)`, for unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests(environment: &str, entries: &[(&str, &str, &str, bool)]) -> Self {
        Records {
            project_id: 1,
            environment: environment.to_owned(),
            keys: None,
            revision: Some(1.0),
            fetched_at: now_secs(),
            records: entries
                .iter()
                .map(|(id, key, value, in_environment)| {
                    let record = Record {
                        key: (*key).to_owned(),
                        value: (*value).to_owned(),
                        in_environment: *in_environment,
                    };
                    ((*id).to_owned(), record)
                })
                .collect(),
        }
    }

    /// Applies a list by record id: kept records are inserted or replaced, dropped ones leave.
    pub(crate) fn apply(&mut self, listing: Listing) {
        for id in listing.dropped {
            self.records.remove(&id);
        }
        for kept in listing.kept {
            self.records.insert(
                kept.id,
                Record {
                    key: kept.key,
                    value: kept.value.to_string(),
                    in_environment: kept.in_environment,
                },
            );
        }
    }

    /// Whether these records can serve `want`: same environment, and every key it reads.
    pub(crate) fn covers(&self, want: &Want) -> bool {
        self.environment == want.environment
            && match (&self.keys, &want.keys) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(have), Some(need)) => need.is_subset(have),
            }
    }

    /// key → (value, whether it is the environment's own), the environment's record winning
    /// over the one in "All".
    pub(crate) fn resolved(&self) -> BTreeMap<&str, (&str, bool)> {
        let mut out: BTreeMap<&str, (&str, bool)> = BTreeMap::new();
        for r in self.records.values() {
            match out.get(r.key.as_str()) {
                Some((_, true)) => {}
                Some((_, false)) if !r.in_environment => {}
                _ => {
                    out.insert(&r.key, (&r.value, r.in_environment));
                }
            }
        }
        out
    }

    /// Whether `other` holds the very same records, for the same environment and keys, at the
    /// same revision: then only the time they were fetched at differs.
    pub(crate) fn same_content(&self, other: &Records) -> bool {
        self.project_id == other.project_id
            && self.environment == other.environment
            && self.keys == other.keys
            && self.revision == other.revision
            && self.records == other.records
    }

    /// How old the records are: [`Records::checked_age`], and [`Duration::MAX`] when that is
    /// unusable, so an unusable age is never younger than a rest time nor within `max_stale`.
    pub(crate) fn age(&self) -> Duration {
        self.checked_age().unwrap_or(Duration::MAX)
    }

    /// How old the records are, or `None` when their fetch time cannot be trusted: not a
    /// finite number, more than [`CLOCK_SKEW`] ahead of this clock, or so far back that the age
    /// does not fit a [`Duration`]. A fetch time ahead by less than the allowance (another
    /// host's clock, or this one corrected backwards) counts as just fetched.
    pub(crate) fn checked_age(&self) -> Option<Duration> {
        age_at(now_secs(), self.fetched_at)
    }

    pub(crate) fn fetched_at_time(&self) -> SystemTime {
        Duration::try_from_secs_f64(self.fetched_at)
            .ok()
            .and_then(|d| UNIX_EPOCH.checked_add(d))
            .unwrap_or(UNIX_EPOCH)
    }

    pub(crate) fn origin(&self, reason: SnapshotReason) -> Origin {
        Origin::Snapshot {
            age: self.age(),
            fetched_at: self.fetched_at_time(),
            reason,
        }
    }
}

/// The keys whose resolved value differs between `old` and `new` (added, removed or changed).
pub(crate) fn changed_keys(old: &Records, new: &Records) -> Vec<String> {
    let (a, b) = (old.resolved(), new.resolved());
    let mut keys: BTreeSet<&str> = BTreeSet::new();
    for (k, v) in &a {
        if b.get(k).map(|x| x.0) != Some(v.0) {
            keys.insert(k);
        }
    }
    for k in b.keys() {
        if !a.contains_key(k) {
            keys.insert(k);
        }
    }
    keys.into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_age_in_the_past_is_kept() {
        assert_eq!(age_at(1_000.0, 400.0), Some(Duration::from_secs(600)));
        assert_eq!(age_at(1_000.0, 1_000.0), Some(Duration::ZERO));
        assert_eq!(age_at(1e9, 0.0), Some(Duration::from_secs(1_000_000_000)));
    }

    #[test]
    fn a_fetch_time_ahead_within_the_clock_skew_counts_as_just_fetched() {
        assert_eq!(age_at(1_000.0, 1_060.0), Some(Duration::ZERO));
        assert_eq!(age_at(1_000.0, 1_300.0), Some(Duration::ZERO));
    }

    #[test]
    fn a_fetch_time_in_the_future_or_not_a_number_is_unusable() {
        let now = 1.7e9;
        let day = 24.0 * 3600.0;
        for fetched_at in [
            now + 301.0,
            now + 30.0 * day,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            assert_eq!(age_at(now, fetched_at), None, "{fetched_at}");
        }
        let mut r = Records::for_tests("prod", &[]);
        r.fetched_at = now_secs() + 30.0 * day;
        assert_eq!(r.checked_age(), None);
        // Never younger than a rest time, never within a max_stale.
        assert_eq!(r.age(), Duration::MAX);
        r.fetched_at = now_secs();
        assert!(r.age() < Duration::from_secs(60));
    }
}
