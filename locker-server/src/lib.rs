//! A Locker Secrets compatible server on SQLite, for development and tests.
//!
//! **This is a development and test server, not a production secrets store.** It implements
//! the Locker Secrets wire protocol (profile, sync probes, secrets, environments, and the
//! legacy `/v1/sync` read) faithfully enough for official Locker clients and for
//! `locker-config`, so everything can run offline on one machine.
//!
//! It is zero-knowledge like the real service: it stores only what clients send (cipher
//! strings, name hashes, ids) and, per access key, the project key wrapped under that key's
//! secret access key. Secret access keys are returned once when issued and never stored.
//!
//! # In tests
//!
//! ```
//! use locker_server::{Fault, LocalServer};
//!
//! let server = LocalServer::start().unwrap();       // temporary database, 127.0.0.1:0
//! let key = server.create_project().unwrap();        // project 1, read-write key
//! let api_base = server.base_url();                  // e.g. "http://127.0.0.1:40123"
//! # let _ = (key, api_base);
//! server.inject(Fault::Status { status: 503, retry_after: Some(1), times: 2 });
//! assert!(server.request_log().is_empty());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api;
mod error;
mod model;
mod server;
mod store;

pub use error::ServerError;
pub use server::{Fault, LocalServer, RequestRecord, ServerOptions, serve};
pub use store::{AccessKey, SecretImport, Store};
