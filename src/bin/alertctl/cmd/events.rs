//! Prints a library operation's events the way the CLI shows progress: lines on stderr
//! for people; with `--format json`, only diagnostics (the document comes at the end).

use alertctl::ops::{DiffersAction, Event, Events};
use alertctl::render::diff::ChangeKind;

use crate::cli::{Format, Global};
use crate::report;

pub struct Printer<'a> {
    g: &'a Global,
    /// Progress lines are for `--format human` only.
    human: bool,
}

impl<'a> Printer<'a> {
    pub fn new(g: &'a Global, human: bool) -> Printer<'a> {
        Printer { g, human }
    }
}

impl Events for Printer<'_> {
    fn event(&mut self, event: &Event<'_>) {
        let verbose = self.g.verbose;
        match *event {
            Event::Loaded {
                root,
                stats,
                cache_note,
            } if verbose => {
                eline!(
                    "loaded {} files from {}: {} parsed, {} reused from cache",
                    stats.files,
                    root.display(),
                    stats.parsed,
                    stats.cached
                );
                if let Some(note) = cache_note {
                    eline!("{note}");
                }
            }
            Event::CacheNotStored { error } if verbose => {
                eline!("cache: results not stored: {error}");
            }
            Event::Diagnostics { diagnostics } => report::print(
                diagnostics,
                Format::Human,
                report::stderr_color(self.g.color),
                std::path::Path::new("."),
            ),
            // A warning about the state of things, like a diagnostic: for every format.
            Event::OutputDiffers {
                baseline,
                left_by,
                changes,
                action,
            } => {
                let files: Vec<String> = changes
                    .iter()
                    .map(|c| {
                        let how = match c.kind {
                            ChangeKind::Added => "is extra",
                            ChangeKind::Removed => "is missing",
                            ChangeKind::Modified => "differs",
                        };
                        format!("{} {how}", c.file)
                    })
                    .collect();
                let left = left_by.map_or(String::new(), |n| {
                    format!(" (it holds the files of deployment {n}, which was interrupted)")
                });
                let (level, what) = match action {
                    DiffersAction::Replace => ("note", "this run replaces them".to_string()),
                    DiffersAction::WouldReplace => ("note", "the run without --dry-run replaces them".to_string()),
                    DiffersAction::Keep => ("warning", format!("nothing was written, so they stay, and servers load them at their next reload or restart; `alertctl rollback` restores deployment {baseline}")),
                    DiffersAction::Verify => ("note", "this run reloads every server and verifies it runs them".to_string()),
                };
                eline!(
                    "{level}: the output directory differs from deployment {baseline}, the last one every server was verified to run{left}: {}; {what}",
                    files.join(", ")
                );
            }
            _ if !self.human => {}
            Event::Validated {
                rules,
                promtool,
                promtool_files,
            } => {
                eline!(
                    "validated: {} (promtool: {promtool})",
                    report::plural(rules, "rule")
                );
                if let (true, Some(c)) = (verbose, promtool_files) {
                    eline!("{}", report::promtool_files(c));
                }
            }
            Event::AlertmanagerValidated { amtool } => eline!("validated (amtool: {amtool})"),
            Event::NoServers => eline!(
                "note: no [[prometheus]] server in alertctl.toml: files are written, nothing is reloaded"
            ),
            Event::RollbackTarget { rev, time, commit } => eline!(
                "rolling back to deployment {rev} ({time}, {})",
                commit.unwrap_or("no git commit")
            ),
            Event::Deploy { step } => eline!("  {step}"),
            Event::Shard { name, dir, servers } => eline!(
                "shard {name}: {} -> {}",
                dir.display(),
                servers.join(", ")
            ),
            Event::LiveDrift {
                server,
                differences,
            } => eline!(
                "note: {server} runs other rules than the files: {}; reloading it",
                differences.join("; ")
            ),
            Event::Loaded { .. } | Event::CacheNotStored { .. } => {}
        }
    }
}
