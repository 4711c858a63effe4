//! `promtool check rules` as the final word on rendered files (Prometheus 2.x rejects
//! newer syntax that promql-parser accepts). Its findings are mapped back through the
//! render provenance to the template and rules that produced the rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::render::Rendered;
use crate::resolve::Model;
use crate::settings::PromtoolPolicy;

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

/// Runs `promtool check rules` on `files` written to a temporary directory.
pub fn check(
    promtool: &Path,
    files: &BTreeMap<String, String>,
) -> std::io::Result<(bool, Vec<Finding>)> {
    if files.is_empty() {
        return Ok((true, vec![]));
    }
    let dir = tempfile::tempdir()?;
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, content).map_err(crate::load::io_context("writing", &path))?;
    }
    let out = Command::new(promtool)
        .arg("check")
        .arg("rules")
        .arg("--lint=none")
        .args(files.keys())
        .current_dir(dir.path())
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let findings = parse_output(&stderr, files);
    Ok((out.status.success(), findings))
}

/// Lines look like `FILE: [L:C: ]group "G", rule N, "NAME": MESSAGE` or `FILE: MESSAGE`.
fn parse_output(stderr: &str, files: &BTreeMap<String, String>) -> Vec<Finding> {
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

/// Runs promtool on the rendered files as `policy` says; findings become diagnostics.
pub fn check_with_policy(
    project: &crate::project::Project,
    rendered: &Rendered,
    policy: PromtoolPolicy,
    diags: &mut Diagnostics,
) -> Status {
    let model = &project.model;
    if policy == PromtoolPolicy::Off {
        return Status::Off;
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
            return Status::Missing;
        }
    };
    let Some(path) = located else {
        if policy == PromtoolPolicy::Required {
            diags.push(
                Diagnostic::error(Code::Promtool, "promtool is required (validate.promtool = \"required\") but was not found")
                    .hint("install Prometheus' promtool, set validate.promtool_path, or set ALERTCTL_PROMTOOL"),
            );
            return Status::Missing;
        }
        return Status::Skipped;
    };
    match check(&path, &rendered.files) {
        Ok((ok, findings)) => {
            diagnose(model, rendered, &findings, diags);
            if !ok && findings.is_empty() {
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
            if ok {
                Status::Ok
            } else {
                Status::Failed
            }
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                Code::Promtool,
                format!("could not run {}: {e}", path.display()),
            ));
            Status::Error
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_promtool_lines() {
        let mut files = BTreeMap::new();
        files.insert("group_web.yml".to_string(), String::new());
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
