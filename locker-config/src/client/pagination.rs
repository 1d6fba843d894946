//! Lists: the first page of a list request, then every `next` link the server sends.

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
        let mut url = format!(
            "{path}?{count_param}=1&page=1&paging=1&revision_date=0.000000&size={}&{filter}={filter_value}",
            self.inner.page_size
        );
        let mut items = Vec::new();
        let mut seen = std::collections::HashSet::new();
        loop {
            if !seen.insert(url.clone()) || seen.len() > MAX_PAGES {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    format!("the server's pagination of {path} does not end"),
                ));
            }
            let page: ListResponse<T> = self.read(url.clone()).await?;
            let (mut results, next) = page.into_parts();
            let empty = results.is_empty();
            items.append(&mut results);
            match next {
                Some(next) if !empty => url = self.relative_next(&next)?,
                _ => return Ok(items),
            }
        }
    }

    /// `next` is a path relative to the API base; an absolute URL is accepted only under it.
    /// A scheme-relative `//host/...` names another host, so it is treated as absolute.
    pub(super) fn relative_next(&self, next: &str) -> Result<String> {
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
