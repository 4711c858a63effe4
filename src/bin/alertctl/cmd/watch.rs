//! `alertctl watch`: flags to [`alertctl::watch::Options`], signals to the daemon's
//! [`Control`], and its log as lines on stderr (text or JSON).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use alertctl::diag::Severity;
use alertctl::ops::Event;
use alertctl::source::text::escape_unsafe;
use alertctl::watch::{self, Backoff, Control, Level, Log, Trigger, WatchEvent};
use miette::IntoDiagnostic;
use serde_json::{json, Value};

use crate::cli::{Global, LogFormat, WatchArgs};
use crate::exit::Exit;

pub fn run(g: &Global, a: WatchArgs) -> miette::Result<Exit> {
    let opts = watch::Options {
        dir: g.dir.clone().unwrap_or_else(|| PathBuf::from(".")),
        use_cache: !g.no_cache,
        out: a.out,
        promtool: a.promtool.map(super::policy),
        listen: a.listen,
        every: (!a.every.is_zero()).then_some(a.every),
        debounce: a.debounce,
        poll: a.poll,
        git: a.git_pull.map(|branch| watch::GitOptions {
            remote: a.git_remote,
            branch,
            every: a.git_every,
        }),
        backoff: Backoff {
            base: a.retry_base,
            max: a.retry_max.max(a.retry_base),
            retries: a.retries,
        },
    };
    let log = Arc::new(Lines {
        json: a.log_format == LogFormat::Json,
    });
    let control = Control::new(&opts, log.clone());
    // signal-hook's iterator: the handler only writes to a pipe (no unsafe here); this
    // thread turns signals into triggers and stops.
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals =
        signal_hook::iterator::Signals::new([SIGHUP, SIGINT, SIGTERM]).into_diagnostic()?;
    let handle = signals.handle();
    let c = control.clone();
    let listener = std::thread::spawn(move || {
        for sig in signals.forever() {
            if sig == SIGHUP {
                c.trigger(Trigger::Signal);
            } else if c.stop() {
                // A second SIGTERM: end now. Like a kill -9, this is safe at any point:
                // the next start completes or undoes an interrupted deployment.
                log.line(
                    Level::Warn,
                    "second stop signal: exiting now; the next start completes any interrupted sync",
                    json!({"event": "exit-now"}),
                );
                std::process::exit(128 + sig);
            }
        }
    });
    let result = watch::run(&opts, &control);
    handle.close();
    let _ = listener.join();
    match result {
        Ok(()) => Ok(Exit::Ok),
        Err(e) => {
            eline!("error: {e}");
            Ok(if e.is_invalid_input() {
                Exit::Invalid
            } else {
                Exit::Failure
            })
        }
    }
}

/// The daemon's log: one line per event on stderr.
struct Lines {
    json: bool,
}

fn level_word(l: Level) -> &'static str {
    match l {
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

impl Lines {
    /// Writes one record: `text` for people, `fields` (with `event`) for machines.
    fn line(&self, level: Level, text: &str, mut fields: Value) {
        let time = alertctl::deploy::history::rfc3339_millis(SystemTime::now());
        if self.json {
            if let Value::Object(m) = &mut fields {
                m.insert("schema".into(), json!(1));
                m.insert("time".into(), json!(time));
                m.insert("level".into(), json!(level_word(level)));
            }
            eline!("{fields}");
        } else {
            eline!(
                "{time} {:<5} {}",
                level_word(level).to_uppercase(),
                escape_unsafe(text)
            );
        }
    }
}

impl Log for Lines {
    fn watch(&self, e: &WatchEvent<'_>) {
        let fields = serde_json::to_value(e).unwrap_or_default();
        if self.json {
            return self.line(e.level(), "", fields);
        }
        let text = match e {
            WatchEvent::Started {
                root,
                listen,
                file_watch,
                debounce_seconds,
                every_seconds,
                git_branch,
            } => format!(
                "watching {}: http://{listen} (/metrics /healthz /ready, POST /sync); file {file_watch}, debounce {debounce_seconds}s; resync {}{}",
                root.display(),
                every_seconds.map_or("off".into(), |s| format!("every {s}s")),
                git_branch.map_or(String::new(), |b| format!("; following git branch {b}")),
            ),
            WatchEvent::FilesPolled {
                reason,
                interval_seconds,
            } => format!("file events unavailable ({reason}): polling every {interval_seconds}s"),
            WatchEvent::FileWatchError { error } => format!("file watch: {error}"),
            WatchEvent::SyncStarted {
                sync,
                triggers,
                retry,
            } => {
                let by: Vec<String> = triggers
                    .iter()
                    .map(|(t, n)| {
                        if *n == 1 {
                            t.as_str().to_string()
                        } else {
                            format!("{} x{n}", t.as_str())
                        }
                    })
                    .collect();
                let retry = if *retry > 0 {
                    format!(" (retry {retry})")
                } else {
                    String::new()
                };
                format!("sync {sync} started by {}{retry}", by.join(", "))
            }
            WatchEvent::GitPulled { sync, pulled } => match pulled {
                watch::git::Pulled::FastForwarded { from, to } => {
                    format!("sync {sync}: fast-forwarded {from} -> {to}")
                }
                watch::git::Pulled::UpToDate { commit } => {
                    format!("sync {sync}: up to date at {commit}")
                }
            },
            WatchEvent::SyncFinished {
                finished,
                deployed,
                deployed_shards,
            } => {
                let revision = |d: &watch::metrics::Deployed| {
                    format!(
                        "revision {}{}",
                        d.rev,
                        d.commit
                            .as_deref()
                            .map_or(String::new(), |c| format!(", commit {c}"))
                    )
                };
                let shards: Vec<String> = deployed_shards
                    .iter()
                    .map(|(n, d)| format!("shard {n} {}", revision(d)))
                    .collect();
                let deployed = match deployed {
                    Some(d) => format!(" [deployed: {}]", revision(d)),
                    None if !shards.is_empty() => format!(" [deployed: {}]", shards.join("; ")),
                    None => String::new(),
                };
                format!(
                    "sync {} {} ({}) in {}: {}{deployed}",
                    finished.sync,
                    finished.result,
                    finished.reason,
                    secs(Duration::from_secs_f64(finished.seconds)),
                    finished.message,
                )
            }
            WatchEvent::RetryScheduled {
                sync,
                retry,
                of,
                delay_seconds,
                reason,
            } => format!("sync {sync} failed ({reason}): retry {retry} of {of} in {delay_seconds:.1}s"),
            WatchEvent::RetriesExhausted {
                sync,
                retries,
                reason,
            } => format!("sync {sync} failed ({reason}) and its {retries} retries are used up: waiting for the next change, resync or POST /sync"),
            WatchEvent::Stopping { sync_in_progress } => if *sync_in_progress {
                "stopping after the sync in progress".to_string()
            } else {
                "stopping".to_string()
            },
            WatchEvent::Stopped { syncs } => format!("stopped after {syncs} sync(s)"),
        };
        self.line(e.level(), &text, fields);
    }

    fn op(&self, sync: u64, e: &Event<'_>) {
        let level = watch::op_level(e);
        if self.json {
            let mut fields = serde_json::to_value(e).unwrap_or_default();
            if let Value::Object(m) = &mut fields {
                m.insert("sync".into(), json!(sync));
            }
            return self.line(level, "", fields);
        }
        let say = |text: String| self.line(level, &format!("sync {sync}: {text}"), Value::Null);
        match e {
            Event::Loaded {
                stats, cache_note, ..
            } => say(format!(
                "loaded {} files: {} parsed, {} reused from cache{}",
                stats.files,
                stats.parsed,
                stats.cached,
                cache_note.map_or(String::new(), |n| format!(" ({n})"))
            )),
            Event::CacheNotStored { error } => say(format!("cache: results not stored: {error}")),
            Event::Diagnostics { diagnostics } => {
                for d in diagnostics.sorted() {
                    let at = d
                        .position()
                        .map_or(String::new(), |(f, l, c)| format!("{f}:{l}:{c}: "));
                    let sev = if d.severity == Severity::Error {
                        "error"
                    } else {
                        "warning"
                    };
                    say(format!("{sev}[{}] {at}{}", d.code.as_str(), d.message));
                }
            }
            Event::Validated {
                rules, promtool, ..
            } => say(format!("validated: {rules} rule(s) (promtool: {promtool})")),
            Event::AlertmanagerValidated { amtool } => {
                say(format!("alertmanager config validated (amtool: {amtool})"))
            }
            Event::NoServers => say(
                "no [[prometheus]] server in alertctl.toml: files are written, nothing is reloaded"
                    .into(),
            ),
            Event::RollbackTarget { rev, .. } => say(format!("rolling back to deployment {rev}")),
            Event::Deploy { step } => say(step.to_string()),
            Event::Shard { name, dir, .. } => say(format!("shard {name}: {}", dir.display())),
            Event::LiveDrift {
                server,
                differences,
            } => say(format!(
                "{server} runs other rules than the files ({}); reloading it",
                differences.join("; ")
            )),
            Event::OutputDiffers {
                baseline, changes, ..
            } => {
                let files: Vec<&str> = changes.iter().map(|c| c.file.as_str()).collect();
                say(format!(
                    "the output directory differs from deployment {baseline}, the last one every server was verified to run ({})",
                    files.join(", ")
                ))
            }
        }
    }
}
