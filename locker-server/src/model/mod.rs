//! The records both layers share: rows as stored ([`rows`]) and the JSON the API sends for
//! them ([`wire`]). The store keeps each secret's JSON with its row; the API sends it.

pub(crate) mod rows;
pub(crate) mod wire;
