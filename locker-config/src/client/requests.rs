//! What the caller asks to write: [`NewSecret`], [`SecretUpdate`], [`NewEnvironment`] and
//! [`EnvironmentUpdate`]. Plain values; the operations encrypt them.

use std::fmt;

use zeroize::Zeroizing;

/// A secret to create: key, value, and optionally a description and an environment.
///
/// ```
/// let s = locker_config::NewSecret::new("REDIS_URL", "redis://cache:6379")
///     .description("the cache")
///     .environment("staging");
/// # let _ = s;
/// ```
#[derive(Clone)]
#[must_use]
pub struct NewSecret {
    pub(super) key: String,
    pub(super) value: Zeroizing<String>,
    pub(super) description: Option<String>,
    pub(super) environment: Option<String>,
}

impl NewSecret {
    /// A secret `key` = `value` in "All" (every environment), without description.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        NewSecret {
            key: key.into(),
            value: Zeroizing::new(value.into()),
            description: None,
            environment: None,
        }
    }

    /// A description. Default: none.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The environment (by name) the secret belongs to. Default: none, i.e. "All".
    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }
}

impl fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSecret")
            .field("key", &self.key)
            .field("value", &"[REDACTED]")
            .field("description", &redacted(&self.description))
            .field("environment", &self.environment)
            .finish()
    }
}

/// Changes to a secret; fields not set stay as they are.
///
/// ```
/// let u = locker_config::SecretUpdate::new().value("new value").environment("production");
/// # let _ = u;
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct SecretUpdate {
    pub(super) value: Option<Zeroizing<String>>,
    pub(super) key: Option<String>,
    pub(super) description: Option<String>,
    pub(super) environment: Option<Option<String>>,
}

impl SecretUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new value.
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(Zeroizing::new(value.into()));
        self
    }

    /// A new key (rename).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// A new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Moves the secret to the environment with this name.
    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(Some(environment.into()));
        self
    }

    /// Moves the secret to "All" (no environment).
    pub fn environment_all(mut self) -> Self {
        self.environment = Some(None);
        self
    }
}

impl fmt::Debug for SecretUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretUpdate")
            .field("value", &self.value.as_ref().map(|_| "[REDACTED]"))
            .field("key", &self.key)
            .field("description", &redacted(&self.description))
            .field("environment", &self.environment)
            .finish()
    }
}

/// An environment to create.
///
/// ```
/// let e = locker_config::NewEnvironment::new("staging")
///     .external_url("https://staging.example.com")
///     .description("pre-production");
/// # let _ = e;
/// ```
#[derive(Clone)]
#[must_use]
pub struct NewEnvironment {
    pub(super) name: String,
    pub(super) external_url: Option<String>,
    pub(super) description: Option<String>,
}

impl NewEnvironment {
    /// An environment called `name`, without URL or description.
    pub fn new(name: impl Into<String>) -> Self {
        NewEnvironment {
            name: name.into(),
            external_url: None,
            description: None,
        }
    }

    /// The environment's external URL. Default: none.
    pub fn external_url(mut self, url: impl Into<String>) -> Self {
        self.external_url = Some(url.into());
        self
    }

    /// A description. Default: none.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl fmt::Debug for NewEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewEnvironment")
            .field("name", &self.name)
            .field("external_url", &redacted(&self.external_url))
            .field("description", &redacted(&self.description))
            .finish()
    }
}

/// Changes to an environment; fields not set stay as they are.
#[derive(Clone, Default)]
#[must_use]
pub struct EnvironmentUpdate {
    pub(super) name: Option<String>,
    pub(super) external_url: Option<String>,
    pub(super) description: Option<String>,
}

impl EnvironmentUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A new external URL.
    pub fn external_url(mut self, url: impl Into<String>) -> Self {
        self.external_url = Some(url.into());
        self
    }

    /// A new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl fmt::Debug for EnvironmentUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvironmentUpdate")
            .field("name", &self.name)
            .field("external_url", &redacted(&self.external_url))
            .field("description", &redacted(&self.description))
            .finish()
    }
}

/// Descriptions and external URLs are encrypted end to end like values: `Debug` shows only
/// whether there is one.
fn redacted(field: &Option<String>) -> Option<&'static str> {
    field.as_ref().map(|_| "[REDACTED]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let n = NewSecret::new("K", "the-value");
        assert!(!format!("{n:?}").contains("the-value"));
        let u = SecretUpdate::new().value("the-value");
        assert!(!format!("{u:?}").contains("the-value"));
    }

    #[test]
    fn debug_never_shows_descriptions_or_external_urls() {
        let shown = [
            format!("{:?}", NewSecret::new("K", "v").description("hunter2")),
            format!("{:?}", SecretUpdate::new().description("hunter2")),
            format!(
                "{:?}",
                NewEnvironment::new("e")
                    .external_url("https://u:hunter2@h")
                    .description("hunter2")
            ),
            format!(
                "{:?}",
                EnvironmentUpdate::new()
                    .external_url("https://u:hunter2@h")
                    .description("hunter2")
            ),
        ];
        for s in shown {
            assert!(!s.contains("hunter2") && s.contains("[REDACTED]"), "{s}");
        }
    }
}
