use alertctl::cache::RuleFilter;
use miette::IntoDiagnostic;
use serde::Serialize;
use serde_json::json;

use super::load_render_indexed;
use super::trace::table;
use crate::cli::{DataFormat, Global, ListWhat};
use crate::exit::Exit;
use crate::report;

pub fn run(g: &Global, what: ListWhat) -> miette::Result<Exit> {
    // The warm fast path: the index of the last full run, no file read or parsed.
    if let Some(q) = super::quick_answers(g) {
        if let Some(uses_jobs) = q.cache.index_uses_jobs() {
            if g.verbose {
                eprintln!("nothing changed since the last full run: answered from the cache index");
            }
            return list(&q.cache, uses_jobs, what);
        }
    }
    let (mut project, rendered, diags) = load_render_indexed(g)?;
    if diags.has_errors() {
        eprintln!(
            "warning: the rules directory has {} (see `alertctl validate`); listing what loaded",
            crate::report::counts(&diags)
        );
    }
    let listed = list(&project.cache, project.model.inventory.uses_jobs(), what);
    super::fill_answers(g, &mut project, &rendered, &diags);
    listed
}

fn list(cache: &alertctl::cache::Cache, uses_jobs: bool, what: ListWhat) -> miette::Result<Exit> {
    match what {
        ListWhat::Templates {
            severity,
            job,
            name,
            format,
        } => {
            let rows = alertctl::ops::query::templates(
                cache,
                severity.as_deref(),
                job.as_deref(),
                name.as_deref(),
            )
            .into_diagnostic()?;
            if uses_jobs || job.is_some() {
                emit(
                    format,
                    "templates",
                    &rows,
                    ["TEMPLATE", "KIND", "SEVERITY", "JOB", "FILE"],
                    |r| {
                        [
                            r.name.clone(),
                            r.kind.clone(),
                            r.severity.clone().unwrap_or_default(),
                            r.job.clone().unwrap_or_else(|| "-".into()),
                            format!("{}:{}", r.file, r.line),
                        ]
                    },
                );
                return Ok(Exit::Ok);
            }
            emit(
                format,
                "templates",
                &rows,
                ["TEMPLATE", "KIND", "SEVERITY", "FILE"],
                |r| {
                    [
                        r.name.clone(),
                        r.kind.clone(),
                        r.severity.clone().unwrap_or_default(),
                        format!("{}:{}", r.file, r.line),
                    ]
                },
            );
        }
        ListWhat::Rules {
            group,
            namespace,
            scope,
            template,
            suspended,
            format,
        } => {
            let f = RuleFilter {
                group: group.as_deref(),
                namespace: namespace.as_deref(),
                scope: scope.as_deref(),
                template: template.as_deref(),
                suspended_only: suspended,
            };
            let rows = cache.rules(&f).into_diagnostic()?;
            emit(
                format,
                "rules",
                &rows,
                [
                    "ALERT",
                    "TEMPLATE",
                    "SCOPE",
                    "PRIORITY",
                    "ENABLED",
                    "SUSPENDED",
                    "FILE",
                ],
                |r| {
                    [
                        r.alert.clone(),
                        r.template.clone(),
                        r.scope.clone(),
                        r.priority.to_string(),
                        r.enabled.to_string(),
                        r.suspended.to_string(),
                        format!("{}:{}", r.file, r.line),
                    ]
                },
            );
        }
        ListWhat::Targets {
            namespace,
            group,
            format,
        } => {
            let rows = cache
                .targets(namespace.as_deref(), group.as_deref())
                .into_diagnostic()?;
            if uses_jobs {
                emit(
                    format,
                    "targets",
                    &rows,
                    ["TARGET", "GROUP", "NAMESPACE", "JOBS"],
                    |r| {
                        [
                            r.name.clone(),
                            r.group.clone().unwrap_or_else(|| "-".into()),
                            r.namespace.clone().unwrap_or_else(|| "-".into()),
                            jobs_cell(&r.jobs),
                        ]
                    },
                );
                return Ok(Exit::Ok);
            }
            emit(
                format,
                "targets",
                &rows,
                ["TARGET", "GROUP", "NAMESPACE"],
                |r| {
                    [
                        r.name.clone(),
                        r.group.clone().unwrap_or_else(|| "-".into()),
                        r.namespace.clone().unwrap_or_else(|| "-".into()),
                    ]
                },
            );
        }
    }
    Ok(Exit::Ok)
}

/// The rows as a table, or as the list `what` of a machine-readable document.
fn emit<T: Serialize, const N: usize>(
    format: DataFormat,
    what: &str,
    rows: &[T],
    header: [&str; N],
    cells: impl Fn(&T) -> [String; N],
) {
    match format {
        DataFormat::Json => print!("{}", report::json_document(json!({ what: rows }))),
        DataFormat::Yaml => print!("{}", report::yaml_document(json!({ what: rows }))),
        DataFormat::Human => {
            let mut table_rows = vec![header.map(str::to_string)];
            table_rows.extend(rows.iter().map(cells));
            let mut out = String::new();
            table(&mut out, "", &table_rows);
            print!("{out}");
        }
    }
}

/// `node db-1:9100, postgres db-1:9187` (or `-`).
fn jobs_cell(jobs: &std::collections::BTreeMap<String, String>) -> String {
    if jobs.is_empty() {
        return "-".into();
    }
    jobs.iter()
        .map(|(j, i)| format!("{j} {i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
