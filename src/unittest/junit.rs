//! The JUnit XML report CI systems read (GitLab, Jenkins, GitHub test reporters): one
//! `<testsuite>` per test file, one `<testcase>` per test, a `<failure>` per failed
//! expectation with its location and expected-vs-got text.

use std::fmt::Write;

use super::run::Report;

/// Text for an XML attribute or element: the five special characters escaped, and
/// characters XML 1.0 cannot carry at all replaced by U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The report as JUnit XML. `seconds` is the whole run's duration.
pub fn render(report: &Report, seconds: f64) -> String {
    let mut files: Vec<&str> = report.results.iter().map(|r| r.file.as_str()).collect();
    files.dedup();
    let total = report.results.len();
    let failed = report.results.iter().filter(|r| !r.passed()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"alertctl test\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\" time=\"{seconds:.3}\">"
    );
    for file in files {
        let cases: Vec<_> = report.results.iter().filter(|r| r.file == file).collect();
        let f = cases.iter().filter(|r| !r.passed()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"0\" skipped=\"0\">",
            escape(file),
            cases.len()
        );
        for r in cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                escape(&r.name),
                escape(file),
                escape(file),
                r.line
            );
            if r.passed() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            for d in &r.failures {
                let at = d
                    .position()
                    .map(|(f, l, c)| format!("{f}:{l}:{c}"))
                    .unwrap_or_default();
                let mut body = format!("{at}: {}", d.message);
                if let Some(h) = &d.hint {
                    body.push('\n');
                    body.push_str(h);
                }
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    escape(&d.message),
                    d.code.as_str(),
                    escape(&body)
                );
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\"\n\u{1b}[31m"),
            "a&lt;b &amp; &quot;c&quot;&#10;\u{FFFD}[31m"
        );
    }
}
