//! alertctl: Prometheus alerting as code.
//!
//! The pipeline follows the data: `load` (files) -> `cache` -> `parse` (spanned YAML ->
//! `model`) -> `resolve` (effective rules, partition cells) -> `render` (Prometheus rule
//! files) -> `diff` (plan) -> `output` (atomic writes) -> `deploy` (commit, reload,
//! verify, roll back) -> `history`. `ops` holds one operation per user intent (apply,
//! rollback, the Alertmanager commands) for the CLI, a daemon and a web UI alike; `watch`
//! is that daemon, calling them. Only `load`, `cache`, `output`, `promtool`, `deploy`,
//! `history`, `ops` and `watch` touch the outside world; the library never prints.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod alertmanager;
pub mod cache;
pub mod deploy;
pub mod diag;
pub mod diff;
pub mod edit;
pub mod file_sd;
pub mod goregex;
pub mod history;
pub mod impact;
pub mod import;
pub mod incremental;
pub mod kubernetes;
pub mod lint;
pub mod live;
pub mod load;
pub mod logic;
pub mod machine;
pub mod model;
pub mod ops;
pub mod output;
pub mod params;
pub mod parse;
pub mod present;
pub mod project;
pub mod promql;
pub mod promtool;
pub mod query;
pub mod render;
pub mod resolve;
pub mod secrets;
pub mod settings;
pub mod shard;
pub mod text;
pub mod trust;
pub mod ui;
pub mod unittest;
pub mod vecmap;
pub mod watch;
pub mod yaml;
