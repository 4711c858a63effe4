//! Rule unit tests that live in the rules directory (`tests/*.yaml`), written against
//! the estate rather than against rendered files: input series name a target, a group
//! or a label set, and get the inventory's namespace/group/target labels filled in;
//! expectations name an alert, a time, and the alerts that must be firing then (by
//! target, severity, labels, annotations), and optionally the Alertmanager receivers
//! each one reaches.
//!
//! `file` reads and checks test files (every problem located, like `validate`);
//! `promtool` writes promtool test files and reads promtool's verdicts; `run` renders the
//! verdict of each expectation and maps every failure back to the test file's line;
//! `junit` writes the report for CI.

pub mod file;
pub mod junit;
pub mod promtool;
pub mod run;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::diag::{SourceText, Span};
use crate::model::Spanned;

/// The directory of the rules directory that holds test files (`tests/*.yaml`, not
/// recursive: a `tests/promtool/` folder of raw promtool files can sit beside them).
pub const DIR: &str = "tests";

/// One test file.
#[derive(Debug, Clone)]
pub struct TestFile {
    pub source: SourceText,
    pub tests: Vec<Test>,
}

/// One test: input series and what must fire when.
#[derive(Debug, Clone)]
pub struct Test {
    pub name: Spanned<String>,
    /// The `- ` of the test in its file.
    pub span: Span,
    /// Spacing of the input samples.
    pub interval: Duration,
    pub input: Vec<Input>,
    pub expect: Vec<Expect>,
}

/// Where a series or an expected alert sits in the estate.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// One inventory target.
    Target(Spanned<String>),
    /// Every target of an inventory group.
    Group(Spanned<String>),
    /// Only the labels given (series from outside the inventory, aggregated alerts).
    Labels,
}

/// One input series (or one per target of a group).
#[derive(Debug, Clone)]
pub struct Input {
    pub span: Span,
    /// The metric name and the labels written in `metric:`.
    pub metric: Spanned<String>,
    pub selector: BTreeMap<String, String>,
    pub place: Place,
    pub labels: BTreeMap<String, Spanned<String>>,
    /// promtool's expanding notation (`0+10x30 _x5 stale`), checked.
    pub values: Spanned<String>,
}

/// The alerts `alert` must have firing at `at` (the complete list, as in promtool).
#[derive(Debug, Clone)]
pub struct Expect {
    pub span: Span,
    pub at: Spanned<Duration>,
    pub alert: Spanned<String>,
    /// The `firing:` key, where unexpected alerts are reported.
    pub firing_span: Span,
    pub firing: Vec<ExpectedAlert>,
}

/// One alert that must be firing. Unset fields are not checked; labels and annotations
/// are checked for the names given, other names may have any value.
#[derive(Debug, Clone)]
pub struct ExpectedAlert {
    pub span: Span,
    pub place: Place,
    pub severity: Option<Spanned<String>>,
    pub labels: BTreeMap<String, Spanned<String>>,
    pub annotations: BTreeMap<String, Spanned<String>>,
    /// The receivers Alertmanager sends it to; empty means inhibited.
    pub receivers: Option<Spanned<Vec<String>>>,
}

/// A Go/Prometheus duration as promtool's test files take it.
pub fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// `1h30m`, `45s`, `0s`: the shortest Prometheus form, for messages.
pub fn human_duration(d: Duration) -> String {
    let mut ms = d.as_millis() as u64;
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [
        ("d", 86_400_000u64),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_shortest() {
        assert_eq!(human_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1s500ms");
        assert_eq!(go_duration(Duration::from_secs(90)), "90s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1500ms");
    }
}
