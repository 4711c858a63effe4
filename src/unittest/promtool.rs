//! promtool's side of a test run: a `promtool test rules` file built from typed
//! structs (serialised by serde_yaml, so no name or value can break its YAML), a bounded
//! run of the real promtool, and its report read back: which test groups failed and,
//! for each, the alerts that did fire (`got:`), with every Go-quoted label and
//! annotation unquoted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

/// A promtool test file (`promtool test rules FILE`).
#[derive(Debug, Serialize)]
pub struct TestFileYaml {
    pub rule_files: Vec<String>,
    pub evaluation_interval: String,
    pub tests: Vec<Group>,
}

/// One promtool test group. alertctl gives each exactly one `alert_rule_test`, so a
/// failure report names its expectation without reading any alert name back.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub interval: String,
    pub input_series: Vec<Series>,
    pub alert_rule_test: Vec<AlertTest>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub series: String,
    pub values: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertTest {
    pub eval_time: String,
    pub alertname: String,
    pub exp_alerts: Vec<ExpAlert>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpAlert {
    pub exp_labels: BTreeMap<String, String>,
    pub exp_annotations: BTreeMap<String, String>,
}

/// An alert as promtool reports it: every label (with `alertname`) and annotation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Alert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// What one promtool run said.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Exit status 0.
    pub success: bool,
    /// Failed groups by name: the alerts that fired (`None` when the block could not be
    /// read) and promtool's text.
    pub failed: BTreeMap<String, (Option<Vec<Alert>>, String)>,
    /// Error output not under any group (a rule file promtool rejects, a crash).
    pub other: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("could not run {promtool}: {source}")]
    Io {
        promtool: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{promtool} test rules did not finish within {timeout:?}; it was stopped")]
    Timeout { promtool: String, timeout: Duration },
}

/// Writes `rules` (name -> content) under `rules/` and the test file in a temporary
/// directory and runs `promtool test rules` there, for at most `timeout`.
pub fn run(
    promtool: &Path,
    rules: &BTreeMap<String, String>,
    test: &TestFileYaml,
    timeout: Duration,
) -> Result<Outcome, RunError> {
    let io = |source| RunError::Io {
        promtool: promtool.display().to_string(),
        source,
    };
    let dir = tempfile::tempdir().map_err(io)?;
    std::fs::create_dir(dir.path().join("rules")).map_err(io)?;
    for (name, content) in rules {
        std::fs::write(dir.path().join("rules").join(name), content).map_err(io)?;
    }
    let yaml = serde_yaml::to_string(test).expect("test files serialize");
    std::fs::write(dir.path().join("alertctl_test.yml"), yaml).map_err(io)?;
    let stdout = std::fs::File::create(dir.path().join("stdout")).map_err(io)?;
    let stderr = std::fs::File::create(dir.path().join("stderr")).map_err(io)?;
    let mut child = Command::new(promtool)
        .args(["test", "rules", "alertctl_test.yml"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(io)?;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(io)? {
            break s;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunError::Timeout {
                promtool: promtool.display().to_string(),
                timeout,
            });
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let err = std::fs::read_to_string(dir.path().join("stderr")).unwrap_or_default();
    let names: BTreeSet<&str> = test.tests.iter().map(|g| g.name.as_str()).collect();
    let mut out = parse_report(&err, &names);
    out.success = status.success();
    Ok(out)
}

/// Splits promtool's error output at the `    name: GROUP,` line that starts each failed
/// group's report (group names are alertctl's, with a per-run nonce, so a hostile alert
/// name cannot fake one).
pub fn parse_report(stderr: &str, names: &BTreeSet<&str>) -> Outcome {
    let mut out = Outcome::default();
    let mut current: Option<(String, Vec<&str>)> = None;
    let finish = |cur: Option<(String, Vec<&str>)>, out: &mut Outcome| {
        if let Some((name, lines)) = cur {
            let raw = lines.join("\n");
            out.failed.insert(name, (got_alerts(&lines), raw));
        }
    };
    for line in stderr.lines() {
        let group = line
            .strip_prefix("    name: ")
            .and_then(|r| r.strip_suffix(','))
            .filter(|n| names.contains(n));
        if let Some(name) = group {
            finish(current.take(), &mut out);
            current = Some((name.to_string(), vec![]));
            continue;
        }
        match &mut current {
            Some((_, lines)) => lines.push(line),
            None if line.trim() == "FAILED:" || line.trim().is_empty() => {}
            None => {
                out.other.push_str(line);
                out.other.push('\n');
            }
        }
    }
    finish(current, &mut out);
    out
}

/// The alerts of the `got:` part of one group's report.
fn got_alerts(lines: &[&str]) -> Option<Vec<Alert>> {
    let start = lines.iter().position(|l| l.starts_with("        got:"))?;
    if lines[start].trim_end() == "        got:[]" {
        return Some(vec![]);
    }
    let mut alerts = Vec::new();
    let mut labels = None;
    for l in &lines[start + 1..] {
        let t = l.trim();
        if let Some(rest) = t.strip_prefix("Labels:") {
            labels = Some(parse_label_set(rest)?);
        } else if let Some(rest) = t.strip_prefix("Annotations:") {
            let annotations = parse_label_set(rest.strip_suffix(',').unwrap_or(rest))?;
            alerts.push(Alert {
                labels: labels.take()?,
                annotations,
            });
        }
    }
    Some(alerts)
}

/// `{a="x", b="y\n"}` as Prometheus prints a label set: values quoted by Go's
/// `strconv.Quote`.
pub fn parse_label_set(s: &str) -> Option<BTreeMap<String, String>> {
    let inner = s.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut out = BTreeMap::new();
    let mut rest = inner;
    while !rest.is_empty() {
        let (name, tail) = rest.split_once('=')?;
        let (value, after) = go_unquote(tail)?;
        out.insert(name.trim().to_string(), value);
        rest = after.strip_prefix(", ").unwrap_or(after);
        if !after.is_empty() && !after.starts_with(", ") {
            return None;
        }
    }
    Some(out)
}

/// Reads one Go double-quoted string from the start of `s`; returns it and the rest.
fn go_unquote(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut bytes: Vec<u8> = Vec::new();
    let mut chars = body.char_indices();
    let flush = |bytes: &mut Vec<u8>, out: &mut String| {
        if !bytes.is_empty() {
            out.push_str(&String::from_utf8_lossy(bytes));
            bytes.clear();
        }
    };
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                flush(&mut bytes, &mut out);
                return Some((out, &body[i + 1..]));
            }
            '\\' => {
                let (_, e) = chars.next()?;
                let hex = |chars: &mut std::str::CharIndices, n: usize| -> Option<u32> {
                    let mut v = 0;
                    for _ in 0..n {
                        v = v * 16 + chars.next()?.1.to_digit(16)?;
                    }
                    Some(v)
                };
                match e {
                    'x' => bytes.push(hex(&mut chars, 2)? as u8),
                    'u' | 'U' => {
                        flush(&mut bytes, &mut out);
                        out.push(char::from_u32(hex(
                            &mut chars,
                            if e == 'u' { 4 } else { 8 },
                        )?)?);
                    }
                    _ => {
                        flush(&mut bytes, &mut out);
                        out.push(match e {
                            'a' => '\x07',
                            'b' => '\x08',
                            'f' => '\x0c',
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            'v' => '\x0b',
                            '\\' => '\\',
                            '"' => '"',
                            _ => return None,
                        });
                    }
                }
            }
            c => {
                flush(&mut bytes, &mut out);
                out.push(c);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_go_quoted_label_sets() {
        let l = parse_label_set(
            r#"{alertname="High, \"x\"", instance="a\nb", s="tab\there \u00a0 é"}"#,
        )
        .unwrap();
        assert_eq!(l["alertname"], "High, \"x\"");
        assert_eq!(l["instance"], "a\nb");
        assert_eq!(l["s"], "tab\there \u{a0} é");
        assert_eq!(parse_label_set("{}").unwrap().len(), 0);
        assert!(parse_label_set(r#"{a="x" b="y"}"#).is_none());
    }

    #[test]
    fn splits_the_report_by_group() {
        let err = "  FAILED:\n    name: g-1,\n    alertname: HighLoad, time: 5m, \n        exp:[\n            0:\n              Labels:{alertname=\"HighLoad\", instance=\"d\"}\n              Annotations:{}\n            ], \n        got:[\n            0:\n              Labels:{alertname=\"HighLoad\", instance=\"c\"}\n              Annotations:{summary=\"x, y\"},\n            1:\n              Labels:{alertname=\"HighLoad\", instance=\"a\\nx\"}\n              Annotations:{}\n            ]\n    name: g-2,\n    alertname: B, time: 1m, \n        exp:[], \n        got:[]\nrules/x.yml: something else\n";
        let names: BTreeSet<&str> = ["g-1", "g-2"].into();
        let o = parse_report(err, &names);
        let got = o.failed["g-1"].0.as_ref().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].labels["instance"], "c");
        assert_eq!(got[0].annotations["summary"], "x, y");
        assert_eq!(got[1].labels["instance"], "a\nx");
        assert_eq!(o.failed["g-2"].0.as_ref().unwrap().len(), 0);
        assert!(o.failed["g-2"].1.contains("rules/x.yml") || o.other.is_empty());
    }
}
