//! SQLite storage: the database handle ([`database`]), opening and migrating it ([`open`]),
//! revision dates ([`revision`]), projects and access keys ([`admin`]), secrets and
//! environments ([`rows`]), and their errors ([`error`]).
//!
//! The server only ever stores what clients send (cipher strings, name hashes, ids) plus, per
//! access key, the project key wrapped under that key's secret access key. Secret access keys
//! are handed out once and never stored.

pub(crate) mod admin;
pub(crate) mod database;
pub(crate) mod error;
pub(crate) mod open;
pub(crate) mod revision;
pub(crate) mod rows;

pub use admin::AccessKey;
pub use database::Store;
pub(crate) use error::StoreError;
pub use rows::SecretImport;
