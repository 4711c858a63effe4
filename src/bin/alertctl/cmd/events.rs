//! Prints a library operation's events the way the CLI shows progress: lines on stderr
//! for people; with `--format json`, only diagnostics (the document comes at the end).

use alertctl::ops::{Event, Events};

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
            _ if !self.human => {}
            Event::Validated { rules, promtool } => {
                eline!(
                    "validated: {} (promtool: {promtool})",
                    report::plural(rules, "rule")
                );
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
            Event::Loaded { .. } | Event::CacheNotStored { .. } => {}
        }
    }
}
