//! The secret operations: list, look up (with the "All" fallback), create, modify, export.

use std::collections::HashMap;

use reqwest::Method;

use super::decrypt::decrypt_secret;
use super::environments::no_environment;
use super::export::{self, ExportFormat};
use super::transport::encode_segment;
use super::{Locker, NewSecret, SecretUpdate, Session, check_name};
use crate::error::{Error, ErrorKind, Result};
use crate::model::SecretRecord;
use locker_protocol::crypto::name_hash;
use locker_protocol::wire::{SecretBody, WireSecret};

impl Locker {
    /// All secrets (`None`), each with its environment name, or exactly the secrets of one
    /// environment (no "All" fallback; an unknown environment is a [`ErrorKind::NotFound`]
    /// error).
    ///
    /// # Errors
    ///
    /// As any request, plus [`ErrorKind::Decryption`] if a field cannot be decrypted.
    pub async fn list_secrets(&self, environment: Option<&str>) -> Result<Vec<SecretRecord>> {
        let session = self.session().await?;
        match environment {
            None => {
                let wire: Vec<WireSecret> = self
                    .list_all("/v1/secrets", "count_secrets", "hash", "")
                    .await?;
                self.decrypt_secrets(session, wire, HashMap::new()).await
            }
            Some(name) => {
                check_name("environment name", name)?;
                let (mut env, mut cached) = self
                    .cached_environment(name)
                    .await?
                    .ok_or_else(|| no_environment(name))?;
                let wire = loop {
                    let wire: Vec<WireSecret> = self
                        .list_all("/v1/secrets", "count_secrets", "environment_id", &env.id)
                        .await?;
                    let hash = name_hash(session.project_id, name);
                    if !cached || !(wire.is_empty() || stale_environment(&wire, &env.id, &hash)) {
                        break wire;
                    }
                    // Nothing, or another environment, under a cached id: the environment may
                    // have been renamed or recreated.
                    let fresh = self.require_environment(name).await?;
                    if fresh.id == env.id {
                        break wire;
                    }
                    (env, cached) = (fresh, false);
                };
                let wire = wire
                    .into_iter()
                    .filter(|s| s.environment_id.as_deref() == Some(env.id.as_str()))
                    .collect();
                let names = HashMap::from([(env.id.clone(), env.name.clone())]);
                self.decrypt_secrets(session, wire, names).await
            }
        }
    }

    /// The value of `key` in `environment`, else in "All"; `None` if neither exists. Without
    /// an environment, the value in "All".
    ///
    /// # Errors
    ///
    /// As any request.
    pub async fn get(&self, key: &str, environment: Option<&str>) -> Result<Option<String>> {
        Ok(self.find(key, environment, true).await?.map(|s| s.value))
    }

    /// Like [`Locker::get`], with `default_value` when the secret does not exist.
    ///
    /// # Errors
    ///
    /// As any request.
    pub async fn get_or(
        &self,
        key: &str,
        environment: Option<&str>,
        default_value: &str,
    ) -> Result<String> {
        Ok(self
            .get(key, environment)
            .await?
            .unwrap_or_else(|| default_value.to_string()))
    }

    /// The full secret `key` in `environment`, else in "All".
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] if it exists in neither; otherwise as any request.
    pub async fn retrieve(&self, key: &str, environment: Option<&str>) -> Result<SecretRecord> {
        self.find(key, environment, true).await?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no secret {key:?} in {} or \"All\"", env_label(environment)),
            )
        })
    }

    /// Creates a secret. Its environment, if any, must exist.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] for an unknown environment (nothing is written),
    /// [`ErrorKind::Conflict`] if the key already exists in that environment,
    /// [`ErrorKind::PermissionDenied`] with a read-only key; otherwise as any request.
    pub async fn create(&self, secret: NewSecret) -> Result<SecretRecord> {
        check_name("secret key", &secret.key)?;
        let session = self.session().await?;
        let mut body = SecretBody {
            key: Some(session.key.encrypt(&secret.key)),
            hash: name_hash(session.project_id, &secret.key),
            value: Some(session.key.encrypt(&secret.value)),
            description: secret
                .description
                .as_deref()
                .map(|d| session.key.encrypt(d)),
            ..Default::default()
        };
        let mut names = HashMap::new();
        if let Some(name) = secret.environment.as_deref() {
            self.move_to_environment(session, name, &mut body, &mut names)
                .await?;
        }
        let wire: WireSecret = self
            .write(Method::POST, "/v1/secrets".into(), &body)
            .await?;
        self.decrypt_secret_one(session, wire, names).await
    }

    /// Changes the secret `key` in exactly `environment` (`None`: the one in "All").
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] if that secret or the target environment does not exist;
    /// [`ErrorKind::Conflict`] if the new key already exists there; otherwise as any request.
    pub async fn modify(
        &self,
        key: &str,
        environment: Option<&str>,
        update: SecretUpdate,
    ) -> Result<SecretRecord> {
        let session = self.session().await?;
        let current = self.find(key, environment, false).await?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no secret {key:?} in {}", env_label(environment)),
            )
        })?;
        let new_key = update.key.as_deref().unwrap_or(key);
        check_name("secret key", new_key)?;
        let mut body = SecretBody {
            key: update.key.as_deref().map(|k| session.key.encrypt(k)),
            hash: name_hash(session.project_id, new_key),
            value: update.value.as_deref().map(|v| session.key.encrypt(v)),
            description: update
                .description
                .as_deref()
                .map(|d| session.key.encrypt(d)),
            ..Default::default()
        };
        let mut names = HashMap::new();
        if let (Some(id), Some(name)) = (&current.environment_id, &current.environment_name) {
            names.insert(id.clone(), name.clone());
        }
        match &update.environment {
            None => {}
            Some(None) => {
                body.environment_id = Some(String::new());
                body.environment_name = Some(session.key.encrypt(""));
            }
            Some(Some(name)) => {
                self.move_to_environment(session, name, &mut body, &mut names)
                    .await?;
            }
        }
        let path = format!("/v1/secrets/{}", encode_segment(&current.id));
        let wire: WireSecret = self.write(Method::PUT, path, &body).await?;
        self.decrypt_secret_one(session, wire, names).await
    }

    /// Exports all secrets (`None`) or exactly one environment's secrets (no "All" fallback,
    /// like the official SDKs) as dotenv or JSON; see [`ExportFormat`].
    ///
    /// # Errors
    ///
    /// As [`Locker::list_secrets`].
    pub async fn export(&self, environment: Option<&str>, format: ExportFormat) -> Result<String> {
        let secrets = self.list_secrets(environment).await?;
        export::render(&secrets, format)
    }

    /// Points `body` at the existing environment called `name`, and adds that environment to
    /// `names` for decrypting the answer.
    async fn move_to_environment(
        &self,
        session: &Session,
        name: &str,
        body: &mut SecretBody,
        names: &mut HashMap<String, String>,
    ) -> Result<()> {
        check_name("environment name", name)?;
        let env = self.require_environment(name).await?;
        body.environment_id = Some(env.id.clone());
        body.environment_name = Some(session.key.encrypt(name));
        names.insert(env.id, env.name);
        Ok(())
    }

    /// The secret `key` in `environment` (falling back to "All" when `fallback`).
    async fn find(
        &self,
        key: &str,
        environment: Option<&str>,
        fallback: bool,
    ) -> Result<Option<SecretRecord>> {
        check_name("secret key", key)?;
        if let Some(e) = environment {
            check_name("environment name", e)?;
        }
        let session = self.session().await?;
        // Environments are matched by id (a renamed environment still finds its secrets), and
        // ids are cached per client: on a warm client this is one request.
        let mut target = match environment {
            Some(name) => self.cached_environment(name).await?,
            None => None,
        };
        if environment.is_some() && target.is_none() && !fallback {
            return Ok(None);
        }
        let hash = name_hash(session.project_id, key);
        let wire: Vec<WireSecret> = self
            .list_all("/v1/secrets", "count_secrets", "hash", &hash)
            .await?;
        if let (Some(name), Some((env, true))) = (environment, &target)
            && stale_environment(&wire, &env.id, &name_hash(session.project_id, name))
        {
            // The records say the cached id no longer is `name` (renamed, or recreated under
            // another id): look it up again. The list above holds every environment's record,
            // so it is not fetched again.
            target = self.get_environment(name).await?.map(|e| (e, false));
            if target.is_none() && !fallback {
                return Ok(None);
            }
        }
        let target = target.map(|(env, _)| env);
        let target_id = target.as_ref().map(|e| e.id.as_str());
        let wire: Vec<WireSecret> = wire
            .into_iter()
            .filter(|w| {
                let id = w.environment_id.as_deref().filter(|id| !id.is_empty());
                id.is_none() || id == target_id
            })
            .collect();
        let names = target
            .as_ref()
            .map(|e| HashMap::from([(e.id.clone(), e.name.clone())]));
        let secrets = self
            .decrypt_secrets(session, wire, names.unwrap_or_default())
            .await?;
        let mut in_env = None;
        let mut in_all = None;
        for s in secrets.into_iter().filter(|s| s.key == key) {
            if s.environment_id.is_none() {
                in_all = in_all.or(Some(s));
            } else {
                in_env = in_env.or(Some(s));
            }
        }
        Ok(match environment {
            Some(_) if fallback => in_env.or(in_all),
            Some(_) => in_env,
            None => in_all,
        })
    }

    async fn decrypt_secret_one(
        &self,
        session: &Session,
        wire: WireSecret,
        names: HashMap<String, String>,
    ) -> Result<SecretRecord> {
        self.decrypt_secrets(session, vec![wire], names)
            .await?
            .pop()
            .ok_or_else(|| Error::new(ErrorKind::InvalidResponse, "empty secret"))
    }

    /// Decrypts secrets. Environment names come from `names` (id → name), else from the
    /// project's environment list (fetched once if a secret's environment is not in `names`),
    /// else from the secret's own encrypted `environment_name`.
    async fn decrypt_secrets(
        &self,
        session: &Session,
        wire: Vec<WireSecret>,
        mut names: HashMap<String, String>,
    ) -> Result<Vec<SecretRecord>> {
        // The server sends each secret's environment name (encrypted); only a secret without
        // one costs an extra request for the environment list.
        let unknown = wire.iter().any(|w| {
            w.environment_id
                .as_deref()
                .is_some_and(|id| !id.is_empty() && !names.contains_key(id))
                && w.environment_name.as_deref().is_none_or(str::is_empty)
        });
        if unknown {
            for e in self.list_environments().await? {
                names.entry(e.id).or_insert(e.name);
            }
        }
        wire.into_iter()
            .map(|w| decrypt_secret(session, w, &names))
            .collect()
    }
}

/// Whether `records` contradict the cached environment id `id` for the environment whose name
/// hash is `hash`: a record under `id` carries another environment's hash, or a record under
/// another id carries this one's. Records without an environment hash (older clients) say
/// nothing either way.
fn stale_environment(records: &[WireSecret], id: &str, hash: &str) -> bool {
    records.iter().any(|w| {
        let env_id = w.environment_id.as_deref().filter(|e| !e.is_empty());
        let env_hash = w.environment_hash.as_deref().filter(|h| !h.is_empty());
        match (env_id, env_hash) {
            (Some(env_id), Some(env_hash)) => (env_id == id) != (env_hash == hash),
            _ => false,
        }
    })
}

fn env_label(environment: Option<&str>) -> String {
    match environment {
        Some(e) => format!("environment {e:?}"),
        None => "\"All\"".to_string(),
    }
}
