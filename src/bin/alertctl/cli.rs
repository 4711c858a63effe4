use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Prometheus alerting as code: typed alert templates, rules scoped to namespaces,
/// groups and targets, rendered into Prometheus rule files.
///
/// Exit codes: 0 ok, 1 differences found (with --exit-code), 2 invalid input,
/// 3 deploy failed and rolled back, 4 operational failure (I/O, missing tool).
#[derive(Debug, Parser)]
#[command(name = "alertctl", version, max_term_width = 100)]
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
    Init {
        /// Where to create it.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
    /// Check everything and report every problem with its location. Exit 2 if invalid.
    Validate {
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Override `validate.promtool` from alertctl.toml.
        #[arg(long, value_enum)]
        promtool: Option<PromtoolArg>,
    },
    /// Write the Prometheus rule files (only files whose content changed are written).
    Render {
        /// Output directory (default: `output.dir` from alertctl.toml).
        #[arg(long, value_name = "DIR", conflicts_with = "stdout")]
        out: Option<PathBuf>,
        /// Print every file to stdout instead of writing.
        #[arg(long)]
        stdout: bool,
    },
    /// Show how the output directory would change: unified diff and a summary.
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
    },
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}
