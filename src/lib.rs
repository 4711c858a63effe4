//! alertctl: Prometheus alerting as code.
//!
//! The pipeline follows the data: `load` (files) -> `cache` -> `parse` (spanned YAML ->
//! `model`) -> `resolve` (effective rules, partition cells) -> `render` (Prometheus rule
//! files) -> `diff` (plan) -> `output` (atomic writes). Only `load`, `cache`, `output`
//! and `promtool` touch the outside world; the library never prints.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod alertmanager;
pub mod cache;
pub mod deploy;
pub mod diag;
pub mod diff;
pub mod edit;
pub mod history;
pub mod impact;
pub mod live;
pub mod load;
pub mod model;
pub mod output;
pub mod params;
pub mod parse;
pub mod project;
pub mod promql;
pub mod promtool;
pub mod query;
pub mod render;
pub mod resolve;
pub mod settings;
pub mod unittest;
pub mod yaml;
