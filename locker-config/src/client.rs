//! The async client (contract stub; the real implementation replaces this file).
#![allow(missing_docs, clippy::todo, unused_variables)]

use crate::{Environment, Result, SecretRecord};

#[derive(Clone, Debug)]
pub struct Locker {}

#[derive(Debug, Default)]
#[must_use]
pub struct LockerBuilder {}

impl LockerBuilder {
    pub fn access_key_id(self, id: impl Into<String>) -> Self {
        self
    }
    pub fn secret_access_key(self, key: impl Into<String>) -> Self {
        self
    }
    pub fn api_base(self, base: impl Into<String>) -> Self {
        self
    }
    pub fn build(self) -> Result<Locker> {
        todo!()
    }
}

impl Locker {
    pub fn builder() -> LockerBuilder {
        LockerBuilder::default()
    }
    pub fn from_env() -> Result<Locker> {
        todo!()
    }
    /// All secrets (`None`), or exactly those of one environment.
    pub async fn list_secrets(&self, environment: Option<&str>) -> Result<Vec<SecretRecord>> {
        todo!()
    }
    /// The environment with this name, or `None`.
    pub async fn get_environment(&self, name: &str) -> Result<Option<Environment>> {
        todo!()
    }
}
