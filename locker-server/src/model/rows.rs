//! Rows as stored: secrets, environments and access keys, as plain values.

/// A secret as stored, with its environment's name and hash.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SecretRow {
    pub(crate) id: String,
    pub(crate) project_id: i64,
    /// `None` is "All".
    pub(crate) environment_id: Option<String>,
    /// The environment's encrypted name.
    pub(crate) environment_name: Option<String>,
    /// `None` also for environments created without a hash.
    pub(crate) environment_hash: Option<String>,
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) description: Option<String>,
    pub(crate) secret_hash: String,
    pub(crate) creation_date: f64,
    pub(crate) revision_date: f64,
    pub(crate) updated_date: Option<f64>,
}

/// An environment as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EnvironmentRow {
    pub(crate) id: String,
    pub(crate) project_id: i64,
    /// Empty for environments that older clients created without a hash.
    pub(crate) hash: String,
    pub(crate) name: String,
    pub(crate) external_url: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) creation_date: f64,
    pub(crate) revision_date: f64,
    pub(crate) updated_date: Option<f64>,
}

/// An access key as stored: the identity behind a bearer token.
#[derive(Debug, Clone)]
pub(crate) struct AccessKeyRow {
    pub(crate) id: String,
    pub(crate) project_id: i64,
    /// The project key wrapped under the key's secret access key (not a secret by itself).
    pub(crate) wrapped_key: String,
    pub(crate) read_only: bool,
    pub(crate) creation_date: f64,
}
