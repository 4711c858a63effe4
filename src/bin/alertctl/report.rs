//! Printing diagnostics in the formats `--format` offers.

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
    let prefix = if matches!(format, Format::Github | Format::Sarif) {
        repo_prefix(root)
    } else {
        String::new()
    };
    if format == Format::Sarif {
        println!(
            "{}",
            serde_json::to_string_pretty(&sarif(diags, &prefix)).unwrap_or_default()
        );
        return;
    }
    for d in diags.sorted() {
        match format {
            Format::Human => eprintln!("{}", human(d, color)),
            Format::Github => println!("{}", github(d, &prefix)),
            Format::Json | Format::Sarif => {}
        }
    }
}

/// A SARIF 2.1.0 log of `diags`: one run, one reporting rule per diagnostic code used,
/// file locations as URIs relative to the repository root (`prefix`), columns in
/// Unicode code points like every other alertctl position.
pub fn sarif(diags: &Diagnostics, prefix: &str) -> serde_json::Value {
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
    let location = |l: &alertctl::diag::Location| {
        let (line, column) = l.line_col();
        let (end_line, end_column) = alertctl::diag::line_col(&l.source.text, l.span.end);
        json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri_path(&format!("{prefix}{}", l.source.path)), "uriBaseId": "%SRCROOT%" },
                "region": { "startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column.max(column) },
            },
            "message": { "text": l.label },
        })
    };
    let results: Vec<serde_json::Value> = sorted
        .iter()
        .map(|d| {
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
        })
        .collect();
    json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "alertctl",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
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
    let (e, w) = (diags.error_count(), diags.warning_count());
    if w == 0 {
        plural(e, "error")
    } else {
        format!("{}, {}", plural(e, "error"), plural(w, "warning"))
    }
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

/// `1 file`, `2 files`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
