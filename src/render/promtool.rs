//! `promtool check rules` as the final word on rendered files (Prometheus 2.x rejects
//! newer syntax that promql-parser accepts). Its findings are mapped back through the
//! render provenance to the template and rules that produced the rule.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::resolve::Model;
use crate::render::Rendered;
use crate::source::load::content_hash;
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

impl Run {
    /// The run on no files: nothing found, nothing to pass.
    fn empty() -> Run {
        Run {
            ok: true,
            findings: vec![],
            passed: vec![],
        }
    }
}

/// Runs `promtool check rules` on `files` written to a temporary directory.
pub fn check(promtool: &Path, files: &BTreeMap<&str, &str>) -> std::io::Result<Run> {
    if files.is_empty() {
        return Ok(Run::empty());
    }
    let dir = tempfile::tempdir()?;
    for (name, content) in files {
        write(dir.path(), name, content)?;
    }
    let names: BTreeSet<&str> = files.keys().copied().collect();
    check_written(promtool, dir.path(), &names)
}

/// Writes the rendered file `name` into promtool's directory.
fn write(dir: &Path, name: &str, content: &str) -> std::io::Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, content).map_err(crate::source::load::io_context("writing", &path))
}

/// Runs `promtool check rules` on the files `names`, already written to `dir`.
fn check_written(promtool: &Path, dir: &Path, names: &BTreeSet<&str>) -> std::io::Result<Run> {
    if names.is_empty() {
        return Ok(Run::empty());
    }
    let out = Command::new(promtool)
        .args(CHECK_ARGS)
        .args(names)
        .current_dir(dir)
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let findings = parse_output(&stderr, names);
    let ok = out.status.success();
    let passed = if ok {
        names.iter().map(|f| f.to_string()).collect()
    } else {
        passed_files(&String::from_utf8_lossy(&out.stdout), names, &findings)
    };
    Ok(Run {
        ok,
        findings,
        passed,
    })
}

/// The files of a failed run that promtool passed: a `Checking FILE` line followed by
/// `  SUCCESS`, and no finding naming the file.
fn passed_files(stdout: &str, files: &BTreeSet<&str>, findings: &[Finding]) -> Vec<String> {
    let lines: Vec<&str> = stdout.lines().collect();
    lines
        .windows(2)
        .filter_map(|w| {
            let file = w[0].strip_prefix("Checking ")?;
            (w[1].starts_with("  SUCCESS")
                && files.contains(file)
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
fn parse_output(stderr: &str, files: &BTreeSet<&str>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for line in stderr.lines() {
        let Some((file, rest)) = line.split_once(": ") else {
            continue;
        };
        if !files.contains(file) {
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
    /// Whether earlier runs' verdicts could be asked: `-v` says why every file was
    /// checked when they could not.
    #[serde(skip)]
    pub recall: Recall,
}

/// What the cache of promtool's verdicts answered in this run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Recall {
    /// The verdicts were read (none may have matched).
    #[default]
    Read,
    /// No cache on disk (`--no-cache`, or none could be used: `-v` said why).
    NoCache,
    /// Reading the verdicts failed (in one batch of `validate` at least): the files they
    /// would have covered were checked (the cache is only a speed-up).
    Failed,
}

impl Recall {
    fn of(cache: &crate::cache::Cache, read: &rusqlite::Result<HashSet<String>>) -> Recall {
        match read {
            Err(_) => Recall::Failed,
            Ok(_) if !cache.is_on_disk() => Recall::NoCache,
            Ok(_) => Recall::Read,
        }
    }

    /// Worse of two batches' answers.
    fn and(self, other: Recall) -> Recall {
        match (self, other) {
            (Recall::Failed, _) | (_, Recall::Failed) => Recall::Failed,
            (Recall::NoCache, _) | (_, Recall::NoCache) => Recall::NoCache,
            _ => Recall::Read,
        }
    }
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
    let (path, identity) = match prepare(project, policy) {
        Ok(tool) => tool,
        Err(not_run) => return skipped(not_run, diags),
    };
    let hashes: BTreeMap<&str, String> = rendered
        .files
        .iter()
        .map(|(n, c)| (n.as_str(), content_hash(c)))
        .collect();
    let cache = &project.cache;
    let read = cache.known_good(&identity, hashes.values().map(String::as_str));
    let recall = Recall::of(cache, &read);
    let good = read.unwrap_or_default();
    let known = Known {
        hashes: &hashes,
        good: &good,
        files: rendered.files.len(),
        recall,
    };
    check_unknown(project, (&path, &identity), rendered, &known, diags)
}

/// What the verdicts cache said of a render's files.
struct Known<'a> {
    /// Every file's content hash, by name.
    hashes: &'a BTreeMap<&'a str, String>,
    /// The hashes this promtool passed before.
    good: &'a HashSet<String>,
    /// How many files the render has (built or kept).
    files: usize,
    recall: Recall,
}

/// Runs promtool on the built files of `rendered` it has not passed before, and
/// remembers its passes; findings become diagnostics.
fn check_unknown(
    project: &crate::source::project::Project,
    (path, identity): (&Path, &str),
    rendered: &Rendered,
    known: &Known,
    diags: &mut Diagnostics,
) -> Verdict {
    let todo: BTreeMap<&str, &str> = rendered
        .files
        .iter()
        .filter(|(n, _)| !known.good.contains(&known.hashes[n.as_str()]))
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect();
    let coverage = Coverage {
        checked: todo.len(),
        known_good: known.files - todo.len(),
        recall: known.recall,
    };
    let run = match check(path, &todo) {
        Ok(r) => r,
        Err(e) => {
            diags.push(could_not_run(path, e));
            return Status::Error.into();
        }
    };
    remember(project, identity, &run, |f| &known.hashes[f], known.good);
    diagnose(&project.model, rendered, &run.findings, diags);
    Verdict {
        status: concluded(path, &run, diags),
        coverage: Some(coverage),
    }
}

/// `validate`'s render and promtool check in one ([`crate::render::render_batched`]):
/// each batch's files that this promtool has not passed before are written to its
/// temporary directory as they come, so no rendered file is kept in memory. Findings
/// are mapped back by rendering again the files they name. The diagnostics, the
/// verdict and what the render reports are those of
/// [`crate::source::project::Project::render`] then [`check_with_policy`].
///
/// After a few edits since a stored run, only the files whose key changed are built
/// ([`crate::source::project::Project::render_known`]); the others are known by the
/// content hash the stored run built them with, and must be ones this promtool passed
/// (else the render is done in full, as above).
pub fn render_and_check(
    project: &crate::source::project::Project,
    policy: PromtoolPolicy,
    batches: usize,
    diags: &mut Diagnostics,
) -> (crate::render::Counts, Verdict) {
    let tool = prepare(project, policy);
    if let Some(known) = check_known(project, &tool, diags) {
        return known;
    }
    let (rendered, verdict) = render_batched_and_check(project, tool, batches, diags);
    let counts = crate::render::Counts {
        files: rendered.files.len(),
        rules: rendered.rule_count,
        built: None,
    };
    (counts, verdict)
}

/// [`render_and_check`] when only the files whose key changed need building, and
/// this promtool passed every other; `None` (diagnostics untouched) otherwise.
fn check_known(
    project: &crate::source::project::Project,
    tool: &Tool,
    diags: &mut Diagnostics,
) -> Option<(crate::render::Counts, Verdict)> {
    let mut own = Diagnostics::default();
    let stored = project.cache.stored_rule_file_hashes();
    // The stored files this promtool passed: the others are built and checked.
    let passed = match tool {
        Ok((_, identity)) => {
            let good = project
                .cache
                .known_good(identity, stored.iter().map(String::as_str));
            Some(good.ok()?)
        }
        Err(_) => None,
    };
    let rendered = project.render_known(&mut own, &stored, passed.as_ref())?;
    let counts = crate::render::Counts::of(&rendered);
    let (path, identity) = match tool {
        Ok((path, identity)) => (path, identity),
        Err(not_run) => {
            diags.extend(own);
            return Some((counts, skipped(not_run.clone(), diags)));
        }
    };
    let mut hashes: BTreeMap<&str, String> = rendered
        .files
        .iter()
        .map(|(n, c)| (n.as_str(), content_hash(c)))
        .collect();
    hashes.extend(rendered.kept.iter().map(|(n, h)| (n.as_str(), h.clone())));
    let cache = &project.cache;
    let good = cache
        .known_good(identity, hashes.values().map(String::as_str))
        .ok()?;
    if rendered.kept.values().any(|h| !good.contains(h)) {
        return None;
    }
    diags.extend(own);
    let known = Known {
        hashes: &hashes,
        good: &good,
        files: counts.files,
        recall: Recall::Read,
    };
    let verdict = check_unknown(project, (path, identity), &rendered, &known, diags);
    Some((counts, verdict))
}

/// [`render_and_check`] rendering every file, in `batches` batches.
fn render_batched_and_check(
    project: &crate::source::project::Project,
    tool: Tool,
    batches: usize,
    diags: &mut Diagnostics,
) -> (crate::render::Batched, Verdict) {
    let model = &project.model;
    // Contents guarded before: the stored render's, and every one a promtool passed.
    let mut passed = project.cache.stored_rule_file_hashes();
    passed.extend(project.cache.promtool_passed());
    let mut hashes: BTreeMap<String, String> = BTreeMap::new();
    let mut good: HashSet<String> = HashSet::new();
    let mut recall = Recall::Read;
    let mut todo: BTreeSet<String> = BTreeSet::new();
    let mut dir: Option<tempfile::TempDir> = None;
    // The first failure to write a file: promtool does not run then.
    let mut failed: Option<std::io::Error> = None;
    let rendered =
        crate::render::render_batched(model, diags, &passed, batches, tool.is_ok(), |files| {
            let Ok((_, identity)) = &tool else {
                return;
            };
            let batch: Vec<String> = files.iter().map(|f| content_hash(&f.content)).collect();
            let read = project
                .cache
                .known_good(identity, batch.iter().map(String::as_str));
            recall = recall.and(Recall::of(&project.cache, &read));
            let known = read.unwrap_or_default();
            for (f, hash) in files.into_iter().zip(batch) {
                if !known.contains(&hash) && failed.is_none() {
                    let written = match &dir {
                        Some(d) => write(d.path(), &f.name, &f.content),
                        None => tempfile::tempdir().and_then(|d| {
                            write(d.path(), &f.name, &f.content)?;
                            dir = Some(d);
                            Ok(())
                        }),
                    };
                    match written {
                        Ok(()) => {
                            todo.insert(f.name.clone());
                        }
                        Err(e) => failed = Some(e),
                    }
                }
                hashes.insert(f.name, hash);
            }
            good.extend(known);
        });
    let (path, identity) = match tool {
        Ok(tool) => tool,
        Err(not_run) => return (rendered, skipped(not_run, diags)),
    };
    if let Some(e) = failed {
        diags.push(could_not_run(&path, e));
        return (rendered, Status::Error.into());
    }
    let coverage = Coverage {
        checked: todo.len(),
        known_good: rendered.files.len() - todo.len(),
        recall,
    };
    let names: BTreeSet<&str> = todo.iter().map(String::as_str).collect();
    // No directory: nothing to check.
    let run = match &dir {
        Some(d) => check_written(&path, d.path(), &names),
        None => Ok(Run::empty()),
    };
    let run = match run {
        Ok(r) => r,
        Err(e) => {
            diags.push(could_not_run(&path, e));
            return (rendered, Status::Error.into());
        }
    };
    remember(project, &identity, &run, |f| &hashes[f], &good);
    let scopes: BTreeSet<crate::model::Scope> = run
        .findings
        .iter()
        .filter(|f| f.rule.is_some())
        .filter_map(|f| rendered.files.get(&f.file).cloned())
        .collect();
    let origins = if scopes.is_empty() {
        Rendered::default()
    } else {
        crate::render::render_files(model, &scopes)
    };
    diagnose(model, &origins, &run.findings, diags);
    let status = concluded(&path, &run, diags);
    (
        rendered,
        Verdict {
            status,
            coverage: Some(coverage),
        },
    )
}

/// Why promtool does not run: the status, and the diagnostic that says why (if any).
type NotRun = (Status, Option<Box<Diagnostic>>);

/// The promtool a check runs and its identity ([`prepare`]), or why none runs.
type Tool = Result<(PathBuf, String), NotRun>;

/// The verdict when promtool does not run, its reason reported.
fn skipped((status, d): NotRun, diags: &mut Diagnostics) -> Verdict {
    if let Some(d) = d {
        diags.push(*d);
    }
    status.into()
}

/// The promtool a check under `policy` runs, and its identity; `Err`: the status
/// without running it, with the diagnostic that says why.
fn prepare(project: &crate::source::project::Project, policy: PromtoolPolicy) -> Tool {
    let model = &project.model;
    if policy == PromtoolPolicy::Off {
        return Err((Status::Off, None));
    }
    let located = match locate(
        model.settings.validate.promtool_path.as_deref(),
        &project.root,
    ) {
        Ok(p) => p,
        Err(bad) => {
            let d = Diagnostic::error(
                Code::Promtool,
                format!("promtool not found at {}", bad.display()),
            )
            .hint(
                "fix validate.promtool_path (relative to the rules directory) or ALERTCTL_PROMTOOL",
            );
            return Err((Status::Missing, Some(Box::new(d))));
        }
    };
    let Some(path) = located else {
        if policy == PromtoolPolicy::Required {
            let d = Diagnostic::error(Code::Promtool, "promtool is required (validate.promtool = \"required\") but was not found")
                .hint("install Prometheus' promtool, set validate.promtool_path, or set ALERTCTL_PROMTOOL");
            return Err((Status::Missing, Some(Box::new(d))));
        }
        return Err((Status::Skipped, None));
    };
    match identity(&path) {
        Ok(id) => Ok((path, id)),
        Err(e) => Err((Status::Error, Some(Box::new(could_not_run(&path, e))))),
    }
}

fn could_not_run(path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(
        Code::Promtool,
        format!("could not run {}: {e}", path.display()),
    )
}

/// Stores the run's passes (`hash` of each file name) and that `good` was used.
fn remember<'h>(
    project: &crate::source::project::Project,
    identity: &str,
    run: &Run,
    hash: impl Fn(&str) -> &'h String,
    good: &'h HashSet<String>,
) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    // Only a speed-up: a verdict that cannot be stored is checked again next time.
    let _ = project.cache.remember_good(
        identity,
        run.passed.iter().map(|f| hash(f).as_str()),
        good.iter().map(String::as_str),
        now,
    );
}

/// The run's status; a failed run without a finding alertctl could read says so.
fn concluded(path: &Path, run: &Run, diags: &mut Diagnostics) -> Status {
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
    if run.ok {
        Status::Ok
    } else {
        Status::Failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One batch of `validate` whose verdicts could not be read makes the run's answer
    /// `Failed`, whatever the others answered; no cache on disk comes next.
    #[test]
    fn a_failed_batch_decides_the_recall() {
        use Recall::*;
        for (a, b, both) in [
            (Read, Read, Read),
            (Read, NoCache, NoCache),
            (NoCache, Read, NoCache),
            (Read, Failed, Failed),
            (Failed, Read, Failed),
            (NoCache, Failed, Failed),
            (Failed, NoCache, Failed),
        ] {
            assert_eq!(a.and(b), both, "{a:?} and {b:?}");
        }
    }

    #[test]
    fn parses_promtool_lines() {
        let files = BTreeSet::from(["group_web.yml"]);
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
