//! Writing results: tables on a terminal, tab-separated lines for scripts, JSON for machines.
//! Data goes to stdout; everything else (notes, progress, errors) to stderr.

use std::io::{self, IsTerminal as _, Write as _};

use comfy_table::{ContentArrangement, Table, modifiers, presets};

use crate::error::{CliResult, Failure};

/// Whether stdout is a terminal (a person reads it) rather than a pipe or a file.
pub(crate) fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// Whether stderr is a terminal (progress bars make sense).
pub(crate) fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

/// Writes `text` to stdout. A closed pipe (`locker … | head -1`) is not an error.
pub(crate) fn write_stdout(text: &str) -> CliResult<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::error(format!(
            "could not write to standard output: {e}"
        ))),
    }
}

/// Writes `value` as pretty JSON and a newline to stdout.
pub(crate) fn write_json(value: &serde_json::Value) -> CliResult<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::error(format!("could not render JSON: {e}")))?;
    text.push('\n');
    write_stdout(&text)
}

/// Writes rows: a table with `headers` on a terminal, else one tab-separated line per row
/// without a header (tabs, newlines and backslashes in cells escaped as `\t`, `\n`, `\\`).
pub(crate) fn write_rows(headers: &[&str], rows: &[Vec<String>]) -> CliResult<()> {
    if stdout_is_terminal() {
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .apply_modifier(modifiers::UTF8_ROUND_CORNERS)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(headers.iter().copied());
        // A terminal that reports no usable width (some pseudo-terminals say 0) gets the
        // table at its natural width rather than squeezed into nothing.
        if table.width().is_none_or(|w| w < 40) {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
        for row in rows {
            table.add_row(row.iter().map(String::as_str));
        }
        write_stdout(&format!("{table}\n"))
    } else {
        write_stdout(&tab_separated(rows))
    }
}

fn tab_separated(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| escape_cell(c)).collect();
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

fn escape_cell(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    for c in cell.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// A Locker timestamp (seconds since the epoch) as RFC 3339, or "" when absent or absurd.
pub(crate) fn timestamp(seconds: Option<f64>) -> String {
    seconds
        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        .and_then(|d| std::time::UNIX_EPOCH.checked_add(d))
        .map(|t| humantime::format_rfc3339_seconds(t).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_rows_are_tab_separated_and_escaped() {
        let rows = vec![
            vec!["A".to_string(), "x\ty\nz\\".to_string()],
            vec!["B".to_string(), String::new()],
        ];
        assert_eq!(tab_separated(&rows), "A\tx\\ty\\nz\\\\\nB\t\n");
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(Some(0.0)), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(Some(1_700_000_000.5)), "2023-11-14T22:13:20Z");
        assert_eq!(timestamp(None), "");
        assert_eq!(timestamp(Some(-1.0)), "");
        assert_eq!(timestamp(Some(f64::NAN)), "");
    }
}
