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
    fn bad_label_name() {
        assert!(parse(&src("[labels]\ngroup = \"host-group\"\n")).is_err());
    }
}
