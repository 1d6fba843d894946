//! Lists: the first page of a list request, then every `next` link the server sends.

use std::collections::HashSet;

use serde::de::DeserializeOwned;

use super::Locker;
use crate::error::{Error, ErrorKind, Result};
use locker_protocol::wire::ListResponse;

/// The most pages a single list follows before giving up (a server looping on `next`).
const MAX_PAGES: usize = 10_000;

impl Locker {
    /// Follows `next` from the first page of `path` until done.
    pub(super) async fn list_all<T: DeserializeOwned>(
        &self,
        path: &str,
        count_param: &str,
        filter: &str,
        filter_value: &str,
    ) -> Result<Vec<T>> {
        let url = format!(
            "{path}?{count_param}=1&page=1&paging=1&revision_date=0.000000&size={}&{filter}={filter_value}",
            self.inner.page_size
        );
        let mut items = Vec::new();
        let mut pages = Pages::new(path, url);
        while let Some(url) = pages.next_url()? {
            let page: ListResponse<T> = self.read(url).await?;
            let (mut results, next) = page.into_parts();
            pages.follow(self, next.as_deref(), results.is_empty())?;
            items.append(&mut results);
        }
        Ok(items)
    }

    /// `next` is a path relative to the API base; an absolute URL is accepted only under it.
    /// A scheme-relative `//host/...` names another host, so it is treated as absolute.
    fn relative_next(&self, next: &str) -> Result<String> {
        let next = next.trim();
        if next.starts_with("http://") || next.starts_with("https://") || next.starts_with("//") {
            return match next.strip_prefix(self.inner.api_base.as_str()) {
                Some(rest) if rest.starts_with('/') => Ok(rest.to_string()),
                _ => Err(Error::new(
                    ErrorKind::InvalidResponse,
                    "the server's next page link points outside the API base",
                )),
            };
        }
        Ok(if next.starts_with('/') {
            next.to_string()
        } else {
            format!("/{next}")
        })
    }
}

/// The pages of one list: the first URL, then each `next` link the server sends, refusing a
/// server whose links loop or never end. Every list request walks its pages through this.
pub(super) struct Pages {
    path: String,
    url: Option<String>,
    seen: HashSet<String>,
}

impl Pages {
    /// A list of `path` starting at `first`.
    pub(super) fn new(path: &str, first: String) -> Self {
        Pages {
            path: path.to_owned(),
            url: Some(first),
            seen: HashSet::new(),
        }
    }

    /// The next page to fetch; `None` once the list is done.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidResponse`] when a link comes back or the list passes the page limit.
    pub(super) fn next_url(&mut self) -> Result<Option<String>> {
        let Some(url) = self.url.take() else {
            return Ok(None);
        };
        if !self.seen.insert(url.clone()) || self.seen.len() > MAX_PAGES {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!("the server's pagination of {} does not end", self.path),
            ));
        }
        Ok(Some(url))
    }

    /// Whether the page last handed out by [`Pages::next_url`] is the first.
    pub(super) fn is_first(&self) -> bool {
        self.seen.len() == 1
    }

    /// Takes the `next` link of the page just read; an empty page ends the list whatever its
    /// link says.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidResponse`] for a link outside the API base.
    pub(super) fn follow(
        &mut self,
        locker: &Locker,
        next: Option<&str>,
        empty: bool,
    ) -> Result<()> {
        if let Some(next) = next.filter(|_| !empty) {
            self.url = Some(locker.relative_next(next)?);
        }
        Ok(())
    }
}
