use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::help;

/// Prometheus alerting as code: typed alert templates, rules scoped to namespaces,
/// groups and targets, rendered into Prometheus rule files.
///
/// Exit codes: 0 ok, 1 differences found (with --exit-code) or a test failed, 2 invalid input,
/// 3 deploy failed and rolled back, 4 operational failure (I/O, missing tool,
/// unreachable server), 5 rolled back but a server could not be verified.
#[derive(Debug, Parser)]
#[command(name = "alertctl", version, max_term_width = 100, after_help = help::ALERTCTL)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct Global {
    /// The rules directory (default: the nearest directory with alertctl.toml at or above
    /// the current one).
    #[arg(short = 'C', long = "dir", global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Ignore the SQLite cache and parse every file.
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Print what was loaded, parsed and reused on stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Colour output; `auto` honours NO_COLOR and whether the output is a terminal.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Located, annotated reports for people.
    Human,
    /// One JSON document on stdout (schema in docs/commands.md).
    Json,
    /// GitHub Actions workflow commands (`::error file=..,line=..::`).
    Github,
    /// One SARIF 2.1.0 log on stdout, for GitHub code scanning (paths relative to the
    /// repository root).
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PromtoolArg {
    Auto,
    Required,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a working rules directory (settings, inventory, templates, rules).
    #[command(after_help = help::INIT)]
    Init {
        /// Where to create it.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
    /// Check everything and report every problem with its location. Exit 2 if invalid.
    #[command(after_help = help::VALIDATE)]
    Validate {
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Override `validate.promtool` from alertctl.toml.
        #[arg(long, value_enum)]
        promtool: Option<PromtoolArg>,
        /// Treat warnings as errors (exit 2), for CI.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Validate, and with --live also check what the running Prometheus scrapes and selects.
    ///
    /// --live: every inventory target is scraped with its namespace/group labels, every
    /// scraped instance is in the inventory, every selector of the rendered rules matches
    /// series. Same formats and exit codes as validate.
    #[command(after_help = help::CHECK)]
    Check {
        /// Query the Prometheus servers of alertctl.toml (or --prometheus).
        #[arg(long)]
        live: bool,
        /// Check this Prometheus instead of the configured ones (repeatable).
        #[arg(long, value_name = "URL", requires = "live")]
        prometheus: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Override `validate.promtool` from alertctl.toml.
        #[arg(long, value_enum)]
        promtool: Option<PromtoolArg>,
        /// Treat warnings as errors (exit 2), for CI.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Write the Prometheus rule files (only files whose content changed are written).
    #[command(after_help = help::RENDER)]
    Render {
        /// Output directory (default: `output.dir` from alertctl.toml).
        #[arg(long, value_name = "DIR", conflicts_with = "stdout")]
        out: Option<PathBuf>,
        /// Print every file to stdout instead of writing.
        #[arg(long)]
        stdout: bool,
        /// `prometheusrule`: Prometheus Operator objects, into `kubernetes.dir`.
        #[arg(long, value_enum, default_value_t = RenderFormat::Plain)]
        format: RenderFormat,
        /// Only this shard (a `[[shard]]` of alertctl.toml).
        #[arg(long, value_name = "NAME")]
        shard: Option<String>,
    },
    /// Show how the output directory would change: unified diff and a summary.
    #[command(after_help = help::DIFF)]
    Diff {
        /// Output directory to compare with (default: `output.dir`).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Exit 1 when there are differences.
        #[arg(long)]
        exit_code: bool,
        /// Only the summary, no diff.
        #[arg(long)]
        stat: bool,
        /// Compare with the rules each configured server runs instead of the output dir.
        #[arg(long, conflicts_with = "format")]
        live: bool,
        /// Compare the Prometheus Operator objects in `kubernetes.dir` instead.
        #[arg(long, value_enum, default_value_t = RenderFormat::Plain)]
        format: RenderFormat,
        /// Only this shard (a `[[shard]]` of alertctl.toml).
        #[arg(long, value_name = "NAME")]
        shard: Option<String>,
    },
    /// Every alert that applies to a target (or to a group or namespace), with the query
    /// exactly as rendered for it, its settings, and the rules that set them.
    #[command(after_help = help::EFFECTIVE)]
    Effective {
        /// An inventory target (e.g. web-1:9100).
        #[arg(required_unless_present_any = ["group", "namespace", "global"])]
        target: Option<String>,
        /// What a host of this group gets (also a new host not yet in the inventory).
        #[arg(long, conflicts_with_all = ["target", "namespace", "global"])]
        group: Option<String>,
        /// What a host of this namespace in no group with its own rules gets.
        #[arg(long, conflicts_with_all = ["target", "global"])]
        namespace: Option<String>,
        /// What a series from outside the inventory gets.
        #[arg(long, conflicts_with = "target")]
        global: bool,
        #[arg(long, value_enum, default_value_t = DataFormat::Human)]
        format: DataFormat,
    },
    /// Who set each field of a target's alerts: the chain of rules in fold order and, per
    /// field, the winning value with every value it overrode.
    #[command(after_help = help::TRACE)]
    Trace {
        /// An inventory target.
        target: String,
        /// Only this alert.
        alert: Option<String>,
        /// Also list the alert's rules that do not apply to this target, and why.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = DataFormat::Human)]
        format: DataFormat,
    },
    /// List templates, rules or targets (from the SQLite index).
    #[command(after_help = help::LIST)]
    List {
        #[command(subcommand)]
        what: ListWhat,
    },
    /// Create, disable, enable or purge rules; edits keep the rest of the file as it is.
    #[command(after_help = help::RULE)]
    Rule {
        #[command(subcommand)]
        action: RuleAction,
    },
    /// Deploy: validate, render, write atomically, reload every configured server, verify
    /// it runs exactly the new rules; on any failure restore the previous files, reload
    /// and verify again (exit 3). Recorded in the history.
    #[command(after_help = help::APPLY)]
    Apply {
        /// Do everything up to the write and print the plan.
        #[arg(long)]
        dry_run: bool,
        /// Output directory (default: `output.dir`).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Override `validate.promtool`.
        #[arg(long, value_enum)]
        promtool: Option<PromtoolArg>,
        #[arg(long, value_enum, default_value_t = Report::Human)]
        format: Report,
        /// Only this shard (a `[[shard]]` of alertctl.toml).
        #[arg(long, value_name = "NAME")]
        shard: Option<String>,
    },
    /// Recorded deployments, newest first.
    #[command(after_help = help::HISTORY)]
    History {
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = Report::Human)]
        format: Report,
        /// Only this shard (a `[[shard]]` of alertctl.toml).
        #[arg(long, value_name = "NAME")]
        shard: Option<String>,
    },
    /// Re-apply the files of a recorded deployment (default: the one before the latest
    /// successful one), with the same verification and rollback as `apply`.
    #[command(after_help = help::ROLLBACK)]
    Rollback {
        rev: Option<i64>,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Report::Human)]
        format: Report,
        /// Only this shard (a `[[shard]]` of alertctl.toml).
        #[arg(long, value_name = "NAME")]
        shard: Option<String>,
    },
    /// Run as a daemon beside Prometheus: sync (the same deployment as `apply`) when the
    /// rules directory changes, when a followed git branch moves, periodically (which
    /// repairs drift), on `POST /sync` and on SIGHUP; retry failures with backoff; serve
    /// /metrics, /healthz and /ready. SIGTERM stops after the sync in progress.
    #[command(after_help = help::WATCH)]
    Watch(WatchArgs),
    /// The generated Alertmanager config (from alertmanager/ in the rules directory).
    #[command(after_help = help::ALERTMANAGER)]
    Alertmanager {
        #[command(subcommand)]
        action: AmAction,
    },
    /// Run the rule unit tests in tests/*.yaml with the real promtool; exit 1 if any fails.
    #[command(after_help = help::TEST)]
    Test {
        /// Only tests whose name contains this text.
        filter: Option<String>,
        /// Also write a JUnit XML report to FILE.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// What the pending change (the plan `diff` shows) would have done over a past
    /// window: each changed alert's old and new rules evaluated on a live Prometheus'
    /// history, `for` honoured; firing series, episodes and time, old vs new.
    #[command(after_help = help::IMPACT)]
    Impact {
        /// How far back to evaluate (a Prometheus duration).
        #[arg(long, default_value = "24h")]
        since: String,
        /// Evaluation step; use the rules' evaluation interval.
        #[arg(long, default_value = "1m")]
        step: String,
        /// The Prometheus to query (default: the first `[[prometheus]]` of kind prometheus
        /// in alertctl.toml; a URL listed there keeps its auth and TLS settings).
        #[arg(long, value_name = "URL")]
        prometheus: Option<String>,
        /// Output directory holding the deployed files (default: `output.dir`).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Report::Human)]
        format: Report,
        /// Also write a self-contained HTML report with per-series timelines to FILE.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
    },
    /// Turn Prometheus rule files (or PrometheusRule manifests) into templates and
    /// `global` rules: templates/imported/*.yaml and rules/imported/*.yaml. Nothing is
    /// written unless the whole result validates; existing files are never overwritten
    /// without --force; importing the same files again changes nothing.
    #[command(after_help = help::IMPORT)]
    Import {
        /// Rule files, or directories to search for *.yml / *.yaml.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The rules directory to write to (created with an alertctl.toml if needed;
        /// default: the one found from --dir or the current directory).
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
        /// Make the number of each top-level comparison a `threshold` parameter.
        #[arg(long)]
        params: bool,
        /// Replace imported files that exist with other content.
        #[arg(long)]
        force: bool,
        /// Check and show what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A local web UI over the rules directory (browse, effective and trace, edit with
    /// live validation and diff, deploy plan, history) and the read API under /api/v1.
    /// Binds to 127.0.0.1; writes need the token printed at start.
    #[command(after_help = help::SERVE)]
    Serve {
        /// Address and port to listen on. Another address than loopback needs a token
        /// given with --token-file or ALERTCTL_SERVE_TOKEN (then every request needs it).
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
        listen: std::net::SocketAddr,
        /// Refuse every change: browse, effective, trace and the deploy plan only.
        #[arg(long)]
        read_only: bool,
        /// Let the deploy page apply (otherwise it only shows the `apply --dry-run` plan).
        #[arg(long, conflicts_with = "read_only")]
        allow_apply: bool,
        /// Read the token from this file instead of making a new one at start.
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
    },
    /// Print shell completions.
    #[command(after_help = help::COMPLETIONS)]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    /// Prometheus rule files (`output.dir`).
    Plain,
    /// One Prometheus Operator `PrometheusRule` object per rule file (`kubernetes.dir`).
    #[value(name = "prometheusrule")]
    PrometheusRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    Human,
    Json,
    Yaml,
}

#[derive(Debug, Subcommand)]
pub enum ListWhat {
    /// Templates, optionally only those of one default severity.
    #[command(after_help = help::LIST_TEMPLATES)]
    Templates {
        #[arg(long)]
        severity: Option<String>,
        /// Only templates that watch this job.
        #[arg(long)]
        job: Option<String>,
        /// Only the template of this name (what `serve` answers at
        /// /api/v1/alert-templates/NAME).
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum, default_value_t = DataFormat::Human)]
        format: DataFormat,
    },
    /// Rules. Filters combine (AND).
    #[command(after_help = help::LIST_RULES)]
    Rules {
        /// Rules scoped to this group or to one of its targets.
        #[arg(long)]
        group: Option<String>,
        /// Rules scoped to this namespace, one of its groups or one of their targets.
        #[arg(long)]
        namespace: Option<String>,
        /// Exactly this scope (`global`, `group/web`, ...).
        #[arg(long)]
        scope: Option<String>,
        #[arg(long)]
        template: Option<String>,
        /// Only suspended rules (`rule disable`).
        #[arg(long)]
        suspended: bool,
        #[arg(long, value_enum, default_value_t = DataFormat::Human)]
        format: DataFormat,
    },
    /// Inventory targets.
    #[command(after_help = help::LIST_TARGETS)]
    Targets {
        #[arg(long)]
        namespace: Option<String>,
        #[arg(long)]
        group: Option<String>,
        #[arg(long, value_enum, default_value_t = DataFormat::Human)]
        format: DataFormat,
    },
}

/// Which rules a lifecycle command acts on: a `FILE:LINE` location or filters.
#[derive(Debug, clap::Args)]
pub struct RuleSelector {
    /// `rules/teams/web.yaml:4` (the line of the rule's `- `, or any line inside it).
    pub location: Option<String>,
    #[arg(long)]
    pub template: Option<String>,
    #[arg(long)]
    pub scope: Option<String>,
    /// The rule's alert (or record) name.
    #[arg(long)]
    pub alert: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RuleAction {
    /// Write a new rule that copies the template's defaults, ready to edit.
    #[command(after_help = help::RULE_NEW)]
    New {
        #[arg(long)]
        template: String,
        /// `global`, `namespace/NS`, `group/G` or `target/T`.
        #[arg(long)]
        scope: String,
        /// A new alert name, to make a second alert from the template.
        #[arg(long)]
        alert: Option<String>,
        #[arg(long, default_value_t = 0)]
        priority: i64,
        /// Rules file to append to (default: rules/<kind>/<name>.yaml).
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
    /// Suspend rules, the soft delete (`suspended: true`): they stay in the repository and
    /// resolution ignores them. To switch an alert off for a scope, write `enabled: false`.
    #[command(after_help = help::RULE_DISABLE)]
    Disable {
        #[command(flatten)]
        select: RuleSelector,
    },
    /// Resume suspended rules.
    #[command(after_help = help::RULE_ENABLE)]
    Enable {
        #[command(flatten)]
        select: RuleSelector,
    },
    /// Delete suspended rules (and files left with no rule). Changes no effective alert.
    #[command(after_help = help::RULE_PURGE)]
    Purge {
        /// Only print what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Report {
    /// Progress on stderr and a one-line summary.
    Human,
    /// One JSON document on stdout, for CI.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum AmAction {
    /// Write alertmanager.yml (`alertmanager.output`); `${env:NAME}` references are read
    /// from the environment now. `--stdout` prints it with every secret masked.
    #[command(after_help = help::AM_RENDER)]
    Render {
        #[arg(long)]
        stdout: bool,
        #[arg(long, value_name = "FILE", conflicts_with = "stdout")]
        out: Option<PathBuf>,
    },
    /// Masked unified diff of the rendered config against the written one.
    #[command(after_help = help::AM_DIFF)]
    Diff {
        #[arg(long)]
        exit_code: bool,
    },
    /// Like `apply` for rules: amtool check-config, atomic write, POST /-/reload on every
    /// `[[alertmanager.servers]]`, verify the running config, roll back on failure.
    #[command(after_help = help::AM_APPLY)]
    Apply {
        #[arg(long)]
        dry_run: bool,
        /// Override `alertmanager.amtool`.
        #[arg(long, value_enum)]
        amtool: Option<PromtoolArg>,
        #[arg(long, value_enum, default_value_t = Report::Human)]
        format: Report,
    },
    /// Which receivers get an alert with these labels (Alertmanager's matching:
    /// first match wins, `continue`, anchored regexes).
    #[command(after_help = help::AM_ROUTES_TEST)]
    RoutesTest {
        /// Labels as `name=value`.
        labels: Vec<String>,
        /// Take namespace, group and target labels from this inventory target.
        #[arg(long)]
        target: Option<String>,
        #[arg(long)]
        severity: Option<String>,
        /// Print the whole routing tree instead.
        #[arg(long)]
        tree: bool,
    },
}

/// `watch`'s flags (docs/commands.md#watch).
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Serve /metrics, /healthz, /ready and POST /sync on this address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9473")]
    pub listen: std::net::SocketAddr,
    /// A full resync at most this long after the last sync; it repairs drift (hand-edited
    /// output files, servers running other rules). `0s` turns it off.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = long_duration)]
    pub every: std::time::Duration,
    /// Sync once the rules directory has been quiet this long after a change.
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = debounce)]
    pub debounce: std::time::Duration,
    /// Poll the rules directory at this interval instead of using file events (for file
    /// systems without them, e.g. NFS).
    #[arg(long, value_name = "INTERVAL", value_parser = poll_interval)]
    pub poll: Option<std::time::Duration>,
    /// Follow this branch of the remote: fetch it and fast-forward the working copy;
    /// never merge, never reset (a force-push is refused and reported).
    #[arg(long, value_name = "BRANCH")]
    pub git_pull: Option<String>,
    /// The remote of --git-pull.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "origin",
        requires = "git_pull"
    )]
    pub git_remote: String,
    /// How often --git-pull fetches.
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = positive_duration, requires = "git_pull")]
    pub git_every: std::time::Duration,
    /// Retries of a failed sync (server down, reload failed) before waiting for the next
    /// trigger; invalid rules are not retried.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub retries: u32,
    /// The first retry's delay; each next one doubles, with jitter.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = positive_duration)]
    pub retry_base: std::time::Duration,
    /// No retry waits longer.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = positive_duration)]
    pub retry_max: std::time::Duration,
    /// Output directory (default: `output.dir`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Override `validate.promtool`.
    #[arg(long, value_enum)]
    pub promtool: Option<PromtoolArg>,
    /// Log lines as text or as JSON objects (one per line), on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Durations of the daemon's timers: Prometheus syntax (`500ms`, `5m`, `1h30m`), at most
/// 30 days (a timer further out is a typo, and far-off instants overflow).
fn duration_up_to(s: &str, max_days: u64) -> Result<std::time::Duration, String> {
    let d = alertctl::model::parse_duration(s)
        .ok_or_else(|| format!("{s:?} is not a duration like 500ms, 30s, 5m or 1h30m"))?;
    if d > std::time::Duration::from_secs(max_days * 86_400) {
        return Err(format!("at most {max_days}d"));
    }
    Ok(d)
}

fn long_duration(s: &str) -> Result<std::time::Duration, String> {
    duration_up_to(s, 30)
}

fn positive_duration(s: &str) -> Result<std::time::Duration, String> {
    let d = duration_up_to(s, 30)?;
    if d.is_zero() {
        return Err("must be more than 0s".into());
    }
    Ok(d)
}

fn debounce(s: &str) -> Result<std::time::Duration, String> {
    let d = duration_up_to(s, 30)?;
    if d > std::time::Duration::from_secs(600) {
        return Err("at most 10m".into());
    }
    Ok(d)
}

fn poll_interval(s: &str) -> Result<std::time::Duration, String> {
    let d = duration_up_to(s, 30)?;
    if d < std::time::Duration::from_millis(100) {
        return Err("at least 100ms".into());
    }
    Ok(d)
}
