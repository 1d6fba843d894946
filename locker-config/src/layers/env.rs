//! The process environment layer: `prefix + key` for each key a load reads.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};

/// Where variables are read from: the process environment, or (for unit tests, which must
/// never change their own process's environment) a map.
#[derive(Clone, Default)]
pub(crate) enum EnvLookup {
    /// `std::env::var_os`.
    #[default]
    Process,
    /// A fixed set of variables.
    #[cfg_attr(not(test), allow(dead_code))]
    Map(Arc<HashMap<String, String>>),
}

impl fmt::Debug for EnvLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvLookup::Process => f.write_str("Process"),
            EnvLookup::Map(map) => write!(f, "Map({} variables)", map.len()),
        }
    }
}

impl EnvLookup {
    /// The value of `var`, if set; an error (naming the variable, not the value) when it is
    /// not valid UTF-8.
    fn get(&self, var: &str) -> Result<Option<Zeroizing<String>>> {
        match self {
            EnvLookup::Process => match std::env::var_os(var) {
                None => Ok(None),
                Some(os) => os
                    .into_string()
                    .map(|s| Some(Zeroizing::new(s)))
                    .map_err(|_| {
                        Error::new(
                            ErrorKind::Config,
                            format!("the process environment variable {var} is not valid UTF-8"),
                        )
                    }),
            },
            EnvLookup::Map(map) => Ok(map.get(var).map(|v| Zeroizing::new(v.clone()))),
        }
    }
}

/// One variable found: the key it sets, its name and its value.
#[derive(Clone)]
pub(crate) struct EnvVar {
    pub(crate) key: String,
    pub(crate) var: String,
    pub(crate) value: Zeroizing<String>,
}

/// The process environment layer: a prefix and where to look.
#[derive(Clone, Debug)]
pub(crate) struct ProcessEnv {
    prefix: String,
    lookup: EnvLookup,
}

impl ProcessEnv {
    /// The layer for `prefix` (`""`: the bare keys); an error for a prefix no variable name
    /// can start with.
    pub(crate) fn new(prefix: &str, lookup: EnvLookup) -> Result<Self> {
        if prefix.contains(['=', '\0']) {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "the process environment prefix {prefix:?} contains '=' or a NUL character"
                ),
            ));
        }
        Ok(ProcessEnv {
            prefix: prefix.to_owned(),
            lookup,
        })
    }

    /// The variables set for `keys`: `prefix + key` for each, in the order given. Only these
    /// variables are looked up.
    pub(crate) fn read<'a>(&self, keys: impl IntoIterator<Item = &'a str>) -> Result<Vec<EnvVar>> {
        let mut found = Vec::new();
        for key in keys {
            let var = format!("{}{key}", self.prefix);
            if let Some(value) = self.lookup.get(&var)? {
                found.push(EnvVar {
                    key: key.to_owned(),
                    var,
                    value,
                });
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(vars: &[(&str, &str)]) -> EnvLookup {
        EnvLookup::Map(Arc::new(
            vars.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ))
    }

    #[test]
    fn only_the_prefixed_keys_asked_for_are_read() {
        let env = ProcessEnv::new(
            "MYAPP_",
            map(&[
                ("MYAPP_DB_URL", "x"),
                ("DB_URL", "bare"),
                ("MYAPP_OTHER", "o"),
            ]),
        )
        .unwrap();
        let found = env.read(["DB_URL", "HTTP_PORT"]).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].key.as_str(), found[0].var.as_str()),
            ("DB_URL", "MYAPP_DB_URL")
        );
        assert_eq!(found[0].value.as_str(), "x");
        let bare = ProcessEnv::new("", map(&[("DB_URL", "bare")])).unwrap();
        assert_eq!(bare.read(["DB_URL"]).unwrap()[0].value.as_str(), "bare");
    }

    #[test]
    fn a_prefix_with_an_equals_sign_is_refused() {
        let err = ProcessEnv::new("A=", EnvLookup::Process).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}
