//! Rendering secrets as dotenv or JSON ([`crate::Locker::export`]).

use crate::error::{Error, ErrorKind, Result};
use crate::model::SecretRecord;

/// The output format of [`crate::Locker::export`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExportFormat {
    /// One `KEY="value"` line per secret, sorted by key (then environment). Inside the quotes
    /// `\`, `"`, `$` and newline are escaped as `\\`, `\"`, `\$`, `\n`; every other character,
    /// a carriage return included, is written as is (dotenv readers such as `dotenvy` know no
    /// `\r`), so `locker import` reads every value back byte for byte.
    /// Secrets whose key is not a valid variable name (`^[A-Za-z_][A-Za-z0-9_]*$`) are skipped
    /// with a warning naming the key. Exporting every environment can repeat a key (one line
    /// per environment; most loaders keep the last).
    Dotenv,
    /// A pretty-printed JSON array of objects with `key`, `value`, `description`,
    /// `environment_name`, `environment_id` and `id`, sorted like [`ExportFormat::Dotenv`].
    Json,
}

/// Whether `key` can be a dotenv variable name.
pub(crate) fn is_valid_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Escapes a value for a double-quoted dotenv string, with only the escapes dotenv readers
/// agree on.
pub(crate) fn escape_dotenv(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn render(secrets: &[SecretRecord], format: ExportFormat) -> Result<String> {
    let mut sorted: Vec<&SecretRecord> = secrets.iter().collect();
    sorted.sort_by(|a, b| {
        (a.key.as_str(), a.environment_name.as_deref())
            .cmp(&(b.key.as_str(), b.environment_name.as_deref()))
    });
    match format {
        ExportFormat::Dotenv => {
            let mut out = String::new();
            for s in sorted {
                if !is_valid_key(&s.key) {
                    tracing::warn!(key = %s.key, "skipping a secret whose key is not a valid dotenv name");
                    continue;
                }
                out.push_str(&s.key);
                out.push_str("=\"");
                out.push_str(&escape_dotenv(&s.value));
                out.push_str("\"\n");
            }
            Ok(out)
        }
        ExportFormat::Json => {
            let items: Vec<serde_json::Value> = sorted
                .into_iter()
                .map(|s| {
                    serde_json::json!({
                        "id": s.id,
                        "key": s.key,
                        "value": s.value,
                        "description": s.description,
                        "environment_id": s.environment_id,
                        "environment_name": s.environment_name,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&items).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidInput,
                    "could not render the export as JSON",
                )
                .with_source(e)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_escaping() {
        assert!(is_valid_key("_A1") && is_valid_key("db_url"));
        assert!(
            !is_valid_key("") && !is_valid_key("1A") && !is_valid_key("A-B") && !is_valid_key("É")
        );
        assert_eq!(
            escape_dotenv("a\"b\\c$d\ne\rf\tg"),
            "a\\\"b\\\\c\\$d\\ne\rf\tg"
        );
    }
}
