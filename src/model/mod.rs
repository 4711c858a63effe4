//! The rules directory as typed data: templates, rules, inventory. Every value keeps the
//! span it came from so later stages (resolve, render, promtool) can point back at it.
//! No I/O here; `parse` builds these from YAML, `cache` stores them.

pub mod chunked;
pub mod goregex;
pub mod lint;
pub mod logic;
pub mod params;
pub mod promql;
pub mod resolve;
pub mod shard;
pub mod vecmap;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diag::{Code, Span};
use crate::model::vecmap::VecMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// Where a rule applies. Ordered by specificity: a later variant is more specific.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    Global,
    Namespace(String),
    Group(String),
    Target(String),
}

impl Scope {
    pub fn specificity(&self) -> u8 {
        match self {
            Scope::Global => 0,
            Scope::Namespace(_) => 1,
            Scope::Group(_) => 2,
            Scope::Target(_) => 3,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Namespace(_) => "namespace",
            Scope::Group(_) => "group",
            Scope::Target(_) => "target",
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Scope::Global => None,
            Scope::Namespace(n) | Scope::Group(n) | Scope::Target(n) => Some(n),
        }
    }

    /// Parses `global`, `namespace/NAME`, `group/NAME`, `target/NAME`.
    pub fn parse(s: &str) -> Result<Scope, String> {
        if s == "global" {
            return Ok(Scope::Global);
        }
        let Some((kind, name)) = s.split_once('/') else {
            return Err(format!("`{s}` is not a scope"));
        };
        if name.is_empty() {
            return Err(format!("scope `{s}` has an empty name"));
        }
        if let Some(problem) = crate::source::text::name_problem(name) {
            return Err(format!(
                "the name in scope `{}` {problem}",
                crate::source::text::escape_unsafe(s)
            ));
        }
        match kind {
            "namespace" | "ns" => Ok(Scope::Namespace(name.to_string())),
            "group" => Ok(Scope::Group(name.to_string())),
            "target" => Ok(Scope::Target(name.to_string())),
            _ => Err(format!("unknown scope kind `{kind}`")),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Global => f.write_str("global"),
            other => write!(f, "{}/{}", other.kind(), other.name().unwrap_or_default()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    Number,
    Duration,
    LabelValue,
    Regex,
    LabelName,
    String,
    /// A list of values of the parameter's `of` type (default `label_value`).
    List,
}

impl ParamType {
    pub const NAMES: &'static [&'static str] = &[
        "number",
        "duration",
        "label_value",
        "regex",
        "label_name",
        "string",
        "list",
    ];

    pub fn parse(s: &str) -> Option<ParamType> {
        Some(match s {
            "number" => ParamType::Number,
            "duration" => ParamType::Duration,
            "label_value" => ParamType::LabelValue,
            "regex" => ParamType::Regex,
            "label_name" => ParamType::LabelName,
            "string" => ParamType::String,
            "list" => ParamType::List,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// A parameter value exactly as written in YAML, type-checked against the template later
/// (the template may live in another file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawValue {
    pub text: String,
    pub quoted: bool,
    /// Set for a YAML sequence (a `list` parameter); `text` then is empty.
    #[serde(default)]
    pub items: Option<Vec<RawValue>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamDef {
    pub name: Spanned<String>,
    pub ty: ParamType,
    pub default: Option<Spanned<RawValue>>,
    pub description: Option<String>,
    /// The item type of a `list` parameter.
    #[serde(default)]
    pub item: Option<ParamType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeInjection {
    /// Scope matchers are added to every selector of the query.
    Auto,
    /// The template places `${scope}` inside the selectors it wants scoped.
    Manual,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Shared with the file's `SourceText::path`: one allocation per file, not per rule.
    pub file: Arc<str>,
    pub span: Span,
    pub name: Spanned<String>,
    /// Set for recording-rule templates: the recorded series name.
    pub record: Option<Spanned<String>>,
    pub description: Option<String>,
    pub severity: Option<Spanned<String>>,
    pub params: Vec<ParamDef>,
    pub expr: Spanned<String>,
    pub for_: Option<Spanned<String>>,
    pub keep_firing_for: Option<Spanned<String>>,
    pub labels: VecMap<String, Spanned<String>>,
    pub annotations: VecMap<String, Spanned<String>>,
    pub scope_injection: ScopeInjection,
    /// The Prometheus rule group its rules render into (default `alertctl/<scope>`).
    #[serde(default)]
    pub rule_group: Option<Spanned<String>>,
    /// Free-form tags that many-alert rules select by.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The job (exporter) the template watches, when declared with `job:`; `*` means
    /// every job. Undeclared, it is read from the query's `job` matcher.
    #[serde(default)]
    pub job: Option<Spanned<String>>,
    /// Warning codes a person accepted for this template (`ignore: [code]`); see
    /// [`ignores`].
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
}

impl Template {
    pub fn param(&self, name: &str) -> Option<&ParamDef> {
        self.params.iter().find(|p| p.name.value == name)
    }
    pub fn is_recording(&self) -> bool {
        self.record.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Shared with the file's `SourceText::path` (52k rules on the L estate).
    pub file: Arc<str>,
    pub span: Span,
    pub template: Spanned<String>,
    /// The alert (or recorded series) name; defaults to the template's.
    pub name: Option<Spanned<String>>,
    /// The name was given with `record:` (a recording rule) rather than `alert:`.
    pub named_by_record: bool,
    pub scope: Spanned<Scope>,
    pub priority: Spanned<i64>,
    pub enabled: Option<Spanned<bool>>,
    /// Soft-deleted (`rule disable`): kept in the repository, ignored by resolution.
    #[serde(default)]
    pub suspended: Option<Spanned<bool>>,
    pub params: VecMap<String, Spanned<RawValue>>,
    /// Where each parameter's name is written (for "no such parameter").
    #[serde(default)]
    pub param_keys: VecMap<String, Span>,
    pub for_: Option<Spanned<String>>,
    /// Boxed: rarely set (on no rule of the L estate), and 24 bytes less in each of
    /// 52k rules; serde sees the same value, so stored models keep their encoding.
    pub keep_firing_for: Option<Box<Spanned<String>>>,
    pub severity: Option<Spanned<String>>,
    pub labels: VecMap<String, Spanned<String>>,
    pub annotations: VecMap<String, Spanned<String>>,
    /// Set for a many-alert rule: which templates' alerts it applies to. `template` then
    /// holds the selection as written, for display.
    /// Boxed: rare, and as large as the rest of a rule (52k rules on the L estate).
    #[serde(default)]
    pub select: Option<Box<Select>>,
    /// Warning codes a person accepted for this rule (`ignore: [code]`); see [`ignores`].
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
}

impl Rule {
    pub fn is_suspended(&self) -> bool {
        self.suspended.as_ref().is_some_and(|s| s.value)
    }
    /// A rule that selects several alerts (`template: "*"`, a list, a glob, `select:`).
    pub fn is_many(&self) -> bool {
        self.select.is_some()
    }
}

/// Does an `ignore:` list (a template's or a rule's) accept warning `code`? The one test
/// of that field, whatever the warning (`awkward-name` in `parse`, `empty-selection` in
/// `resolve`, the scoped-query lints, `no-series`, ...); `validate.ignore` accepts a code
/// for the whole directory instead (`Diagnostics::accept`).
pub fn ignores(list: &[Spanned<String>], code: Code) -> bool {
    list.iter().any(|c| c.value == code.as_str())
}

/// What a many-alert rule selects. Every given criterion must hold (AND); a template
/// is selected when its name matches one of `names` (exact names or `*`/`?` globs;
/// empty means all) and it declares everything the other criteria ask for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Select {
    pub names: Vec<Spanned<String>>,
    pub severity: Option<String>,
    /// The template has every one of these tags.
    pub tags: Vec<String>,
    /// The template declares these labels with these values.
    pub labels: BTreeMap<String, String>,
    pub rule_group: Option<String>,
    /// The job the template watches (declared or derived; see
    /// `resolve::Model::template_job`). `*` templates watch every job.
    pub job: Option<String>,
    pub span: Span,
}

/// `interval`/`limit` of a Prometheus rule group at one scope (from a `rule_group:`
/// entry in a rules file). Scoped like rules: a file's group takes the most specific
/// setting of each field among global, its namespace and its group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleGroupDef {
    pub file: Arc<str>,
    pub span: Span,
    pub name: Spanned<String>,
    pub scope: Spanned<Scope>,
    pub interval: Option<Spanned<String>>,
    pub limit: Option<Spanned<u64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvNamespace {
    pub file: Arc<str>,
    pub name: Spanned<String>,
    pub groups: Vec<InvGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvGroup {
    pub name: Spanned<String>,
    pub targets: Vec<Spanned<String>>,
    /// Jobs every target of the group runs (`jobs:` of the long form).
    #[serde(default)]
    pub jobs: Vec<InvJob>,
    /// Jobs a single target runs besides the group's (`{name: T, jobs: ...}`).
    #[serde(default)]
    pub target_jobs: BTreeMap<String, Vec<InvJob>>,
}

/// A job (exporter) a target runs. Without a port its instance is the target's name;
/// with one, the target's host with that port (`db-1:9100` runs postgres on
/// `db-1:9187`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvJob {
    pub name: Spanned<String>,
    pub port: Option<Spanned<u16>>,
}

/// What one source file contributes. The cache stores exactly this per content hash.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileModel {
    pub templates: Vec<Template>,
    pub rules: Vec<Rule>,
    pub namespaces: Vec<InvNamespace>,
    /// Inventory targets in no group: they get global and their own target rules.
    pub ungrouped: Vec<Spanned<String>>,
    /// Jobs of ungrouped targets, by target name.
    #[serde(default)]
    pub ungrouped_jobs: BTreeMap<String, Vec<InvJob>>,
    /// The file did not parse; its absence must not cause follow-up errors elsewhere.
    #[serde(default)]
    pub broken: bool,
    #[serde(default)]
    pub rule_groups: Vec<RuleGroupDef>,
}

impl FileModel {
    /// Points every `file` at `path` (the file's `SourceText::path`), as a parse does: a
    /// model read back from the cache would otherwise hold one copy of its path per rule.
    pub fn share_path(&mut self, path: &Arc<str>) {
        let share = |file: &mut Arc<str>| {
            if **file == **path {
                *file = path.clone();
            }
        };
        self.templates.iter_mut().for_each(|t| share(&mut t.file));
        self.rules.iter_mut().for_each(|r| share(&mut r.file));
        self.rule_groups.iter_mut().for_each(|g| share(&mut g.file));
        self.namespaces.iter_mut().for_each(|n| share(&mut n.file));
    }
}

/// A Prometheus duration as accepted by 2.x: units y w d h m s ms, largest first, each once.
pub fn is_duration(s: &str) -> bool {
    const UNITS: [&str; 7] = ["y", "w", "d", "h", "m", "s", "ms"];
    if s.is_empty() {
        return false;
    }
    let mut rest = s;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = if rest.starts_with("ms") {
            "ms"
        } else {
            &rest[..rest.chars().next().map_or(0, char::len_utf8)]
        };
        let Some(pos) = UNITS.iter().position(|u| *u == unit) else {
            return false;
        };
        if pos < next_unit {
            return false;
        }
        next_unit = pos + 1;
        rest = &rest[unit.len()..];
    }
    true
}

/// A Prometheus duration as a `Duration`; `None` if `s` is not one.
pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    if !is_duration(s) {
        return None;
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit_ms, len) = if rest.starts_with("ms") {
            (1, 2)
        } else {
            let ms = match &rest[..1] {
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                "w" => 604_800_000,
                _ => 31_536_000_000,
            };
            (ms, 1)
        };
        total = total.checked_add(n.checked_mul(unit_ms)?)?;
        rest = &rest[len..];
    }
    Some(std::time::Duration::from_millis(total))
}

/// Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The instance of a target's job: the target's name, or with a port, its host (the
/// name without a trailing `:port`) and that port. IPv6 hosts keep their brackets.
pub fn job_instance(target: &str, port: Option<u16>) -> String {
    let Some(port) = port else {
        return target.to_string();
    };
    let host = match target.rsplit_once(':') {
        Some((h, p))
            if !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (!h.contains(':') || h.ends_with(']')) =>
        {
            h
        }
        _ => target,
    };
    format!("{host}:{port}")
}

/// Job names land in file names (`file_sd/<job>.json`) and in `job` labels: no control
/// characters, no path separators, no leading dot. `Err` says what is wrong.
pub fn check_job_name(s: &str) -> Result<(), &'static str> {
    if s.is_empty() {
        Err("a job name cannot be empty")
    } else if s.chars().any(char::is_control) {
        Err("a job name cannot contain control characters or line breaks")
    } else if s.contains('/') || s.contains('\\') {
        Err("a job name cannot contain `/` or `\\`")
    } else if s.starts_with('.') {
        Err("a job name cannot start with `.`")
    } else if s.len() > 200 {
        Err("a job name is at most 200 bytes long")
    } else {
        Ok(())
    }
}

/// Why an alert name is awkward in Alertmanager matchers and silences (amtool,
/// `{alertname="..."}` lists), or `None`. Prometheus accepts any UTF-8 alert name.
pub fn awkward_name(s: &str) -> Option<&'static str> {
    if s.trim() != s {
        return Some("it starts or ends with white space, which matchers trim");
    }
    if s.chars().any(|c| c.is_control()) {
        return Some("it contains a control character such as a line break");
    }
    if s.chars().any(|c| {
        matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    }) {
        return Some("it contains an invisible or text-direction character");
    }
    if s.contains(['"', '\\']) {
        return Some("a `\"` or `\\` must be escaped in every matcher");
    }
    if s.contains(['{', '}', ',']) {
        return Some("`{`, `}` and `,` end a matcher list unless the value is quoted");
    }
    None
}

/// Metric names (recorded series): `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for ok in ["5m", "1h30m", "1500ms", "1y2w3d4h5m6s7ms", "0s", "90m"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in [
            "", "5", "m", "5x", "1m1h", "5m5m", "1.5m", "-5m", "5 m", "5mm",
        ] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn duration_values() {
        assert_eq!(
            parse_duration("1h30m"),
            Some(std::time::Duration::from_secs(5400))
        );
        assert_eq!(
            parse_duration("1500ms"),
            Some(std::time::Duration::from_millis(1500))
        );
        assert_eq!(parse_duration("5x"), None);
    }

    #[test]
    fn scopes_parse_and_print() {
        for s in [
            "global",
            "namespace/prod",
            "group/web",
            "target/db-1.example.com:9100",
        ] {
            assert_eq!(Scope::parse(s).unwrap().to_string(), s);
        }
        assert!(Scope::parse("group/").is_err());
        assert!(Scope::parse("group/web\ngroups:").is_err());
        assert!(Scope::parse("group/ web").is_err());
        assert!(Scope::parse("host/x").is_err());
        assert!(Scope::Target("a".into()).specificity() > Scope::Global.specificity());
    }

    #[test]
    fn job_instances() {
        assert_eq!(job_instance("db-1:9100", None), "db-1:9100");
        assert_eq!(job_instance("db-1:9100", Some(9187)), "db-1:9187");
        assert_eq!(job_instance("db-1", Some(9187)), "db-1:9187");
        assert_eq!(job_instance("[::1]:9100", Some(9187)), "[::1]:9187");
        assert_eq!(job_instance("a:b", Some(1)), "a:b:1");
        assert!(check_job_name("node").is_ok() && check_job_name("node-exporter_2.x").is_ok());
        for bad in ["", "../x", "a/b", "a\\b", ".hidden", "a\nb", "a\u{7}b"] {
            assert!(check_job_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names() {
        assert!(is_label_name("severity") && is_label_name("_x1"));
        assert!(!is_label_name("0bad") && !is_label_name("a-b") && !is_label_name(""));
        assert!(is_metric_name("job:cpu:rate5m") && !is_metric_name("bad metric"));
    }
}
