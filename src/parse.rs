//! YAML source files -> [`FileModel`]. Checks what one file can check on its own (fields,
//! types, durations, label names, scope syntax); cross-file checks live in `resolve`.
//! Every problem is collected, none stops the file early.

use std::collections::BTreeMap;

use crate::diag::{did_you_mean, Code, Diagnostic, Diagnostics, SourceText, Span};
use crate::model::*;
use crate::yaml::{self, Kind, Node};

/// Which part of the rules directory a file belongs to, from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum FileKind {
    Templates,
    Rules,
    Inventory,
    /// `alertmanager/**`: parsed by `alertmanager::config`, not into a FileModel.
    Alertmanager,
}

impl FileKind {
    /// `templates/**`, `rules/**`, `inventory.yaml` or `inventory/**`; YAML files only.
    pub fn of(rel_path: &str) -> Option<FileKind> {
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
                    if let Some(r) = rule(&mut cx, item) {
                        out.rules.push(r);
                    }
                }
            }
            FileKind::Inventory => inventory(&mut cx, doc, &mut out.namespaces, &mut out.ungrouped),
            FileKind::Alertmanager => {}
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

    fn path(&self) -> String {
        self.src.path.to_string()
    }
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
        let head = Span::new(node.span.start, node.span.start + 1);
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
    match node.as_scalar() {
        Some((t, quoted)) => Some(Spanned::new(
            RawValue {
                text: t.to_string(),
                quoted,
            },
            node.span,
        )),
        None => {
            cx.wrong_type(node, field, "a single value");
            None
        }
    }
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
];

fn template(cx: &mut Cx, node: &Node) -> Option<Template> {
    let f = fields(cx, node, "template", TEMPLATE_FIELDS)?;
    let name_node = require(cx, &f, node, "template", "template");
    let expr_node = require(cx, &f, node, "expr", "template");
    let record = name_field(cx, &f, "record", true);
    let name = name_node.and_then(|n| string(cx, n, "template"));
    if let Some(n) = &name {
        if record.is_none() && !is_metric_name(&n.value) {
            cx.err(
                Code::BadName,
                n.span,
                format!("`{}` is not a valid alert name", n.value),
                "invalid name",
                Some("use letters, digits and underscores, e.g. HighCPU".into()),
            );
        }
    }
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
        labels: string_map(cx, &f, "labels"),
        annotations: string_map(cx, &f, "annotations"),
        params,
        scope_injection,
        record,
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
    let f = fields(cx, v, "parameter", &["type", "default", "description"])?;
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
    Some(ParamDef {
        name,
        ty,
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
];

fn rule(cx: &mut Cx, node: &Node) -> Option<Rule> {
    let f = fields(cx, node, "rule", RULE_FIELDS)?;
    let template =
        require(cx, &f, node, "template", "rule").and_then(|n| string(cx, n, "template"));
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
        (true, false) => name_field(cx, &f, "alert", true),
        (false, true) => name_field(cx, &f, "record", true),
        _ => None,
    };
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
        param_keys,
        name,
        enabled,
        suspended,
        params,
        for_: duration(cx, &f, "for"),
        keep_firing_for: duration(cx, &f, "keep_firing_for"),
        severity: opt_string(cx, &f, "severity"),
        labels: string_map(cx, &f, "labels"),
        annotations: string_map(cx, &f, "annotations"),
        template: template?,
        scope: scope?,
        priority: priority?,
    })
}

/// `namespaces: {NS: {GROUP: [targets] | {targets: [..], description: ..}}}`
fn inventory(
    cx: &mut Cx,
    doc: &Node,
    out: &mut Vec<InvNamespace>,
    ungrouped: &mut Vec<Spanned<String>>,
) {
    let Some(f) = fields(cx, doc, "inventory", &["namespaces", "targets"]) else {
        return;
    };
    if let Some(tn) = f.get("targets") {
        match &tn.kind {
            Kind::Seq(ts) => ungrouped.extend(ts.iter().filter_map(|t| string(cx, t, "target"))),
            _ if tn.is_null() => {}
            _ => cx.wrong_type(tn, "targets", "a list of target names"),
        }
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
        let Some(ns_name) = string(cx, nk, "namespace") else {
            continue;
        };
        let mut groups = Vec::new();
        match &nv.kind {
            Kind::Map(gs) => {
                for (gk, gv) in gs {
                    let Some(g_name) = string(cx, gk, "group") else {
                        continue;
                    };
                    let targets_node = match &gv.kind {
                        Kind::Seq(_) => Some(gv),
                        Kind::Map(_) => fields(cx, gv, "group", &["targets", "description"])
                            .and_then(|gf| gf.get("targets").copied()),
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
                    let mut targets = Vec::new();
                    if let Some(tn) = targets_node {
                        match &tn.kind {
                            Kind::Seq(ts) => {
                                targets.extend(ts.iter().filter_map(|t| string(cx, t, "target")))
                            }
                            _ if tn.is_null() => {}
                            _ => cx.wrong_type(tn, "targets", "a list of target names"),
                        }
                    }
                    groups.push(InvGroup {
                        name: g_name,
                        targets,
                    });
                }
            }
            _ if nv.is_null() => {}
            _ => cx.wrong_type(nv, "namespace", "a mapping of group names to targets"),
        }
        out.push(InvNamespace {
            file: cx.path(),
            name: ns_name,
            groups,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn parse_as(kind: FileKind, text: &str) -> (FileModel, Diagnostics) {
        let src = SourceText {
            path: Arc::from("x.yaml"),
            text: Arc::from(text),
        };
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
