use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alertctl::alertmanager::config::{self, mask};
use alertctl::deploy::{self, server::Server, Options, Outcome};
use alertctl::history::History;
use alertctl::project::Project;
use alertctl::settings::{PromtoolPolicy, ServerKind};
use miette::IntoDiagnostic;
use serde_json::json;

use super::{load_and_render, stop_on_errors};
use crate::cli::{AmAction, Global, PromtoolArg, Report};
use crate::exit::Exit;
use crate::report;

pub fn run(g: &Global, action: AmAction) -> miette::Result<Exit> {
    let (project, _rendered, diags) = load_and_render(g)?;
    if let Some(exit) = stop_on_errors(g, &diags) {
        return Ok(exit);
    }
    if project.alertmanager.is_empty() {
        eline!(
            "error: no alertmanager/*.yaml in {}",
            project.root.display()
        );
        eline!("hint: docs/format.md#alertmanager shows the format");
        return Ok(Exit::Invalid);
    }
    let output = project
        .root
        .join(&project.model.settings.alertmanager.output);
    if output.parent() == Some(project.output_dir().as_path()) {
        eline!("error: alertmanager.output is inside output.dir, whose *.yml Prometheus loads as rule files");
        return Ok(Exit::Invalid);
    }
    match action {
        AmAction::Render { stdout, out } => render(&project, stdout, out.unwrap_or(output)),
        AmAction::Diff { exit_code } => diff(g, &project, &output, exit_code),
        AmAction::Apply {
            dry_run,
            amtool,
            format,
        } => apply(g, &project, &output, dry_run, amtool, format),
        AmAction::RoutesTest {
            labels,
            target,
            severity,
            tree,
        } => routes_test(
            &project,
            &labels,
            target.as_deref(),
            severity.as_deref(),
            tree,
        ),
    }
}

/// Renders with secrets from the environment; also returns those values, for masking.
fn rendered(project: &Project) -> Result<(String, Vec<String>), Exit> {
    let secrets: Vec<String> = project
        .alertmanager
        .env_refs
        .iter()
        .filter_map(|(n, _, _)| std::env::var(n).ok())
        .collect();
    match config::render(&project.alertmanager, &project.model, &|n| {
        std::env::var(n).ok()
    }) {
        Ok(text) => Ok((text, secrets)),
        Err(missing) => {
            eline!(
                "error: the Alertmanager config references unset environment variables: {}",
                missing.join(", ")
            );
            eline!("hint: secrets are read from the environment when rendering; set them, or use Alertmanager's *_file fields");
            Err(Exit::Invalid)
        }
    }
}

/// For showing and routing only: every `${env:NAME}` stands in as a masked value.
fn rendered_masked(project: &Project) -> String {
    config::render(&project.alertmanager, &project.model, &|_| {
        Some(config::MASK.to_string())
    })
    .unwrap_or_default()
}

fn render(project: &Project, stdout: bool, out: PathBuf) -> miette::Result<Exit> {
    if stdout {
        out!("{}", rendered_masked(project));
        return Ok(Exit::Ok);
    }
    let (text, _) = match rendered(project) {
        Ok(x) => x,
        Err(e) => return Ok(e),
    };
    let (dir, name) = split(&out);
    deploy::txn::commit(&dir, &[(name, Some(text))]).into_diagnostic()?;
    eline!("wrote {}", out.display());
    Ok(Exit::Ok)
}

fn split(path: &Path) -> (PathBuf, String) {
    (
        path.parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        path.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
    )
}

fn diff(g: &Global, project: &Project, output: &Path, exit_code: bool) -> miette::Result<Exit> {
    let (text, secrets) = match rendered(project) {
        Ok(x) => x,
        Err(e) => return Ok(e),
    };
    let (_, name) = split(output);
    let current = std::fs::read_to_string(output).ok();
    let mut want = BTreeMap::new();
    want.insert(name.clone(), mask(&text, &secrets));
    let mut have = BTreeMap::new();
    if let Some(c) = &current {
        have.insert(name.clone(), mask(c, &secrets));
    }
    let plan = alertctl::diff::plan(&want, &have);
    if current.as_deref() == Some(text.as_str()) {
        eline!("no changes in {}", output.display());
        return Ok(Exit::Ok);
    }
    if plan.is_empty() {
        eline!("only secret values differ in {} (masked)", output.display());
    }
    let color = report::stdout_color(g.color);
    for c in &plan.changes {
        out!("{}", alertctl::diff::unified(c, color));
    }
    Ok(if exit_code {
        Exit::Differences
    } else {
        Exit::Ok
    })
}

fn amtool_check(project: &Project, text: &str, arg: Option<PromtoolArg>) -> Result<String, String> {
    let s = &project.model.settings.alertmanager;
    let policy = match arg {
        Some(PromtoolArg::Auto) => PromtoolPolicy::Auto,
        Some(PromtoolArg::Required) => PromtoolPolicy::Required,
        Some(PromtoolArg::Off) => PromtoolPolicy::Off,
        None => s.amtool,
    };
    if policy == PromtoolPolicy::Off {
        return Ok("off".into());
    }
    let found = match s
        .amtool_path
        .as_ref()
        .map(|p| project.root.join(p))
        .or_else(|| std::env::var_os("ALERTCTL_AMTOOL").map(PathBuf::from))
    {
        Some(p) if p.is_file() => Some(p),
        Some(p) => return Err(format!("amtool not found at {}", p.display())),
        None => std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|d| d.join("amtool"))
            .find(|p| p.is_file()),
    };
    let Some(amtool) = found else {
        return if policy == PromtoolPolicy::Required {
            Err("amtool is required (alertmanager.amtool) but was not found".into())
        } else {
            Ok("not found, skipped".into())
        };
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let f = dir.path().join("alertmanager.yml");
    std::fs::write(&f, text).map_err(|e| e.to_string())?;
    let out = std::process::Command::new(&amtool)
        .arg("check-config")
        .arg(&f)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", amtool.display()))?;
    if out.status.success() {
        Ok("ok".into())
    } else {
        let msg = String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.contains("FAILED"))
            .map_or_else(
                || String::from_utf8_lossy(&out.stderr).trim().to_string(),
                |l| l.split("FAILED:").nth(1).unwrap_or(l).trim().to_string(),
            );
        Err(format!("amtool check-config rejects the config: {msg}"))
    }
}

fn apply(
    g: &Global,
    project: &Project,
    output: &Path,
    dry_run: bool,
    amtool: Option<PromtoolArg>,
    format: Report,
) -> miette::Result<Exit> {
    let _ = g;
    let (text, secrets) = match rendered(project) {
        Ok(x) => x,
        Err(e) => return Ok(e),
    };
    let say = |m: &str| {
        if format == Report::Human {
            eline!("{m}");
        }
    };
    match amtool_check(project, &text, amtool) {
        Ok(status) => say(&format!("validated (amtool: {status})")),
        Err(e) => return Ok(done(format, "invalid", &e, &secrets, Exit::Invalid)),
    }
    let settings = &project.model.settings;
    let servers: Result<Vec<Server>, _> = settings
        .alertmanager
        .servers
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.kind = ServerKind::Alertmanager;
            Server::new(
                &super::apply::relative_to(&project.root, &s),
                settings.apply.retries,
            )
        })
        .collect();
    let servers = match servers {
        Ok(s) => s,
        Err(e) => {
            return Ok(done(
                format,
                "failed",
                &e.to_string(),
                &secrets,
                Exit::Failure,
            ))
        }
    };
    let (dir, name) = split(output);
    let mut desired = BTreeMap::new();
    desired.insert(name, text);
    let opts = Options {
        dry_run,
        lock_timeout: alertctl::model::parse_duration(&settings.apply.lock_timeout)
            .unwrap_or(Duration::from_secs(60)),
        verify_timeout: alertctl::model::parse_duration(&settings.apply.verify_timeout)
            .unwrap_or(Duration::from_secs(30)),
    };
    let progress = |m: &str| say(&format!("  {m}"));
    let outcome = match deploy::apply(&dir, &desired, &servers, &opts, &progress) {
        Ok(o) => o,
        Err(e @ deploy::DeployError::Foreign(_)) => {
            return Ok(done(
                format,
                "invalid",
                &e.to_string(),
                &secrets,
                Exit::Invalid,
            ))
        }
        Err(e) => {
            return Ok(done(
                format,
                "failed",
                &format!("{e}; nothing was written"),
                &secrets,
                Exit::Failure,
            ))
        }
    };
    // The history keeps a masked copy: secrets stay in the environment.
    let masked: BTreeMap<String, String> = desired
        .iter()
        .map(|(k, v)| (k.clone(), mask(v, &secrets)))
        .collect();
    let record = |result: &str, summary: &str, message: Option<&str>| {
        History::open(&project.root).ok().and_then(|h| {
            h.record(
                "alertmanager apply",
                result,
                alertctl::history::git_commit(&project.root).as_deref(),
                &output.display().to_string(),
                summary,
                message,
                &masked,
            )
            .ok()
        })
    };
    Ok(match outcome {
        Outcome::NoChange => done(
            format,
            "no-change",
            "no changes; nothing reloaded",
            &secrets,
            Exit::Ok,
        ),
        Outcome::DryRun { plan, .. } => {
            if format == Report::Human {
                for c in &plan.changes {
                    let mut c = c.clone();
                    c.old = c.old.map(|o| mask(&o, &secrets));
                    c.new = c.new.map(|n| mask(&n, &secrets));
                    out!(
                        "{}",
                        alertctl::diff::unified(&c, report::stdout_color(g.color))
                    );
                }
            }
            done(
                format,
                "dry-run",
                &format!("dry run: would change {}", output.display()),
                &secrets,
                Exit::Ok,
            )
        }
        Outcome::Applied { plan, .. } => {
            let rev = record("applied", &plan.summary.to_string(), None);
            done(
                format,
                "applied",
                &format!(
                    "applied{} to {}",
                    rev.map_or(String::new(), |r| format!(" deployment {r}")),
                    output.display()
                ),
                &secrets,
                Exit::Ok,
            )
        }
        Outcome::RolledBack {
            plan,
            error,
            restored,
            ..
        } => {
            let result = if restored {
                "rolled-back"
            } else {
                "rollback-unverified"
            };
            record(
                result,
                &plan.summary.to_string(),
                Some(&mask(&error, &secrets)),
            );
            let msg = if restored {
                format!("deploy failed: {error}\nthe previous config was restored byte for byte and every Alertmanager verified to run it again")
            } else {
                format!("deploy failed: {error}\nthe previous config was restored, but not every Alertmanager could be verified to run it")
            };
            done(
                format,
                result,
                &msg,
                &secrets,
                if restored {
                    Exit::RolledBack
                } else {
                    Exit::RollbackUnverified
                },
            )
        }
    })
}

fn done(format: Report, result: &str, message: &str, secrets: &[String], exit: Exit) -> Exit {
    let message = mask(message, secrets);
    match format {
        Report::Json => oline!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"result": result, "message": message, "exit_code": exit as i32})
            )
            .unwrap_or_default()
        ),
        Report::Human => {
            let prefix = if matches!(exit, Exit::Ok) {
                ""
            } else {
                "error: "
            };
            eline!("{prefix}{message}");
        }
    }
    exit
}

fn routes_test(
    project: &Project,
    labels: &[String],
    target: Option<&str>,
    severity: Option<&str>,
    tree: bool,
) -> miette::Result<Exit> {
    let text = rendered_masked(project);
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).into_diagnostic()?;
    let route = match alertctl::alertmanager::route::parse_route(&doc["route"]) {
        Ok(r) => r,
        Err(e) => {
            eline!("error: the rendered route does not parse: {e}");
            return Ok(Exit::Invalid);
        }
    };
    if tree {
        out!("{}", alertctl::alertmanager::route::tree(&route));
        return Ok(Exit::Ok);
    }
    let mut set: BTreeMap<String, String> = BTreeMap::new();
    if let Some(t) = target {
        let Some(pos) = project.model.inventory.position(t) else {
            eline!("error: target `{t}` is not in the inventory");
            if let Some(s) = alertctl::diag::did_you_mean(
                t,
                project.model.inventory.targets.keys().map(String::as_str),
            ) {
                eline!("hint: did you mean `{s}`?");
            }
            return Ok(Exit::Invalid);
        };
        let l = &project.model.settings.labels;
        set.insert(l.target.clone(), t.to_string());
        if let Some(n) = pos.namespace {
            set.insert(l.namespace.clone(), n);
        }
        if let Some(gr) = pos.group {
            set.insert(l.group.clone(), gr);
        }
    }
    if let Some(s) = severity {
        set.insert("severity".into(), s.to_string());
    }
    for kv in labels {
        let Some((k, v)) = kv.split_once('=') else {
            eline!("error: `{kv}` is not name=value");
            return Ok(Exit::Invalid);
        };
        set.insert(k.to_string(), v.trim_matches('"').to_string());
    }
    oline!(
        "{}",
        alertctl::alertmanager::route::receivers(&route, &set).join(",")
    );
    Ok(Exit::Ok)
}
