//! Errors of the library API (starting the server, issuing keys).

use locker_protocol::crypto::CryptoError;

/// Why the server could not start or a project or access key could not be created.
///
/// No variant carries a secret access key or key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Binding the listener, spawning the server thread or creating a temporary directory failed.
    #[error("I/O error")]
    Io(#[from] std::io::Error),
    /// The SQLite database could not be opened or a statement failed.
    #[error("database error")]
    Database(#[from] rusqlite::Error),
    /// The secret access key given could not unwrap the project key.
    #[error("the secret access key does not match the access key")]
    Crypto(#[from] CryptoError),
    /// No access key with this id exists in the database.
    #[error("unknown access key id {0:?}")]
    UnknownAccessKey(String),
    /// The access key belongs to another project than the one it claims.
    #[error("access key {access_key_id:?} belongs to project {actual}, not {claimed}")]
    ProjectMismatch {
        /// The access key id.
        access_key_id: String,
        /// The project id given by the caller.
        claimed: i64,
        /// The project the key belongs to.
        actual: i64,
    },
    /// No project with this id exists.
    #[error("unknown project id {0}")]
    UnknownProject(i64),
    /// A record refers to something the project does not have (e.g. an environment id).
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// A record would break a uniqueness rule (the message is the API's, e.g. "This secret
    /// hash already exists").
    #[error("duplicate: {0}")]
    Duplicate(&'static str),
    /// Generating random bytes failed.
    #[error("the operating system random number generator failed")]
    Random,
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn messages_leave_their_cause_to_source() {
        let e = ServerError::from(std::io::Error::other("disk on fire"));
        assert_eq!(e.to_string(), "I/O error");
        assert_eq!(e.source().unwrap().to_string(), "disk on fire");
        let e = ServerError::from(rusqlite::Error::InvalidQuery);
        assert_eq!(e.to_string(), "database error");
        assert!(e.source().is_some());
    }
}
