//! The decrypted items of a Locker project: secrets and environments.

use std::fmt;

/// A decrypted secret, as the official SDKs return it.
///
/// `Debug` never shows the value or the description (descriptions are encrypted like values
/// and can hold as much).
///
/// ```
/// # fn demo(record: locker_config::SecretRecord) {
/// println!("{record:?}"); // SecretRecord { id: "…", key: "DATABASE_URL", value: "[REDACTED]", description: Some("[REDACTED]"), .. }
/// # }
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct SecretRecord {
    /// The server's id of the secret (a UUID).
    pub id: String,
    /// The secret's key, such as `DATABASE_URL`.
    pub key: String,
    /// The decrypted value.
    pub value: String,
    /// The decrypted description, if any.
    pub description: Option<String>,
    /// The id of the environment the secret belongs to; `None` for "All".
    pub environment_id: Option<String>,
    /// The name of the environment the secret belongs to; `None` for "All".
    pub environment_name: Option<String>,
    /// The project id.
    pub project_id: i64,
    /// When it was created, in seconds since the epoch.
    pub creation_date: Option<f64>,
    /// When it last changed, in seconds since the epoch.
    pub revision_date: Option<f64>,
}

impl fmt::Debug for SecretRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretRecord")
            .field("id", &self.id)
            .field("key", &self.key)
            .field("value", &"[REDACTED]")
            .field(
                "description",
                &self.description.as_ref().map(|_| "[REDACTED]"),
            )
            .field("environment_name", &self.environment_name)
            .finish_non_exhaustive()
    }
}

/// A decrypted environment.
///
/// `Debug` never shows the external URL or the description: both are encrypted end to end
/// like a secret's value, and a URL can carry credentials.
///
/// ```
/// # fn demo(environment: locker_config::Environment) {
/// println!("{environment:?}"); // Environment { id: "…", name: "staging", external_url: Some("[REDACTED]"), description: None, project_id: 42 }
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Environment {
    /// The server's id of the environment (a UUID).
    pub id: String,
    /// The environment's name, such as `staging`.
    pub name: String,
    /// The decrypted external URL, if any.
    pub external_url: Option<String>,
    /// The decrypted description, if any.
    pub description: Option<String>,
    /// The project id.
    pub project_id: i64,
}

/// A secret record that cannot be decrypted or verified (written with the bearer token alone,
/// or under another project key), as [`Locker::list_secrets_partial`] reports it: named by id,
/// with its key when that much decrypts.
///
/// [`Locker::list_secrets_partial`]: crate::Locker::list_secrets_partial
#[derive(Debug)]
#[non_exhaustive]
pub struct BrokenSecret {
    /// The server's id of the record.
    pub id: String,
    /// Its key, when the key decrypts and matches its hash.
    pub key: Option<String>,
    /// The id of its environment; `None` for "All".
    pub environment_id: Option<String>,
    /// The name of its environment, when it can be told.
    pub environment_name: Option<String>,
    /// Why it cannot be used, and how to repair it (never its content).
    pub error: crate::error::Error,
}

/// What [`Locker::set`] did.
///
/// [`Locker::set`]: crate::Locker::set
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Saved {
    /// The key did not exist there: a new secret.
    Created(SecretRecord),
    /// The key existed there: its value (and description, if given) were replaced.
    Updated(SecretRecord),
}

impl Saved {
    /// The secret as written.
    pub fn record(&self) -> &SecretRecord {
        match self {
            Saved::Created(r) | Saved::Updated(r) => r,
        }
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment")
            .field("id", &self.id)
            .field("name", &self.name)
            .field(
                "external_url",
                &self.external_url.as_ref().map(|_| "[REDACTED]"),
            )
            .field(
                "description",
                &self.description.as_ref().map(|_| "[REDACTED]"),
            )
            .field("project_id", &self.project_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_value_and_the_description() {
        let r = SecretRecord {
            id: "s1".into(),
            key: "DATABASE_URL".into(),
            value: "postgres://u:hunter2@db".into(),
            description: Some("password is hunter3".into()),
            environment_id: None,
            environment_name: None,
            project_id: 1,
            creation_date: None,
            revision_date: None,
        };
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("hunter3"),
            "{shown}"
        );
        assert!(shown.contains("DATABASE_URL"), "{shown}");
    }

    #[test]
    fn environment_debug_redacts_the_external_url_and_the_description() {
        let e = Environment {
            id: "e1".into(),
            name: "staging".into(),
            external_url: Some("https://admin:hunter2@staging.example.com".into()),
            description: Some("password is hunter3".into()),
            project_id: 1,
        };
        let shown = format!("{e:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("hunter3") && !shown.contains("example"),
            "{shown}"
        );
        assert!(
            shown.contains("staging") && shown.contains("[REDACTED]"),
            "{shown}"
        );
        let bare = Environment {
            external_url: None,
            description: None,
            ..e
        };
        assert!(format!("{bare:?}").contains("external_url: None"));
    }
}
