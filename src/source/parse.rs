//! YAML source files -> [`FileModel`]. Checks what one file can check on its own (fields,
//! types, durations, label names, scope syntax); cross-file checks live in `resolve`.
//! Every problem is collected, none stops the file early.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diag::{did_you_mean, Code, Diagnostic, Diagnostics, SourceText, Span};
use crate::model::*;
use crate::source::yaml::{self, Kind, Node};

/// Which part of the rules directory a file belongs to, from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum FileKind {
    Templates,
    Rules,
    Inventory,
    /// `alertmanager/**`: parsed by `alertmanager::config`, not into a FileModel.
    Alertmanager,
    /// `templates/_lib/*.j2`: template-logic snippets, compiled by `logic`.
    Lib,
}

impl FileKind {
    /// `templates/**`, `rules/**`, `inventory.yaml` or `inventory/**`; YAML files only.
    pub fn of(rel_path: &str) -> Option<FileKind> {
        if let Some(rest) = rel_path.strip_prefix(crate::model::logic::LIB_DIR) {
            return (rest.ends_with(".j2") && !rest.split('/').any(|p| p.starts_with('.')))
                .then_some(FileKind::Lib);
        }
        if !(rel_path.ends_with(".yaml") || rel_path.ends_with(".yml")) {
            return None;
        }
        let first = rel_path.split('/').next().unwrap_or_default();
        match first {
            "templates" => Some(FileKind::Templates),
            "rules" => Some(FileKind::Rules),
            "inventory" | "inventory.yaml" | "inventory.yml" => Some(FileKind::Inventory),
            "alertmanager" => Some(FileKind::Alertmanager),
            _ => None,
        }
    }
}

pub fn file(kind: FileKind, source: &SourceText, diags: &mut Diagnostics) -> FileModel {
    let mut out = FileModel::default();
    if matches!(kind, FileKind::Alertmanager | FileKind::Lib) {
        // `alertmanager::config` parses alertmanager files (and reports their YAML errors,
        // once); `templates/_lib/` snippets are template text, read by `logic`.
        return out;
    }
    let Some(docs) = yaml::parse(source, diags) else {
        out.broken = true;
        return out;
    };
    let mut cx = Cx { src: source, diags };
    for doc in &docs {
        match kind {
            FileKind::Templates => {
                for item in items(&mut cx, doc, "template") {
                    if let Some(t) = template(&mut cx, item) {
                        out.templates.push(t);
                    }
                }
            }
            FileKind::Rules => {
                for item in items(&mut cx, doc, "rule") {
                    if has_key(item, "rule_group") {
                        if let Some(g) = rule_group(&mut cx, item) {
                            out.rule_groups.push(g);
                        }
                    } else if let Some(r) = rule(&mut cx, item) {
                        out.rules.push(r);
                    }
                }
            }
            FileKind::Inventory => inventory(&mut cx, doc, &mut out),
            FileKind::Alertmanager | FileKind::Lib => unreachable!("returned above"),
        }
    }
    out
}

pub(crate) struct Cx<'a> {
    pub(crate) src: &'a SourceText,
    pub(crate) diags: &'a mut Diagnostics,
}

impl Cx<'_> {
    pub(crate) fn err(
        &mut self,
        code: Code,
        span: Span,
        msg: impl Into<String>,
        label: &str,
        hint: Option<String>,
    ) {
        let mut d = Diagnostic::error(code, msg).at(self.src, span, label);
        d.hint = hint;
        self.diags.push(d);
    }

    fn warn(&mut self, code: Code, span: Span, msg: String, label: &str, hint: String) {
        self.diags.push(
            Diagnostic::warning(code, msg)
                .at(self.src, span, label)
                .hint(hint),
        );
    }

    pub(crate) fn wrong_type(&mut self, node: &Node, field: &str, expected: &str) {
        self.err(
            Code::WrongType,
            node.span,
            match node.as_scalar() {
                Some((text, _)) if !yaml::is_null(text) => {
                    format!("`{field}` must be {expected}, found `{text}`")
                }
                _ => format!("`{field}` must be {expected}, found {}", node.kind_name()),
            },
            &format!("expected {expected}"),
            None,
        );
    }

    fn path(&self) -> Arc<str> {
        self.src.path.clone()
    }
}

fn has_key(node: &Node, key: &str) -> bool {
    matches!(&node.kind, Kind::Map(entries) if entries.iter().any(|(k, _)| k.as_scalar().is_some_and(|(t, _)| t == key)))
}

/// A document is either one mapping or a list of them.
fn items<'n>(cx: &mut Cx, doc: &'n Node, what: &str) -> Vec<&'n Node> {
    match &doc.kind {
        Kind::Seq(items) => items.iter().collect(),
        Kind::Map(_) => vec![doc],
        _ => {
            cx.wrong_type(doc, what, &format!("a {what} mapping or a list of them"));
            vec![]
        }
    }
}

/// The known fields of a mapping; unknown ones are reported with a did-you-mean hint.
pub(crate) fn fields<'n>(
    cx: &mut Cx,
    node: &'n Node,
    what: &str,
    allowed: &[&'static str],
) -> Option<BTreeMap<&'static str, &'n Node>> {
    let Kind::Map(entries) = &node.kind else {
        cx.wrong_type(node, what, "a mapping");
        return None;
    };
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let Some((name, _)) = k.as_scalar() else {
            cx.wrong_type(k, "key", "a plain name");
            continue;
        };
        if let Some(known) = allowed.iter().find(|a| **a == name) {
            out.insert(*known, v);
        } else {
            let hint = match did_you_mean(name, allowed.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("known fields of a {what}: {}", allowed.join(", ")),
            };
            cx.err(
                Code::UnknownField,
                k.span,
                format!("unknown field `{name}` in {what}"),
                "unknown field",
                Some(hint),
            );
        }
    }
    Some(out)
}

pub(crate) fn require<'n>(
    cx: &mut Cx,
    f: &BTreeMap<&str, &'n Node>,
    node: &Node,
    name: &str,
    what: &str,
) -> Option<&'n Node> {
    let v = f.get(name).copied();
    if v.is_none() {
        let head = Span::new(node.span.start(), node.span.start() + 1);
        cx.err(
            Code::MissingField,
            head,
            format!("{what} has no `{name}`"),
            &format!("this {what}"),
            Some(format!("add `{name}:` to this {what}")),
        );
    }
    v
}

pub(crate) fn string(cx: &mut Cx, node: &Node, field: &str) -> Option<Spanned<String>> {
    match node.as_scalar() {
        Some((t, quoted)) if quoted || !yaml::is_null(t) => {
            Some(Spanned::new(t.to_string(), node.span))
        }
        _ => {
            cx.wrong_type(node, field, "a string");
            None
        }
    }
}

/// A namespace, group or target name: a string that can be rendered safely (see
/// [`crate::source::text::name_problem`]).
fn inventory_name(cx: &mut Cx, node: &Node, what: &str) -> Option<Spanned<String>> {
    let s = string(cx, node, what)?;
    if let Some(problem) = crate::source::text::name_problem(&s.value) {
        cx.err(
            Code::BadName,
            s.span,
            format!(
                "{what} name `{}` {problem}",
                crate::source::text::escape_unsafe(&s.value)
            ),
            "unusable name",
            Some("names appear in label matchers, rendered files and terminals: use printable text without leading or trailing blanks".into()),
        );
        return None;
    }
    Some(s)
}

pub(crate) fn opt_string(
    cx: &mut Cx,
    f: &BTreeMap<&str, &Node>,
    field: &str,
) -> Option<Spanned<String>> {
    f.get(field).and_then(|n| string(cx, n, field))
}

pub(crate) fn duration(
    cx: &mut Cx,
    f: &BTreeMap<&str, &Node>,
    field: &str,
) -> Option<Spanned<String>> {
    let s = opt_string(cx, f, field)?;
    if !is_duration(&s.value) {
        cx.err(
            Code::BadDuration,
            s.span,
            format!("`{}` is not a Prometheus duration", s.value),
            "bad duration",
            Some("durations are digits with units y, w, d, h, m, s, ms, largest first: 30s, 5m, 1h30m".into()),
        );
        return None;
    }
    Some(s)
}

fn raw_value(cx: &mut Cx, node: &Node, field: &str) -> Option<Spanned<RawValue>> {
    match (&node.kind, node.as_scalar()) {
        (_, Some((t, quoted))) => Some(Spanned::new(
            RawValue {
                text: t.to_string(),
                quoted,
                items: None,
            },
            node.span,
        )),
        (Kind::Seq(items), None) => {
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                match it.as_scalar() {
                    Some((t, quoted)) => out.push(RawValue {
                        text: t.to_string(),
                        quoted,
                        items: None,
                    }),
                    None => {
                        cx.wrong_type(
                            it,
                            field,
                            "a single value (lists hold values, not lists or mappings)",
                        );
                        return None;
                    }
                }
            }
            Some(Spanned::new(
                RawValue {
                    text: String::new(),
                    quoted: false,
                    items: Some(out),
                },
                node.span,
            ))
        }
        _ => {
            cx.wrong_type(node, field, "a single value or a list of values");
            None
        }
    }
}

fn string_list(cx: &mut Cx, f: &BTreeMap<&str, &Node>, field: &str) -> Vec<Spanned<String>> {
    let Some(node) = f.get(field) else {
        return vec![];
    };
    match &node.kind {
        Kind::Seq(items) => items.iter().filter_map(|n| string(cx, n, field)).collect(),
        _ if node.is_null() => vec![],
        _ => {
            cx.wrong_type(node, field, "a list of strings");
            vec![]
        }
    }
}

/// Any non-empty UTF-8 string names an alert, as in Prometheus; names that are awkward in
/// Alertmanager matchers get a warning unless the item says `ignore: [awkward-name]`.
fn alert_name(cx: &mut Cx, s: &Spanned<String>, ignore: &[Spanned<String>]) -> bool {
    if s.value.is_empty() {
        cx.err(
            Code::BadName,
            s.span,
            "an alert name cannot be empty",
            "empty name",
            None,
        );
        return false;
    }
    if let Some(why) = awkward_name(&s.value) {
        if !ignores(ignore, Code::AwkwardName) {
            cx.warn(
                Code::AwkwardName,
                s.span,
                format!("alert name {:?} is hard to use in Alertmanager matchers: {why}", s.value),
                "awkward name",
                "Prometheus accepts it; silences and routes must quote and escape it. Rename it, or add `ignore: [awkward-name]` to this item".into(),
            );
        }
    }
    true
}

/// labels/annotations: names must be label names, values strings (numbers are taken as text).
pub(crate) fn string_map(
    cx: &mut Cx,
    f: &BTreeMap<&str, &Node>,
    field: &str,
) -> BTreeMap<String, Spanned<String>> {
    let mut out = BTreeMap::new();
    let Some(node) = f.get(field) else { return out };
    let Kind::Map(entries) = &node.kind else {
        if !node.is_null() {
            cx.wrong_type(node, field, "a mapping of names to values");
        }
        return out;
    };
    for (k, v) in entries {
        let Some((name, _)) = k.as_scalar() else {
            cx.wrong_type(k, field, "a mapping of names to values");
            continue;
        };
        if !is_label_name(name) {
            cx.err(
                Code::BadLabelName,
                k.span,
                format!(
                    "`{name}` is not a valid {} name",
                    field.trim_end_matches('s')
                ),
                "invalid name",
                Some("names must match [a-zA-Z_][a-zA-Z0-9_]*".into()),
            );
            continue;
        }
        if let Some(s) = string(cx, v, &format!("{field}.{name}")) {
            out.insert(name.to_string(), s);
        }
    }
    out
}

fn name_field(
    cx: &mut Cx,
    f: &BTreeMap<&str, &Node>,
    field: &str,
    metric: bool,
) -> Option<Spanned<String>> {
    let s = opt_string(cx, f, field)?;
    let ok = if metric {
        is_metric_name(&s.value)
    } else {
        is_label_name(&s.value)
    };
    if !ok {
        let rule = if metric {
            "[a-zA-Z_:][a-zA-Z0-9_:]*"
        } else {
            "[a-zA-Z_][a-zA-Z0-9_]*"
        };
        cx.err(
            Code::BadName,
            s.span,
            format!("`{}` is not a valid {field} name", s.value),
            "invalid name",
            Some(format!("names must match {rule}")),
        );
        return None;
    }
    Some(s)
}

const TEMPLATE_FIELDS: &[&str] = &[
    "template",
    "record",
    "description",
    "severity",
    "params",
    "expr",
    "for",
    "keep_firing_for",
    "labels",
    "annotations",
    "scope",
    "rule_group",
    "tags",
    "job",
    "ignore",
];

fn template(cx: &mut Cx, node: &Node) -> Option<Template> {
    let f = fields(cx, node, "template", TEMPLATE_FIELDS)?;
    let name_node = require(cx, &f, node, "template", "template");
    let expr_node = require(cx, &f, node, "expr", "template");
    let record = name_field(cx, &f, "record", true);
    let ignore = ignore_list(cx, &f);
    let mut name = name_node.and_then(|n| string(cx, n, "template"));
    if let Some(n) = &name {
        if record.is_none() && !alert_name(cx, n, &ignore) {
            name = None;
        }
    }
    let rule_group = opt_string(cx, &f, "rule_group").and_then(|g| rule_group_name(cx, g));
    let expr = expr_node.and_then(|n| string(cx, n, "expr"));
    let mut params = Vec::new();
    if let Some(pnode) = f.get("params") {
        if let Kind::Map(entries) = &pnode.kind {
            for (k, v) in entries {
                if let Some(p) = param_def(cx, k, v) {
                    params.push(p);
                }
            }
        } else if !pnode.is_null() {
            cx.wrong_type(
                pnode,
                "params",
                "a mapping of parameter names to definitions",
            );
        }
    }
    let scope_injection = match opt_string(cx, &f, "scope") {
        None => ScopeInjection::Auto,
        Some(s) if s.value == "auto" => ScopeInjection::Auto,
        Some(s) if s.value == "manual" => ScopeInjection::Manual,
        Some(s) => {
            cx.err(
                Code::WrongType,
                s.span,
                format!("`scope` must be `auto` or `manual`, found `{}`", s.value),
                "unknown value",
                Some("`manual` means the expr places ${scope} itself".into()),
            );
            ScopeInjection::Auto
        }
    };
    let t = Template {
        file: cx.path(),
        span: node.span,
        description: opt_string(cx, &f, "description").map(|s| s.value),
        severity: opt_string(cx, &f, "severity"),
        for_: duration(cx, &f, "for"),
        keep_firing_for: duration(cx, &f, "keep_firing_for"),
        labels: string_map(cx, &f, "labels").into(),
        annotations: string_map(cx, &f, "annotations").into(),
        params,
        scope_injection,
        job: job_field(cx, &f),
        record,
        rule_group,
        tags: string_list(cx, &f, "tags")
            .into_iter()
            .map(|s| s.value)
            .collect(),
        ignore,
        name: name?,
        expr: expr?,
    };
    if t.is_recording() {
        for (field, present) in [
            ("for", t.for_.is_some()),
            ("annotations", !t.annotations.is_empty()),
            ("severity", t.severity.is_some()),
        ] {
            if present {
                let span = f[field].span;
                cx.err(
                    Code::WrongType,
                    span,
                    format!(
                        "recording-rule template `{}` cannot have `{field}`",
                        t.name.value
                    ),
                    "not allowed with `record`",
                    Some("only alerting rules have for, severity and annotations".into()),
                );
            }
        }
    }
    Some(t)
}

fn param_def(cx: &mut Cx, key: &Node, v: &Node) -> Option<ParamDef> {
    let name = string(cx, key, "params")?;
    if !is_label_name(&name.value) || name.value == "scope" {
        cx.err(
            Code::BadName,
            name.span,
            format!("`{}` is not a valid parameter name", name.value),
            "invalid name",
            Some("parameter names match [a-zA-Z_][a-zA-Z0-9_]* and `scope` is reserved".into()),
        );
        return None;
    }
    let f = fields(
        cx,
        v,
        "parameter",
        &["type", "default", "description", "of"],
    )?;
    let ty_node = require(cx, &f, v, "type", "parameter")?;
    let ty_s = string(cx, ty_node, "type")?;
    let Some(ty) = ParamType::parse(&ty_s.value) else {
        let hint = match did_you_mean(&ty_s.value, ParamType::NAMES.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("parameter types: {}", ParamType::NAMES.join(", ")),
        };
        cx.err(
            Code::WrongType,
            ty_s.span,
            format!("unknown parameter type `{}`", ty_s.value),
            "unknown type",
            Some(hint),
        );
        return None;
    };
    let item = match (ty, opt_string(cx, &f, "of")) {
        (ParamType::List, None) => Some(ParamType::LabelValue),
        (ParamType::List, Some(of)) => match ParamType::parse(&of.value) {
            Some(ParamType::List) | None => {
                cx.err(
                    Code::WrongType,
                    of.span,
                    format!("`{}` is not a list item type", of.value),
                    "unknown type",
                    Some(
                        "items are number, duration, label_value, regex, label_name or string"
                            .into(),
                    ),
                );
                return None;
            }
            t => t,
        },
        (_, Some(of)) => {
            cx.err(
                Code::WrongType,
                of.span,
                "`of` is only for `type: list`",
                "not a list",
                None,
            );
            None
        }
        (_, None) => None,
    };
    Some(ParamDef {
        name,
        ty,
        item,
        default: f.get("default").and_then(|n| raw_value(cx, n, "default")),
        description: opt_string(cx, &f, "description").map(|s| s.value),
    })
}

const RULE_FIELDS: &[&str] = &[
    "template",
    "alert",
    "record",
    "scope",
    "priority",
    "enabled",
    "suspended",
    "params",
    "for",
    "keep_firing_for",
    "severity",
    "labels",
    "annotations",
    "select",
    "ignore",
];

/// `template:` as a name, a glob, or a list; `select:` criteria. A single exact name
/// without `select` is an ordinary rule (`select` stays `None`).
fn selection(
    cx: &mut Cx,
    f: &BTreeMap<&str, &Node>,
    node: &Node,
) -> Option<(Spanned<String>, Option<Select>)> {
    let criteria = f.get("select").and_then(|n| {
        let sf = fields(
            cx,
            n,
            "select",
            &["severity", "tags", "labels", "rule_group", "job"],
        )?;
        let labels = string_map(cx, &sf, "labels")
            .into_iter()
            .map(|(k, v)| (k, v.value))
            .collect();
        Some(Select {
            severity: opt_string(cx, &sf, "severity").map(|s| s.value),
            tags: string_list(cx, &sf, "tags")
                .into_iter()
                .map(|s| s.value)
                .collect(),
            labels,
            rule_group: opt_string(cx, &sf, "rule_group").map(|s| s.value),
            job: opt_string(cx, &sf, "job").map(|s| s.value),
            names: vec![],
            span: n.span,
        })
    });
    let Some(tn) = f.get("template") else {
        if let Some(sel) = criteria {
            return selection_display(Spanned::new("*".into(), sel.span), sel);
        }
        require(cx, f, node, "template", "rule");
        return None;
    };
    let (display, names, many) = match &tn.kind {
        Kind::Seq(items) => {
            let names: Vec<Spanned<String>> = items
                .iter()
                .filter_map(|n| string(cx, n, "template"))
                .collect();
            if names.is_empty() {
                cx.wrong_type(
                    tn,
                    "template",
                    "a template name, a glob or a non-empty list",
                );
                return None;
            }
            let shown = format!(
                "[{}]",
                names
                    .iter()
                    .map(|n| n.value.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            (Spanned::new(shown, tn.span), names, true)
        }
        _ => {
            let name = string(cx, tn, "template")?;
            let glob = name.value.contains(['*', '?']);
            (name.clone(), vec![name], glob)
        }
    };
    let select = match criteria {
        Some(mut sel) => {
            sel.names = names;
            return selection_display(display, sel);
        }
        None if many => Some(Select {
            span: tn.span,
            names,
            ..Select::default()
        }),
        None => None,
    };
    Some((display, select))
}

/// How `list` and `trace` show a many-alert rule: its names, then its criteria.
fn selection_display(
    display: Spanned<String>,
    sel: Select,
) -> Option<(Spanned<String>, Option<Select>)> {
    let mut shown = display.value.clone();
    let mut add = |k: &str, v: &str| shown.push_str(&format!(" {k}={v}"));
    if let Some(s) = &sel.severity {
        add("severity", s);
    }
    if !sel.tags.is_empty() {
        add("tags", &sel.tags.join(","));
    }
    for (k, v) in &sel.labels {
        add(&format!("labels.{k}"), v);
    }
    if let Some(g) = &sel.rule_group {
        add("rule_group", g);
    }
    if let Some(j) = &sel.job {
        add("job", j);
    }
    Some((Spanned::new(shown, display.span), Some(sel)))
}

fn rule(cx: &mut Cx, node: &Node) -> Option<Rule> {
    let f = fields(cx, node, "rule", RULE_FIELDS)?;
    let sel = selection(cx, &f, node);
    let ignore = ignore_list(cx, &f);
    let scope_node = require(cx, &f, node, "scope", "rule");
    let scope = scope_node
        .and_then(|n| string(cx, n, "scope"))
        .and_then(|s| match Scope::parse(&s.value) {
            Ok(scope) => Some(Spanned::new(scope, s.span)),
            Err(msg) => {
                cx.err(
                    Code::BadScope,
                    s.span,
                    msg,
                    "bad scope",
                    Some(
                        "a scope is `global`, `namespace/NAME`, `group/NAME` or `target/NAME`"
                            .into(),
                    ),
                );
                None
            }
        });
    let name = match (f.contains_key("alert"), f.contains_key("record")) {
        (true, true) => {
            cx.err(
                Code::WrongType,
                f["record"].span,
                "a rule has either `alert` or `record`, not both",
                "second name",
                None,
            );
            None
        }
        (true, false) => opt_string(cx, &f, "alert").filter(|n| alert_name(cx, n, &ignore)),
        (false, true) => name_field(cx, &f, "record", true),
        _ => None,
    };
    if let (Some(n), Some((_, Some(_)))) = (&name, &sel) {
        cx.err(
            Code::WrongType,
            n.span,
            "a rule for many alerts cannot name the alert",
            "one name for several alerts",
            Some("name alerts in single-template rules; a many-alert rule only changes the alerts it selects".into()),
        );
    }
    let priority = match f.get("priority") {
        None => Some(Spanned::new(0, node.span)),
        Some(n) => match n.as_scalar() {
            Some((t, false)) if t.parse::<i64>().is_ok() => {
                Some(Spanned::new(t.parse().unwrap_or_default(), n.span))
            }
            _ => {
                cx.wrong_type(n, "priority", "an integer");
                None
            }
        },
    };
    let mut flag = |name: &str| {
        f.get(name).and_then(|n| match n.as_scalar() {
            Some(("true", false)) => Some(Spanned::new(true, n.span)),
            Some(("false", false)) => Some(Spanned::new(false, n.span)),
            _ => {
                cx.wrong_type(n, name, "true or false");
                None
            }
        })
    };
    let enabled = flag("enabled");
    let suspended = flag("suspended");
    let mut param_keys = BTreeMap::new();
    let mut params = BTreeMap::new();
    if let Some(pnode) = f.get("params") {
        match &pnode.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    if let (Some(k), Some(v)) =
                        (string(cx, k, "params"), raw_value(cx, v, "params"))
                    {
                        param_keys.insert(k.value.clone(), k.span);
                        params.insert(k.value, v);
                    }
                }
            }
            _ if pnode.is_null() => {}
            _ => cx.wrong_type(pnode, "params", "a mapping of parameter names to values"),
        }
    }
    Some(Rule {
        file: cx.path(),
        span: node.span,
        named_by_record: f.contains_key("record"),
        param_keys: param_keys.into(),
        name,
        enabled,
        suspended,
        params: params.into(),
        for_: duration(cx, &f, "for"),
        keep_firing_for: duration(cx, &f, "keep_firing_for").map(Box::new),
        severity: opt_string(cx, &f, "severity"),
        labels: string_map(cx, &f, "labels").into(),
        annotations: string_map(cx, &f, "annotations").into(),
        ignore,
        select: sel.as_ref().and_then(|s| s.1.clone()).map(Box::new),
        template: sel?.0,
        scope: scope?,
        priority: priority?,
    })
}

/// Rule-group names are free text in Prometheus; ours must stay one YAML line and not
/// take the `alertctl/` names of the default groups.
fn rule_group_name(cx: &mut Cx, g: Spanned<String>) -> Option<Spanned<String>> {
    let why = if g.value.trim().is_empty() {
        Some("it is empty")
    } else if g.value.chars().any(char::is_control) {
        Some("it contains a control character such as a line break")
    } else if g.value.starts_with("alertctl/") {
        Some("`alertctl/...` names are the default groups alertctl renders")
    } else {
        None
    };
    if let Some(why) = why {
        cx.err(
            Code::BadName,
            g.span,
            format!("{:?} cannot name a rule group: {why}", g.value),
            "bad rule-group name",
            Some("use a name like NodeExporter or node-alerts".into()),
        );
        return None;
    }
    Some(g)
}

/// `- rule_group: NAME` entry in a rules file: evaluation settings of one Prometheus
/// rule group at a scope.
fn rule_group(cx: &mut Cx, node: &Node) -> Option<RuleGroupDef> {
    let f = fields(
        cx,
        node,
        "rule group",
        &["rule_group", "scope", "interval", "limit", "query_offset"],
    )?;
    if let Some(q) = f.get("query_offset") {
        cx.err(
            Code::UnsupportedField,
            q.span,
            "`query_offset` needs Prometheus 2.53 or newer; the Prometheus this project targets (2.42) rejects rule files that have it",
            "not supported by Prometheus 2.42",
            Some("remove it; `promtool check rules` 2.42 fails with `field query_offset not found in type rulefmt.RuleGroup`".into()),
        );
    }
    let name = opt_string(cx, &f, "rule_group").and_then(|g| rule_group_name(cx, g));
    let scope = match f.get("scope") {
        None => Some(Spanned::new(Scope::Global, node.span)),
        Some(n) => string(cx, n, "scope").and_then(|s| match Scope::parse(&s.value) {
            Ok(Scope::Target(_)) => {
                cx.err(Code::BadScope, s.span, "rule-group settings apply to whole rendered files: global, a namespace or a group", "target scope", Some("a target's rules render into its group's file; set the group's interval instead".into()));
                None
            }
            Ok(scope) => Some(Spanned::new(scope, s.span)),
            Err(msg) => {
                cx.err(Code::BadScope, s.span, msg, "bad scope", Some("a scope is `global`, `namespace/NAME` or `group/NAME`".into()));
                None
            }
        }),
    };
    let limit = f.get("limit").and_then(|n| match n.as_scalar() {
        Some((t, false)) if t.parse::<u64>().is_ok() => {
            Some(Spanned::new(t.parse().unwrap_or_default(), n.span))
        }
        _ => {
            cx.wrong_type(n, "limit", "a whole number (0 means no limit)");
            None
        }
    });
    Some(RuleGroupDef {
        file: cx.path(),
        span: node.span,
        interval: duration(cx, &f, "interval"),
        limit,
        name: name?,
        scope: scope?,
    })
}

/// `namespaces: {NS: {GROUP: [targets] | {targets: [..], jobs: .., description: ..}}}`;
/// a target is a name or `{name: .., jobs: ..}`.
fn inventory(cx: &mut Cx, doc: &Node, out: &mut FileModel) {
    let Some(f) = fields(cx, doc, "inventory", &["namespaces", "targets"]) else {
        return;
    };
    if let Some(tn) = f.get("targets") {
        let (targets, jobs) = target_list(cx, tn);
        out.ungrouped.extend(targets);
        out.ungrouped_jobs.extend(jobs);
    }
    let Some(nss) = f.get("namespaces") else {
        return;
    };
    let Kind::Map(nss) = &nss.kind else {
        cx.wrong_type(
            nss,
            "namespaces",
            "a mapping of namespace names to their groups",
        );
        return;
    };
    for (nk, nv) in nss {
        let Some(ns_name) = inventory_name(cx, nk, "namespace") else {
            continue;
        };
        let mut groups = Vec::new();
        match &nv.kind {
            Kind::Map(gs) => {
                for (gk, gv) in gs {
                    let Some(g_name) = inventory_name(cx, gk, "group") else {
                        continue;
                    };
                    let mut jobs = Vec::new();
                    let targets_node = match &gv.kind {
                        Kind::Seq(_) => Some(gv),
                        Kind::Map(_) => {
                            fields(cx, gv, "group", &["targets", "description", "jobs"]).and_then(
                                |gf| {
                                    if let Some(j) = gf.get("jobs") {
                                        jobs = job_list(cx, j);
                                    }
                                    gf.get("targets").copied()
                                },
                            )
                        }
                        _ if gv.is_null() => None,
                        _ => {
                            cx.wrong_type(
                                gv,
                                "group",
                                "a list of targets or a mapping with `targets`",
                            );
                            None
                        }
                    };
                    let (targets, target_jobs) =
                        targets_node.map_or_else(Default::default, |tn| target_list(cx, tn));
                    groups.push(InvGroup {
                        name: g_name,
                        targets,
                        jobs,
                        target_jobs,
                    });
                }
            }
            _ if nv.is_null() => {}
            _ => cx.wrong_type(nv, "namespace", "a mapping of group names to targets"),
        }
        out.namespaces.push(InvNamespace {
            file: cx.path(),
            name: ns_name,
            groups,
        });
    }
}

/// A list of targets, each a name or `{name: NAME, jobs: JOBS}`; the jobs by target.
fn target_list(cx: &mut Cx, node: &Node) -> (Vec<Spanned<String>>, BTreeMap<String, Vec<InvJob>>) {
    let mut targets = Vec::new();
    let mut jobs = BTreeMap::new();
    match &node.kind {
        Kind::Seq(ts) => {
            for t in ts {
                if let Kind::Map(_) = &t.kind {
                    let Some(tf) = fields(cx, t, "target", &["name", "jobs"]) else {
                        continue;
                    };
                    let Some(name) = require(cx, &tf, t, "name", "target")
                        .and_then(|n| inventory_name(cx, n, "target"))
                    else {
                        continue;
                    };
                    if let Some(j) = tf.get("jobs") {
                        jobs.insert(name.value.clone(), job_list(cx, j));
                    }
                    targets.push(name);
                } else if let Some(name) = inventory_name(cx, t, "target") {
                    targets.push(name);
                }
            }
        }
        _ if node.is_null() => {}
        _ => cx.wrong_type(node, "targets", "a list of target names"),
    }
    (targets, jobs)
}

/// `jobs: [node, postgres]`, `jobs: [node, {postgres: 9187}]` or
/// `jobs: {node: ~, postgres: 9187}`: job names, each with an optional port.
fn job_list(cx: &mut Cx, node: &Node) -> Vec<InvJob> {
    let mut out: Vec<InvJob> = Vec::new();
    let mut add = |cx: &mut Cx, key: &Node, port: Option<&Node>| {
        let Some(name) = string(cx, key, "job") else {
            return;
        };
        if let Err(why) = check_job_name(&name.value) {
            cx.err(
                Code::BadName,
                name.span,
                format!("`{}` is not a valid job name: {why}", name.value.escape_debug()),
                "invalid job name",
                Some("job names become `job` labels and file names: use letters, digits, `-`, `_`, `.`".into()),
            );
            return;
        }
        let port = match port {
            None => None,
            Some(p) if p.is_null() => None,
            Some(p) => match p.as_scalar() {
                Some((t, false)) if t.parse::<u16>().is_ok_and(|n| n > 0) => {
                    Some(Spanned::new(t.parse().unwrap_or_default(), p.span))
                }
                _ => {
                    cx.wrong_type(p, "port", "a port number from 1 to 65535");
                    return;
                }
            },
        };
        if let Some(first) = out.iter().find(|j| j.name.value == name.value) {
            let first = first.name.span;
            let mut d = Diagnostic::error(
                Code::DuplicateInventory,
                format!("job `{}` is listed twice", name.value),
            )
            .at(cx.src, name.span, "listed again here");
            d = d.also(cx.src, first, "first listed here");
            cx.diags
                .push(d.hint("list each job once, with its port if it has one"));
            return;
        }
        out.push(InvJob { name, port });
    };
    match &node.kind {
        Kind::Seq(items) => {
            for item in items {
                match &item.kind {
                    Kind::Map(entries) if entries.len() == 1 => {
                        add(cx, &entries[0].0, Some(&entries[0].1))
                    }
                    Kind::Scalar { .. } => add(cx, item, None),
                    _ => cx.wrong_type(item, "jobs", "a job name or `{NAME: PORT}`"),
                }
            }
        }
        Kind::Map(entries) => {
            for (k, v) in entries {
                add(cx, k, Some(v));
            }
        }
        _ if node.is_null() => {}
        _ => cx.wrong_type(
            node,
            "jobs",
            "a list of job names or a mapping of jobs to ports",
        ),
    }
    out
}

/// `job:` of a template: a job name, or `*` for every job.
fn job_field(cx: &mut Cx, f: &BTreeMap<&str, &Node>) -> Option<Spanned<String>> {
    let j = opt_string(cx, f, "job")?;
    if j.value != "*" {
        if let Err(why) = check_job_name(&j.value) {
            cx.err(
                Code::BadName,
                j.span,
                format!(
                    "`{}` is not a valid job name: {why}",
                    j.value.escape_debug()
                ),
                "invalid job name",
                Some("name the job as the inventory does, or `\"*\"` for every job".into()),
            );
            return None;
        }
    }
    Some(j)
}

/// `ignore: [code, ...]`: warnings a person accepted here. Only warning codes qualify.
fn ignore_list(cx: &mut Cx, f: &BTreeMap<&str, &Node>) -> Vec<Spanned<String>> {
    let mut out = Vec::new();
    let Some(node) = f.get("ignore") else {
        return out;
    };
    let Kind::Seq(items) = &node.kind else {
        if !node.is_null() {
            cx.wrong_type(node, "ignore", "a list of warning codes");
        }
        return out;
    };
    for item in items {
        let Some(code) = string(cx, item, "ignore") else {
            continue;
        };
        if Code::parse(&code.value).is_some_and(|c| Code::WARNINGS.contains(&c)) {
            out.push(code);
            continue;
        }
        let names = Code::WARNINGS.iter().map(|c| c.as_str());
        let hint = match did_you_mean(&code.value, names) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "warnings that can be ignored: {}",
                Code::WARNINGS
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let what = if Code::parse(&code.value).is_some() {
            "is an error, and errors cannot be ignored"
        } else {
            "is not a warning code"
        };
        cx.err(
            Code::BadName,
            code.span,
            format!("`{}` {what}", code.value.escape_debug()),
            "cannot be ignored",
            Some(hint),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_as(kind: FileKind, text: &str) -> (FileModel, Diagnostics) {
        let src = SourceText::new("x.yaml", text);
        let mut d = Diagnostics::default();
        let m = file(kind, &src, &mut d);
        (m, d)
    }

    #[test]
    fn template_round_trip() {
        let (m, d) = parse_as(
            FileKind::Templates,
            "template: HighCPU\nseverity: warning\nparams:\n  threshold: {type: number, default: 80}\nexpr: cpu > ${threshold}\nfor: 10m\nannotations:\n  summary: 'CPU {{ $value }}'\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let t = &m.templates[0];
        assert_eq!(t.name.value, "HighCPU");
        assert_eq!(t.params[0].ty, ParamType::Number);
        assert_eq!(t.annotations["summary"].value, "CPU {{ $value }}");
    }

    #[test]
    fn unknown_fields_suggest() {
        let (_, d) = parse_as(
            FileKind::Rules,
            "- template: A\n  scope: global\n  severty: critical\n",
        );
        let diag = d.iter().next().unwrap();
        assert_eq!(diag.code, Code::UnknownField);
        assert_eq!(diag.hint.as_deref(), Some("did you mean `severity`?"));
    }

    #[test]
    fn all_problems_reported() {
        let (_, d) = parse_as(FileKind::Rules, "- template: A\n  scope: host/x\n  for: 5 minutes\n  priority: high\n  labels: {0bad: x}\n");
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        for c in [
            Code::BadScope,
            Code::BadDuration,
            Code::WrongType,
            Code::BadLabelName,
        ] {
            assert!(codes.contains(&c), "{c:?} missing from {codes:?}");
        }
    }

    #[test]
    fn inventory_short_and_long_forms() {
        let (m, d) = parse_as(
            FileKind::Inventory,
            "namespaces:\n  prod:\n    web: [a, b]\n    db:\n      targets: [c]\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(m.namespaces[0].groups[1].targets[0].value, "c");
    }

    #[test]
    fn unusable_inventory_names_are_refused_where_written() {
        let (m, d) = parse_as(
            FileKind::Inventory,
            "namespaces:\n  \"\":\n    web: [a]\n  prod:\n    \"web\\ngroups:\": [b]\n    \" db\": [c]\n    ok: [\"h\\u202e1\", \"\", good]\n",
        );
        let found: Vec<_> = d
            .iter()
            .map(|d| (d.code, d.position().unwrap().1, d.message.clone()))
            .collect();
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(found.iter().all(|f| f.0 == Code::BadName));
        assert_eq!(found[0].1, 2);
        assert!(
            found[0].2.contains("namespace name `` is empty"),
            "{found:?}"
        );
        assert!(
            found[1]
                .2
                .contains("group name `web\\ngroups:` contains a line break"),
            "{found:?}"
        );
        assert!(
            found[2].2.contains("starts or ends with a blank"),
            "{found:?}"
        );
        assert!(found[3].2.contains("bidirectional"), "{found:?}");
        // What is left is usable.
        let names: Vec<_> = m.namespaces.iter().map(|n| n.name.value.as_str()).collect();
        assert_eq!(names, vec!["prod"]);
        assert_eq!(m.namespaces[0].groups.len(), 1);
        assert_eq!(m.namespaces[0].groups[0].targets[0].value, "good");
    }

    #[test]
    fn file_kinds() {
        assert_eq!(
            FileKind::of("templates/node/cpu.yaml"),
            Some(FileKind::Templates)
        );
        assert_eq!(FileKind::of("inventory.yaml"), Some(FileKind::Inventory));
        assert_eq!(FileKind::of("rules/README.md"), None);
        assert_eq!(FileKind::of("rendered/x.yml"), None);
    }
}
