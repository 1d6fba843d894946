//! The end-to-end encryption of Locker Secrets: key derivation, cipher strings and name hashes.
//!
//! Everything here is pure computation on bytes and strings; this module knows nothing of HTTP.
//! The scheme (PROTOCOL.md §3):
//!
//! - The secret access key is base64; HKDF-Expand(SHA-256) of it with the infos `"enc"` and
//!   `"mac"` gives the 64-byte key that unwraps the project key from the access key's profile.
//! - Every encrypted field is a *cipher string*, `2.<iv>|<ciphertext>|<mac>`: AES-256-CBC with
//!   PKCS#7 padding, authenticated by HMAC-SHA256 over `iv ‖ ciphertext` (encrypt-then-MAC).
//! - The server finds secrets and environments by a hash of their plaintext name, salted by
//!   the project id.
//!
//! ```
//! use locker_protocol::crypto::{name_hash, SymmetricKey};
//!
//! let key = SymmetricKey::generate();
//! let cipher = key.encrypt("redis://localhost:6379/0");
//! assert!(cipher.starts_with("2."));
//! assert_eq!(key.decrypt(&cipher)?, "redis://localhost:6379/0");
//! assert_eq!(name_hash(42, "REDIS_URL"), "pRSYmvA7F9OBodtBWMZUDLoTVe7NNJokTGsh8YBDIM4");
//! # Ok::<(), locker_protocol::crypto::CryptoError>(())
//! ```

use std::fmt;

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

type HmacSha256 = Hmac<Sha256>;
type Aes256CbcEnc = cbc::Encryptor<Aes256>;
type Aes256CbcDec = cbc::Decryptor<Aes256>;

const IV_LEN: usize = 16;
const MAC_LEN: usize = 32;
const BLOCK_LEN: usize = 16;

/// Why a key could not be built or a cipher string could not be decrypted.
///
/// No variant carries plaintext, key material or the cipher string itself, so these errors
/// are safe to print and log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The secret access key is not canonical standard base64.
    #[error("the secret access key is not valid base64")]
    SecretAccessKeyEncoding,
    /// The secret access key decodes to an empty byte string.
    #[error("the secret access key is empty")]
    SecretAccessKeyEmpty,
    /// A key was given with the wrong number of bytes.
    #[error("a symmetric key must be 64 bytes, got {0}")]
    KeyLength(usize),
    /// The string is not of the form `2.<iv>|<ciphertext>|<mac>`.
    #[error("malformed cipher string: {0}")]
    Malformed(&'static str),
    /// The cipher string has an encryption type other than 2 (AES-256-CBC + HMAC-SHA256).
    #[error("unsupported cipher string type {0:?}; only type 2 is supported")]
    UnsupportedType(String),
    /// One of the three parts is not valid standard base64.
    #[error("the {0} of the cipher string is not valid base64")]
    Base64(&'static str),
    /// The MAC does not match: the key is wrong or the data was tampered with.
    #[error("MAC mismatch: wrong key or tampered data")]
    MacMismatch,
    /// The MAC matched but the PKCS#7 padding is invalid.
    #[error("invalid padding after decryption")]
    Padding,
    /// The plaintext is not valid UTF-8.
    #[error("the decrypted value is not valid UTF-8")]
    Utf8,
}

/// A pair of 32-byte keys: one for AES-256-CBC, one for HMAC-SHA256.
///
/// Used both for the key derived from a secret access key and for a project key. The bytes are
/// wiped when the value is dropped and never appear in `Debug`.
#[derive(Clone)]
pub struct SymmetricKey {
    enc: Zeroizing<[u8; 32]>,
    mac: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for SymmetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SymmetricKey([REDACTED])")
    }
}

impl SymmetricKey {
    /// Derives the key that unwraps a project key from a base64 secret access key
    /// (HKDF-Expand with SHA-256, infos `"enc"` and `"mac"`, no extract step).
    ///
    /// ```
    /// use locker_protocol::crypto::SymmetricKey;
    /// let key = SymmetricKey::from_secret_access_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
    /// # Ok::<(), locker_protocol::crypto::CryptoError>(())
    /// ```
    pub fn from_secret_access_key(secret_access_key: &str) -> Result<Self, CryptoError> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(secret_access_key.trim())
                .map_err(|_| CryptoError::SecretAccessKeyEncoding)?,
        );
        if bytes.is_empty() {
            return Err(CryptoError::SecretAccessKeyEmpty);
        }
        // HKDF-Expand accepts any PRK at least as long as the hash output; shorter secrets are
        // not something Locker issues, but HMAC keys of any length are well defined, so we use
        // the same construction as the official clients for every length.
        let mut enc = Zeroizing::new([0u8; 32]);
        let mut mac = Zeroizing::new([0u8; 32]);
        hkdf_expand(&bytes, b"enc", enc.as_mut());
        hkdf_expand(&bytes, b"mac", mac.as_mut());
        Ok(Self { enc, mac })
    }

    /// Builds a key from 64 bytes: the encryption key then the MAC key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != 64 {
            return Err(CryptoError::KeyLength(bytes.len()));
        }
        let mut enc = Zeroizing::new([0u8; 32]);
        let mut mac = Zeroizing::new([0u8; 32]);
        enc.copy_from_slice(&bytes[..32]);
        mac.copy_from_slice(&bytes[32..]);
        Ok(Self { enc, mac })
    }

    /// A fresh random key from the operating system's CSPRNG.
    ///
    /// # Panics
    ///
    /// Panics if the operating system has no usable random source.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 64]);
        fill_random(bytes.as_mut());
        Self::from_bytes(bytes.as_ref()).expect("64 bytes")
    }

    /// The 64 raw bytes (encryption key then MAC key), wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(64));
        out.extend_from_slice(self.enc.as_ref());
        out.extend_from_slice(self.mac.as_ref());
        out
    }

    /// Encrypts UTF-8 text into a type-2 cipher string with a random IV.
    pub fn encrypt(&self, plaintext: &str) -> String {
        self.encrypt_bytes(plaintext.as_bytes())
    }

    /// Encrypts bytes into a type-2 cipher string with a random IV.
    pub fn encrypt_bytes(&self, plaintext: &[u8]) -> String {
        let mut iv = [0u8; IV_LEN];
        fill_random(&mut iv);
        self.encrypt_with_iv(plaintext, iv)
    }

    /// Encrypts with a caller-chosen IV. Only for reproducing the test vectors of PROTOCOL.md
    /// §3.5: reusing an IV under one key leaks information, so it is not public API.
    pub(crate) fn encrypt_with_iv(&self, plaintext: &[u8], iv: [u8; IV_LEN]) -> String {
        let ct = Aes256CbcEnc::new_from_slices(&self.enc[..], &iv)
            .expect("key and IV lengths are fixed")
            .encrypt_padded_vec::<Pkcs7>(plaintext);
        let mut mac = self.mac_engine();
        mac.update(&iv);
        mac.update(&ct);
        let tag = mac.finalize().into_bytes();
        format!(
            "2.{}|{}|{}",
            STANDARD.encode(iv),
            STANDARD.encode(&ct),
            STANDARD.encode(tag)
        )
    }

    /// Decrypts a cipher string into UTF-8 text, checking the MAC first.
    pub fn decrypt(&self, cipher: &str) -> Result<String, CryptoError> {
        let bytes = self.decrypt_bytes(cipher)?;
        String::from_utf8(bytes.to_vec()).map_err(|e| {
            // The error owns a copy of the plaintext; wipe it before dropping.
            e.into_bytes().zeroize();
            CryptoError::Utf8
        })
    }

    /// Decrypts a cipher string into bytes, checking the MAC in constant time before
    /// decrypting anything.
    pub fn decrypt_bytes(&self, cipher: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let parsed = CipherString::parse(cipher)?;
        let mut mac = self.mac_engine();
        mac.update(&parsed.iv);
        mac.update(&parsed.ct);
        mac.verify_slice(&parsed.mac)
            .map_err(|_| CryptoError::MacMismatch)?;
        Aes256CbcDec::new_from_slices(&self.enc[..], &parsed.iv)
            .expect("key and IV lengths are fixed")
            .decrypt_padded_vec::<Pkcs7>(&parsed.ct)
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Padding)
    }

    /// Unwraps a key that was encrypted as a cipher string under this key (the project key in
    /// an access key's profile).
    pub fn unwrap_key(&self, wrapped: &str) -> Result<SymmetricKey, CryptoError> {
        let bytes = self.decrypt_bytes(wrapped)?;
        SymmetricKey::from_bytes(&bytes)
    }

    /// Wraps `key` under this key, the inverse of [`SymmetricKey::unwrap_key`].
    pub fn wrap_key(&self, key: &SymmetricKey) -> String {
        self.encrypt_bytes(&key.to_bytes())
    }

    fn mac_engine(&self) -> HmacSha256 {
        <HmacSha256 as KeyInit>::new_from_slice(self.mac.as_ref()).expect("HMAC takes any key")
    }
}

fn hkdf_expand(prk: &[u8], info: &[u8], out: &mut [u8]) {
    // `from_prk` rejects a PRK shorter than the hash; the official clients feed the raw secret
    // to HMAC regardless, so pad the check by building the HMAC-based expansion ourselves only
    // when needed. Locker secrets are 32 bytes, the common path.
    match Hkdf::<Sha256>::from_prk(prk) {
        Ok(hk) => hk
            .expand(info, out)
            .expect("32 bytes is a valid HKDF length"),
        Err(_) => {
            // RFC 5869 expand, first block only (L = 32): T(1) = HMAC(PRK, info ‖ 0x01).
            let mut mac = <HmacSha256 as KeyInit>::new_from_slice(prk).expect("any key");
            mac.update(info);
            mac.update(&[1]);
            out.copy_from_slice(&mac.finalize().into_bytes()[..out.len()]);
        }
    }
}

fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source failed");
}

/// The three decoded parts of a type-2 cipher string. Internal: callers decrypt with
/// [`SymmetricKey::decrypt`], which parses strictly.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CipherString {
    /// The 16-byte initialisation vector.
    iv: Vec<u8>,
    /// The AES-256-CBC ciphertext, a non-empty multiple of 16 bytes.
    ct: Vec<u8>,
    /// The 32-byte HMAC-SHA256 tag over `iv ‖ ct`.
    mac: Vec<u8>,
}

impl fmt::Debug for CipherString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CipherString")
            .field("iv_len", &self.iv.len())
            .field("ct_len", &self.ct.len())
            .finish_non_exhaustive()
    }
}

impl CipherString {
    /// Parses `2.<iv>|<ct>|<mac>` strictly: type 2, three standard-base64 parts, a 16-byte IV,
    /// a ciphertext that is a non-empty multiple of the block size and a 32-byte MAC.
    pub(crate) fn parse(s: &str) -> Result<Self, CryptoError> {
        let (ty, rest) = s
            .split_once('.')
            .ok_or(CryptoError::Malformed("missing the type prefix"))?;
        if ty != "2" {
            if ty.is_empty() || ty.len() > 2 || !ty.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CryptoError::Malformed("missing the type prefix"));
            }
            return Err(CryptoError::UnsupportedType(ty.to_owned()));
        }
        let mut parts = rest.split('|');
        let (Some(iv), Some(ct), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Malformed(
                "expected three parts separated by '|'",
            ));
        };
        let iv = STANDARD.decode(iv).map_err(|_| CryptoError::Base64("IV"))?;
        let ct = STANDARD
            .decode(ct)
            .map_err(|_| CryptoError::Base64("ciphertext"))?;
        let mac = STANDARD
            .decode(mac)
            .map_err(|_| CryptoError::Base64("MAC"))?;
        if iv.len() != IV_LEN {
            return Err(CryptoError::Malformed("the IV must be 16 bytes"));
        }
        if ct.is_empty() || ct.len() % BLOCK_LEN != 0 {
            return Err(CryptoError::Malformed(
                "the ciphertext must be a non-empty multiple of 16 bytes",
            ));
        }
        if mac.len() != MAC_LEN {
            return Err(CryptoError::Malformed("the MAC must be 32 bytes"));
        }
        Ok(Self { iv, ct, mac })
    }
}

/// The lookup hash the server indexes secrets and environments by:
/// `base64url_no_pad(SHA-256(decimal(project_id) ‖ name))`.
///
/// ```
/// assert_eq!(
///     locker_protocol::crypto::name_hash(42, "staging"),
///     "_fd1YL0kcWCvDldx-YGV3FZvCfoyX1nL5xBKEcsTZ98"
/// );
/// ```
pub fn name_hash(project_id: i64, name: &str) -> String {
    let mut h = Sha256::new();
    h.update(project_id.to_string().as_bytes());
    h.update(name.as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET_ACCESS_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const PROFILE_KEY: &str = "2.oKGio6SlpqeoqaqrrK2urw==|or46p0JFEiM3d9uyk59m82cuBS4oi5kw1n4FX1g1pDTlRuIFH/THx4fUpKLVB/PlycsCXuG23gfjm1a8aGZxFvxIR1Ajd8HPULgCvF5E5YU=|qXTeivhgDPpbrpRmHYWvifBqxn5eBPd16gJvgUE3Qbc=";
    /// (plaintext, first IV byte, cipher string) under the project key.
    const FIELDS: &[(&str, u8, &str)] = &[
        (
            "REDIS_URL",
            0xb0,
            "2.sLGys7S1tre4ubq7vL2+vw==|PjoB8mcDPk3F2X1F+mteSw==|cz0kyDLU3WgO6ym/Y3u5El7F3zJM1tlcLyMt7wD/wGM=",
        ),
        (
            "redis://localhost:6379/0",
            0xc0,
            "2.wMHCw8TFxsfIycrLzM3Ozw==|p9poqeAWHDkfWfxCqwyD+mQvCfF4fc4F6grvQaYYgow=|Vvs8KVeItAdboRGLLZhN2MSRxyxAS7KjZUMATSPLx20=",
        ),
        (
            "",
            0xd0,
            "2.0NHS09TV1tfY2drb3N3e3w==|14U17YjiRqCO5ajOG1EQ6g==|LgGu+dToYkGPgtwcWI9/kDTrwg1pHPImzxyqTJl5600=",
        ),
        (
            "staging",
            0xe0,
            "2.4OHi4+Tl5ufo6err7O3u7w==|wwkOh70NwdgGzrh2eIsz+w==|Z2iGCuDa7hz5W0gyP/QZyIDHELFTHA+kybxKrUwz/x8=",
        ),
        (
            "https://staging.example.com",
            0xf0,
            "2.8PHy8/T19vf4+fr7/P3+/w==|hxCMGuc+bVkUQp9L2vuKTD8DKRVV16vYRXuQqVmunRI=|OxAzNDsCYHLG9Z0v7PLpdwxwRgK92esfL0grthqUz/g=",
        ),
    ];

    fn iv_from(first: u8) -> [u8; 16] {
        std::array::from_fn(|i| first + i as u8)
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn project_key_bytes() -> Vec<u8> {
        (0x40u8..0x80).collect()
    }

    fn project_key() -> SymmetricKey {
        SymmetricKey::from_bytes(&project_key_bytes()).unwrap()
    }

    #[test]
    fn derives_enc_and_mac_keys() {
        let k = SymmetricKey::from_secret_access_key(SECRET_ACCESS_KEY).unwrap();
        assert_eq!(
            hex(k.enc.as_ref()),
            "9c5639fac602366b486253191cb7900d7d8e3a1514676b118d5803a11dd97213"
        );
        assert_eq!(
            hex(k.mac.as_ref()),
            "cce388b4ac0f05edee78d40dcbe78a7715640de75ed9ba06942fb42398d6b1f1"
        );
    }

    #[test]
    fn unwraps_and_rewraps_the_project_key() {
        let access = SymmetricKey::from_secret_access_key(SECRET_ACCESS_KEY).unwrap();
        let project = access.unwrap_key(PROFILE_KEY).unwrap();
        assert_eq!(
            project.to_bytes().as_slice(),
            project_key_bytes().as_slice()
        );
        assert_eq!(
            access.encrypt_with_iv(&project_key_bytes(), iv_from(0xa0)),
            PROFILE_KEY
        );
    }

    #[test]
    fn reproduces_every_field_of_the_vector() {
        let key = project_key();
        for (plain, iv, cipher) in FIELDS {
            assert_eq!(
                key.encrypt_with_iv(plain.as_bytes(), iv_from(*iv)),
                *cipher,
                "{plain:?}"
            );
            assert_eq!(key.decrypt(cipher).unwrap(), *plain);
        }
    }

    #[test]
    fn reproduces_the_name_hashes() {
        assert_eq!(
            name_hash(42, "REDIS_URL"),
            "pRSYmvA7F9OBodtBWMZUDLoTVe7NNJokTGsh8YBDIM4"
        );
        assert_eq!(
            name_hash(42, "staging"),
            "_fd1YL0kcWCvDldx-YGV3FZvCfoyX1nL5xBKEcsTZ98"
        );
    }

    #[test]
    fn random_round_trip_uses_fresh_ivs() {
        let key = SymmetricKey::generate();
        let a = key.encrypt("same");
        let b = key.encrypt("same");
        assert_ne!(a, b);
        assert_eq!(key.decrypt(&a).unwrap(), "same");
        assert_eq!(key.decrypt(&b).unwrap(), "same");
        let wrapped = key.wrap_key(&project_key());
        assert_eq!(
            key.unwrap_key(&wrapped).unwrap().to_bytes().as_slice(),
            project_key_bytes().as_slice()
        );
    }

    #[test]
    fn rejects_a_wrong_mac() {
        let (_, _, cipher) = FIELDS[0];
        let (head, mac) = cipher.rsplit_once('|').unwrap();
        let mut raw = STANDARD.decode(mac).unwrap();
        raw[0] ^= 1;
        let tampered = format!("{head}|{}", STANDARD.encode(raw));
        assert_eq!(
            project_key().decrypt(&tampered),
            Err(CryptoError::MacMismatch)
        );
    }

    #[test]
    fn rejects_a_wrong_key() {
        let wrong = SymmetricKey::from_bytes(&[7u8; 64]).unwrap();
        assert_eq!(wrong.decrypt(FIELDS[1].2), Err(CryptoError::MacMismatch));
        let access = SymmetricKey::from_secret_access_key("AAAA").unwrap();
        assert_eq!(
            access.unwrap_key(PROFILE_KEY).unwrap_err(),
            CryptoError::MacMismatch
        );
    }

    #[test]
    fn rejects_bad_base64() {
        let key = project_key();
        assert_eq!(
            key.decrypt("2.!!!!|AAAAAAAAAAAAAAAAAAAAAA==|AAAA"),
            Err(CryptoError::Base64("IV"))
        );
        assert_eq!(
            key.decrypt("2.AAAAAAAAAAAAAAAAAAAAAA==|***|AAAA"),
            Err(CryptoError::Base64("ciphertext"))
        );
        assert_eq!(
            key.decrypt("2.AAAAAAAAAAAAAAAAAAAAAA==|AAAAAAAAAAAAAAAAAAAAAA==|%%"),
            Err(CryptoError::Base64("MAC"))
        );
        assert_eq!(
            SymmetricKey::from_secret_access_key("not base64!").unwrap_err(),
            CryptoError::SecretAccessKeyEncoding
        );
        assert_eq!(
            SymmetricKey::from_secret_access_key("").unwrap_err(),
            CryptoError::SecretAccessKeyEmpty
        );
    }

    #[test]
    fn rejects_missing_parts_and_other_types() {
        let key = project_key();
        for bad in ["", "plain", "2.", "2.abc", "2.a|b", "2.a|b|c|d", ".a|b|c"] {
            assert!(
                matches!(key.decrypt(bad), Err(CryptoError::Malformed(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            key.decrypt("0.a|b|c"),
            Err(CryptoError::UnsupportedType("0".into()))
        );
        // A fourth part, trailing or missing pieces: never a cipher string, never plaintext.
        let (_, _, good) = FIELDS[0];
        for bad in [
            format!("{good}|x"),
            format!("{good}|"),
            format!("{good} "),
            format!(" {good}"),
            good.replacen("2.", "2..", 1),
            good.replacen("2.", "02.", 1),
            good.replace('|', "||"),
        ] {
            assert!(CipherString::parse(&bad).is_err(), "{bad:?}");
            assert!(key.decrypt(&bad).is_err(), "{bad:?}");
        }
        assert!(key.decrypt("postgres://u:p@h/db").is_err());
    }

    #[test]
    fn rejects_truncated_ciphertext() {
        let (_, _, cipher) = FIELDS[1];
        let parts: Vec<&str> = cipher.trim_start_matches("2.").split('|').collect();
        let ct = STANDARD.decode(parts[1]).unwrap();
        for len in [0, 5, 16] {
            let truncated = format!(
                "2.{}|{}|{}",
                parts[0],
                STANDARD.encode(&ct[..len]),
                parts[2]
            );
            let err = project_key().decrypt(&truncated).unwrap_err();
            assert!(
                matches!(err, CryptoError::Malformed(_) | CryptoError::MacMismatch),
                "{len}: {err:?}"
            );
        }
        let short_iv = format!("2.AAAA|{}|{}", parts[1], parts[2]);
        assert!(matches!(
            project_key().decrypt(&short_iv),
            Err(CryptoError::Malformed(_))
        ));
    }

    /// A correctly MACed ciphertext whose last block does not decrypt to valid PKCS#7 padding.
    #[test]
    fn rejects_bad_padding() {
        let key = project_key();
        let iv = iv_from(0x10);
        // Encrypt 16 bytes without padding by encrypting 16 bytes with padding and dropping the
        // final padding block: the remaining block decrypts to data ending in a non-padding byte.
        let full = key.encrypt_with_iv(b"0123456789abcdeZ", iv);
        let parsed = CipherString::parse(&full).unwrap();
        let ct = &parsed.ct[..16];
        let mut mac = key.mac_engine();
        mac.update(&iv);
        mac.update(ct);
        let forged = format!(
            "2.{}|{}|{}",
            STANDARD.encode(iv),
            STANDARD.encode(ct),
            STANDARD.encode(mac.finalize().into_bytes())
        );
        assert_eq!(key.decrypt(&forged), Err(CryptoError::Padding));
    }

    #[test]
    fn rejects_non_utf8_plaintext() {
        let key = project_key();
        let cipher = key.encrypt_bytes(&[0xff, 0xfe, 0x00]);
        assert_eq!(key.decrypt(&cipher), Err(CryptoError::Utf8));
        assert_eq!(
            key.decrypt_bytes(&cipher).unwrap().as_slice(),
            &[0xff, 0xfe, 0]
        );
    }

    #[test]
    fn rejects_keys_of_the_wrong_length() {
        assert_eq!(
            SymmetricKey::from_bytes(&[0; 32]).unwrap_err(),
            CryptoError::KeyLength(32)
        );
        let access = SymmetricKey::from_secret_access_key(SECRET_ACCESS_KEY).unwrap();
        let wrapped = access.encrypt("short");
        assert_eq!(
            access.unwrap_key(&wrapped).unwrap_err(),
            CryptoError::KeyLength(5)
        );
    }

    #[test]
    fn debug_never_shows_key_material() {
        let k = project_key();
        let shown = format!("{k:?}");
        assert_eq!(shown, "SymmetricKey([REDACTED])");
    }
}
