//! List queries: paging (a cursor in `next`, or a plain `page=N`), filters, delta sync by
//! `revision_date` (for clients that ask for it), and the links of the list envelope.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::ApiError;
use crate::store::rows::{Filter, Page, PageRequest, Start};

/// The request header by which a client asks for delta answers: with `X-Locker-Delta: 1`, a
/// list's `revision_date` means "changed after"; without it the parameter is checked and
/// ignored, and the list answers everything (PROTOCOL.md §2). Official clients keep one sync
/// point for every kind of list and would miss records on a delta answer.
pub(crate) const DELTA_HEADER: &str = "x-locker-delta";

/// Whether the request asked for delta answers ([`DELTA_HEADER`] is `1`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Delta(pub(crate) bool);

impl<S: Send + Sync> FromRequestParts<S> for Delta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let asked = parts
            .headers
            .get(DELTA_HEADER)
            .is_some_and(|v| v.as_bytes().trim_ascii() == b"1");
        Ok(Delta(asked))
    }
}

/// Largest page size; larger `size` values are clamped.
pub(crate) const MAX_PAGE_SIZE: i64 = 2000;

/// Where the next page of a list starts, carried in its `next` link as
/// `cursor=<seq>_<count>_<revision in µs>`: the last row's sequence number, and the count and
/// revision date of the list's first page, so the list is counted once and every page reports
/// the revision date the list started from.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cursor {
    after: i64,
    count: i64,
    revision: f64,
}

impl Cursor {
    fn encode(&self) -> String {
        let micros = (self.revision * 1_000_000.0).round() as i64;
        format!("{}_{}_{micros}", self.after, self.count)
    }

    fn decode(text: &str) -> Option<Cursor> {
        let mut parts = text.split('_').map(|p| p.parse::<i64>().ok());
        let (Some(Some(after)), Some(Some(count)), Some(Some(micros)), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        (after >= 0 && count >= 0 && micros >= 0).then(|| Cursor {
            after,
            count,
            revision: micros as f64 / 1_000_000.0,
        })
    }
}

/// A parsed list query: paging and filters, plus the original pairs to build the links.
#[derive(Debug)]
pub(crate) struct ListQuery {
    pairs: Vec<(String, String)>,
    page: i64,
    size: i64,
    paging: bool,
    cursor: Option<Cursor>,
    changed_after: Option<f64>,
}

impl ListQuery {
    /// Parses a list query; `delta` = the client asked for delta answers ([`Delta`]), so
    /// `revision_date` filters the list.
    pub(crate) fn parse(raw: Option<&str>, delta: bool) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let int = |name: &str, default: i64| -> Result<i64, ApiError> {
            match get(name) {
                None | Some("") => Ok(default),
                Some(v) => v.trim().parse::<i64>().map_err(|_| {
                    ApiError::bad_request(format!("{name}: a valid integer is required"))
                }),
            }
        };
        let page = int("page", 1)?;
        if page < 1 {
            return Err(ApiError::bad_request("page: must be 1 or more"));
        }
        let size = int("size", MAX_PAGE_SIZE)?;
        if size < 1 {
            return Err(ApiError::bad_request("size: must be 1 or more"));
        }
        let changed_after = match get("revision_date").map(str::trim) {
            None | Some("") => None,
            Some(v) => match v.parse::<f64>() {
                // 0 (or anything not after the epoch) means everything.
                Ok(f) if f.is_finite() => (f > 0.0).then_some(f),
                _ => {
                    return Err(ApiError::bad_request(
                        "revision_date: a valid number is required",
                    ));
                }
            },
        };
        let cursor = match get("cursor") {
            None | Some("") => None,
            Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
                ApiError::bad_request("cursor: not a cursor of this server's next links")
            })?),
        };
        let paging = get("paging") != Some("0");
        Ok(ListQuery {
            page,
            size: size.min(MAX_PAGE_SIZE),
            paging,
            cursor,
            changed_after: changed_after.filter(|_| delta),
            pairs,
        })
    }

    /// A query parameter, `None` when absent or empty.
    fn param(&self, name: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }

    /// The filter of a list: `hash`, `environment_id` (secrets), `revision_date`.
    pub(crate) fn filter(&self) -> Filter {
        Filter {
            hash: self.param("hash"),
            environment_id: self.param("environment_id"),
            changed_after: self.changed_after,
        }
    }

    /// The page to read.
    pub(crate) fn page_request(&self) -> PageRequest {
        if !self.paging {
            return PageRequest::ALL;
        }
        match self.cursor {
            Some(c) => PageRequest {
                start: Start::After(c.after),
                limit: Some(self.size),
                count: Some(c.count),
            },
            None => PageRequest {
                start: Start::Skip((self.page - 1).saturating_mul(self.size)),
                limit: Some(self.size),
                count: None,
            },
        }
    }

    /// The revision date the answer reports: the one the list started from when this is a
    /// later page, else the project's `current` one.
    pub(crate) fn revision(&self, current: f64) -> f64 {
        self.cursor.map_or(current, |c| c.revision)
    }

    /// The `next` and `previous` links of a page read for this query.
    pub(crate) fn links<T>(
        &self,
        path: &str,
        page: &Page<T>,
        revision: f64,
    ) -> (Option<String>, Option<String>) {
        if !self.paging {
            return (None, None);
        }
        let next = page.last_seq.filter(|_| page.more).map(|after| {
            let cursor = Cursor {
                after,
                count: page.count,
                revision,
            };
            self.link(path, self.page.saturating_add(1), Some(cursor))
        });
        let previous = (self.page > 1).then(|| self.link(path, self.page - 1, None));
        (next, previous)
    }

    /// The path of page `page`, relative to the API base, keeping the other parameters.
    fn link(&self, path: &str, page: i64, cursor: Option<Cursor>) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        let mut saw_page = false;
        for (k, v) in &self.pairs {
            match k.as_str() {
                "page" if !saw_page => {
                    ser.append_pair("page", &page.to_string());
                    saw_page = true;
                }
                "page" | "cursor" => {}
                _ => {
                    ser.append_pair(k, v);
                }
            }
        }
        if !saw_page {
            ser.append_pair("page", &page.to_string());
        }
        if let Some(c) = cursor {
            ser.append_pair("cursor", &c.encode());
        }
        format!("{path}?{}", ser.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_anything_else() {
        let c = Cursor {
            after: 41,
            count: 10_000,
            revision: 1_795_918_833.813_706,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in ["", "1", "1_2", "1_2_3_4", "a_2_3", "-1_2_3", "1_2_x"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn revision_dates_in_every_form_the_official_clients_send() {
        for (raw, want) in [
            ("revision_date=0", None),
            ("revision_date=0.000000", None),
            ("revision_date=", None),
            ("", None),
            (
                "revision_date=1795918833.813706",
                Some(1_795_918_833.813_706),
            ),
            ("revision_date=%201700000000.5", Some(1_700_000_000.5)),
        ] {
            let q = ListQuery::parse(Some(raw), true).unwrap();
            assert_eq!(q.filter().changed_after, want, "{raw}");
            // Without the delta header, the same query lists everything.
            let q = ListQuery::parse(Some(raw), false).unwrap();
            assert_eq!(q.filter().changed_after, None, "{raw}");
        }
        for bad in [
            "revision_date=yesterday",
            "revision_date=inf",
            "revision_date=NaN",
        ] {
            for delta in [true, false] {
                assert!(ListQuery::parse(Some(bad), delta).is_err(), "{bad}");
            }
        }
    }

    #[test]
    fn next_links_carry_a_cursor_and_previous_links_a_plain_page() {
        let q = ListQuery::parse(Some("count_secrets=1&page=1&size=2&hash="), true).unwrap();
        let page = Page::<()> {
            rows: vec![(), ()],
            count: 5,
            last_seq: Some(9),
            more: true,
        };
        let (next, previous) = q.links("/v1/secrets", &page, 1.5);
        assert_eq!(
            next.as_deref(),
            Some("/v1/secrets?count_secrets=1&page=2&size=2&hash=&cursor=9_5_1500000")
        );
        assert_eq!(previous, None);
        let q2 = ListQuery::parse(Some(next.unwrap().split_once('?').unwrap().1), true).unwrap();
        assert_eq!(q2.revision(7.0), 1.5);
        assert_eq!(q2.page_request().start, Start::After(9));
        assert_eq!(q2.page_request().count, Some(5));
        let (_, previous) = q2.links("/v1/secrets", &page, 1.5);
        assert_eq!(
            previous.as_deref(),
            Some("/v1/secrets?count_secrets=1&page=1&size=2&hash=")
        );
    }
}
