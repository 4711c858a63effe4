//! `promtool check rules` as the final word on rendered files (Prometheus 2.x rejects
//! newer syntax that promql-parser accepts). Its findings are mapped back through the
//! render provenance to the template and rules that produced the rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::resolve::Model;
use crate::render::Rendered;
use crate::source::settings::PromtoolPolicy;

/// The configured path (relative to the rules directory), `$ALERTCTL_PROMTOOL`, or
/// `promtool` on PATH. `Err` names an explicitly configured path that does not exist:
/// silently skipping promtool then would hide a typo.
pub fn locate(configured: Option<&str>, root: &Path) -> Result<Option<PathBuf>, PathBuf> {
    if let Some(p) = configured
        .map(|c| root.join(c))
        .or_else(|| std::env::var_os("ALERTCTL_PROMTOOL").map(PathBuf::from))
    {
        return if p.is_file() { Ok(Some(p)) } else { Err(p) };
    }
    Ok(find_on_path())
}

fn find_on_path() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("promtool"))
        .find(|p| p.is_file())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub file: String,
    /// Rule group name and 1-based index of the rule in it.
    pub rule: Option<(String, usize)>,
    pub message: String,
}

/// The arguments of every check: part of a verdict's key, since they change the verdict.
const CHECK_ARGS: [&str; 3] = ["check", "rules", "--lint=none"];

/// What a check run found: whether promtool passed every file, its findings, and the
/// files it reported as passing on their own (`SUCCESS`), which hold even when others
/// failed.
pub struct Run {
    pub ok: bool,
    pub findings: Vec<Finding>,
    pub passed: Vec<String>,
}

/// Runs `promtool check rules` on `files` written to a temporary directory.
pub fn check(promtool: &Path, files: &BTreeMap<&str, &str>) -> std::io::Result<Run> {
    if files.is_empty() {
        return Ok(Run {
            ok: true,
            findings: vec![],
            passed: vec![],
        });
    }
    let dir = tempfile::tempdir()?;
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, content)
            .map_err(crate::source::load::io_context("writing", &path))?;
    }
    let out = Command::new(promtool)
        .args(CHECK_ARGS)
        .args(files.keys())
        .current_dir(dir.path())
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let findings = parse_output(&stderr, files);
    let ok = out.status.success();
    let passed = if ok {
        files.keys().map(|f| f.to_string()).collect()
    } else {
        passed_files(&String::from_utf8_lossy(&out.stdout), files, &findings)
    };
    Ok(Run {
        ok,
        findings,
        passed,
    })
}

/// The files of a failed run that promtool passed: a `Checking FILE` line followed by
/// `  SUCCESS`, and no finding naming the file.
fn passed_files(stdout: &str, files: &BTreeMap<&str, &str>, findings: &[Finding]) -> Vec<String> {
    let lines: Vec<&str> = stdout.lines().collect();
    lines
        .windows(2)
        .filter_map(|w| {
            let file = w[0].strip_prefix("Checking ")?;
            (w[1].starts_with("  SUCCESS")
                && files.contains_key(file)
                && !findings.iter().any(|f| f.file == file))
            .then(|| file.to_string())
        })
        .collect()
}

/// Identifies the promtool at `path` for its verdicts: its version output (which names
/// the release, revision and Go version) and the check's arguments.
pub fn identity(path: &Path) -> std::io::Result<String> {
    let out = Command::new(path).arg("--version").output()?;
    if !out.status.success() {
        return Err(std::io::Error::other(format!(
            "`{} --version` failed: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let mut h = blake3::Hasher::new();
    h.update(&out.stdout);
    for a in CHECK_ARGS {
        h.update(b"\0");
        h.update(a.as_bytes());
    }
    Ok(h.finalize().to_hex().to_string())
}

/// Lines look like `FILE: [L:C: ]group "G", rule N, "NAME": MESSAGE` or `FILE: MESSAGE`.
fn parse_output(stderr: &str, files: &BTreeMap<&str, &str>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for line in stderr.lines() {
        let Some((file, rest)) = line.split_once(": ") else {
            continue;
        };
        if !files.contains_key(file) {
            continue;
        }
        let rest = strip_position(rest);
        let (rule, message) = match rest
            .strip_prefix("group \"")
            .and_then(|r| r.split_once("\", rule "))
        {
            Some((group, r)) => {
                let (n, tail) = r.split_once(", ").unwrap_or((r, ""));
                let msg = tail
                    .strip_prefix('"')
                    .and_then(|t| t.split_once("\": "))
                    .map_or(tail, |(_, m)| m);
                (
                    n.parse().ok().map(|n| (group.to_string(), n)),
                    msg.to_string(),
                )
            }
            None => (None, rest.to_string()),
        };
        let f = Finding {
            file: file.to_string(),
            rule,
            message,
        };
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

fn strip_position(s: &str) -> &str {
    let mut rest = s;
    while let Some((pos, tail)) = rest.split_once(": ") {
        let is_pos = pos.split(':').count() == 2
            && pos
                .split(':')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !is_pos {
            break;
        }
        rest = tail;
    }
    rest
}

/// Turns findings into diagnostics located at the template (and rule) that made the rule.
pub fn diagnose(model: &Model, rendered: &Rendered, findings: &[Finding], diags: &mut Diagnostics) {
    for f in findings {
        let origin = f
            .rule
            .as_ref()
            .and_then(|(g, n)| rendered.origin(&f.file, g, *n));
        let mut d = Diagnostic::error(
            Code::Promtool,
            format!("promtool rejects the rendered rules: {}", f.message),
        );
        match origin {
            Some(p) => {
                let t = &model.templates[&p.template];
                let annotation = f
                    .message
                    .split("annotation \"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .and_then(|a| t.annotations.get(a));
                let span = annotation.map_or(t.expr.span, |a| a.span);
                d = d.at(
                    model.source(&t.file),
                    span,
                    format!("`{}` rendered for {} from here", p.alert, p.cell),
                );
                if let Some(&last) = p.chain.last() {
                    let r = &model.rules[last];
                    d = d.also(model.source(&r.file), r.span, "rule");
                }
                if let Some((g, n)) = &f.rule {
                    d = d.hint(format!(
                        "in rendered file {}, group \"{g}\", rule {n}",
                        f.file
                    ));
                }
            }
            None => d = d.hint(format!("in rendered file {}", f.file)),
        }
        diags.push(d);
    }
}

/// What became of the promtool check under the policy in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// promtool found problems (they are diagnostics).
    Failed,
    /// promtool could not be run.
    Error,
    Off,
    /// Required, or configured at a path that does not exist: an error diagnostic.
    Missing,
    /// `auto` and not found.
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Error => "error",
            Status::Off => "off",
            Status::Missing => "missing",
            Status::Skipped => "not found, skipped",
        }
    }
}

/// How much of the rendered set promtool read in this run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    /// Files promtool checked.
    pub checked: usize,
    /// Files not checked again: this promtool passed the same bytes in an earlier run.
    pub known_good: usize,
}

/// The outcome of the promtool step: its status and, when promtool was found, what it
/// read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub coverage: Option<Coverage>,
}

impl From<Status> for Verdict {
    fn from(status: Status) -> Verdict {
        Verdict {
            status,
            coverage: None,
        }
    }
}

/// Runs promtool on the rendered files as `policy` says; findings become diagnostics.
/// Files whose exact content this promtool passed before (the cache remembers passes,
/// never failures) are not checked again, so every byte that is deployed has been
/// checked by the promtool in use, and an edit re-checks only the files it changed.
pub fn check_with_policy(
    project: &crate::source::project::Project,
    rendered: &Rendered,
    policy: PromtoolPolicy,
    diags: &mut Diagnostics,
) -> Verdict {
    let model = &project.model;
    if policy == PromtoolPolicy::Off {
        return Status::Off.into();
    }
    let located = match locate(
        model.settings.validate.promtool_path.as_deref(),
        &project.root,
    ) {
        Ok(p) => p,
        Err(bad) => {
            diags.push(
                Diagnostic::error(Code::Promtool, format!("promtool not found at {}", bad.display()))
                    .hint("fix validate.promtool_path (relative to the rules directory) or ALERTCTL_PROMTOOL"),
            );
            return Status::Missing.into();
        }
    };
    let Some(path) = located else {
        if policy == PromtoolPolicy::Required {
            diags.push(
                Diagnostic::error(Code::Promtool, "promtool is required (validate.promtool = \"required\") but was not found")
                    .hint("install Prometheus' promtool, set validate.promtool_path, or set ALERTCTL_PROMTOOL"),
            );
            return Status::Missing.into();
        }
        return Status::Skipped.into();
    };
    let could_not_run = |e: std::io::Error, diags: &mut Diagnostics| {
        diags.push(Diagnostic::error(
            Code::Promtool,
            format!("could not run {}: {e}", path.display()),
        ));
        Status::Error.into()
    };
    let identity = match identity(&path) {
        Ok(id) => id,
        Err(e) => return could_not_run(e, diags),
    };
    let hashes: BTreeMap<&str, String> = rendered
        .files
        .iter()
        .map(|(n, c)| (n.as_str(), blake3::hash(c.as_bytes()).to_hex().to_string()))
        .collect();
    let cache = &project.cache;
    let good = cache.known_good(&identity, hashes.values().map(String::as_str));
    let todo: BTreeMap<&str, &str> = rendered
        .files
        .iter()
        .filter(|(n, _)| !good.contains(&hashes[n.as_str()]))
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect();
    let coverage = Coverage {
        checked: todo.len(),
        known_good: rendered.files.len() - todo.len(),
    };
    let run = match check(&path, &todo) {
        Ok(r) => r,
        Err(e) => return could_not_run(e, diags),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    // Only a speed-up: a verdict that cannot be stored is checked again next time.
    let _ = cache.remember_good(
        &identity,
        run.passed.iter().map(|f| hashes[f.as_str()].as_str()),
        good.iter().map(String::as_str),
        now,
    );
    diagnose(model, rendered, &run.findings, diags);
    if !run.ok && run.findings.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::Promtool,
                "promtool check rules failed without a finding alertctl could read",
            )
            .hint(format!(
                "run {} check rules on the rendered files",
                path.display()
            )),
        );
    }
    Verdict {
        status: if run.ok { Status::Ok } else { Status::Failed },
        coverage: Some(coverage),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_promtool_lines() {
        let mut files = BTreeMap::new();
        files.insert("group_web.yml", "");
        let err = "  FAILED:\ngroup_web.yml: 5:15: group \"alertctl/group/web\", rule 2, \"HighLoad\": could not parse expression: 1:26: parse error: unexpected <op:>>\ngroup_web.yml: group \"g\", rule 1, \"X\": annotation \"summary\": template: __alert_X:1: unclosed action\n";
        let f = parse_output(err, &files);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].rule, Some(("alertctl/group/web".to_string(), 2)));
        assert_eq!(
            f[0].message,
            "could not parse expression: 1:26: parse error: unexpected <op:>>"
        );
        assert_eq!(
            f[1].message,
            "annotation \"summary\": template: __alert_X:1: unclosed action"
        );
    }
}
