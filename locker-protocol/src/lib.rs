//! What a Locker Secrets client and server share, and nothing else: the end-to-end crypto
//! (key derivation, cipher strings, name hashes) and the JSON shapes of the API.
//!
//! There is no HTTP and no I/O here. `locker-config` (the client) reads these shapes and
//! decrypts with these keys; `locker-server` writes the same shapes and never sees a key.
//!
//! ```
//! use locker_protocol::crypto::{SymmetricKey, name_hash};
//!
//! let project_key = SymmetricKey::generate();
//! let cipher = project_key.encrypt("postgres://db/prod");
//! assert_eq!(project_key.decrypt(&cipher)?, "postgres://db/prod");
//! assert_eq!(name_hash(42, "staging"), "_fd1YL0kcWCvDldx-YGV3FZvCfoyX1nL5xBKEcsTZ98");
//! # Ok::<(), locker_protocol::crypto::CryptoError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod crypto;
pub mod lenient;
pub mod wire;
