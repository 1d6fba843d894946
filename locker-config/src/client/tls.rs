//! The TLS configuration of every `https` client, built once per process.
//!
//! Building it reads and parses the system's CA certificates, which costs milliseconds; doing
//! that for every [`super::Locker`] made building a client slow. It is the configuration
//! reqwest itself would build (the platform verifier over the system roots, TLS 1.2 and 1.3,
//! HTTP/2 and HTTP/1.1 by ALPN), made on first use and shared. Clients of `http` bases never
//! load it.

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;
use rustls::crypto::CryptoProvider;

use crate::error::{Error, ErrorKind, Result};

/// The shared configuration, or why it could not be built (kept, so every client reports it).
pub(super) fn shared_config() -> Result<ClientConfig> {
    static CONFIG: OnceLock<std::result::Result<ClientConfig, rustls::Error>> = OnceLock::new();
    match CONFIG.get_or_init(build) {
        Ok(config) => Ok(config.clone()),
        Err(e) => Err(Error::new(
            ErrorKind::InvalidInput,
            "could not set up TLS with the system's root certificates",
        )
        .with_source(e.clone())),
    }
}

/// How many times the configuration was built (tests check it is at most once).
#[cfg(test)]
static BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn build() -> std::result::Result<ClientConfig, rustls::Error> {
    #[cfg(test)]
    BUILDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    // Like reqwest: a provider the program installed, else aws-lc-rs.
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())?;
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::BUILDS;
    use crate::client::Locker;

    fn build(base: &str) {
        Locker::builder()
            .access_key_id("4b4a4b0e-3b0c-4f8e-9d5e-6f1b2f3c4d5e")
            .secret_access_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
            .api_base(base)
            .build()
            .unwrap();
    }

    #[test]
    fn the_system_roots_are_loaded_at_most_once_per_process() {
        for _ in 0..20 {
            build("http://127.0.0.1:9");
            build("https://127.0.0.1:9");
        }
        assert_eq!(BUILDS.load(Ordering::SeqCst), 1);
    }
}
