//! The secret operations: list, look up (with the "All" fallback), create, modify, export.

use std::collections::HashMap;

use reqwest::Method;

use super::decrypt::{decrypt_secret, overwrite, overwrite_by_id};
use super::environments::no_environment;
use super::export::{self, ExportFormat};
use super::transport::encode_segment;
use super::{Locker, NewSecret, SecretUpdate, Session, check_name};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{BrokenSecret, Environment, Saved, SecretRecord};
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
        // With a profile from the cache: a secret listed has been decrypted under its key, and
        // nothing listed is the same answer under any key.
        if let Some(trial) = self.profile_trial() {
            match trial.list_secrets_with_profile(environment).await {
                Ok(secrets) => {
                    if !secrets.is_empty() {
                        self.adopt_trial(&trial);
                    }
                    return Ok(secrets);
                }
                Err(e) if e.kind() == ErrorKind::Decryption => self.drop_cached_profile(),
                Err(e) => return Err(e),
            }
        }
        self.list_secrets_with_profile(environment).await
    }

    /// [`Locker::list_secrets`] with this client's profile.
    async fn list_secrets_with_profile(
        &self,
        environment: Option<&str>,
    ) -> Result<Vec<SecretRecord>> {
        let session = self.session().await?;
        let (wire, names) = self.list_secret_records(session, environment).await?;
        self.decrypt_secrets(session, wire, names).await
    }

    /// Like [`Locker::list_secrets`], but a record that cannot be decrypted or verified does
    /// not fail the list: every secret that decrypts, and the records that do not, each named
    /// by id with the error and how to repair it (what `locker secret list` shows).
    ///
    /// ```no_run
    /// # async fn demo(locker: locker_config::Locker) -> locker_config::Result<()> {
    /// let (secrets, broken) = locker.list_secrets_partial(Some("prod")).await?;
    /// for b in &broken {
    ///     eprintln!("record {} ({:?}): {}", b.id, b.key, b.error); // never a value
    /// }
    /// # let _ = secrets;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As any request; never for a record's content.
    pub async fn list_secrets_partial(
        &self,
        environment: Option<&str>,
    ) -> Result<(Vec<SecretRecord>, Vec<BrokenSecret>)> {
        // With a profile from the cache: one secret that decrypts checks its key; records that
        // all fail to decrypt are what a stale key gives, so the profile is fetched again and
        // the list made again with it.
        if let Some(trial) = self.profile_trial() {
            match trial.list_secrets_partial_with_profile(environment).await {
                Ok((secrets, broken)) if !secrets.is_empty() => {
                    self.adopt_trial(&trial);
                    return Ok((secrets, broken));
                }
                Ok((secrets, broken)) if broken.is_empty() => return Ok((secrets, broken)),
                Ok(_) => self.drop_cached_profile(),
                Err(e) if e.kind() == ErrorKind::Decryption => self.drop_cached_profile(),
                Err(e) => return Err(e),
            }
        }
        self.list_secrets_partial_with_profile(environment).await
    }

    /// [`Locker::list_secrets_partial`] with this client's profile.
    async fn list_secrets_partial_with_profile(
        &self,
        environment: Option<&str>,
    ) -> Result<(Vec<SecretRecord>, Vec<BrokenSecret>)> {
        let session = self.session().await?;
        let (wire, names) = self.list_secret_records(session, environment).await?;
        let names = self.complete_names(&wire, names).await?;
        let mut secrets = Vec::new();
        let mut broken = Vec::new();
        for w in wire {
            let (id, environment_id) = (w.id.clone(), w.environment_id.clone());
            let key = readable_key(session, &w);
            let environment_name = environment_id.as_ref().and_then(|e| {
                names.get(e).cloned().or_else(|| {
                    let cipher = w.environment_name.as_deref()?;
                    session.key.decrypt(cipher).ok()
                })
            });
            match decrypt_secret(session, w, &names) {
                Ok(s) => secrets.push(s),
                Err(error) => broken.push(BrokenSecret {
                    id: id.unwrap_or_default(),
                    key,
                    environment_id: environment_id.filter(|e| !e.is_empty()),
                    environment_name,
                    error,
                }),
            }
        }
        Ok((secrets, broken))
    }

    /// The wire records of every secret, or of exactly one environment, and the names of the
    /// environments looked up on the way (id → name).
    async fn list_secret_records(
        &self,
        session: &Session,
        environment: Option<&str>,
    ) -> Result<(Vec<WireSecret>, HashMap<String, String>)> {
        match environment {
            None => {
                let wire: Vec<WireSecret> = self
                    .list_all("/v1/secrets", "count_secrets", "hash", "")
                    .await?;
                Ok((wire, HashMap::new()))
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
                Ok((wire, names))
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
    /// The old value is never read, so a record whose value or description cannot be decrypted
    /// (written with the bearer token alone) is repaired by a new value; an undecryptable
    /// description is cleared unless a new one is given.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] if that secret or the target environment does not exist;
    /// [`ErrorKind::Conflict`] if the new key already exists there;
    /// [`ErrorKind::Decryption`] naming the record by id when the record under the key's hash
    /// has a key that cannot be decrypted (see [`Locker::replace`]), or a value that cannot be
    /// and the update gives no new one; otherwise as any request.
    pub async fn modify(
        &self,
        key: &str,
        environment: Option<&str>,
        update: SecretUpdate,
    ) -> Result<SecretRecord> {
        check_name("secret key", key)?;
        if let Some(e) = environment {
            check_name("environment name", e)?;
        }
        let session = self.session().await?;
        let target = self
            .locate(session, key, environment)
            .await?
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("no secret {key:?} in {}", env_label(environment)),
                )
            })?;
        if target.value_broken && update.value.is_none() {
            return Err(Error::new(
                ErrorKind::Decryption,
                format!(
                    "the value of secret {} ({key:?} in {}) cannot be decrypted, and the update \
                     gives no new one; {}",
                    target.id,
                    env_label(environment),
                    overwrite(key, environment)
                ),
            ));
        }
        let new_key = update.key.as_deref().unwrap_or(key);
        check_name("secret key", new_key)?;
        let mut body = SecretBody {
            key: update.key.as_deref().map(|k| session.key.encrypt(k)),
            hash: name_hash(session.project_id, new_key),
            value: update.value.as_deref().map(|v| session.key.encrypt(v)),
            description: description_body(session, update.description.as_deref(), &target),
            ..Default::default()
        };
        let mut names = HashMap::new();
        if let (Some(id), Some(name)) = (&target.environment_id, environment) {
            names.insert(id.clone(), name.to_owned());
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
        let path = format!("/v1/secrets/{}", encode_segment(&target.id));
        let wire: WireSecret = self.write(Method::PUT, path, &body).await?;
        self.decrypt_secret_one(session, wire, names).await
    }

    /// Creates the secret, or sets the value (and the description, if given) of the one with
    /// its key in its environment: one lookup by the key's hash, then one write (plus a lookup
    /// of the environment when the key is new there). The old value is never read, so this
    /// also repairs a record whose value or description cannot be decrypted.
    ///
    /// ```no_run
    /// # async fn demo(locker: locker_config::Locker) -> locker_config::Result<()> {
    /// use locker_config::{NewSecret, Saved};
    ///
    /// let saved = locker
    ///     .set(NewSecret::new("LOG_LEVEL", "debug").environment("staging"))
    ///     .await?;
    /// if let Saved::Created(record) = &saved {
    ///     println!("created {}", record.key);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Locker::create`] and [`Locker::modify`].
    pub async fn set(&self, secret: NewSecret) -> Result<Saved> {
        check_name("secret key", &secret.key)?;
        if let Some(e) = secret.environment.as_deref() {
            check_name("environment name", e)?;
        }
        if let Some(trial) = self.profile_trial() {
            match trial.set_checked(secret.clone(), true).await {
                Ok(SetStep::Saved(saved)) => {
                    self.adopt_trial(&trial);
                    return Ok(saved);
                }
                // The lookup by hash (which no project key changes) found no record to write
                // over, and nothing was decrypted: the write waits for the profile.
                Ok(SetStep::Unchecked) => {
                    return self.create(secret).await.map(Saved::Created);
                }
                Err(e) if e.kind() == ErrorKind::Decryption => self.drop_cached_profile(),
                Err(e) => return Err(e),
            }
        }
        match self.set_checked(secret, false).await? {
            SetStep::Saved(saved) => Ok(saved),
            SetStep::Unchecked => Err(Error::new(
                ErrorKind::InvalidResponse,
                "internal error: a write with a known profile was held back",
            )),
        }
    }

    /// [`Locker::set`] with this client's profile. With `check` (a profile from the cache, not
    /// yet trusted), nothing is written before a record or an environment of the project has
    /// been decrypted under its key: the record found by the lookup (its key is decrypted to
    /// match), or for a key new in an environment, that environment (its name is decrypted on
    /// the lookup `create` makes before it posts). A key new in "All" has neither:
    /// [`SetStep::Unchecked`], nothing written.
    async fn set_checked(&self, secret: NewSecret, check: bool) -> Result<SetStep> {
        let environment = secret.environment.as_deref();
        let session = self.session().await?;
        let Some(target) = self.locate(session, &secret.key, environment).await? else {
            if check && environment.is_none() {
                return Ok(SetStep::Unchecked);
            }
            return self
                .create(secret)
                .await
                .map(|r| SetStep::Saved(Saved::Created(r)));
        };
        let body = SecretBody {
            hash: name_hash(session.project_id, &secret.key),
            value: Some(session.key.encrypt(&secret.value)),
            description: description_body(session, secret.description.as_deref(), &target),
            ..Default::default()
        };
        let mut names = HashMap::new();
        if let (Some(id), Some(name)) = (&target.environment_id, environment) {
            names.insert(id.clone(), name.to_owned());
        }
        let path = format!("/v1/secrets/{}", encode_segment(&target.id));
        let wire: WireSecret = self.write(Method::PUT, path, &body).await?;
        self.decrypt_secret_one(session, wire, names)
            .await
            .map(|r| SetStep::Saved(Saved::Updated(r)))
    }

    /// Overwrites the record `id` with `key` and `value` (and `description`; without one, the
    /// description is cleared), in the environment it is in, without reading anything it
    /// holds: the repair of a record whose key cannot be decrypted, which only its id names.
    ///
    /// ```no_run
    /// # async fn demo(locker: locker_config::Locker, id: &str) -> locker_config::Result<()> {
    /// // `id` as a decryption error named it.
    /// let record = locker.replace(id, "DATABASE_URL", "postgres://db/app", None).await?;
    /// assert_eq!(record.key, "DATABASE_URL");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] if there is no record `id`; [`ErrorKind::Conflict`] if `key`
    /// already exists in that environment under another record; otherwise as any request.
    pub async fn replace(
        &self,
        id: &str,
        key: &str,
        value: &str,
        description: Option<&str>,
    ) -> Result<SecretRecord> {
        check_name("secret id", id)?;
        check_name("secret key", key)?;
        let session = self.session().await?;
        let body = SecretBody {
            key: Some(session.key.encrypt(key)),
            hash: name_hash(session.project_id, key),
            value: Some(session.key.encrypt(value)),
            // An empty description is none (and is not a cipher string to decrypt).
            description: Some(
                description
                    .map(|d| session.key.encrypt(d))
                    .unwrap_or_default(),
            ),
            ..Default::default()
        };
        let path = format!("/v1/secrets/{}", encode_segment(id));
        let wire: WireSecret = self.write(Method::PUT, path, &body).await?;
        self.decrypt_secret_one(session, wire, HashMap::new()).await
    }

    /// The record of `key` in exactly `environment` (`None`: "All"), found for a write: one
    /// lookup by the key's hash, the environment told by each record's environment hash (by
    /// its id only for records without one). Only the key is decrypted: the write does not
    /// need the old value, so a record whose value or description cannot be decrypted is
    /// still found (and flagged). A record under the key's hash whose key cannot be decrypted
    /// or does not match is an error naming its id.
    async fn locate(
        &self,
        session: &Session,
        key: &str,
        environment: Option<&str>,
    ) -> Result<Option<Target>> {
        let pid = session.project_id;
        let hash = name_hash(pid, key);
        let wire: Vec<WireSecret> = self
            .list_all("/v1/secrets", "count_secrets", "hash", &hash)
            .await?;
        let env_hash = environment.map(|e| name_hash(pid, e));
        // The environment's id, looked up only for records that carry no environment hash.
        let mut env_id: Option<Option<String>> = None;
        for w in wire {
            let record_hash = w.secret_hash.as_deref().or(w.hash.as_deref());
            if record_hash.is_some_and(|h| !h.is_empty() && h != hash) {
                continue;
            }
            let record_env = w.environment_id.clone().filter(|e| !e.is_empty());
            let here = match (environment, &record_env) {
                (None, None) => true,
                (None, Some(_)) | (Some(_), None) => false,
                (Some(name), Some(id)) => {
                    match w.environment_hash.as_deref().filter(|h| !h.is_empty()) {
                        Some(h) => Some(h) == env_hash.as_deref(),
                        None => {
                            if env_id.is_none() {
                                env_id = Some(self.get_environment(name).await?.map(|e| e.id));
                            }
                            env_id.as_ref().is_some_and(|e| e.as_deref() == Some(id))
                        }
                    }
                }
            };
            if !here {
                continue;
            }
            let id = w.id.clone().ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    "a secret in the response has no id",
                )
            })?;
            let Some(cipher) = w.key.clone().or_else(|| w.data.as_ref()?.key.clone()) else {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    format!("secret {id} in the response has no key"),
                ));
            };
            let found = session.key.decrypt(&cipher).map_err(|e| {
                Error::new(
                    ErrorKind::Decryption,
                    format!(
                        "secret {id} holds the hash of {key:?} in {} but its key cannot be \
                         decrypted; {}",
                        env_label(environment),
                        overwrite_by_id(&id)
                    ),
                )
                .with_source(e)
            })?;
            if found != key {
                return Err(Error::new(
                    ErrorKind::Decryption,
                    format!(
                        "integrity check failed: secret {id} holds the hash of {key:?} in {} \
                         but another key; {}",
                        env_label(environment),
                        overwrite_by_id(&id)
                    ),
                ));
            }
            let opens =
                |text: Option<&String>| text.is_some_and(|t| session.key.decrypt(t).is_ok());
            let data = w.data.as_ref();
            let value = w.value.as_ref().or_else(|| data?.value.as_ref());
            let description = w
                .description
                .as_ref()
                .or_else(|| data?.description.as_ref())
                .filter(|d| !d.is_empty());
            return Ok(Some(Target {
                value_broken: !opens(value),
                description_broken: description.is_some_and(|d| !opens(Some(d))),
                id,
                environment_id: record_env,
            }));
        }
        Ok(None)
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

    /// The secret `key` in `environment` (falling back to "All" when `fallback`): one lookup by
    /// the key's hash. Each record tells its environment by its environment hash, so no
    /// environment is looked up, and records of other environments are never decrypted; only
    /// records without that hash (older clients write some) are matched by the environment's
    /// id, looked up then.
    ///
    /// With a profile from the cache ([`super::LockerBuilder::profile_cache`]), the lookup is
    /// made with the cached key first: a record found has been decrypted under it, and nothing
    /// found is the same answer under any key (the lookup is by hash); a key that does not
    /// decrypt what was found is dropped and the lookup made again with the profile fetched.
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
        if let Some(trial) = self.profile_trial() {
            match trial.find_with_profile(key, environment, fallback).await {
                Ok(found) => {
                    if found.is_some() {
                        self.adopt_trial(&trial);
                    }
                    return Ok(found);
                }
                Err(e) if e.kind() == ErrorKind::Decryption => self.drop_cached_profile(),
                Err(e) => return Err(e),
            }
        }
        self.find_with_profile(key, environment, fallback).await
    }

    /// [`Locker::find`] with this client's profile.
    async fn find_with_profile(
        &self,
        key: &str,
        environment: Option<&str>,
        fallback: bool,
    ) -> Result<Option<SecretRecord>> {
        let session = self.session().await?;
        let hash = name_hash(session.project_id, key);
        let wire: Vec<WireSecret> = self
            .list_all("/v1/secrets", "count_secrets", "hash", &hash)
            .await?;
        let env_hash = environment.map(|e| name_hash(session.project_id, e));
        let env_of = |w: &WireSecret| w.environment_id.clone().filter(|id| !id.is_empty());
        let hash_of = |w: &WireSecret| w.environment_hash.clone().filter(|h| !h.is_empty());
        let mut target: Option<Environment> = None;
        if let Some(name) = environment
            && wire
                .iter()
                .any(|w| env_of(w).is_some() && hash_of(w).is_none())
        {
            target = self.get_environment(name).await?;
        }
        let target_id = target.as_ref().map(|e| e.id.as_str());
        let wire: Vec<WireSecret> = wire
            .into_iter()
            .filter(|w| match (env_of(w), hash_of(w)) {
                (None, _) => true,
                (Some(_), Some(h)) => Some(&h) == env_hash.as_ref(),
                (Some(id), None) => Some(id.as_str()) == target_id,
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
            } else if s.environment_name.as_deref() == environment {
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
        names: HashMap<String, String>,
    ) -> Result<Vec<SecretRecord>> {
        let names = self.complete_names(&wire, names).await?;
        wire.into_iter()
            .map(|w| decrypt_secret(session, w, &names))
            .collect()
    }

    /// `names` (id → name), completed from the project's environment list when a secret of
    /// `wire` names neither itself nor through `names` its environment. The server sends each
    /// secret's environment name (encrypted); only a secret without one costs that request.
    async fn complete_names(
        &self,
        wire: &[WireSecret],
        mut names: HashMap<String, String>,
    ) -> Result<HashMap<String, String>> {
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
        Ok(names)
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

/// A record found for a write ([`Locker::locate`]).
struct Target {
    id: String,
    environment_id: Option<String>,
    /// The value is missing or cannot be decrypted: only a new value repairs it.
    value_broken: bool,
    /// The description cannot be decrypted: cleared unless a new one is given.
    description_broken: bool,
}

/// The `description` of a write: the new one encrypted; `""` (none) in place of one that
/// cannot be decrypted; else unchanged.
fn description_body(session: &Session, new: Option<&str>, target: &Target) -> Option<String> {
    match new {
        Some(d) => Some(session.key.encrypt(d)),
        None if target.description_broken => Some(String::new()),
        None => None,
    }
}

/// The key of `w` when it decrypts and matches its hash, for naming a broken record.
fn readable_key(session: &Session, w: &WireSecret) -> Option<String> {
    let cipher = w.key.as_ref().or_else(|| w.data.as_ref()?.key.as_ref())?;
    let key = session.key.decrypt(cipher).ok()?;
    let hash = w.secret_hash.as_deref().or(w.hash.as_deref());
    hash.is_none_or(|h| h.is_empty() || h == name_hash(session.project_id, &key))
        .then_some(key)
}

fn env_label(environment: Option<&str>) -> String {
    match environment {
        Some(e) => format!("environment {e:?}"),
        None => "\"All\"".to_string(),
    }
}

/// What [`Locker::set_checked`] did.
enum SetStep {
    Saved(Saved),
    /// Nothing: a key new in "All", with a profile that nothing has checked yet.
    Unchecked,
}
