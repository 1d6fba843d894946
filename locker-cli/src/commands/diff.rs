//! `locker diff A B`: which keys each environment has and whether their values agree. Values
//! are compared in memory and never printed.

use serde_json::json;

use crate::cli::DiffArgs;
use crate::context::Context;
use crate::error::{CliResult, OK};
use crate::output;
use crate::source::{self, Layers, Values};
use crate::wording::say_where_from;

/// The keys of two environments, by how they compare (each list sorted).
#[derive(Debug, Default, PartialEq, Eq)]
struct Comparison<'a> {
    only_a: Vec<&'a str>,
    only_b: Vec<&'a str>,
    equal: Vec<&'a str>,
    different: Vec<&'a str>,
}

fn compare<'a>(a: &'a Values, b: &'a Values) -> Comparison<'a> {
    let mut c = Comparison::default();
    for (key, value) in a.iter() {
        match b.get(key) {
            None => c.only_a.push(key),
            Some(other) if other == value => c.equal.push(key),
            Some(_) => c.different.push(key),
        }
    }
    c.only_b = b
        .iter()
        .map(|(k, _)| k)
        .filter(|k| a.get(k).is_none())
        .collect();
    c
}

pub(crate) async fn run(ctx: &mut Context, args: DiffArgs) -> CliResult<u8> {
    let locker = ctx.client()?;
    let none = Layers::default();
    let (a, b) = tokio::try_join!(
        source::load(&locker, &args.a, &none),
        source::load(&locker, &args.b, &none)
    )?;
    say_where_from(&args.a, &a);
    say_where_from(&args.b, &b);
    let c = compare(&a, &b);
    if args.json {
        output::write_json(&json!({
            "a": args.a,
            "b": args.b,
            "only_in_a": c.only_a,
            "only_in_b": c.only_b,
            "equal": c.equal,
            "different": c.different,
        }))?;
        return Ok(OK);
    }
    if output::stdout_is_terminal() {
        let mut text = String::new();
        let groups = [
            (format!("only in {}", args.a), &c.only_a),
            (format!("only in {}", args.b), &c.only_b),
            ("values differ".to_string(), &c.different),
            ("same value".to_string(), &c.equal),
        ];
        for (title, keys) in groups {
            if keys.is_empty() {
                continue;
            }
            text.push_str(&format!("{title} ({}):\n", keys.len()));
            for key in keys {
                text.push_str(&format!("  {key}\n"));
            }
        }
        if text.is_empty() {
            text = format!("neither {} nor {} has any key\n", args.a, args.b);
        }
        output::write_stdout(&text)?;
    } else {
        let mut rows: Vec<(&str, &str)> = Vec::new();
        rows.extend(c.only_a.iter().map(|k| (*k, "only-a")));
        rows.extend(c.only_b.iter().map(|k| (*k, "only-b")));
        rows.extend(c.equal.iter().map(|k| (*k, "equal")));
        rows.extend(c.different.iter().map(|k| (*k, "different")));
        rows.sort();
        let text: String = rows
            .into_iter()
            .map(|(key, status)| format!("{status}\t{key}\n"))
            .collect();
        output::write_stdout(&text)?;
    }
    Ok(OK)
}
