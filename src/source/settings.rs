//! `alertctl.toml`: project settings. Every field has a default, so an empty file is a
//! valid project; unknown keys are errors (a typo must not silently fall back to a default).

use serde::{Deserialize, Serialize};

use crate::diag::{did_you_mean, Code, Diagnostic, SourceText, Span};
use crate::model::is_label_name;

pub const FILE_NAME: &str = "alertctl.toml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub output: Output,
    pub labels: Labels,
    pub scope: ScopeSettings,
    pub validate: Validate,
    pub apply: Apply,
    /// Servers that load the rendered files: `[[prometheus]]` tables (Prometheus or
    /// vmalert; HA pairs are two entries).
    #[serde(rename = "prometheus")]
    pub servers: Vec<ServerSettings>,
    pub alertmanager: AlertmanagerSettings,
    pub kubernetes: Kubernetes,
    /// `[file_sd]`: write Prometheus file_sd target files from the inventory.
    pub file_sd: Option<FileSd>,
    /// `[[shard]]` tables: parts of the estate, each deployed to servers of its own
    /// (docs/format.md, "Shards"). None: every server gets every rule.
    #[serde(rename = "shard", skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<Shard>,
}

/// A part of the estate (namespaces and groups, with everything in them) and the
/// servers that load its rules: one Prometheus, or several for an HA pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    pub name: String,
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    /// A label selector over the scope labels (`{namespace=~"eu-.*"}`), matched
    /// against the inventory's names: the groups (or, with no group matcher, the
    /// namespaces) it selects.
    pub selector: Option<String>,
    /// Names of `[[prometheus]]` entries.
    pub servers: Vec<String>,
    /// Its output directory, relative to the rules directory; default
    /// `<output.dir>/<name>`.
    pub output: Option<String>,
}

impl Shard {
    /// The output directory, relative to the rules directory (or absolute).
    pub fn dir(&self, settings: &Settings) -> String {
        self.output.clone().unwrap_or_else(|| {
            format!(
                "{}/{}",
                settings.output.dir.trim_end_matches('/'),
                self.name
            )
        })
    }
}

/// Shard names become directory names and `--shard` values: plain words only.
pub fn is_shard_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `render --format prometheusrule`: Prometheus Operator objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Kubernetes {
    /// Where the manifests go, relative to the rules directory.
    pub dir: String,
    /// `metadata.namespace`; none: the namespace `kubectl apply` targets.
    pub namespace: Option<String>,
    /// Object names are this prefix, the scope kind and name: `alertctl-group-web`.
    pub name_prefix: String,
    /// Labels on every object, for the Prometheus resource's `ruleSelector`.
    pub labels: std::collections::BTreeMap<String, String>,
    pub annotations: std::collections::BTreeMap<String, String>,
}

impl Default for Kubernetes {
    fn default() -> Self {
        Kubernetes {
            dir: "rendered-k8s".into(),
            namespace: None,
            name_prefix: "alertctl-".into(),
            labels: Default::default(),
            annotations: Default::default(),
        }
    }
}

/// Where the scrape target files go, and whether `apply` checks Prometheus uses them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSd {
    /// One `<job>.json` per job, relative to the rules directory (or absolute).
    pub dir: String,
    /// `apply` waits until every configured Prometheus shows the inventory's labels on
    /// the targets of these files (`/api/v1/targets`).
    #[serde(default = "yes")]
    pub verify: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertmanagerSettings {
    /// The generated config, relative to the rules directory. Keep it out of the rule
    /// output directory, whose `*.yml` Prometheus loads as rule files.
    pub output: String,
    /// amtool check-config: auto (when found), required, off.
    pub amtool: PromtoolPolicy,
    pub amtool_path: Option<String>,
    /// Alertmanagers that load the generated config (an HA cluster is several entries).
    pub servers: Vec<ServerSettings>,
}

impl Default for AlertmanagerSettings {
    fn default() -> Self {
        AlertmanagerSettings {
            output: "alertmanager-rendered/alertmanager.yml".into(),
            amtool: PromtoolPolicy::Auto,
            amtool_path: None,
            servers: vec![],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Apply {
    /// How long to wait for another apply holding the lock.
    pub lock_timeout: String,
    /// Retries of a request that failed transiently (connection, 502-504), with backoff.
    pub retries: u32,
    /// How long a reloaded server may take to show the expected rules.
    pub verify_timeout: String,
}

impl Default for Apply {
    fn default() -> Self {
        Apply {
            lock_timeout: "60s".into(),
            retries: 3,
            verify_timeout: "30s".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ServerKind {
    #[default]
    Prometheus,
    Vmalert,
    /// Set by alertctl for `[[alertmanager.servers]]`.
    Alertmanager,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    pub password_file: Option<String>,
    pub password_env: Option<String>,
}

/// One server. Secrets are never in this file: only paths or environment variable names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub name: Option<String>,
    pub url: String,
    #[serde(default)]
    pub kind: ServerKind,
    /// Per request, as a Prometheus duration; default 10s.
    pub timeout: Option<String>,
    pub bearer_token_file: Option<String>,
    pub bearer_token_env: Option<String>,
    pub basic_auth: Option<BasicAuth>,
    /// PEM file of the CA that signed the server's certificate.
    pub ca_file: Option<String>,
    #[serde(default)]
    pub insecure_skip_verify: bool,
}

impl ServerSettings {
    /// A Prometheus given by URL on the command line (`--prometheus`): no name, no
    /// credentials, `timeout` or the default.
    pub fn prometheus_at(url: &str, timeout: Option<&str>) -> ServerSettings {
        ServerSettings {
            name: None,
            url: url.to_string(),
            kind: ServerKind::Prometheus,
            timeout: timeout.map(str::to_string),
            bearer_token_file: None,
            bearer_token_env: None,
            basic_auth: None,
            ca_file: None,
            insecure_skip_verify: false,
        }
    }
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.url.clone())
    }
    pub fn timeout(&self) -> std::time::Duration {
        self.timeout
            .as_deref()
            .and_then(crate::model::parse_duration)
            .unwrap_or(std::time::Duration::from_secs(10))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Output {
    /// Where rendered rule files go, relative to the rules directory.
    pub dir: String,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            dir: "rendered".into(),
        }
    }
}

/// The series labels that carry namespace, group and target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Labels {
    pub namespace: String,
    pub group: String,
    pub target: String,
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            namespace: "namespace".into(),
            group: "group".into(),
            target: "instance".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ScopeMatch {
    /// Series carry namespace and group labels; scopes match on them.
    #[default]
    Labels,
    /// Series carry only the target label; namespace and group scopes match the
    /// inventory's target lists.
    Inventory,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ScopeSettings {
    #[serde(rename = "match")]
    pub match_: ScopeMatch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PromtoolPolicy {
    /// Use promtool when it is on PATH (or configured), skip it otherwise.
    #[default]
    Auto,
    /// Fail when promtool is missing.
    Required,
    Off,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Validate {
    pub promtool: PromtoolPolicy,
    /// Path of the promtool binary; default: `promtool` on PATH.
    pub promtool_path: Option<String>,
    /// Warning codes accepted for the whole directory.
    pub ignore: Vec<String>,
}

impl Settings {
    /// The warning codes of `validate.ignore` (checked by `parse`).
    pub fn accepted(&self) -> Vec<crate::diag::Code> {
        self.validate
            .ignore
            .iter()
            .filter_map(|c| crate::diag::Code::parse(c))
            .collect()
    }
}

/// Parses settings; on error returns a located diagnostic.
pub fn parse(source: &SourceText) -> Result<Settings, Box<Diagnostic>> {
    let settings: Settings = toml::from_str(source.text()).map_err(|e| {
        let span = e
            .span()
            .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
        let msg = e.message().to_string();
        let syntax = toml::from_str::<toml::Table>(source.text()).is_err();
        let code = if syntax {
            Code::TomlSyntax
        } else {
            Code::Settings
        };
        let mut d =
            Diagnostic::error(code, format!("invalid {FILE_NAME}: {msg}")).at(source, span, "here");
        if syntax {
            d = d.hint("TOML syntax: `key = value`, strings in double quotes, tables as [name]");
        }
        if msg.contains("unknown field") {
            let ticks: Vec<&str> = msg.split('`').skip(1).step_by(2).collect();
            if let Some((unknown, expected)) = ticks.split_first() {
                if let Some(s) = did_you_mean(unknown, expected.iter().copied()) {
                    d = d.hint(format!("did you mean `{s}`?"));
                }
            }
        }
        Box::new(d)
    })?;
    let durations = [
        ("apply.lock_timeout", Some(&settings.apply.lock_timeout)),
        ("apply.verify_timeout", Some(&settings.apply.verify_timeout)),
    ]
    .into_iter()
    .chain(
        settings
            .servers
            .iter()
            .chain(&settings.alertmanager.servers)
            .map(|s| ("server timeout", s.timeout.as_ref())),
    );
    for (name, value) in durations {
        if let Some(v) = value {
            if !crate::model::is_duration(v) {
                let at = source.text().find(v.as_str()).unwrap_or(0);
                return Err(Box::new(
                    Diagnostic::error(Code::Settings, format!("{name} = `{v}` is not a duration"))
                        .at(source, Span::new(at, at + v.len()), "bad duration")
                        .hint("durations look like 10s, 1m, 1h30m"),
                ));
            }
        }
    }
    for s in settings
        .servers
        .iter()
        .chain(&settings.alertmanager.servers)
    {
        if !(s.url.starts_with("http://") || s.url.starts_with("https://")) {
            let at = source.text().find(s.url.as_str()).unwrap_or(0);
            return Err(Box::new(
                Diagnostic::error(
                    Code::Settings,
                    format!("server url `{}` is not an http(s) URL", s.url),
                )
                .at(source, Span::new(at, at + s.url.len()), "here")
                .hint("e.g. url = \"http://127.0.0.1:9090\""),
            ));
        }
    }
    if let Some(fs) = &settings.file_sd {
        let why = if fs.dir.is_empty() {
            Some("is empty")
        } else if fs.dir.chars().any(char::is_control) {
            Some("contains a control character or line break")
        } else if !std::path::Path::new(&fs.dir).is_absolute()
            && std::path::Path::new(&fs.dir)
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            Some("leaves the rules directory with `..`")
        } else {
            None
        };
        if let Some(why) = why {
            let at = value_span(source, &["file_sd", "dir"]);
            return Err(Box::new(
                Diagnostic::error(Code::Settings, format!("file_sd.dir {why}"))
                    .at(source, at, "here")
                    .hint("a folder inside the rules directory (e.g. \"file_sd\"), or an absolute path such as \"/etc/prometheus/file_sd/alertctl\""),
            ));
        }
    }
    for code in &settings.validate.ignore {
        if !crate::diag::Code::parse(code).is_some_and(|c| crate::diag::Code::WARNINGS.contains(&c))
        {
            let at = located(source.text(), "ignore", code);
            let names = crate::diag::Code::WARNINGS.iter().map(|c| c.as_str());
            let hint = did_you_mean(code, names).map_or_else(
                || "only warnings can be ignored; docs/diagnostics.md lists them".to_string(),
                |s| format!("did you mean `{s}`?"),
            );
            return Err(Box::new(
                Diagnostic::error(
                    Code::Settings,
                    format!(
                        "validate.ignore: `{}` is not a warning code",
                        code.escape_debug()
                    ),
                )
                .at(source, at, "here")
                .hint(hint),
            ));
        }
    }
    let labels = [
        ("namespace", &settings.labels.namespace),
        ("group", &settings.labels.group),
        ("target", &settings.labels.target),
    ];
    for (i, (name, value)) in labels.iter().enumerate() {
        let at = value_span(source, &["labels", name]);
        let problem = if !is_label_name(value) {
            Some((
                format!("labels.{name} = `{value}` is not a valid label name"),
                "label names match [a-zA-Z_][a-zA-Z0-9_]*".to_string(),
            ))
        } else if value.starts_with("__") {
            Some((
                format!("labels.{name} = `{value}` is a reserved label name"),
                "label names starting with __ are Prometheus' own; series keep no such label"
                    .into(),
            ))
        } else {
            labels[..i].iter().find(|(_, v)| v == value).map(|(other, _)| {
                (
                    format!("labels.{name} and labels.{other} are both `{value}`"),
                    format!("each scope kind needs its own series label: with one label for both, every {name} scope would also match {other}s of that name"),
                )
            })
        };
        if let Some((msg, hint)) = problem {
            return Err(Box::new(
                Diagnostic::error(Code::Settings, msg)
                    .at(source, at, "here")
                    .hint(hint),
            ));
        }
    }
    check_kubernetes(&settings.kubernetes, source)?;
    check_shards(&settings, source)?;
    Ok(settings)
}

/// `[[shard]]`: names, servers and output directories; what the shards take is checked
/// against the inventory by [`crate::model::shard::check`].
fn check_shards(settings: &Settings, source: &SourceText) -> Result<(), Box<Diagnostic>> {
    let error = |msg: String, key: &str, value: &str, hint: &str| {
        Box::new(
            Diagnostic::error(Code::Settings, msg)
                .at(source, located(source.text(), key, value), "here")
                .hint(hint.to_string()),
        )
    };
    let mut names = std::collections::BTreeSet::new();
    let mut dirs = std::collections::BTreeMap::new();
    let mut owner: std::collections::BTreeMap<&str, &str> = Default::default();
    for shard in &settings.shards {
        let n = &shard.name;
        if !is_shard_name(n) {
            return Err(error(
                format!("shard name `{}` is not a plain name", n.escape_debug()),
                "name",
                n,
                "letters, digits, `-`, `_` and `.` (not first), at most 64: it names a directory and `--shard`",
            ));
        }
        if !names.insert(n.as_str()) {
            return Err(error(
                format!("two shards are named `{n}`"),
                "name",
                n,
                "each shard needs a name of its own",
            ));
        }
        if shard.namespaces.is_empty() && shard.groups.is_empty() && shard.selector.is_none() {
            return Err(error(
                format!("shard `{n}` takes nothing"),
                "name",
                n,
                "list `namespaces = [...]` and/or `groups = [...]` of the inventory, or give a `selector`",
            ));
        }
        if shard.servers.is_empty() {
            return Err(error(format!("shard `{n}` has no servers"), "name", n, "servers = [\"name\", ...]: the `name`s of [[prometheus]] entries (an HA pair is two)"));
        }
        for srv in &shard.servers {
            if !settings
                .servers
                .iter()
                .any(|s| s.name.as_deref() == Some(srv.as_str()))
            {
                let known = settings.servers.iter().filter_map(|s| s.name.as_deref());
                let hint = did_you_mean(srv, known).map_or_else(
                    || "give the [[prometheus]] entry a `name = ...` and list it here".to_string(),
                    |s| format!("did you mean `{s}`?"),
                );
                return Err(error(
                    format!(
                        "shard `{n}`: no [[prometheus]] server is named `{}`",
                        srv.escape_debug()
                    ),
                    "servers",
                    srv,
                    &hint,
                ));
            }
            if let Some(other) = owner.insert(srv, n) {
                return Err(error(
                    format!("server `{srv}` is in shards `{other}` and `{n}`"),
                    "servers",
                    srv,
                    "a server loads one shard's rules: list it in one shard",
                ));
            }
        }
        let dir = shard.dir(settings);
        let bad = dir.is_empty()
            || dir.chars().any(char::is_control)
            || std::path::Path::new(&dir)
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir));
        if bad {
            return Err(error(
                format!(
                    "shard `{n}`: output `{}` is not a usable directory",
                    dir.escape_debug()
                ),
                "output",
                shard.output.as_deref().unwrap_or(n),
                "a folder inside the rules directory, without `..` or control characters",
            ));
        }
        let key = dir.trim_end_matches('/').to_string();
        if let Some(other) = dirs.insert(key.clone(), n) {
            return Err(error(
                format!("shards `{other}` and `{n}` both write to `{key}`"),
                "output",
                shard.output.as_deref().unwrap_or(n),
                "each shard needs an output directory of its own",
            ));
        }
    }
    if !settings.shards.is_empty() && settings.file_sd.is_some() {
        return Err(error(
            "[file_sd] and [[shard]] together are not supported yet".into(),
            "[file_sd]",
            "[file_sd]",
            "remove [file_sd], or deploy the file_sd files from a rules directory without shards",
        ));
    }
    if !settings.shards.is_empty() {
        if let Some(s) = settings
            .servers
            .iter()
            .find(|s| !s.name.as_deref().is_some_and(|x| owner.contains_key(x)))
        {
            let shown = s.display_name();
            return Err(error(
                format!("server `{shown}` is in no shard"),
                "url",
                &s.url,
                "with [[shard]] tables every [[prometheus]] server belongs to one shard: name it and list it in a shard's `servers`",
            ));
        }
    }
    Ok(())
}

/// Names the API server would reject, found before any manifest is written.
fn check_kubernetes(k: &Kubernetes, source: &SourceText) -> Result<(), Box<Diagnostic>> {
    use crate::render::kubernetes::{is_dns_label, is_key, is_label_value, object_name};
    let bad = |what: String, value: &str, hint: &str| {
        let at = source
            .text()
            .find(value)
            .filter(|_| !value.is_empty())
            .unwrap_or(0);
        Box::new(
            Diagnostic::error(Code::Settings, what)
                .at(source, Span::new(at, at + value.len()), "here")
                .hint(hint.to_string()),
        )
    };
    if let Some(ns) = &k.namespace {
        if !is_dns_label(ns) {
            return Err(bad(
                format!("kubernetes.namespace = {ns:?} is not a Kubernetes namespace name"),
                ns,
                "at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit",
            ));
        }
    }
    let probe = object_name(&k.name_prefix, "global");
    if !k.name_prefix.is_empty() && !probe.starts_with(&k.name_prefix) {
        return Err(bad(
            format!(
                "kubernetes.name_prefix = {:?} cannot start an object name",
                k.name_prefix
            ),
            &k.name_prefix,
            "use lowercase letters, digits, `-` and `.`, starting with a letter or digit",
        ));
    }
    for key in k.labels.keys().chain(k.annotations.keys()) {
        if !is_key(key) {
            return Err(bad(
                format!("kubernetes label or annotation key {key:?} is not valid"),
                key,
                "keys are `name` or `prefix/name`: a DNS subdomain prefix, and up to 63 of [A-Za-z0-9._-]",
            ));
        }
    }
    for (key, value) in &k.labels {
        if !is_label_value(value) {
            return Err(bad(
                format!("kubernetes.labels.{key} = {value:?} is not a valid label value"),
                value,
                "label values are up to 63 of [A-Za-z0-9._-], starting and ending with a letter or digit",
            ));
        }
    }
    Ok(())
}

/// The span of the value at `path` (`["output", "dir"]`), or the file's start when the
/// key is not written (a default is in use).
pub fn value_span(source: &SourceText, path: &[&str]) -> Span {
    let find = || {
        let table = toml::de::DeTable::parse(source.text()).ok()?;
        let mut cur: &toml::de::DeTable = table.get_ref();
        for (i, key) in path.iter().enumerate() {
            let (_, v) = cur.iter().find(|(k, _)| k.get_ref().as_ref() == *key)?;
            if i + 1 == path.len() {
                let r = v.span();
                return Some(Span::new(r.start, r.end));
            }
            match v.get_ref() {
                toml::de::DeValue::Table(t) => cur = t,
                _ => return None,
            }
        }
        None
    };
    find().unwrap_or_default()
}

/// Why writing generated files at `out` would touch the rules directory's sources, if it
/// would. `out` and `root` are absolute, with links resolved.
pub fn overlap(out: &std::path::Path, root: &std::path::Path) -> Option<String> {
    if out == root {
        return Some("is the rules directory itself".into());
    }
    if root.starts_with(out) {
        return Some("contains the rules directory".into());
    }
    // Every source of the rules directory, its settings and its cache.
    crate::source::load::SOURCE_TOPS
        .iter()
        .chain(&[crate::cache::DIR, FILE_NAME])
        .find(|p| out.starts_with(root.join(p)))
        .map(|p| format!("is inside {p}"))
}

/// `output.dir`, `alertmanager.output` and `file_sd.dir` must not point at the sources: rendering
/// would write into them (and `render` deletes generated files it no longer renders).
/// `resolve` turns a configured path into an absolute one with links resolved; `root`
/// is the rules directory's real path.
pub fn check_paths(
    settings: &Settings,
    source: &SourceText,
    root: &std::path::Path,
    resolve: &dyn Fn(&str) -> std::path::PathBuf,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut listed = vec![
        (
            "output.dir".to_string(),
            settings.output.dir.clone(),
            value_span(source, &["output", "dir"]),
        ),
        (
            "alertmanager.output".to_string(),
            settings.alertmanager.output.clone(),
            value_span(source, &["alertmanager", "output"]),
        ),
    ];
    if let Some(f) = &settings.file_sd {
        listed.push((
            "file_sd.dir".into(),
            f.dir.clone(),
            value_span(source, &["file_sd", "dir"]),
        ));
    }
    for sh in &settings.shards {
        let dir = sh.dir(settings);
        let at = located(source.text(), "output", &dir);
        listed.push((format!("shard `{}` output", sh.name), dir, at));
    }
    for (name, value, at) in listed {
        let value = &value;
        let resolved = resolve(value);
        if let Some(problem) = overlap(&resolved, root) {
            let shown = if resolved.ends_with(value.trim_end_matches('/')) {
                String::new()
            } else {
                format!(" (resolves to {})", resolved.display())
            };
            out.push(
                Diagnostic::error(Code::Settings, format!("{name} = `{value}`{shown} {problem}"))
                    .at(source, at, "here")
                .hint("generated files need a place of their own, e.g. dir = \"rendered\"; alertctl writes and deletes files there"),
            );
        }
    }
    out
}

/// The span of `value` written after `key` in the TOML text (best effort: its first
/// occurrence after the key, else the key).
pub(crate) fn located(text: &str, key: &str, value: &str) -> Span {
    let from = text.find(key).unwrap_or(0);
    let escaped = value.escape_default().to_string();
    for needle in [value, escaped.as_str()] {
        if needle.is_empty() {
            continue;
        }
        if let Some(i) = text[from..].find(needle) {
            return Span::new(from + i, from + i + needle.len());
        }
    }
    Span::new(from, from + key.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(t: &str) -> SourceText {
        SourceText::new(FILE_NAME, t)
    }

    #[test]
    fn empty_is_default() {
        assert_eq!(parse(&src("")).unwrap(), Settings::default());
    }

    #[test]
    fn unknown_key_is_located_with_hint() {
        let e = parse(&src("[output]\ndri = \"x\"\n")).unwrap_err();
        assert_eq!(e.position().unwrap().1, 2);
        assert_eq!(e.hint.as_deref(), Some("did you mean `dir`?"));
    }

    #[test]
    fn file_sd_and_ignore() {
        let ok = parse(&src(
            "[file_sd]\ndir = \"file_sd\"\n[validate]\nignore = [\"scoped-absent\"]\n",
        ))
        .unwrap();
        assert_eq!(ok.file_sd.as_ref().unwrap().dir, "file_sd");
        assert_eq!(ok.accepted(), vec![crate::diag::Code::ScopedAbsent]);
        for bad in [
            "[file_sd]\ndir = \"a\\nb\"\n",
            "[file_sd]\ndir = \"../../etc\"\n",
            "[file_sd]\ndir = \"\"\n",
            "[file_sd]\ndri = \"x\"\n",
            "[validate]\nignore = [\"promql-syntax\"]\n",
            "[validate]\nignore = [\"scoped-absnet\"]\n",
        ] {
            let e = parse(&src(bad)).unwrap_err();
            assert!(e.primary.is_some(), "{bad}: {e:?}");
        }
        let e = parse(&src("[validate]\nignore = [\"scoped-absnet\"]\n")).unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("did you mean `scoped-absent`?"));
        assert_eq!(e.position().unwrap().1, 2);
        assert!(parse(&src("[file_sd]\ndir = \"/etc/prometheus/file_sd\"\n")).is_ok());
    }

    #[test]
    fn bad_label_name() {
        assert!(parse(&src("[labels]\ngroup = \"host-group\"\n")).is_err());
        assert!(parse(&src("[labels]\ntarget = \"__name__\"\n")).is_err());
    }

    #[test]
    fn one_label_for_two_scope_kinds_is_refused_at_the_second() {
        let e = parse(&src("[labels]\nnamespace = \"team\"\ngroup = \"team\"\n")).unwrap_err();
        assert_eq!(
            e.message,
            "labels.group and labels.namespace are both `team`"
        );
        assert_eq!(e.position().unwrap().1, 3);
        // With the default of another key, located at the key that is written.
        let e = parse(&src("[labels]\ntarget = \"group\"\n")).unwrap_err();
        assert_eq!(e.position().unwrap(), ("alertctl.toml".into(), 2, 10));
    }

    #[test]
    fn output_must_not_overlap_the_sources() {
        use std::path::Path;
        let root = Path::new("/r");
        for (out, problem) in [
            ("/r", "is the rules directory itself"),
            ("/", "contains the rules directory"),
            ("/r/rules", "is inside rules"),
            ("/r/rules/x", "is inside rules"),
            ("/r/templates", "is inside templates"),
            ("/r/.alertctl", "is inside .alertctl"),
            ("/r/alertctl.toml", "is inside alertctl.toml"),
            ("/r/inventory.yaml", "is inside inventory.yaml"),
        ] {
            assert_eq!(
                overlap(Path::new(out), root).as_deref(),
                Some(problem),
                "{out}"
            );
        }
        for ok in [
            "/r/rendered",
            "/r/rules-rendered",
            "/etc/prometheus/rules",
            "/r/out/rules",
        ] {
            assert_eq!(overlap(Path::new(ok), root), None, "{ok}");
        }
        let s = src("[output]\ndir = \"rules\"\n");
        let settings = parse(&s).unwrap();
        let d = check_paths(&settings, &s, root, &|p| root.join(p));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].message, "output.dir = `rules` is inside rules");
        assert_eq!(d[0].position().unwrap().1, 2);
    }
}
