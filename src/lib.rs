//! alertctl: Prometheus alerting as code.
//!
//! The modules are grouped by stage and follow the data:
//!
//! - [`source`]: the rules directory's files (`load`: a confined walk and reads;
//!   `yaml`, `parse`: spanned YAML -> typed model; `settings`; `project`: load with the
//!   cache; `edit`, `import`: writing sources);
//! - [`model`]: the typed estate and what is derived from it without I/O (`resolve`:
//!   effective rules and partition cells; `params`, `logic`, `promql`, `goregex`,
//!   `lint`, `shard`, `vecmap`);
//! - [`render`]: Prometheus rule files (`diff`: the plan; `output`: atomic writes;
//!   `promtool`; `kubernetes`, `file_sd`; `present`: answers as people read them);
//! - [`cache`]: the SQLite cache and its index (`query`: the fast answers;
//!   `incremental`: what an edit can keep; `trust`: its per-user key);
//! - [`deploy`]: commit, reload, verify, roll back (`history`, `secrets`);
//! - [`live`], [`impact`]: questions to a running Prometheus; [`alertmanager`];
//!   [`unittest`];
//! - [`ops`]: one operation per user intent (apply, rollback, test, impact, check, the
//!   Alertmanager commands) for the CLI, the daemon ([`watch`]) and the web UI ([`ui`])
//!   alike.
//!
//! Only `source::load`, `cache`, `render::output`, `render::promtool`, `deploy`, `live`,
//! `ops`, `ui` and `watch` touch the outside world; the library never prints.

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

pub mod alertmanager;
pub mod cache;
pub mod deploy;
pub mod diag;
pub mod impact;
pub mod live;
pub mod machine;
pub mod model;
pub mod ops;
pub mod render;
pub mod source;
#[cfg(test)]
mod test_support;
pub mod timings;
pub mod ui;
pub mod unittest;
pub mod watch;
