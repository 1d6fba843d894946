//! A tiny plain-HTTP helper for the server tests (no code shared with the locker-config client).
#![allow(dead_code, unreachable_pub)]

use locker_server::{AccessKey, LocalServer};
use serde_json::Value;

/// An answer: status, `Retry-After`, content type and body text.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub text: String,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    /// Asserts a JSON error body with a code and a message.
    pub fn assert_error(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text);
        let v = self.json();
        assert!(v["code"].is_string(), "no code: {v}");
        assert!(v["message"].is_string(), "no message: {v}");
        assert!(v["details"].is_object(), "no details: {v}");
        v
    }
}

/// A plain HTTP client bound to one server and one bearer token.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
    /// Sends `X-Locker-Delta: 1`: list `revision_date` means "changed after".
    pub delta: bool,
}

impl Api {
    pub fn new(server: &LocalServer, key: &AccessKey) -> Self {
        Api {
            http: reqwest::Client::new(),
            base: server.base_url(),
            token: Some(key.access_key_id.clone()),
            delta: false,
        }
    }

    pub fn anonymous(server: &LocalServer) -> Self {
        Api {
            http: reqwest::Client::new(),
            base: server.base_url(),
            token: None,
            delta: false,
        }
    }

    /// This client, asking for delta answers as locker-config does (`X-Locker-Delta: 1`).
    pub fn delta(mut self) -> Self {
        self.delta = true;
        self
    }

    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.base.push_str(prefix);
        self
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        self.try_send(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub async fn try_send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<Answer, reqwest::Error> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header("Cache-Control", "no-cache");
        if let Some(t) = &self.token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        if self.delta {
            req = req.header("X-Locker-Delta", "1");
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_owned());
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let retry_after = header("retry-after");
        let content_type = header("content-type");
        let text = resp.text().await?;
        Ok(Answer {
            status,
            text,
            retry_after,
            content_type,
        })
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send("POST", path, Some(&body.to_string())).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send("PUT", path, Some(&body.to_string())).await
    }

    /// Lists secrets the way the official clients ask (`LIST_QUERY`) plus `filter`, e.g.
    /// `hash=` (no filter), and returns the answer (asserting 200).
    pub async fn list_secrets(&self, filter: &str) -> Value {
        let a = self
            .get(&format!("/v1/secrets?{LIST_QUERY}&{filter}"))
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        a.json()
    }

    /// Creates an environment and returns it (asserting 200/201).
    pub async fn create_env(&self, name: &str) -> Value {
        let a = self
            .post(
                "/v1/environments",
                &serde_json::json!({"name": format!("enc:{name}"), "hash": format!("h:{name}")}),
            )
            .await;
        assert!(a.status == 200 || a.status == 201, "{}", a.text);
        a.json()
    }

    /// Creates a secret and returns it (asserting 200/201).
    pub async fn create_secret(&self, key: &str, value: &str, env_id: Option<&str>) -> Value {
        let mut body = serde_json::json!({
            "key": format!("enc:{key}"),
            "value": format!("enc:{value}"),
            "hash": format!("h:{key}"),
        });
        if let Some(id) = env_id {
            body["environment_id"] = Value::from(id);
        }
        let a = self.post("/v1/secrets", &body).await;
        assert!(a.status == 200 || a.status == 201, "{}", a.text);
        a.json()
    }
}

pub const LIST_QUERY: &str = "count_secrets=1&page=1&paging=1&revision_date=0.000000&size=2000";
