//! Reading a file to import: a `.env` file (parsed by `dotenvy`, never expanding from the
//! process environment) or JSON (an object, or the records `locker export` writes), into
//! key/value pairs. Problems name the line (and for JSON the column), never the text on it.

use std::collections::{BTreeMap, HashMap};

use zeroize::Zeroizing;

use crate::error::{CliResult, Failure};

/// The kinds of file `locker import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Dotenv,
    Json,
}

impl Kind {
    /// JSON for a `.json` name or text that starts with `{` or `[`; dotenv otherwise.
    pub(crate) fn guess(name: &str, text: &str) -> Kind {
        let text = text.trim_start();
        if name.to_ascii_lowercase().ends_with(".json")
            || text.starts_with('{')
            || text.starts_with('[')
        {
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
    /// Keys of `.env` lines whose value refers to another key (`$NAME`, `${NAME}` outside
    /// single quotes): expanded with `--expand`, stored as written without it.
    pub(crate) references: Vec<String>,
}

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entries")
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .field("repeated", &self.repeated)
            .field("references", &self.references)
            .finish()
    }
}

/// Parses `text` (from the file `name`) as `kind`. The last value of a repeated key wins.
///
/// A `.env` value is stored as written: `$NAME` and `${NAME}` are never looked up in the
/// process environment. With `expand`, they are replaced by the value of a key set earlier in
/// the same file (and naming any other is an error).
///
/// # Errors
///
/// A usage failure naming the file and the line of the first problem.
pub(crate) fn parse(name: &str, text: &str, kind: Kind, expand: bool) -> CliResult<Entries> {
    let (pairs, references) = match kind {
        Kind::Dotenv => parse_dotenv(name, text, expand)?,
        Kind::Json => (parse_json(name, text)?, Vec::new()),
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
    Ok(Entries {
        values,
        repeated,
        references,
    })
}

type Pairs = Vec<(String, Zeroizing<String>)>;

/// Stand-ins for `$` while dotenvy reads the file: dotenvy (0.15) expands every `$NAME` it
/// sees from the process environment first, which would copy a variable such as
/// LOCKER_SECRET_ACCESS_KEY into a stored value. dotenvy sees no `$` it could expand: each is
/// either escaped (`\$`, which dotenvy reads as a plain `$`) or replaced by a character the
/// file does not hold, put back (or expanded from earlier keys) afterwards.
#[derive(Debug, Clone, Copy)]
struct Dollar {
    /// A `$` that may start a reference (outside single quotes and comments).
    reference: char,
    /// A `$` that is plain text (inside single quotes or a comment).
    literal: char,
}

impl Dollar {
    /// Two private-use characters that `text` does not hold.
    fn unused_in(text: &str) -> CliResult<Dollar> {
        let mut free = ('\u{F0000}'..='\u{FFFFD}').filter(|c| !text.contains(*c));
        match (free.next(), free.next()) {
            (Some(reference), Some(literal)) => Ok(Dollar { reference, literal }),
            _ => Err(Failure::usage(
                "the file holds too many private-use characters",
            )),
        }
    }

    /// `text` with every `$` that dotenvy would expand replaced.
    ///
    /// Safety against expansion rests only on counting backslashes: a `$` after an odd run
    /// of them is escaped in every context dotenvy has (or literal in single quotes) and is
    /// left alone; every other `$` is replaced. The quote tracking only chooses which
    /// stand-in, so a file it misreads can at worst expand from earlier keys, never from the
    /// process environment.
    fn guard(self, text: &str) -> Zeroizing<String> {
        #[derive(PartialEq)]
        enum At {
            LineStart,
            Value { after_space: bool },
            Single,
            Double,
            Comment,
        }
        let mut out = Zeroizing::new(String::with_capacity(text.len()));
        let mut at = At::LineStart;
        let mut backslashes = 0usize;
        let mut escaped = false;
        for c in text.chars() {
            if c == '$' && backslashes.is_multiple_of(2) {
                out.push(match at {
                    At::Single | At::Comment => self.literal,
                    _ => self.reference,
                });
            } else {
                out.push(c);
            }
            backslashes = if c == '\\' { backslashes + 1 } else { 0 };
            if escaped {
                escaped = false;
                continue;
            }
            at = match (at, c) {
                (At::Comment, '\n') | (At::Value { .. }, '\n') => At::LineStart,
                (At::Comment, _) => At::Comment,
                (At::LineStart, '#') | (At::Value { after_space: true }, '#') => At::Comment,
                (At::LineStart, c) if c.is_whitespace() => At::LineStart,
                (At::Single, '\'') => At::Value { after_space: false },
                (At::Single, _) => At::Single,
                (At::Double, '"') => At::Value { after_space: false },
                (At::Double, '\\') => {
                    escaped = true;
                    At::Double
                }
                (At::Double, _) => At::Double,
                (_, '\'') => At::Single,
                (_, '"') => At::Double,
                (_, '\\') => {
                    escaped = true;
                    At::Value { after_space: false }
                }
                (_, c) => At::Value {
                    after_space: c == ' ' || c == '\t',
                },
            };
        }
        out
    }

    /// Whether `value` (as dotenvy read it) holds a reference: `$NAME` or `${NAME}`.
    fn refers(self, value: &str) -> bool {
        value.split(self.reference).skip(1).any(|after| {
            after.starts_with(|c: char| c == '{' || c == '_' || c.is_ascii_alphabetic())
        })
    }

    /// `value` with its stand-ins put back as `$`.
    fn restore(self, value: &str) -> Zeroizing<String> {
        Zeroizing::new(
            value
                .chars()
                .map(|c| {
                    if c == self.reference || c == self.literal {
                        '$'
                    } else {
                        c
                    }
                })
                .collect(),
        )
    }

    /// `value` with `$NAME` and `${NAME}` replaced by the values of keys in `earlier`.
    fn expand(
        self,
        file: &str,
        key: &str,
        value: &str,
        earlier: &HashMap<String, Zeroizing<String>>,
    ) -> CliResult<Zeroizing<String>> {
        let mut out = Zeroizing::new(String::with_capacity(value.len()));
        let mut rest = value;
        while let Some(c) = rest.chars().next() {
            rest = &rest[c.len_utf8()..];
            if c == self.literal {
                out.push('$');
                continue;
            }
            if c != self.reference {
                out.push(c);
                continue;
            }
            let name = if let Some(inner) = rest.strip_prefix('{') {
                let Some(end) = inner.find('}') else {
                    return Err(Failure::usage(format!(
                        "{file}: the value of {key} has a ${{ that is never closed"
                    )));
                };
                rest = &inner[end + 1..];
                let name = &inner[..end];
                if !is_name(name) {
                    return Err(Failure::usage(format!(
                        "{file}: the value of {key} has a ${{…}} that holds no variable name"
                    )));
                }
                name
            } else {
                let end = rest
                    .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                    .unwrap_or(rest.len());
                let name = &rest[..end];
                if !is_name(name) {
                    out.push('$');
                    continue;
                }
                rest = &rest[end..];
                name
            };
            let Some(found) = earlier.get(name) else {
                return Err(Failure::usage(format!(
                    "{file}: {key} refers to ${name}, which no earlier line of the file sets \
                     (write \\$ or use single quotes for a literal $)"
                )));
            };
            out.push_str(found);
        }
        Ok(out)
    }
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`.
fn is_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn parse_dotenv(name: &str, text: &str, expand: bool) -> CliResult<(Pairs, Vec<String>)> {
    let dollar = Dollar::unused_in(text)?;
    let guarded = dollar.guard(text);
    // dotenvy parses the whole file; it does not say on which line a problem is, so a failure
    // is located by a second, line-by-line pass.
    let mut pairs = Vec::new();
    let mut references = Vec::new();
    let mut earlier: HashMap<String, Zeroizing<String>> = HashMap::new();
    for item in dotenvy::from_read_iter(guarded.as_bytes()) {
        match item {
            Ok((k, v)) => {
                let v = Zeroizing::new(v);
                if dollar.refers(&v) && !references.contains(&k) {
                    references.push(k.clone());
                }
                let value = if expand {
                    dollar.expand(name, &k, &v, &earlier)?
                } else {
                    dollar.restore(&v)
                };
                earlier.insert(k.clone(), value.clone());
                pairs.push((k, value));
            }
            Err(dotenvy::Error::Io(e)) => {
                return Err(Failure::usage(format!("{name}: could not read: {e}")));
            }
            // The error carries the line's text, which may hold a secret: never show it.
            Err(_) => {
                let (line, problem) = locate_dotenv_error(&guarded);
                return Err(Failure::usage(format!("{name}: line {line}: {problem}")));
            }
        }
    }
    Ok((pairs, references))
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

const JSON_SHAPES: &str = "a JSON object of strings, or an array of {\"key\", \"value\"} \
                           records as `locker export --format json` writes";

/// A JSON object of strings (`{"KEY": "value"}`), or the array of records that
/// `locker export --format json` and the official clients write (`[{"key": …, "value": …}]`,
/// other fields ignored).
fn parse_json(name: &str, text: &str) -> CliResult<Pairs> {
    let document: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        // serde_json's message can quote the input; say only where and what kind.
        let what = match e.classify() {
            serde_json::error::Category::Eof => "the JSON ends too early",
            _ => "not valid JSON",
        };
        Failure::usage(format!(
            "{name}: line {} column {}: {what}",
            e.line(),
            e.column()
        ))
    })?;
    let scalar = |value: serde_json::Value, what: &dyn Fn() -> String| match value {
        serde_json::Value::String(s) => Ok(Zeroizing::new(s)),
        serde_json::Value::Number(n) => Ok(Zeroizing::new(n.to_string())),
        serde_json::Value::Bool(b) => Ok(Zeroizing::new(b.to_string())),
        _ => Err(Failure::usage(format!(
            "{name}: {} must be a string, number or boolean",
            what()
        ))),
    };
    match document {
        serde_json::Value::Object(object) => {
            let mut pairs = Vec::with_capacity(object.len());
            for (key, value) in object {
                let value = scalar(value, &|| format!("the value of {key:?}"))?;
                pairs.push((key, value));
            }
            Ok(pairs)
        }
        serde_json::Value::Array(records) => {
            let mut pairs = Vec::with_capacity(records.len());
            for (i, record) in records.into_iter().enumerate() {
                let number = i + 1;
                let serde_json::Value::Object(mut record) = record else {
                    return Err(Failure::usage(format!(
                        "{name}: record {number} is not an object; expected {JSON_SHAPES}"
                    )));
                };
                let Some(serde_json::Value::String(key)) = record.remove("key") else {
                    return Err(Failure::usage(format!(
                        "{name}: record {number} has no \"key\" string"
                    )));
                };
                let Some(value) = record.remove("value") else {
                    return Err(Failure::usage(format!(
                        "{name}: record {number} ({key:?}) has no \"value\""
                    )));
                };
                let value = scalar(value, &|| format!("the value of record {number} ({key:?})"))?;
                pairs.push((key, value));
            }
            Ok(pairs)
        }
        _ => Err(Failure::usage(format!("{name}: expected {JSON_SHAPES}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dotenv(text: &str) -> BTreeMap<String, String> {
        parse(".env", text, Kind::Dotenv, false)
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
        let e = parse(".env", text, Kind::Dotenv, false).unwrap_err();
        assert_eq!(e.code(), crate::error::USAGE);
        let msg = e.to_string();
        assert!(msg.starts_with(".env: line 4:"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn an_unclosed_quote_names_the_line_it_opens() {
        let e = parse(".env", "A=1\nB='open\nC=3\n", Kind::Dotenv, false).unwrap_err();
        assert!(e.to_string().starts_with(".env: line 2:"), "{e}");
    }

    #[test]
    fn repeated_keys_keep_the_last_value() {
        let e = parse(".env", "A=1\nA=2\n", Kind::Dotenv, false).unwrap();
        assert_eq!(e.values["A"].as_str(), "2");
        assert_eq!(e.repeated, ["A"]);
    }

    #[test]
    fn expanding_values_are_noticed() {
        let text = "A=pa$$word\nB='lit $X'\nC=\"x \\$y\"\nexport D=\"${A}-z\"\n# E=$F\nG=plain\n";
        let e = parse(".env", text, Kind::Dotenv, false).unwrap();
        assert_eq!(e.references, ["A", "D"]);
    }

    #[test]
    fn json_objects() {
        let e = parse(
            "x.json",
            r#"{"A": "1", "B": 2, "C": true}"#,
            Kind::Json,
            false,
        )
        .unwrap();
        let got: Vec<(&str, &str)> = e
            .values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, [("A", "1"), ("B", "2"), ("C", "true")]);
        let e = parse("x.json", "{\"A\": [\"hunter2\"]}", Kind::Json, false).unwrap_err();
        assert!(e.to_string().contains("\"A\"") && !e.to_string().contains("hunter2"));
        let e = parse(
            "x.json",
            "{\"A\": \"1\",\n \"B\" hunter2}",
            Kind::Json,
            false,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("x.json: line 2"), "{e}");
        assert!(!e.to_string().contains("hunter2"));
        assert!(parse("x.json", "[1]", Kind::Json, false).is_err());
    }

    fn expanded(text: &str) -> CliResult<BTreeMap<String, String>> {
        Ok(parse(".env", text, Kind::Dotenv, true)?
            .values
            .into_iter()
            .map(|(k, v)| (k, v.as_str().to_string()))
            .collect())
    }

    #[test]
    fn dollars_are_stored_as_written_and_never_read_from_the_process_environment() {
        // PATH and HOME are set in any test process.
        let v = dotenv(concat!(
            "A=pa$$word\n",
            "B=${PATH}\n",
            "C=\"x $HOME y\"\n",
            "D='${PATH}'\n",
            "E=\\$PATH\n",
            "F=\"a\\\\$PATH\"\n",
            "G=$\n",
        ));
        assert_eq!(v["A"], "pa$$word");
        assert_eq!(v["B"], "${PATH}");
        assert_eq!(v["C"], "x $HOME y");
        assert_eq!(v["D"], "${PATH}");
        assert_eq!(v["E"], "$PATH");
        assert_eq!(v["F"], "a\\$PATH");
        assert_eq!(v["G"], "$");
        let path = std::env::var("PATH").unwrap_or_default();
        for value in v.values() {
            assert!(path.is_empty() || !value.contains(&path), "{value:?}");
        }
        // dotenvy joins these two lines into one entry (it takes `\'` in single quotes for an
        // escaped quote while reading lines) and then reads `$PATH` outside quotes: where
        // dotenvy would expand it from the environment, the file is refused instead.
        assert!(parse(".env", "H='x\\'\nI=$PATH'\n", Kind::Dotenv, false).is_err());
    }

    #[test]
    fn expand_reads_earlier_keys_only() {
        let v = expanded(concat!(
            "HOST=db.local\n",
            "URL=postgres://${HOST}:5432/$HOST\n",
            "QUOTED=\"[$HOST]\"\n",
            "SINGLE='$HOST'\n",
            "ESCAPED=\\$HOST\n",
            "PRICE=5$\n",
            "HOST=other\n",
            "LATER=$HOST\n",
        ))
        .unwrap();
        assert_eq!(v["URL"], "postgres://db.local:5432/db.local");
        assert_eq!(v["QUOTED"], "[db.local]");
        assert_eq!(v["SINGLE"], "$HOST");
        assert_eq!(v["ESCAPED"], "$HOST");
        assert_eq!(v["PRICE"], "5$");
        assert_eq!(v["LATER"], "other");

        // Not from the process environment, nor from a key set later.
        let e = expanded("A=${PATH}\n").unwrap_err();
        assert!(e.to_string().contains("A refers to $PATH"), "{e}");
        let e = expanded("A=$B\nB=1\n").unwrap_err();
        assert!(e.to_string().contains("A refers to $B"), "{e}");
        let e = expanded("A=1\nB=\"${A\"\n").unwrap_err();
        assert!(e.to_string().contains("never closed"), "{e}");
    }

    #[test]
    fn json_arrays_of_records() {
        let text = r#"[
            {"id": "1", "key": "A", "value": "x\r\ny", "description": null},
            {"key": "B", "value": 2, "environment_name": "dev"}
        ]"#;
        let e = parse("-", text, Kind::guess("-", text), false).unwrap();
        assert_eq!(e.values["A"].as_str(), "x\r\ny");
        assert_eq!(e.values["B"].as_str(), "2");
        let e = parse("x.json", r#"[{"value": "hunter2"}]"#, Kind::Json, false).unwrap_err();
        assert!(e.to_string().contains("record 1 has no"), "{e}");
        assert!(!e.to_string().contains("hunter2"));
        let e = parse("x.json", r#"[{"key": "A"}]"#, Kind::Json, false).unwrap_err();
        assert!(e.to_string().contains("no \"value\""), "{e}");
        assert!(parse("x.json", "\"hunter2\"", Kind::Json, false).is_err());
    }

    #[test]
    fn kind_is_guessed_from_name_and_text() {
        assert_eq!(Kind::guess("a.JSON", ""), Kind::Json);
        assert_eq!(Kind::guess("-", "  {\"A\":\"1\"}"), Kind::Json);
        assert_eq!(Kind::guess(".env", "A=1"), Kind::Dotenv);
        assert_eq!(Kind::guess("-", "\n[{\"key\": \"A\"}]"), Kind::Json);
    }
}
