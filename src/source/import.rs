//! Prometheus rule files (and PrometheusRule manifests) -> templates plus `global` rules.
//! Pure: texts in, file contents out. Every imported rule becomes one template named
//! after its alert (or recorded series) and one `global` rule, so the rendered result
//! is the input again: same names, queries, `for`, labels, annotations, group names and
//! intervals. The command writes the files; see `alertctl import`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::diag::{Code, Diagnostic, Diagnostics, SourceText, Span};
use crate::model::params::escape_literal;
use crate::model::{is_duration, is_label_name, is_metric_name};
use crate::source::yaml::{self, Kind, Node};

/// One file to import. `stem` names the files it becomes (already file-name safe).
#[derive(Debug, Clone)]
pub struct Input {
    pub source: SourceText,
    pub stem: String,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Turn the number of a top-level comparison into a `threshold` parameter.
    pub params: bool,
}

#[derive(Debug, Default)]
pub struct Output {
    /// Path relative to the rules directory -> content.
    pub files: BTreeMap<String, String>,
    pub alerts: usize,
    pub records: usize,
    pub params: usize,
}

#[derive(Serialize)]
struct ParamOut {
    #[serde(rename = "type")]
    ty: &'static str,
    default: serde_yaml::Value,
}

#[derive(Serialize)]
struct TemplateOut {
    template: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<String>,
    rule_group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    params: BTreeMap<String, ParamOut>,
    expr: String,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    for_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keep_firing_for: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum RuleOut {
    Group {
        rule_group: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        interval: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        limit: Option<u64>,
    },
    Rule {
        template: String,
        scope: &'static str,
    },
}

struct Cx<'a> {
    src: &'a SourceText,
    diags: &'a mut Diagnostics,
    ok: bool,
}

impl Cx<'_> {
    fn err(&mut self, span: Span, msg: impl Into<String>, label: &str, hint: &str) {
        self.ok = false;
        self.diags.push(
            Diagnostic::error(Code::ImportInput, msg)
                .at(self.src, span, label)
                .hint(hint),
        );
    }

    fn fields<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Option<BTreeMap<String, &'n Node>> {
        let Kind::Map(entries) = &node.kind else {
            self.err(
                node.span,
                format!("a {what} must be a mapping, found {}", node.kind_name()),
                "not a mapping",
                "see https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/",
            );
            return None;
        };
        let mut out = BTreeMap::new();
        for (k, v) in entries {
            let name = k.as_scalar().map(|(t, _)| t).unwrap_or_default();
            if name == "query_offset" {
                self.ok = false;
                self.diags.push(
                    Diagnostic::error(Code::UnsupportedField, "`query_offset` needs Prometheus 2.53 or newer; the Prometheus this project targets (2.42) rejects it")
                        .at(self.src, k.span, "not supported by Prometheus 2.42")
                        .hint("remove it from the input, or import without it and add it when you upgrade"),
                );
            } else if allowed.contains(&name) {
                out.insert(name.to_string(), v);
            } else {
                self.err(
                    k.span,
                    format!("unknown field `{name}` in a {what}"),
                    "unknown field",
                    &format!("a {what} has: {}", allowed.join(", ")),
                );
            }
        }
        Some(out)
    }

    fn string(&mut self, node: &Node, field: &str) -> Option<String> {
        match node.as_scalar() {
            Some((t, quoted)) if quoted || !yaml::is_null(t) => Some(t.to_string()),
            _ => {
                self.err(
                    node.span,
                    format!("`{field}` must be a string, found {}", node.kind_name()),
                    "expected a string",
                    "quote the value",
                );
                None
            }
        }
    }

    fn duration(&mut self, node: Option<&&Node>, field: &str) -> Option<String> {
        let node = node?;
        let s = self.string(node, field)?;
        // Prometheus takes a bare `0`; alertctl durations always carry a unit.
        let s = if s == "0" { "0s".to_string() } else { s };
        if !is_duration(&s) {
            self.err(
                node.span,
                format!("`{s}` is not a Prometheus duration"),
                "bad duration",
                "durations look like 30s, 5m, 1h30m",
            );
            return None;
        }
        Some(s)
    }

    fn map(&mut self, node: Option<&&Node>, field: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(node) = node else { return out };
        match &node.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    let Some(name) = self.string(k, field) else {
                        continue;
                    };
                    if !is_label_name(&name) {
                        self.err(
                            k.span,
                            format!("`{name}` is not a valid {field} name"),
                            "invalid name",
                            "names match [a-zA-Z_][a-zA-Z0-9_]*",
                        );
                        continue;
                    }
                    if let Some(value) = v.as_scalar().map(|(t, _)| t.to_string()) {
                        out.insert(name, value);
                    } else {
                        self.err(
                            v.span,
                            format!("`{field}.{name}` must be a string"),
                            "expected a string",
                            "quote the value",
                        );
                    }
                }
            }
            _ if node.is_null() => {}
            _ => self.err(
                node.span,
                format!("`{field}` must be a mapping"),
                "not a mapping",
                "write name: value pairs",
            ),
        }
        out
    }
}

/// Where each imported name was first seen, for duplicate reports across files.
type Seen = HashMap<String, (SourceText, Span)>;

/// Converts every input; on any diagnostic error the output must not be written.
pub fn convert(inputs: &[Input], opts: Options, diags: &mut Diagnostics) -> Output {
    let mut out = Output::default();
    let mut seen_names: Seen = HashMap::new();
    let mut group_settings: HashMap<String, (Option<String>, Option<u64>, SourceText, Span)> =
        HashMap::new();
    for input in inputs {
        let mut cx = Cx {
            src: &input.source,
            diags,
            ok: true,
        };
        let Some(docs) = yaml::parse(&input.source, cx.diags) else {
            continue;
        };
        let mut templates = Vec::new();
        let mut rules = Vec::new();
        if docs.is_empty() {
            cx.err(
                Span::new(0, 0),
                "the file is empty, not a Prometheus rule file",
                "empty",
                "a rule file has `groups:` with `name:` and `rules:`",
            );
        }
        for doc in &docs {
            let Some(groups) = groups_of(&mut cx, doc) else {
                continue;
            };
            let mut names_here: HashMap<String, Span> = HashMap::new();
            for g in groups {
                let Some(f) = cx.fields(g, "rule group", &["name", "interval", "limit", "rules"])
                else {
                    continue;
                };
                let Some(name) = f.get("name").and_then(|n| cx.string(n, "name")) else {
                    cx.err(
                        g.span,
                        "a rule group has no `name`",
                        "this group",
                        "add `name:`",
                    );
                    continue;
                };
                let name_span = f["name"].span;
                if name.chars().any(char::is_control)
                    || name.trim().is_empty()
                    || name.starts_with("alertctl/")
                {
                    cx.err(
                        name_span,
                        format!("{name:?} cannot name a rule group here"),
                        "bad group name",
                        "group names must be non-empty, one line, and not start with alertctl/",
                    );
                    continue;
                }
                if let Some(first) = names_here.insert(name.clone(), name_span) {
                    let d = Diagnostic::error(
                        Code::ImportInput,
                        format!("group `{name}` is defined twice in this file"),
                    )
                    .at(&input.source, name_span, "again here")
                    .also(&input.source, first, "first here")
                    .hint("Prometheus rejects this too; rename one of them");
                    cx.diags.push(d);
                    cx.ok = false;
                }
                let interval = cx.duration(f.get("interval"), "interval");
                let limit = f.get("limit").and_then(|n| match n.as_scalar() {
                    Some((t, false)) => t.parse::<u64>().ok(),
                    _ => None,
                });
                if f.contains_key("limit") && limit.is_none() {
                    cx.err(
                        f["limit"].span,
                        "`limit` must be a whole number",
                        "bad limit",
                        "0 means no limit",
                    );
                }
                match group_settings.get(&name) {
                    Some((i, l, src, span)) if (i, l) != (&interval, &limit) => {
                        let d = Diagnostic::error(Code::ImportInput, format!("group `{name}` is imported twice with different interval or limit"))
                            .at(&input.source, name_span, "here")
                            .also(src, *span, "first imported here")
                            .hint("alertctl renders one group per name; give the groups distinct names or the same settings");
                        cx.diags.push(d);
                        cx.ok = false;
                    }
                    Some(_) => {}
                    None => {
                        group_settings.insert(
                            name.clone(),
                            (interval.clone(), limit, input.source.clone(), name_span),
                        );
                        if interval.is_some() || limit.is_some() {
                            rules.push(RuleOut::Group {
                                rule_group: name.clone(),
                                interval: interval.clone(),
                                limit,
                            });
                        }
                    }
                }
                let items = match f.get("rules").map(|n| &n.kind) {
                    Some(Kind::Seq(items)) if !items.is_empty() => items,
                    _ => {
                        // Prometheus loads an empty group; alertctl renders no empty group.
                        let at = f.get("rules").map_or(g.span, |n| n.span);
                        cx.diags.push(
                            Diagnostic::warning(Code::ImportInput, format!("group `{name}` has no rules: nothing to import"))
                                .at(cx.src, at, "empty `rules:`")
                                .hint("alertctl renders no empty group; remove it from the source, or add rules"),
                        );
                        continue;
                    }
                };
                for item in items {
                    if let Some(t) = rule(&mut cx, item, &name, opts, &mut seen_names) {
                        if t.record.is_some() {
                            out.records += 1;
                        } else {
                            out.alerts += 1;
                        }
                        out.params += t.params.len();
                        rules.push(RuleOut::Rule {
                            template: t.template.clone(),
                            scope: "global",
                        });
                        templates.push(t);
                    }
                }
            }
        }
        if !cx.ok || templates.is_empty() {
            continue;
        }
        let from = escape_comment(&input.source.path);
        out.files.insert(
            format!("templates/imported/{}.yaml", input.stem),
            format!("# Imported by alertctl from {from}: one template per rule, in the file's order.\n{}", serde_yaml::to_string(&templates).expect("templates serialize")),
        );
        out.files.insert(
            format!("rules/imported/{}.yaml", input.stem),
            format!("# Imported by alertctl from {from}: each imported rule applies everywhere (scope global).\n{}", serde_yaml::to_string(&rules).expect("rules serialize")),
        );
    }
    out
}

/// `groups:` of a rule file, or `spec.groups` of a PrometheusRule manifest.
fn groups_of<'n>(cx: &mut Cx, doc: &'n Node) -> Option<&'n [Node]> {
    let is_manifest = matches!(&doc.kind, Kind::Map(e) if e.iter().any(|(k, v)| k.as_scalar().is_some_and(|(t, _)| t == "kind") && v.as_scalar().is_some_and(|(t, _)| t == "PrometheusRule")));
    let f = if is_manifest {
        let top = cx.fields(
            doc,
            "PrometheusRule manifest",
            &["apiVersion", "kind", "metadata", "spec"],
        )?;
        let Some(spec) = top.get("spec") else {
            cx.err(
                doc.span,
                "the PrometheusRule has no `spec`",
                "this manifest",
                "add spec.groups",
            );
            return None;
        };
        cx.fields(spec, "PrometheusRule spec", &["groups"])?
    } else {
        cx.fields(doc, "rule file", &["groups"])?
    };
    match f.get("groups").map(|n| &n.kind) {
        Some(Kind::Seq(gs)) => Some(gs),
        _ => {
            cx.err(
                f.get("groups").map_or(doc.span, |n| n.span),
                "not a Prometheus rule file: no `groups:` list",
                "expected `groups:`",
                "a rule file is `groups: [{name: ..., rules: [...]}]`",
            );
            None
        }
    }
}

fn rule(
    cx: &mut Cx,
    item: &Node,
    group: &str,
    opts: Options,
    seen: &mut Seen,
) -> Option<TemplateOut> {
    let f = cx.fields(
        item,
        "rule",
        &[
            "alert",
            "record",
            "expr",
            "for",
            "keep_firing_for",
            "labels",
            "annotations",
        ],
    )?;
    let (name_node, recording) = match (f.get("alert"), f.get("record")) {
        (Some(n), None) => (*n, false),
        (None, Some(n)) => (*n, true),
        _ => {
            cx.err(
                item.span,
                "a rule has exactly one of `alert` and `record`",
                "this rule",
                "write `alert: NAME` or `record: NAME`",
            );
            return None;
        }
    };
    let name = cx.string(name_node, if recording { "record" } else { "alert" })?;
    if name.is_empty() || (recording && !is_metric_name(&name)) {
        cx.err(
            name_node.span,
            format!(
                "{name:?} is not a valid {} name",
                if recording { "record" } else { "alert" }
            ),
            "invalid name",
            "alert names are non-empty; record names match [a-zA-Z_:][a-zA-Z0-9_:]*",
        );
        return None;
    }
    if let Some((src, first)) = seen.get(&name) {
        let d = Diagnostic::error(Code::ImportInput, format!("`{name}` is defined twice"))
            .at(cx.src, name_node.span, "again here")
            .also(src, *first, "first here")
            .hint("one name is one alert in alertctl: rename one (alertname changes), or merge them into one rule");
        cx.diags.push(d);
        cx.ok = false;
        return None;
    }
    seen.insert(name.clone(), (cx.src.clone(), name_node.span));
    let Some(expr_node) = f.get("expr") else {
        cx.err(
            item.span,
            format!("rule `{name}` has no `expr`"),
            "this rule",
            "add `expr:`",
        );
        return None;
    };
    let expr = cx.string(expr_node, "expr")?;
    if let Err(e) = crate::model::promql::parse(&expr) {
        cx.err(
            expr_node.span,
            format!("the query of `{name}` does not parse: {e}"),
            "in this query",
            "fix it in the source file; promtool check rules shows the position",
        );
        return None;
    }
    let for_ = cx.duration(f.get("for"), "for");
    let keep_firing_for = cx.duration(f.get("keep_firing_for"), "keep_firing_for");
    let mut labels = cx.map(f.get("labels"), "labels");
    let mut annotations = cx.map(f.get("annotations"), "annotations");
    if recording && (for_.is_some() || !annotations.is_empty()) {
        cx.err(
            item.span,
            format!("recording rule `{name}` has `for` or annotations"),
            "this rule",
            "Prometheus rejects them on recording rules",
        );
        return None;
    }
    let severity = if recording {
        None
    } else {
        labels.remove("severity")
    };
    let mut params = BTreeMap::new();
    let mut annotations_escaped = false;
    let mut expr_out = escape_literal(&expr);
    if opts.params && !recording {
        if let Some((at, literal)) = threshold(&expr) {
            let mut e = expr.clone();
            e.replace_range(at..at + literal.len(), "\u{0}");
            let value: f64 = literal.parse().unwrap_or_default();
            let printed = crate::model::params::Typed {
                ty: crate::model::ParamType::Number,
                value: crate::model::params::Value::Number(value),
            }
            .to_string();
            expr_out = escape_literal(&e).replace('\u{0}', "${threshold}");
            params.insert(
                "threshold".to_string(),
                ParamOut {
                    ty: "number",
                    default: serde_yaml::from_str(&printed).unwrap_or(serde_yaml::Value::Null),
                },
            );
            // The same literal in annotations, where it prints back identically.
            if printed == literal {
                for v in annotations.values_mut() {
                    *v = replace_number(&escape_literal(v), &literal, "${threshold}");
                }
                annotations_escaped = true;
            }
        }
    }
    let esc = |m: BTreeMap<String, String>| {
        m.into_iter()
            .map(|(k, v)| (k, escape_literal(&v)))
            .collect()
    };
    Some(TemplateOut {
        template: name.clone(),
        record: recording.then(|| name.clone()),
        rule_group: group.to_string(),
        severity,
        params,
        expr: expr_out,
        for_,
        keep_firing_for,
        labels: esc(labels),
        annotations: if annotations_escaped {
            annotations
        } else {
            esc(annotations)
        },
    })
}

/// The byte offset and text of the number on the right of a top-level comparison
/// (`... > 80`, `(... < .10)`), if the query ends with it.
pub fn threshold(expr: &str) -> Option<(usize, String)> {
    use promql_parser::parser::{token, Expr};
    let mut e = crate::model::promql::parse(expr).ok()?;
    while let Expr::Paren(p) = e {
        e = *p.expr;
    }
    let Expr::Binary(b) = &e else { return None };
    let cmp = [
        token::T_GTR,
        token::T_LSS,
        token::T_GTE,
        token::T_LTE,
        token::T_EQLC,
        token::T_NEQ,
    ];
    if !cmp.contains(&b.op.id()) || b.modifier.as_ref().is_some_and(|m| m.return_bool) {
        return None;
    }
    let Expr::NumberLiteral(n) = b.rhs.as_ref() else {
        return None;
    };
    let body = expr.trim_end().trim_end_matches(')').trim_end();
    let start = body
        .char_indices()
        .rev()
        .take_while(|(_, c)| {
            c.is_ascii_digit() || *c == '.' || *c == 'e' || *c == 'E' || *c == '+' || *c == '-'
        })
        .last()
        .map(|(i, _)| i)?;
    let literal = body[start..].trim_start_matches('+').to_string();
    let start = start + (body[start..].len() - literal.len());
    (literal.parse::<f64>().ok() == Some(n.val) && !literal.starts_with('-'))
        .then_some((start, literal))
}

/// Replaces whole-number occurrences of `literal` (not part of a longer number or word).
fn replace_number(text: &str, literal: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    let part = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '_';
    while let Some(i) = rest.find(literal) {
        let before = rest[..i].chars().last();
        let after = rest[i + literal.len()..].chars().next();
        out.push_str(&rest[..i]);
        if before.is_some_and(part)
            || after.is_some_and(|c| part(c) && c != '.')
            || after == Some('.')
                && rest[i + literal.len() + 1..].starts_with(|c: char| c.is_ascii_digit())
        {
            out.push_str(literal);
        } else {
            out.push_str(with);
        }
        rest = &rest[i + literal.len()..];
    }
    out.push_str(rest);
    out
}

/// A path in a `#` comment: one line, control characters escaped.
pub fn escape_comment(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        assert_eq!(threshold("up > 80"), Some((5, "80".into())));
        assert_eq!(threshold("'x'"), None);
        assert_eq!(threshold("(a / b < .10)"), Some((9, ".10".into())));
        assert_eq!(threshold("a > 1e3"), Some((4, "1e3".into())));
        assert_eq!(threshold("a > bool 1"), None);
        assert_eq!(threshold("a > b"), None);
        assert_eq!(threshold("a and b > 2"), None);
        assert_eq!(threshold("a > -1"), None);
    }

    #[test]
    fn numbers_in_text() {
        assert_eq!(
            replace_number("above 80% (80.5, 180, 80)", "80", "X"),
            "above X% (80.5, 180, X)"
        );
    }
}

/// Input files larger than this are refused: a rule file this big is a mistake.
pub const MAX_INPUT: u64 = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {message}")]
    Input { path: String, message: String },
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The rule files named on the command line: files as given, directories walked for
/// `*.yml`/`*.yaml` in path order. Each gets a distinct, file-name-safe stem.
pub fn collect(
    paths: &[std::path::PathBuf],
    skip: Option<&std::path::Path>,
) -> Result<Vec<Input>, ImportError> {
    let mut found: Vec<(std::path::PathBuf, String)> = Vec::new();
    let bad = |p: &std::path::Path, m: String| ImportError::Input {
        path: escape_comment(&p.display().to_string()),
        message: m,
    };
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| bad(p, e.to_string()))?;
        if meta.is_dir() {
            let skip = skip.and_then(|s| std::fs::canonicalize(s).ok());
            let mut files = Vec::new();
            for e in walkdir::WalkDir::new(p)
                .follow_links(false)
                .sort_by(crate::source::load::by_name)
            {
                let e = e.map_err(|e| bad(p, e.to_string()))?;
                let name = e.file_name().to_string_lossy();
                let in_skip = skip.as_ref().is_some_and(|s| {
                    std::fs::canonicalize(e.path()).is_ok_and(|c| c.starts_with(s))
                });
                if e.file_type().is_file()
                    && (name.ends_with(".yml") || name.ends_with(".yaml"))
                    && !in_skip
                {
                    let rel = crate::source::load::relative(p, e.path());
                    files.push((e.path().to_path_buf(), rel));
                }
            }
            found.extend(files);
        } else if meta.is_file() {
            let name = p
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().to_string());
            found.push((p.clone(), name));
        } else {
            return Err(bad(p, "not a regular file or directory".into()));
        }
    }
    let mut stems: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(found.len());
    for (path, rel) in found {
        let meta = std::fs::metadata(&path).map_err(|e| bad(&path, e.to_string()))?;
        if meta.len() > MAX_INPUT {
            return Err(bad(
                &path,
                format!(
                    "{} bytes is larger than the {} MiB alertctl imports",
                    meta.len(),
                    MAX_INPUT >> 20
                ),
            ));
        }
        let bytes = std::fs::read(&path).map_err(|e| bad(&path, e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|_| bad(&path, "not UTF-8 text".into()))?;
        let base = rel
            .trim_end_matches(".yaml")
            .trim_end_matches(".yml")
            .replace('/', "-");
        let mut stem = crate::render::safe_stem(&base);
        let n = stems.entry(stem.clone()).or_default();
        *n += 1;
        if *n > 1 {
            stem = format!("{stem}-{n}");
        }
        out.push(Input {
            source: SourceText::new(path.display().to_string(), text),
            stem,
        });
    }
    Ok(out)
}

/// What writing the imported files would do to each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileAction {
    Create,
    Unchanged,
    /// Exists with other content: only with `force`.
    Replace,
}

/// Compares the generated files with the rules directory; `Err` lists files that exist
/// with other content when `force` is off (nothing may be overwritten silently).
pub fn actions(
    root: &std::path::Path,
    files: &BTreeMap<String, String>,
    force: bool,
) -> Result<BTreeMap<String, FileAction>, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut conflicts = Vec::new();
    for (rel, content) in files {
        let action = match std::fs::read_to_string(root.join(rel)) {
            Ok(old) if &old == content => FileAction::Unchanged,
            Ok(_) if force => FileAction::Replace,
            Ok(_) => {
                conflicts.push(rel.clone());
                continue;
            }
            Err(_) if root.join(rel).exists() => {
                conflicts.push(rel.clone());
                continue;
            }
            Err(_) => FileAction::Create,
        };
        out.insert(rel.clone(), action);
    }
    if conflicts.is_empty() {
        Ok(out)
    } else {
        Err(conflicts)
    }
}

/// Writes every created or replaced file: all are staged next to their destination
/// first, then renamed into place, so a failure while writing leaves nothing behind.
pub fn write(
    root: &std::path::Path,
    files: &BTreeMap<String, String>,
    actions: &BTreeMap<String, FileAction>,
) -> Result<(), ImportError> {
    let mut staged = Vec::new();
    let fail = |path: &std::path::Path, source| ImportError::Write {
        path: path.display().to_string(),
        source,
    };
    let result = (|| {
        for (rel, action) in actions {
            if *action == FileAction::Unchanged {
                continue;
            }
            let dest = root.join(rel);
            let dir = dest.parent().unwrap_or(root);
            std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
            let tmp = dir.join(format!(
                ".{}.import-{}",
                dest.file_name().unwrap_or_default().to_string_lossy(),
                std::process::id()
            ));
            std::fs::write(&tmp, files[rel].as_bytes()).map_err(|e| fail(&tmp, e))?;
            staged.push((tmp, dest));
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (tmp, dest) in &staged {
        std::fs::rename(tmp, dest).map_err(|e| fail(dest, e))?;
    }
    Ok(())
}
