//! A blocking facade over [`crate::client::Locker`] for programs without an async runtime.
//!
//! Every method runs the async one on a process-wide background runtime, so it works from a
//! plain `main` and from inside a tokio runtime alike.
//!
//! ```no_run
//! let locker = locker_config::blocking::Locker::from_env()?;
//! let url = locker.get_or("DATABASE_URL", Some("staging"), "postgres://localhost/dev")?;
//! # let _ = url;
//! # Ok::<(), locker_config::Error>(())
//! ```

use crate::client::{
    EnvironmentUpdate, ExportFormat, LockerBuilder, NewEnvironment, NewSecret, SecretUpdate,
};
use crate::error::Result;
use crate::model::{BrokenSecret, Environment, Saved, SecretRecord};
use crate::runtime::block_on;

impl LockerBuilder {
    /// Builds a [`Locker`], the synchronous facade, for programs without an async runtime.
    ///
    /// ```no_run
    /// let locker = locker_config::Locker::builder()
    ///     .api_base("http://127.0.0.1:8787")
    ///     .build_blocking()?;
    /// let environments = locker.list_environments()?;
    /// # let _ = environments;
    /// # Ok::<(), locker_config::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`LockerBuilder::build`].
    pub fn build_blocking(self) -> Result<Locker> {
        self.build().map(Locker::new)
    }
}

/// The blocking client: the same operations as [`crate::client::Locker`], synchronous. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Locker {
    inner: crate::client::Locker,
}

impl From<crate::client::Locker> for Locker {
    fn from(inner: crate::client::Locker) -> Self {
        Locker { inner }
    }
}

fn own(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

impl Locker {
    /// Wraps an async client (sharing its connection pool and cached profile).
    pub fn new(inner: crate::client::Locker) -> Self {
        Locker { inner }
    }

    /// A builder; finish with [`crate::client::LockerBuilder::build_blocking`].
    pub fn builder() -> crate::client::LockerBuilder {
        crate::client::Locker::builder()
    }

    /// See [`crate::client::Locker::from_env`].
    ///
    /// # Errors
    ///
    /// As [`crate::client::Locker::from_env`].
    pub fn from_env() -> Result<Locker> {
        crate::client::Locker::from_env().map(Locker::new)
    }

    /// The async client behind this one.
    pub fn as_async(&self) -> &crate::client::Locker {
        &self.inner
    }

    /// See [`crate::client::Locker::project_id`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn project_id(&self) -> Result<i64> {
        let c = self.inner.clone();
        block_on(async move { c.project_id().await })
    }

    /// See [`crate::client::Locker::list_secrets`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn list_secrets(&self, environment: Option<&str>) -> Result<Vec<SecretRecord>> {
        let (c, env) = (self.inner.clone(), own(environment));
        block_on(async move { c.list_secrets(env.as_deref()).await })
    }

    /// See [`crate::client::Locker::list_secrets_partial`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn list_secrets_partial(
        &self,
        environment: Option<&str>,
    ) -> Result<(Vec<SecretRecord>, Vec<BrokenSecret>)> {
        let (c, env) = (self.inner.clone(), own(environment));
        block_on(async move { c.list_secrets_partial(env.as_deref()).await })
    }

    /// See [`crate::client::Locker::set`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn set(&self, secret: NewSecret) -> Result<Saved> {
        let c = self.inner.clone();
        block_on(async move { c.set(secret).await })
    }

    /// See [`crate::client::Locker::replace`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn replace(
        &self,
        id: &str,
        key: &str,
        value: &str,
        description: Option<&str>,
    ) -> Result<SecretRecord> {
        let (c, id, key, value) = (
            self.inner.clone(),
            id.to_owned(),
            key.to_owned(),
            zeroize::Zeroizing::new(value.to_owned()),
        );
        let description = own(description);
        block_on(async move { c.replace(&id, &key, &value, description.as_deref()).await })
    }

    /// See [`crate::client::Locker::get`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn get(&self, key: &str, environment: Option<&str>) -> Result<Option<String>> {
        let (c, key, env) = (self.inner.clone(), key.to_owned(), own(environment));
        block_on(async move { c.get(&key, env.as_deref()).await })
    }

    /// See [`crate::client::Locker::get_or`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn get_or(
        &self,
        key: &str,
        environment: Option<&str>,
        default_value: &str,
    ) -> Result<String> {
        let (c, key, env, d) = (
            self.inner.clone(),
            key.to_owned(),
            own(environment),
            default_value.to_owned(),
        );
        block_on(async move { c.get_or(&key, env.as_deref(), &d).await })
    }

    /// See [`crate::client::Locker::retrieve`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn retrieve(&self, key: &str, environment: Option<&str>) -> Result<SecretRecord> {
        let (c, key, env) = (self.inner.clone(), key.to_owned(), own(environment));
        block_on(async move { c.retrieve(&key, env.as_deref()).await })
    }

    /// See [`crate::client::Locker::create`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn create(&self, secret: NewSecret) -> Result<SecretRecord> {
        let c = self.inner.clone();
        block_on(async move { c.create(secret).await })
    }

    /// See [`crate::client::Locker::modify`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn modify(
        &self,
        key: &str,
        environment: Option<&str>,
        update: SecretUpdate,
    ) -> Result<SecretRecord> {
        let (c, key, env) = (self.inner.clone(), key.to_owned(), own(environment));
        block_on(async move { c.modify(&key, env.as_deref(), update).await })
    }

    /// See [`crate::client::Locker::list_environments`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn list_environments(&self) -> Result<Vec<Environment>> {
        let c = self.inner.clone();
        block_on(async move { c.list_environments().await })
    }

    /// See [`crate::client::Locker::get_environment`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn get_environment(&self, name: &str) -> Result<Option<Environment>> {
        let (c, name) = (self.inner.clone(), name.to_owned());
        block_on(async move { c.get_environment(&name).await })
    }

    /// See [`crate::client::Locker::create_environment`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn create_environment(&self, env: NewEnvironment) -> Result<Environment> {
        let c = self.inner.clone();
        block_on(async move { c.create_environment(env).await })
    }

    /// See [`crate::client::Locker::modify_environment`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn modify_environment(&self, name: &str, update: EnvironmentUpdate) -> Result<Environment> {
        let (c, name) = (self.inner.clone(), name.to_owned());
        block_on(async move { c.modify_environment(&name, update).await })
    }

    /// See [`crate::client::Locker::export`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn export(&self, environment: Option<&str>, format: ExportFormat) -> Result<String> {
        let (c, env) = (self.inner.clone(), own(environment));
        block_on(async move { c.export(env.as_deref(), format).await })
    }
}
