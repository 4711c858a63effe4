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
    /// `[file_sd]`: write Prometheus file_sd target files from the inventory.
    pub file_sd: Option<FileSd>,
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
    let settings: Settings = toml::from_str(&source.text).map_err(|e| {
        let span = e
            .span()
            .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
        let msg = e.message().to_string();
        let syntax = toml::from_str::<toml::Table>(&source.text).is_err();
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
                let at = source.text.find(v.as_str()).unwrap_or(0);
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
            let at = source.text.find(s.url.as_str()).unwrap_or(0);
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
            let at = located(&source.text, "dir", &fs.dir);
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
            let at = located(&source.text, "ignore", code);
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
    for (name, value) in [
        ("namespace", &settings.labels.namespace),
        ("group", &settings.labels.group),
        ("target", &settings.labels.target),
    ] {
        if !is_label_name(value) {
            let at = source.text.find(value.as_str()).unwrap_or(0);
            return Err(Box::new(
                Diagnostic::error(
                    Code::Settings,
                    format!("labels.{name} = `{value}` is not a valid label name"),
                )
                .at(
                    source,
                    Span::new(at, at + value.len()),
                    "invalid label name",
                )
                .hint("label names match [a-zA-Z_][a-zA-Z0-9_]*"),
            ));
        }
    }
    Ok(settings)
}

/// The span of `value` written after `key` in the TOML text (best effort: its first
/// occurrence after the key, else the key).
fn located(text: &str, key: &str, value: &str) -> Span {
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
    use std::sync::Arc;

    fn src(t: &str) -> SourceText {
        SourceText {
            path: Arc::from(FILE_NAME),
            text: Arc::from(t),
        }
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
    }
}
