//! Templates of a config's keys: an `.env.example`, a Markdown table and the JSON schema, from
//! `describe()`.

use std::fmt::Write as _;

use super::LockerConfig;
use super::field::FieldInfo;
use super::schema::Schema;

/// The format of `AppConfig::template(…)`.
///
/// ```
/// use locker_config::{LockerConfig, Secret, TemplateFormat};
///
/// #[derive(LockerConfig)]
/// struct AppConfig {
///     /// Postgres connection string.
///     database_url: Secret<String>,
///     #[locker(default = 443, default_in(dev = 8080))]
///     port: u16,
/// }
///
/// let lines = [
///     "# AppConfig",
///     "",
///     "# database_url: Postgres connection string.",
///     "# Secret<String>, required, secret",
///     "DATABASE_URL=",
///     "",
///     "# port",
///     "# u16, default 443 (dev: 8080)",
///     "PORT=443",
/// ];
/// assert_eq!(AppConfig::template(TemplateFormat::Dotenv), lines.join("\n") + "\n");
/// assert!(AppConfig::template(TemplateFormat::Markdown).starts_with("| Key | Field |"));
/// assert!(AppConfig::template(TemplateFormat::Json).starts_with("{\n  \"format\": 1,"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TemplateFormat {
    /// An `.env.example`: per key its doc comment, type, rules and defaults as comments, then
    /// `KEY=default` (empty for secrets and fields without a default).
    Dotenv,
    /// A Markdown table for a README: key, field, type, default(s), required, secret,
    /// description.
    Markdown,
    /// The JSON schema (`format` 1) that `locker check --schema FILE --env E` checks an
    /// environment against without building the app: per key, in field order, its key, field,
    /// type, required, required_in, default, default_in, secret, aliases and doc. See
    /// [`Schema`](crate::config::Schema).
    Json,
}

/// `T::template(format)`.
pub(crate) fn render<T: LockerConfig>(format: TemplateFormat) -> String {
    let fields = T::describe();
    match format {
        TemplateFormat::Dotenv => dotenv(T::NAME, fields),
        TemplateFormat::Markdown => markdown(fields),
        TemplateFormat::Json => Schema::of::<T>().to_json(),
    }
}

fn dotenv(name: &str, fields: &[FieldInfo]) -> String {
    let mut out = format!("# {name}\n");
    for info in fields {
        out.push('\n');
        let mut doc = info.doc().lines();
        match doc.next() {
            Some(first) => writeln!(out, "# {}: {first}", info.field()),
            None => writeln!(out, "# {}", info.field()),
        }
        .expect("writing to a String");
        for line in doc {
            writeln!(out, "# {line}").expect("writing to a String");
        }
        writeln!(out, "# {}", summary(info)).expect("writing to a String");
        let value = match info.default() {
            Some(default) if !info.is_secret() && default != "Default::default()" => {
                dotenv_value(default)
            }
            _ => String::new(),
        };
        writeln!(out, "{}={value}", info.key()).expect("writing to a String");
    }
    out
}

/// `u16, default 443 (dev: 8080), list separated by ";", required in prod, secret`.
fn summary(info: &FieldInfo) -> String {
    let mut parts = vec![info.ty().to_owned()];
    let per_env = info
        .defaults_in()
        .iter()
        .map(|(env, value)| format!("{env}: {value}"))
        .collect::<Vec<_>>()
        .join(", ");
    match (info.default(), per_env.is_empty()) {
        (Some(default), true) => parts.push(format!("default {default}")),
        (Some(default), false) => parts.push(format!("default {default} ({per_env})")),
        (None, false) => parts.push(format!("default in {per_env}")),
        (None, true) => {}
    }
    if let Some(delimiter) = info.delimiter().filter(|d| *d != ",") {
        parts.push(format!("list separated by {delimiter:?}"));
    }
    if info.is_optional() {
        parts.push(match info.required_in() {
            [] => "optional".to_owned(),
            envs => format!("required in {}", envs.join(", ")),
        });
    } else if info.default().is_none() {
        parts.push(if info.defaults_in().is_empty() {
            "required".to_owned()
        } else {
            "required elsewhere".to_owned()
        });
    }
    if info.is_secret() {
        parts.push("secret".to_owned());
    }
    if !info.aliases().is_empty() {
        parts.push(format!("deprecated alias {}", info.aliases().join(", ")));
    }
    parts.join(", ")
}

/// A dotenv value, quoted when it holds anything a dotenv reader could take differently.
fn dotenv_value(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.,:/@+%".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn markdown(fields: &[FieldInfo]) -> String {
    let mut out = String::from(
        "| Key | Field | Type | Default | Required | Secret | Description |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for info in fields {
        let mut defaults: Vec<String> = info.default().map(code).into_iter().collect();
        defaults.extend(
            info.defaults_in()
                .iter()
                .map(|(env, value)| format!("{env}: {}", code(value))),
        );
        let required = if info.is_optional() {
            match info.required_in() {
                [] => "no".to_owned(),
                envs => format!("in {}", envs.join(", ")),
            }
        } else if info.default().is_some() {
            "no".to_owned()
        } else if info.defaults_in().is_empty() {
            "yes".to_owned()
        } else {
            "where no default".to_owned()
        };
        let mut description = info.doc().split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(delimiter) = info.delimiter().filter(|d| *d != ",") {
            push_sentence(
                &mut description,
                &format!("Items separated by {}.", code(delimiter)),
            );
        }
        if !info.aliases().is_empty() {
            let aliases: Vec<String> = info.aliases().iter().map(|a| code(a)).collect();
            push_sentence(
                &mut description,
                &format!("Deprecated alias: {}.", aliases.join(", ")),
            );
        }
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            code(info.key()),
            code(info.field()),
            code(info.ty()),
            defaults.join("; "),
            required,
            if info.is_secret() { "yes" } else { "no" },
            cell(&description),
        )
        .expect("writing to a String");
    }
    out
}

fn push_sentence(text: &mut String, sentence: &str) {
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(sentence);
}

/// `text` as inline code in a table cell.
fn code(text: &str) -> String {
    format!("`{}`", cell(text))
}

/// `text` safe inside a table cell: pipes escaped, on one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_values_are_quoted_when_needed() {
        assert_eq!(dotenv_value("30s"), "30s");
        assert_eq!(
            dotenv_value("https://a.example,https://b.example"),
            "https://a.example,https://b.example"
        );
        assert_eq!(dotenv_value("a b"), "\"a b\"");
        assert_eq!(dotenv_value("say \"hi\""), "\"say \\\"hi\\\"\"");
    }

    #[test]
    fn cells_escape_pipes() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(cell("one\ntwo"), "one two");
    }

    #[test]
    fn summaries_name_every_rule() {
        let info = FieldInfo::__new("HOSTS", "hosts", "Option<Vec<String>>", "")
            .__flags(true, true)
            .__rules(&["prod"], &["SERVERS"], Some(";"));
        assert_eq!(
            summary(&info),
            "Option<Vec<String>>, list separated by \";\", required in prod, secret, \
             deprecated alias SERVERS"
        );
        let port = FieldInfo::__new("PORT", "port", "u16", "").__default(None, &[("dev", "1")]);
        assert_eq!(summary(&port), "u16, default in dev: 1, required elsewhere");
    }
}
