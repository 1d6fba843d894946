//! The environment operations: list, look up by name, create, modify.

use reqwest::Method;

use super::decrypt::decrypt_environment;
use super::transport::encode_segment;
use super::{EnvironmentUpdate, Locker, NewEnvironment, check_name};
use crate::{Environment, Error, ErrorKind, Result};
use locker_protocol::crypto::name_hash;
use locker_protocol::wire::{EnvironmentBody, WireEnvironment};

impl Locker {
    /// Every environment of the project.
    ///
    /// # Errors
    ///
    /// As any request.
    pub async fn list_environments(&self) -> Result<Vec<Environment>> {
        let session = self.session().await?;
        let wire: Vec<WireEnvironment> = self
            .list_all("/v1/environments", "count_environment", "hash", "")
            .await?;
        wire.into_iter()
            .map(|e| decrypt_environment(session, e))
            .collect()
    }

    /// The environment called `name`, or `None`.
    ///
    /// # Errors
    ///
    /// As any request.
    pub async fn get_environment(&self, name: &str) -> Result<Option<Environment>> {
        check_name("environment name", name)?;
        let session = self.session().await?;
        let hash = name_hash(session.project_id, name);
        let wire: Vec<WireEnvironment> = self
            .list_all("/v1/environments", "count_environment", "hash", &hash)
            .await?;
        for e in wire {
            let env = decrypt_environment(session, e)?;
            if env.name == name {
                return Ok(Some(env));
            }
        }
        Ok(None)
    }

    /// Creates an environment.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Conflict`] if the name exists; otherwise as any request.
    pub async fn create_environment(&self, env: NewEnvironment) -> Result<Environment> {
        check_name("environment name", &env.name)?;
        let session = self.session().await?;
        let body = EnvironmentBody {
            name: Some(session.key.encrypt(&env.name)),
            hash: name_hash(session.project_id, &env.name),
            external_url: env.external_url.as_deref().map(|u| session.key.encrypt(u)),
            description: env.description.as_deref().map(|d| session.key.encrypt(d)),
        };
        let wire: WireEnvironment = self
            .write(Method::POST, "/v1/environments".into(), &body)
            .await?;
        decrypt_environment(session, wire)
    }

    /// Changes the environment called `name`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] if it does not exist, [`ErrorKind::Conflict`] if the new name
    /// exists; otherwise as any request.
    pub async fn modify_environment(
        &self,
        name: &str,
        update: EnvironmentUpdate,
    ) -> Result<Environment> {
        let session = self.session().await?;
        let current = self.require_environment(name).await?;
        let new_name = update.name.as_deref().unwrap_or(name);
        check_name("environment name", new_name)?;
        let body = EnvironmentBody {
            name: update.name.as_deref().map(|n| session.key.encrypt(n)),
            hash: name_hash(session.project_id, new_name),
            external_url: update
                .external_url
                .as_deref()
                .map(|u| session.key.encrypt(u)),
            description: update
                .description
                .as_deref()
                .map(|d| session.key.encrypt(d)),
        };
        let path = format!("/v1/environments/{}", encode_segment(&current.id));
        let wire: WireEnvironment = self.write(Method::PUT, path, &body).await?;
        decrypt_environment(session, wire)
    }

    pub(super) async fn require_environment(&self, name: &str) -> Result<Environment> {
        self.get_environment(name).await?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no environment named {name:?}"),
            )
        })
    }
}
