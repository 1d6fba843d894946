//! The environment operations: list, look up by name, create, modify; and the per-client cache
//! of environment ids by name.

use reqwest::Method;

use super::decrypt::decrypt_environment;
use super::transport::encode_segment;
use super::{EnvironmentUpdate, Locker, NewEnvironment, check_name};
use crate::error::{Error, ErrorKind, Result};
use crate::model::Environment;
use locker_protocol::crypto::name_hash;
use locker_protocol::wire::{EnvironmentBody, WireEnvironment};

impl Locker {
    /// Every environment of the project.
    ///
    /// # Errors
    ///
    /// As any request; [`ErrorKind::Decryption`] if a field does not decrypt or a hash does not
    /// match its name.
    pub async fn list_environments(&self) -> Result<Vec<Environment>> {
        let session = self.session().await?;
        let wire: Vec<WireEnvironment> = self
            .list_all("/v1/environments", "count_environment", "hash", "")
            .await?;
        let environments = wire
            .into_iter()
            .map(|e| decrypt_environment(session, e))
            .collect::<Result<Vec<_>>>()?;
        for env in &environments {
            self.remember_environment(env);
        }
        Ok(environments)
    }

    /// The environment called `name`, or `None`.
    ///
    /// Found by its name hash; environments that older clients created without a hash are
    /// found by their decrypted name (one more request, only when the hash finds none).
    ///
    /// # Errors
    ///
    /// As [`Locker::list_environments`].
    pub async fn get_environment(&self, name: &str) -> Result<Option<Environment>> {
        check_name("environment name", name)?;
        let session = self.session().await?;
        let hash = name_hash(session.project_id, name);
        let wire: Vec<WireEnvironment> = self
            .list_all("/v1/environments", "count_environment", "hash", &hash)
            .await?;
        let mut found = None;
        for e in wire {
            let env = decrypt_environment(session, e)?;
            if env.name == name {
                found = Some(env);
                break;
            }
        }
        if found.is_none() {
            // Only environments without a hash can still be called `name`.
            let all: Vec<WireEnvironment> = self
                .list_all("/v1/environments", "count_environment", "hash", "")
                .await?;
            for e in all
                .into_iter()
                .filter(|e| e.hash.as_deref().is_none_or(str::is_empty))
            {
                let env = decrypt_environment(session, e)?;
                if env.name == name {
                    found = Some(env);
                    break;
                }
            }
        }
        match &found {
            Some(env) => self.remember_environment(env),
            None => self.forget_environment(name),
        }
        Ok(found)
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
        let env = decrypt_environment(session, wire)?;
        self.remember_environment(&env);
        Ok(env)
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
        let env = decrypt_environment(session, wire)?;
        self.forget_environment(name);
        self.remember_environment(&env);
        Ok(env)
    }

    /// The environment called `name`, looked up now (the cache is refreshed).
    pub(super) async fn require_environment(&self, name: &str) -> Result<Environment> {
        self.get_environment(name)
            .await?
            .ok_or_else(|| no_environment(name))
    }

    /// The environment called `name` from the cache, else looked up; the flag says whether it
    /// came from the cache (and so may be stale: refresh it when it finds nothing).
    pub(super) async fn cached_environment(
        &self,
        name: &str,
    ) -> Result<Option<(Environment, bool)>> {
        if let Some(env) = self.lock_environments().get(name).cloned() {
            return Ok(Some((env, true)));
        }
        Ok(self.get_environment(name).await?.map(|env| (env, false)))
    }

    fn remember_environment(&self, env: &Environment) {
        self.lock_environments()
            .insert(env.name.clone(), env.clone());
    }

    fn forget_environment(&self, name: &str) {
        self.lock_environments().remove(name);
    }

    fn lock_environments(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Environment>> {
        // The map is always consistent (single inserts and removes), so a poisoned lock is
        // still usable.
        self.inner
            .environments
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

pub(super) fn no_environment(name: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!("no environment named {name:?}"),
    )
}
