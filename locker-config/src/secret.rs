//! [`Secret<T>`]: a value that never prints.

use std::fmt;

use zeroize::Zeroize;

/// A configuration value that must never be printed or logged.
///
/// `Debug` and `Display` print `[REDACTED]`, so a plain `#[derive(Debug)]` on a config struct
/// is safe to log. The value is read through the greppable [`expose_secret`](Secret::expose_secret)
/// and wiped from memory when the `Secret` is dropped. `Secret` does not implement
/// `Serialize`, so it cannot leak through a serializer either; it does implement
/// `Deserialize` (as `T`), so serde configs (figment, config-rs) can hold secrets too.
///
/// ```
/// use locker_config::Secret;
///
/// let password = Secret::new(String::from("hunter2"));
/// assert_eq!(format!("{password:?}"), "[REDACTED]");
/// assert_eq!(password.to_string(), "[REDACTED]");
/// assert_eq!(password.expose_secret(), "hunter2");
/// ```
///
/// In a config struct, `Secret<T>` parses the stored value exactly like `T` would:
/// `Secret<String>`, `Secret<u16>`, `Option<Secret<String>>` and `Secret<Vec<String>>` all work.
pub struct Secret<T: Zeroize> {
    value: T,
}

impl<T: Zeroize> Secret<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Secret { value }
    }

    /// The wrapped value. Every read of a secret goes through this method, so a search for
    /// `expose_secret` finds them all.
    pub fn expose_secret(&self) -> &T {
        &self.value
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret::new(value)
    }
}

impl<T: Zeroize + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Secret::new(self.value.clone())
    }
}

impl<T: Zeroize + Default> Default for Secret<T> {
    fn default() -> Self {
        Secret::new(T::default())
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

/// Deserializes exactly as `T` does. (There is no `Serialize`: a secret is read, not written.)
///
/// ```
/// use locker_config::Secret;
///
/// #[derive(serde::Deserialize)]
/// struct Settings {
///     password: Secret<String>,
/// }
///
/// let s: Settings = serde_json::from_str(r#"{"password": "hunter2"}"#).unwrap();
/// assert_eq!(s.password.expose_secret(), "hunter2");
/// ```
impl<'de, T: Zeroize + serde::Deserialize<'de>> serde::Deserialize<'de> for Secret<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret::new)
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl<T: Zeroize> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn never_prints() {
        let s = Secret::new(String::from("hunter2"));
        assert_eq!(
            format!("{s:?} {s} {s:#?}"),
            "[REDACTED] [REDACTED] [REDACTED]"
        );
        let n: Secret<u16> = 5432.into();
        assert_eq!(format!("{n:?}"), "[REDACTED]");
        assert_eq!(*n.clone().expose_secret(), 5432);
    }

    #[test]
    fn deserializes_as_the_inner_type() {
        let n: Secret<u16> = serde_json::from_str("5432").unwrap();
        assert_eq!(*n.expose_secret(), 5432);
        let err = serde_json::from_str::<Secret<u16>>("\"x\"").unwrap_err();
        assert!(err.to_string().contains("expected u16"), "{err}");
    }

    #[test]
    fn wraps_option_and_vec() {
        let v = Secret::new(vec![String::from("a")]);
        assert_eq!(v.expose_secret().len(), 1);
        assert_eq!(format!("{:?}", Some(Secret::new(1u8))), "Some([REDACTED])");
    }
}
