//! Test controls shared by the connections and [`LocalServer`](super::LocalServer): queued
//! faults and the request log.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// A fault to inject into the next request(s), for testing retry and failure paths.
///
/// Faults queue up in the order injected; the one at the front applies to the next `times`
/// requests (on any route), then the next one takes over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status and a JSON error body, with a `Retry-After: <secs>` header
    /// if given, without touching the data. A number that is not a valid HTTP status
    /// answers 503.
    Status {
        /// The HTTP status, e.g. 503 or 429.
        status: u16,
        /// Seconds for the `Retry-After` header.
        retry_after: Option<u64>,
        /// How many requests get this answer.
        times: u32,
    },
    /// Wait this long, then handle the request normally.
    Delay {
        /// How long to wait.
        delay: Duration,
        /// How many requests are delayed.
        times: u32,
    },
    /// Close the connection without answering (the client sees a connection error).
    Drop {
        /// How many requests are dropped.
        times: u32,
    },
}

impl Fault {
    fn times_mut(&mut self) -> &mut u32 {
        match self {
            Fault::Status { times, .. } | Fault::Delay { times, .. } | Fault::Drop { times } => {
                times
            }
        }
    }
}

/// One request the server received, as recorded in the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The HTTP method, e.g. `GET`.
    pub method: String,
    /// The path without the optional `/locker_secrets` prefix, e.g. `/v1/secrets`.
    pub path: String,
    /// The raw query string without `?` (empty if none).
    pub query: String,
    /// The status answered, or 0 for a request whose connection was dropped by a fault.
    pub status: u16,
}

/// Queued faults and the request log.
#[derive(Debug, Default)]
pub(crate) struct Control {
    faults: Mutex<VecDeque<Fault>>,
    log: Mutex<Vec<RequestRecord>>,
}

/// Locks `m`; a panic elsewhere while it was held leaves plain data behind, still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Control {
    /// Takes one use of the fault at the front of the queue, if any.
    pub(crate) fn next_fault(&self) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        loop {
            let front = faults.front_mut()?;
            let times = front.times_mut();
            if *times == 0 {
                faults.pop_front();
                continue;
            }
            *times -= 1;
            let fault = front.clone();
            if *front.times_mut() == 0 {
                faults.pop_front();
            }
            return Some(fault);
        }
    }

    pub(crate) fn push_fault(&self, fault: Fault) {
        lock(&self.faults).push_back(fault);
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub(crate) fn record(&self, record: RequestRecord) {
        lock(&self.log).push(record);
    }

    pub(crate) fn log(&self) -> Vec<RequestRecord> {
        lock(&self.log).clone()
    }

    pub(crate) fn clear_log(&self) {
        lock(&self.log).clear();
    }
}
