//! Typed template parameters and `${name}` substitution.
//!
//! `${name}` reads naturally in PromQL and collides with neither Prometheus' own
//! `{{ $labels.x }}` annotation templates nor range selectors. Each value is rendered by
//! its type, so a value can never change the structure of a query: numbers are numbers,
//! durations durations, label values and regexes become quoted, escaped PromQL strings.
//! In labels and annotations, a value containing `{{`/`}}` is wrapped so Prometheus'
//! Go templating prints it verbatim instead of executing it.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::model::{is_duration, is_label_name, ParamType, RawValue};

/// The reserved name that a `scope: manual` template uses to place the scope matchers.
pub const SCOPE_PARAM: &str = "scope";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Text(String),
    List(Vec<Typed>),
}

/// A checked value with its type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Typed {
    pub ty: ParamType,
    pub value: Value,
}

impl fmt::Display for Typed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Value::Number(n) => write!(f, "{n}"),
            Value::Text(s) => f.write_str(s),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// Why a raw value does not fit its declared type, and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeError {
    pub message: String,
    pub hint: String,
}

/// Checks a value against a parameter definition: a list parameter takes a YAML list
/// whose every item fits the item type; any other parameter takes one value.
pub fn check_param(def: &crate::model::ParamDef, raw: &RawValue) -> Result<Typed, TypeError> {
    match (def.ty, &raw.items) {
        (ParamType::List, Some(items)) => {
            let item = def.item.unwrap_or(ParamType::LabelValue);
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                out.push(check(item, it)?);
            }
            Ok(Typed {
                ty: ParamType::List,
                value: Value::List(out),
            })
        }
        (ParamType::List, None) => Err(TypeError {
            message: format!(
                "`{}` is a single value, but the parameter is a list",
                raw.text
            ),
            hint: "write a YAML list: [a, b] (or [] for none)".into(),
        }),
        (ty, Some(_)) => Err(TypeError {
            message: format!("a list was given, but the parameter is a {}", ty.as_str()),
            hint: "give one value, or declare the parameter `type: list`".into(),
        }),
        (ty, None) => check(ty, raw),
    }
}

pub fn check(ty: ParamType, raw: &RawValue) -> Result<Typed, TypeError> {
    let text = raw.text.as_str();
    let err = |message: String, hint: &str| {
        Err(TypeError {
            message,
            hint: hint.to_string(),
        })
    };
    let value = match ty {
        ParamType::Number => {
            if raw.quoted {
                return err(
                    format!("`{text}` is quoted, but the parameter is a number"),
                    "write the number without quotes",
                );
            }
            match text.parse::<f64>() {
                Ok(n)
                    if n.is_finite()
                        && !text.starts_with('+')
                        && !text.to_ascii_lowercase().contains("inf") =>
                {
                    Value::Number(n)
                }
                _ => {
                    return err(
                        format!("`{text}` is not a number"),
                        "numbers look like 80, 0.95 or 1e6",
                    )
                }
            }
        }
        ParamType::Duration => {
            if !is_duration(text) {
                return err(
                    format!("`{text}` is not a Prometheus duration"),
                    "durations look like 30s, 5m, 1h30m",
                );
            }
            Value::Text(text.to_string())
        }
        ParamType::LabelName => {
            if !is_label_name(text) {
                return err(
                    format!("`{text}` is not a label name"),
                    "label names match [a-zA-Z_][a-zA-Z0-9_]*",
                );
            }
            Value::Text(text.to_string())
        }
        ParamType::Regex => {
            if let Err(why) = crate::model::goregex::check(text) {
                return err(
                    format!("`{text}` is not a regular expression Prometheus accepts: {why}"),
                    "Prometheus reads Go's RE2 syntax, anchored at both ends; a `{` that starts no repetition is a literal",
                );
            }
            Value::Text(text.to_string())
        }
        ParamType::LabelValue | ParamType::String => Value::Text(text.to_string()),
        ParamType::List => {
            return err(
                format!("`{text}` is a single value, but the parameter is a list"),
                "write a YAML list: [a, b]",
            )
        }
    };
    Ok(Typed { ty, value })
}

/// A template string split into literal text and `${name}` references.
#[derive(Debug, Clone, PartialEq)]
pub struct Tmpl {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Lit(String),
    Param {
        name: String,
        offset: usize,
        len: usize,
    },
}

/// A malformed reference: byte offset and length within the template string.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

/// Where a substituted value lands, which decides how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Promql,
    /// Labels and annotations: Prometheus runs Go templates over them.
    Text,
}

impl Tmpl {
    pub fn parse(s: &str) -> Result<Tmpl, SyntaxError> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = s;
        let mut pos = 0;
        while let Some(i) = rest.find('$') {
            lit.push_str(&rest[..i]);
            let after = &rest[i..];
            if let Some(tail) = after.strip_prefix("$${") {
                lit.push_str("${");
                rest = tail;
                pos += i + 3;
                continue;
            }
            if !after.starts_with("${") {
                lit.push('$');
                rest = &after[1..];
                pos += i + 1;
                continue;
            }
            let Some(close) = after.find('}') else {
                return Err(SyntaxError {
                    offset: pos + i,
                    len: 2,
                    message: "`${` is never closed".into(),
                });
            };
            let name = after[2..close].trim();
            if !is_label_name(name) {
                return Err(SyntaxError {
                    offset: pos + i,
                    len: close + 1,
                    message: format!("`{}` is not a parameter reference", &after[..=close]),
                });
            }
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            pieces.push(Piece::Param {
                name: name.to_string(),
                offset: pos + i,
                len: close + 1,
            });
            rest = &after[close + 1..];
            pos += i + close + 1;
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit));
        }
        Ok(Tmpl { pieces })
    }

    /// Every reference: (name, byte offset, length) within the template string.
    pub fn refs(&self) -> impl Iterator<Item = (&str, usize, usize)> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Param { name, offset, len } => Some((name.as_str(), *offset, *len)),
            Piece::Lit(_) => None,
        })
    }

    /// Substitutes checked values. `scope` is the matcher list for `${scope}`. Missing
    /// values were reported by validation; they render as an empty string here.
    pub fn render(
        &self,
        ctx: Context,
        values: &BTreeMap<String, Typed>,
        scope: Option<&str>,
    ) -> String {
        // Rendered texts live until the files are written (every query, label and
        // annotation of the estate): built in a reused buffer and copied out at their
        // exact length, not left with the spare half of a doubled `String`.
        thread_local!(static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) });
        BUF.with_borrow_mut(|out| {
            out.clear();
            for p in &self.pieces {
                match p {
                    Piece::Lit(s) => out.push_str(s),
                    Piece::Param { name, .. } if name == SCOPE_PARAM && scope.is_some() => {
                        out.push_str(scope.unwrap_or_default())
                    }
                    Piece::Param { name, .. } => {
                        if let Some(v) = values.get(name) {
                            write_value(out, ctx, v);
                        }
                    }
                }
            }
            out.as_str().to_owned()
        })
    }

    pub fn is_literal(&self) -> bool {
        self.pieces.iter().all(|p| matches!(p, Piece::Lit(_)))
    }
}

fn write_value(out: &mut String, ctx: Context, v: &Typed) {
    if let Value::List(items) = &v.value {
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_value(out, ctx, it);
        }
        return;
    }
    let text = v.to_string();
    match (ctx, v.ty) {
        (Context::Promql, ParamType::LabelValue | ParamType::Regex | ParamType::String) => {
            out.push_str(&promql_string(&text))
        }
        (Context::Promql, _) => out.push_str(&text),
        (Context::Text, _) if text.contains("{{") || text.contains("}}") => {
            out.push_str("{{ ");
            out.push_str(&go_string(&text));
            out.push_str(" }}");
        }
        (Context::Text, _) => out.push_str(&text),
    }
}

/// Template source that renders exactly `text`: `${` becomes `$${`, and the logic
/// delimiters `{%` and `{#` are wrapped in raw blocks. What `import` writes.
pub fn escape_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['$', '{']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (lit, skip) = if tail.starts_with("${") {
            ("$${", 2)
        } else if tail.starts_with("{%") {
            ("{% raw %}{%{% endraw %}", 2)
        } else if tail.starts_with("{#") {
            ("{% raw %}{#{% endraw %}", 2)
        } else {
            (&tail[..1], 1)
        };
        out.push_str(lit);
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
}

/// A double-quoted PromQL string literal. The same text is a valid double-quoted YAML
/// scalar and Go string: see [`crate::source::text::double_quoted`].
pub fn promql_string(s: &str) -> String {
    crate::source::text::double_quoted(s)
}

/// A Go string literal, for text that must pass through Go templates verbatim.
fn go_string(s: &str) -> String {
    // Go and PromQL double-quoted strings share the escapes used here.
    promql_string(s)
}

/// Escapes regex metacharacters the way Go's regexp.QuoteMeta does, so a name with dots
/// or brackets matches only itself in a `=~`/`!~` matcher.
pub fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(t: &str, quoted: bool) -> RawValue {
        RawValue {
            text: t.into(),
            quoted,
            items: None,
        }
    }

    fn vals(pairs: &[(&str, ParamType, &str)]) -> BTreeMap<String, Typed> {
        pairs
            .iter()
            .map(|(n, ty, v)| {
                (
                    n.to_string(),
                    check(*ty, &raw(v, *ty != ParamType::Number)).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn typed_checks() {
        assert!(check(ParamType::Number, &raw("80", false)).is_ok());
        assert!(check(ParamType::Number, &raw("80", true)).is_err());
        assert!(check(ParamType::Number, &raw("80) or vector(1", false)).is_err());
        assert!(check(ParamType::Number, &raw("NaN", false)).is_err());
        assert!(check(ParamType::Number, &raw("inf", false)).is_err());
        assert!(check(ParamType::Duration, &raw("5m", false)).is_ok());
        assert!(check(ParamType::Duration, &raw("5m]) or vector(1) #", false)).is_err());
        assert!(check(ParamType::Regex, &raw("web|db", false)).is_ok());
        assert!(check(ParamType::Regex, &raw("(unclosed", false)).is_err());
        // RE2: a `{` that starts no repetition is a literal; Rust's regex refuses it.
        assert!(check(ParamType::Regex, &raw("x{y", false)).is_ok());
        assert!(check(ParamType::Regex, &raw("a{1001}", false)).is_err());
        assert!(check(ParamType::LabelName, &raw("a-b", false)).is_err());
    }

    #[test]
    fn substitution_cannot_inject_promql() {
        let t = Tmpl::parse("up{job=${job}} > ${threshold}").unwrap();
        let v = vals(&[
            ("job", ParamType::LabelValue, "x\"} or vector(1) or up{a=\""),
            ("threshold", ParamType::Number, "3"),
        ]);
        let out = t.render(Context::Promql, &v, None);
        assert_eq!(out, r#"up{job="x\"} or vector(1) or up{a=\""} > 3"#);
        // The result is one selector compared with a number, nothing more.
        let e = promql_parser::parser::parse(&out).unwrap();
        assert!(matches!(e, promql_parser::parser::Expr::Binary(_)));
    }

    /// Rendered texts are kept until the files are written: each holds exactly its
    /// bytes, and the reused buffer carries nothing from one render into the next.
    #[test]
    fn renders_are_exact_and_independent() {
        let t = Tmpl::parse("rate(x{job=${job}}[5m]) > ${threshold} and on () y").unwrap();
        let long = vals(&[
            ("job", ParamType::LabelValue, &"j".repeat(300)),
            ("threshold", ParamType::Number, "3"),
        ]);
        let short = vals(&[
            ("job", ParamType::LabelValue, "a"),
            ("threshold", ParamType::Number, "1"),
        ]);
        let first = t.render(Context::Promql, &long, None);
        let second = t.render(Context::Promql, &short, None);
        assert_eq!(first.capacity(), first.len());
        assert_eq!(second, r#"rate(x{job="a"}[5m]) > 1 and on () y"#);
        assert_eq!(second.capacity(), second.len());
    }

    #[test]
    fn text_context_neutralises_go_templates() {
        let t = Tmpl::parse("team ${team} on {{ $labels.instance }}").unwrap();
        let v = vals(&[("team", ParamType::String, "{{ printf \"x\" }}")]);
        assert_eq!(
            t.render(Context::Text, &v, None),
            r#"team {{ "{{ printf \"x\" }}" }} on {{ $labels.instance }}"#
        );
    }

    #[test]
    fn escapes_and_errors() {
        assert_eq!(
            Tmpl::parse("a $${b} $c")
                .unwrap()
                .render(Context::Promql, &BTreeMap::new(), None),
            "a ${b} $c"
        );
        assert_eq!(Tmpl::parse("x ${y").unwrap_err().offset, 2);
        assert!(Tmpl::parse("${ 1x }").is_err());
        let refs: Vec<_> = Tmpl::parse("a ${b} ${ c }")
            .unwrap()
            .refs()
            .map(|r| (r.0.to_string(), r.1))
            .collect();
        assert_eq!(refs, vec![("b".into(), 2), ("c".into(), 7)]);
    }

    #[test]
    fn quote_meta_matches_go() {
        assert_eq!(
            quote_meta("db-1.example.com:9100"),
            r"db-1\.example\.com:9100"
        );
        assert_eq!(quote_meta("a|b(c)*"), r"a\|b\(c\)\*");
    }
}
