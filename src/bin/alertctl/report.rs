//! Printing diagnostics in the three formats `--format` offers.

use std::io::IsTerminal;

use alertctl::diag::{Diagnostic, Diagnostics, Severity};
use serde::Serialize;

use crate::cli::{ColorChoice, Format};

pub fn use_color(choice: ColorChoice, stream_is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

pub fn stderr_color(choice: ColorChoice) -> bool {
    use_color(choice, std::io::stderr().is_terminal())
}

pub fn stdout_color(choice: ColorChoice) -> bool {
    use_color(choice, std::io::stdout().is_terminal())
}

pub fn human(d: &Diagnostic, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_context_lines(1);
    let mut out = String::new();
    let _ = handler.render_report(&mut out, d);
    out
}

#[derive(Serialize)]
struct JsonLocation {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    label: String,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    code: &'static str,
    severity: Severity,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<JsonLocation>,
    related: Vec<JsonLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

fn json_loc(l: &alertctl::diag::Location) -> JsonLocation {
    let (line, column) = l.line_col();
    let (end_line, end_column) = alertctl::diag::line_col(&l.source.text, l.span.end);
    JsonLocation {
        file: l.source.path.to_string(),
        line,
        column,
        end_line,
        end_column,
        label: l.label.clone(),
    }
}

pub fn json_value(diags: &Diagnostics) -> serde_json::Value {
    let items: Vec<JsonDiagnostic> = diags
        .sorted()
        .into_iter()
        .map(|d| JsonDiagnostic {
            code: d.code.as_str(),
            severity: d.severity,
            message: d.message.clone(),
            location: d.primary.as_ref().map(json_loc),
            related: d.related.iter().map(json_loc).collect(),
            hint: d.hint.clone(),
        })
        .collect();
    serde_json::to_value(items).unwrap_or_default()
}

fn gh_escape(s: &str, property: bool) -> String {
    let mut s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        s = s.replace(':', "%3A").replace(',', "%2C");
    }
    s
}

/// GitHub resolves annotation paths against the repository root, not the rules dir.
pub fn github(d: &Diagnostic, prefix: &str) -> String {
    let level = if d.severity == Severity::Error {
        "error"
    } else {
        "warning"
    };
    let mut msg = d.message.clone();
    if let Some(h) = &d.hint {
        msg.push_str(&format!("\nhint: {h}"));
    }
    for r in &d.related {
        let (line, col) = r.line_col();
        msg.push_str(&format!("\n{}:{line}:{col}: {}", r.source.path, r.label));
    }
    let mut props = vec![format!(
        "title={}",
        gh_escape(&format!("alertctl {}", d.code.as_str()), true)
    )];
    if let Some((file, line, col)) = d.position() {
        let (end_line, end_col) = d
            .primary
            .as_ref()
            .map(|l| alertctl::diag::line_col(&l.source.text, l.span.end))
            .unwrap_or((line, col));
        props.insert(
            0,
            format!(
                "file={},line={line},col={col},endLine={end_line},endColumn={end_col}",
                gh_escape(&format!("{prefix}{file}"), true)
            ),
        );
    }
    format!("::{level} {}::{}", props.join(","), gh_escape(&msg, false))
}

/// Prints every diagnostic (sorted) to stderr, or for `json` nothing (the caller embeds
/// `json_value` in its document).
pub fn print(diags: &Diagnostics, format: Format, color: bool, root: &std::path::Path) {
    let prefix = if format == Format::Github {
        repo_prefix(root)
    } else {
        String::new()
    };
    for d in diags.sorted() {
        match format {
            Format::Human => eprintln!("{}", human(d, color)),
            Format::Github => println!("{}", github(d, &prefix)),
            Format::Json => {}
        }
    }
}

pub fn counts(diags: &Diagnostics) -> String {
    alertctl::diag::counts(diags)
}

/// The rules directory's path inside its git repository (`ops/alerts/`), or its path
/// relative to the current directory when it is not in one.
pub fn repo_prefix(root: &std::path::Path) -> String {
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let base = root
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(std::path::Path::to_path_buf)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    match root.strip_prefix(&base) {
        Ok(rel) if rel.as_os_str().is_empty() => String::new(),
        Ok(rel) => format!(
            "{}/",
            alertctl::load::relative(std::path::Path::new(""), rel)
        ),
        Err(_) => String::new(),
    }
}

/// The version of every machine-readable document alertctl prints: the top-level
/// `"schema"` key. Within one version fields are only ever added; removing, renaming or
/// changing the meaning of one raises it (docs/commands.md, "Machine-readable output").
pub const SCHEMA: u32 = 1;

/// A JSON (or YAML) document for stdout: `doc`, an object, with `"schema"` added. Every
/// `--format json|yaml` output goes through here (or `json_document`), so none lacks it.
pub fn document(doc: impl Serialize) -> serde_json::Value {
    let mut v = serde_json::to_value(doc).unwrap_or_default();
    match &mut v {
        serde_json::Value::Object(m) => {
            m.insert("schema".into(), SCHEMA.into());
        }
        other => panic!("a machine-readable document is an object, not {other}"),
    }
    v
}

/// `document(doc)` as pretty JSON, keys sorted, with a final newline.
pub fn json_document(doc: impl Serialize) -> String {
    let mut s = serde_json::to_string_pretty(&document(doc)).unwrap_or_default();
    s.push('\n');
    s
}

/// `document(doc)` as YAML, for the commands that offer `--format yaml`.
pub fn yaml_document(doc: impl Serialize) -> String {
    serde_yaml::to_string(&document(doc)).unwrap_or_default()
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, word: &str) -> String {
    alertctl::diag::plural(n, word)
}
