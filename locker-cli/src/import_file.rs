//! Reading a file to import: a `.env` file (parsed by `dotenvy`) or a JSON object, into
//! key/value pairs. Problems name the line (and for JSON the column), never the text on it.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::error::{CliResult, Failure};

/// The kinds of file `locker import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Dotenv,
    Json,
}

impl Kind {
    /// JSON for a `.json` name or text that starts with `{`; dotenv otherwise.
    pub(crate) fn guess(name: &str, text: &str) -> Kind {
        if name.to_ascii_lowercase().ends_with(".json") || text.trim_start().starts_with('{') {
            Kind::Json
        } else {
            Kind::Dotenv
        }
    }
}

/// What a file holds: its keys (sorted) and values, and keys given more than once.
pub(crate) struct Entries {
    pub(crate) values: BTreeMap<String, Zeroizing<String>>,
    pub(crate) repeated: Vec<String>,
    /// Keys of `.env` lines whose value has a `$` that dotenv expands (`$NAME`, `${NAME}`).
    pub(crate) expanded: Vec<String>,
}

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entries")
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .field("repeated", &self.repeated)
            .field("expanded", &self.expanded)
            .finish()
    }
}

/// Parses `text` (from the file `name`) as `kind`. The last value of a repeated key wins.
///
/// # Errors
///
/// A usage failure naming the file and the line of the first problem.
pub(crate) fn parse(name: &str, text: &str, kind: Kind) -> CliResult<Entries> {
    let pairs = match kind {
        Kind::Dotenv => parse_dotenv(name, text)?,
        Kind::Json => parse_json(name, text)?,
    };
    let mut values = BTreeMap::new();
    let mut repeated = Vec::new();
    for (key, value) in pairs {
        if key.is_empty() {
            return Err(Failure::usage(format!("{name}: a key is empty")));
        }
        if values.insert(key.clone(), value).is_some() && !repeated.contains(&key) {
            repeated.push(key);
        }
    }
    let expanded = match kind {
        Kind::Dotenv => expanding_keys(text),
        Kind::Json => Vec::new(),
    };
    Ok(Entries {
        values,
        repeated,
        expanded,
    })
}

/// The keys of lines whose value holds a `$` that is neither escaped nor single-quoted: dotenv
/// expands those (from earlier keys or the environment), which silently changes a password
/// such as `pa$$word`. A hint for a note, not a parser: multi-line values are not followed.
fn expanding_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim_start();
        if value.starts_with('\'') {
            continue;
        }
        let mut escaped = false;
        let expands = value.chars().any(|c| {
            let hit = c == '$' && !escaped;
            escaped = c == '\\' && !escaped;
            hit
        });
        if expands {
            keys.push(key.trim().to_string());
        }
    }
    keys
}

fn parse_dotenv(name: &str, text: &str) -> CliResult<Vec<(String, Zeroizing<String>)>> {
    // dotenvy parses the whole file (so `${VAR}` sees earlier keys); it does not say on which
    // line a problem is, so a failure is located by a second, line-by-line pass.
    let mut pairs = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((k, v)) => pairs.push((k, Zeroizing::new(v))),
            Err(dotenvy::Error::Io(e)) => {
                return Err(Failure::usage(format!("{name}: could not read: {e}")));
            }
            // The error carries the line's text, which may hold a secret: never show it.
            Err(_) => {
                let (line, problem) = locate_dotenv_error(text);
                return Err(Failure::usage(format!("{name}: line {line}: {problem}")));
            }
        }
    }
    Ok(pairs)
}

/// The line number (from 1) of the first entry dotenvy rejects, and what is wrong.
fn locate_dotenv_error(text: &str) -> (usize, &'static str) {
    let mut start = 1;
    let mut entry = String::new();
    let mut number = 0;
    for line in text.split_inclusive('\n') {
        number += 1;
        if entry.is_empty() {
            start = number;
        }
        entry.push_str(line);
        match dotenvy::from_read_iter(entry.as_bytes()).collect::<Result<Vec<_>, _>>() {
            Ok(_) => entry.clear(),
            // An open quote (or a trailing backslash) at the end of the input: the entry goes
            // on on the next line.
            Err(dotenvy::Error::LineParse(got, at)) if at == got.len() && got == entry => {}
            Err(_) => {
                return (
                    start,
                    "not a valid KEY=value line (check quotes, escapes and spaces)",
                );
            }
        }
    }
    (start, "a quote opened here is never closed")
}

fn parse_json(name: &str, text: &str) -> CliResult<Vec<(String, Zeroizing<String>)>> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| {
            // serde_json's message can quote the input; say only where and what kind.
            let what = match e.classify() {
                serde_json::error::Category::Data => "expected a JSON object of strings",
                serde_json::error::Category::Eof => "the JSON ends too early",
                _ => "not valid JSON",
            };
            Failure::usage(format!(
                "{name}: line {} column {}: {what}",
                e.line(),
                e.column()
            ))
        })?;
    let mut pairs = Vec::with_capacity(object.len());
    for (key, value) in object {
        let value = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => {
                return Err(Failure::usage(format!(
                    "{name}: the value of {key:?} must be a string, number or boolean"
                )));
            }
        };
        pairs.push((key, Zeroizing::new(value)));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dotenv(text: &str) -> BTreeMap<String, String> {
        parse(".env", text, Kind::Dotenv)
            .unwrap()
            .values
            .into_iter()
            .map(|(k, v)| (k, v.as_str().to_string()))
            .collect()
    }

    #[test]
    fn dotenv_quotes_comments_export_and_multiline() {
        let v = dotenv(
            "# a comment\n\
             export A=1\n\
             B='single # not a comment'\n\
             C=\"double \\\"quoted\\\" \\$HOME\"\n\
             D=plain # trailing comment\n\
             E=\"line one\nline two\"\n\
             F=a=b=c\n\
             G=\"ünïcødé ✓\"\n\
             H=日本語\n\
             \n",
        );
        assert_eq!(v["A"], "1");
        assert_eq!(v["B"], "single # not a comment");
        assert_eq!(v["C"], "double \"quoted\" $HOME");
        assert_eq!(v["D"], "plain");
        assert_eq!(v["E"], "line one\nline two");
        assert_eq!(v["F"], "a=b=c");
        assert_eq!(v["G"], "ünïcødé ✓");
        assert_eq!(v["H"], "日本語");
        assert_eq!(v.len(), 8);
    }

    #[test]
    fn a_bad_line_is_named_without_its_text() {
        let text = "A=1\nB=\"two\nlines\"\nC=has spaces hunter2\nD=4\n";
        let e = parse(".env", text, Kind::Dotenv).unwrap_err();
        assert_eq!(e.code(), crate::error::USAGE);
        let msg = e.to_string();
        assert!(msg.starts_with(".env: line 4:"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn an_unclosed_quote_names_the_line_it_opens() {
        let e = parse(".env", "A=1\nB='open\nC=3\n", Kind::Dotenv).unwrap_err();
        assert!(e.to_string().starts_with(".env: line 2:"), "{e}");
    }

    #[test]
    fn repeated_keys_keep_the_last_value() {
        let e = parse(".env", "A=1\nA=2\n", Kind::Dotenv).unwrap();
        assert_eq!(e.values["A"].as_str(), "2");
        assert_eq!(e.repeated, ["A"]);
    }

    #[test]
    fn expanding_values_are_noticed() {
        let text = "A=pa$$word\nB='lit $X'\nC=\"x \\$y\"\nexport D=\"${A}-z\"\n# E=$F\nG=plain\n";
        let e = parse(".env", text, Kind::Dotenv).unwrap();
        assert_eq!(e.expanded, ["A", "D"]);
    }

    #[test]
    fn json_objects() {
        let e = parse("x.json", r#"{"A": "1", "B": 2, "C": true}"#, Kind::Json).unwrap();
        let got: Vec<(&str, &str)> = e
            .values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, [("A", "1"), ("B", "2"), ("C", "true")]);
        let e = parse("x.json", "{\"A\": [\"hunter2\"]}", Kind::Json).unwrap_err();
        assert!(e.to_string().contains("\"A\"") && !e.to_string().contains("hunter2"));
        let e = parse("x.json", "{\"A\": \"1\",\n \"B\" hunter2}", Kind::Json).unwrap_err();
        assert!(e.to_string().starts_with("x.json: line 2"), "{e}");
        assert!(!e.to_string().contains("hunter2"));
        assert!(parse("x.json", "[1]", Kind::Json).is_err());
    }

    #[test]
    fn kind_is_guessed_from_name_and_text() {
        assert_eq!(Kind::guess("a.JSON", ""), Kind::Json);
        assert_eq!(Kind::guess("-", "  {\"A\":\"1\"}"), Kind::Json);
        assert_eq!(Kind::guess(".env", "A=1"), Kind::Dotenv);
    }
}
