//! Printing diagnostics in the formats `--format` offers.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;

use alertctl::diag::{Diagnostic, Diagnostics, Location, Severity, SourceText};
use alertctl::source::text::{escape_unsafe, is_unsafe_char};
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

/// Diagnostics as `validate --format json` prints them (the library's one JSON form).
pub fn json_value(diags: &Diagnostics) -> serde_json::Value {
    diags.json()
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
            .map(|l| l.end_line_col())
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
    let prefix = if matches!(format, Format::Github | Format::Sarif) {
        repo_prefix(root)
    } else {
        String::new()
    };
    if format == Format::Sarif {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let written = serde_json::to_writer_pretty(&mut out, &sarif(diags, &prefix))
            .map_err(std::io::Error::from)
            .and_then(|()| std::io::Write::write_all(&mut out, b"\n"))
            .and_then(|()| std::io::Write::flush(&mut out));
        // As `println!` fails: a closed pipe then ends the run quietly (`main`'s hook).
        if let Err(e) = written {
            panic!("failed printing to stdout: {e}");
        }
        return;
    }
    if format == Format::Human {
        eprint!("{}", human_all(diags, color));
        return;
    }
    let mut shown = Displayable::default();
    for d in diags.sorted() {
        let d = shown.diagnostic(d);
        if format == Format::Github {
            println!("{}", github(&d, &prefix));
        }
    }
}

/// Every diagnostic as [`print`] shows it to people, one after the other (each ends
/// with a line break): laid out apart from printing, so that a caller can lay them out
/// on one thread while another works.
pub fn human_all(diags: &Diagnostics, color: bool) -> String {
    let mut shown = Displayable::default();
    let mut text = String::new();
    for d in diags.sorted() {
        let d = shown.diagnostic(d);
        text.push_str(&human(&without_long_snippets(d), color));
        text.push('\n');
    }
    text
}

/// Diagnostics quote the rules directory, and a terminal (or a CI log viewer) acts on
/// what it is sent: escape sequences, bidi overrides and line breaks in a name or a file
/// could recolour, reorder or forge the lines a reader sees. Text shown to people has
/// them escaped (`\u{202e}`), and snippets of source files have them replaced by
/// characters of the same UTF-8 length, so every span still points where it did.
#[derive(Default)]
struct Displayable {
    /// Source texts already made displayable, by the address of their text.
    sources: HashMap<usize, SourceText>,
}

impl Displayable {
    fn diagnostic(&mut self, d: &Diagnostic) -> Diagnostic {
        let mut out = d.clone();
        out.message = escape_unsafe(&d.message).into_owned();
        out.hint = d.hint.as_deref().map(escape_lines);
        out.primary = d.primary.as_ref().map(|l| self.location(l));
        out.related = d.related.iter().map(|l| self.location(l)).collect();
        out.notes = d.notes.iter().map(|n| self.diagnostic(n)).collect();
        out
    }

    fn location(&mut self, l: &Location) -> Location {
        Location {
            source: self.source(&l.source),
            span: l.span,
            label: escape_unsafe(&l.label).into_owned(),
        }
    }

    fn source(&mut self, s: &SourceText) -> SourceText {
        let text = s.text();
        let key = Arc::as_ptr(text) as *const u8 as usize;
        self.sources
            .entry(key)
            .or_insert_with(|| {
                SourceText::new(
                    escape_unsafe(&s.path).as_ref(),
                    if text.chars().any(is_unsafe_char) {
                        Arc::from(same_length_safe(text))
                    } else {
                        text.clone()
                    },
                )
            })
            .clone()
    }
}

/// A snippet of a very long line would print all of it (megabytes, for a file on one
/// line), and miette cannot draw a caret past column 65535: such a diagnostic names its
/// place in the message instead of showing a snippet.
fn without_long_snippets(mut d: Diagnostic) -> Diagnostic {
    let long = d
        .primary
        .iter()
        .chain(&d.related)
        .any(|l| line_len(l.source.text(), l.span.start()) > MAX_SNIPPET_LINE);
    if long {
        if let Some((file, line, col)) = d.position() {
            d.message = format!("{file}:{line}:{col}: {}", d.message);
        }
        d.primary = None;
        d.related.clear();
    }
    d.notes = d.notes.into_iter().map(without_long_snippets).collect();
    d
}

/// Lines longer than this (in bytes) are not shown in snippets.
const MAX_SNIPPET_LINE: usize = 2000;

/// The length of the line that holds byte `at`.
fn line_len(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    let start = text.as_bytes()[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = text.as_bytes()[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| at + i);
    end - start
}

/// Escapes unsafe characters line by line: a hint may have lines of its own.
fn escape_lines(s: &str) -> String {
    s.split('\n')
        .map(|l| escape_unsafe(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` with every unsafe character but line ends and tabs replaced by one of the
/// same UTF-8 length (`?`, `¿`, `\u{fffd}`).
fn same_length_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let keep = !is_unsafe_char(c)
            || c == '\n'
            || c == '\t'
            || (c == '\r' && chars.peek() == Some(&'\n'));
        if keep {
            out.push(c);
        } else {
            out.push(match c.len_utf8() {
                1 => '?',
                2 => '\u{bf}',
                _ => '\u{fffd}',
            });
        }
    }
    out
}

/// A SARIF 2.1.0 log of `diags`: one run, one reporting rule per diagnostic code used,
/// file locations as URIs relative to the repository root (`prefix`), columns in
/// Unicode code points like every other alertctl position. Each result is made as it
/// is written and dropped after: built whole, the log held ~17 KB per result (424 MB
/// for 20k diagnostics). Fields in the order of their names, as a JSON object prints.
pub fn sarif<'d>(diags: &'d Diagnostics, prefix: &'d str) -> impl Serialize + 'd {
    use serde_json::json;
    let sorted = diags.sorted();
    let mut codes: Vec<alertctl::diag::Code> = sorted.iter().map(|d| d.code).collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "shortDescription": { "text": format!("alertctl {}", c.as_str()) },
                "help": { "text": format!("See docs/diagnostics.md#{} in the alertctl documentation.", c.as_str()) },
            })
        })
        .collect();
    SarifLog {
        schema: "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        runs: [SarifRun {
            column_kind: "unicodeCodePoints",
            results: SarifResults {
                sorted,
                codes,
                prefix,
            },
            tool: json!({ "driver": {
                "name": "alertctl",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }}),
        }],
        version: "2.1.0",
    }
}

#[derive(Serialize)]
struct SarifLog<'d> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [SarifRun<'d>; 1],
    version: &'static str,
}

#[derive(Serialize)]
struct SarifRun<'d> {
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
    results: SarifResults<'d>,
    tool: serde_json::Value,
}

/// The results, each made when it is written.
struct SarifResults<'d> {
    sorted: Vec<&'d Diagnostic>,
    codes: Vec<alertctl::diag::Code>,
    prefix: &'d str,
}

impl Serialize for SarifResults<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.sorted
                .iter()
                .map(|d| sarif_result(d, &self.codes, self.prefix)),
        )
    }
}

fn sarif_result(d: &Diagnostic, codes: &[alertctl::diag::Code], prefix: &str) -> serde_json::Value {
    use serde_json::json;
    let location = |l: &alertctl::diag::Location| {
        let (line, column) = l.line_col();
        let (end_line, end_column) = l.end_line_col();
        json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri_path(&format!("{prefix}{}", l.source.path)), "uriBaseId": "%SRCROOT%" },
                "region": { "startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column.max(column) },
            },
            "message": { "text": l.label },
        })
    };
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let mut text = d.message.clone();
    if let Some(h) = &d.hint {
        text.push_str(&format!("\nhint: {h}"));
    }
    let fingerprint = blake3::hash(
        format!(
            "{}\0{}\0{}",
            d.code.as_str(),
            d.primary.as_ref().map_or("", |l| &*l.source.path),
            d.message
        )
        .as_bytes(),
    )
    .to_hex();
    let mut r = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": codes.iter().position(|c| *c == d.code).unwrap_or_default(),
        "level": level,
        "message": { "text": text },
        "partialFingerprints": { "alertctl/v1": &fingerprint[..32] },
    });
    if let Some(p) = &d.primary {
        r["locations"] = json!([location(p)]);
    }
    if !d.related.is_empty() {
        r["relatedLocations"] = d
            .related
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut v = location(l);
                v["id"] = json!(i);
                v
            })
            .collect();
    }
    r
}

/// A relative path as a URI reference: `/` kept, everything but unreserved characters
/// percent-encoded (a rules directory may hold any file name).
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
            alertctl::source::load::relative(std::path::Path::new(""), rel)
        ),
        Err(_) => String::new(),
    }
}

/// Every `--format json|yaml` output goes through `json_document` or `yaml_document`
/// (the library's `machine` module, which `serve`'s read API answers through too), so
/// none lacks the top-level `"schema"` key. Pretty JSON, keys sorted, final newline.
pub fn json_document(doc: impl Serialize) -> String {
    alertctl::machine::json_text(doc)
}

/// `document(doc)` as YAML, for the commands that offer `--format yaml`.
pub fn yaml_document(doc: impl Serialize) -> String {
    alertctl::machine::yaml_text(doc)
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, word: &str) -> String {
    alertctl::diag::plural(n, word)
}

/// `-v`: how much of the rendered set promtool read.
pub fn promtool_files(c: alertctl::render::promtool::Coverage) -> String {
    use alertctl::render::promtool::Recall;
    let why = match c.recall {
        Recall::Read => "",
        Recall::NoCache => "; no cache, so no earlier verdicts",
        Recall::Failed => "; reading earlier verdicts from the cache failed",
    };
    format!(
        "promtool: checked {} of {} rendered files ({} passed by this promtool before, not checked again{why})",
        c.checked,
        c.checked + c.known_good,
        c.known_good
    )
}
