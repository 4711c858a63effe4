//! Text edits of rule files for the rule lifecycle (`rule new|disable|enable|purge`).
//! The git-tracked directory is the database, so edits touch only the bytes they must:
//! comments, order and formatting elsewhere in the file stay exactly as they were. Pure
//! functions from (text, spans) to new text; the caller reads and writes files.

use std::collections::BTreeMap;

use crate::diag::Span;
use crate::model::{Rule, Template};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct EditError(pub String);

fn line_start(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, at: usize) -> usize {
    text[at.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| at + i + 1)
}

/// Column (in bytes, the text before it is ASCII indentation and `- `) of a span start.
fn indent_of(text: &str, at: usize) -> usize {
    at - line_start(text, at)
}

/// Is the rule written as a flow mapping (`- {template: X, scope: y}`)?
fn is_flow(text: &str, rule: &Rule) -> bool {
    text[rule.span.start()..].starts_with('{')
        || text[..rule.span.start()].trim_end().ends_with('{')
}

/// Suspends a rule (`suspended: true`, the soft delete) or resumes it (removes the line,
/// or writes `false` where the key shares a line with others).
pub fn set_suspended(text: &str, rule: &Rule, suspended: bool) -> Result<String, EditError> {
    let current = rule.suspended.as_ref().map(|s| (s.value, s.span));
    set_flag(text, rule, "suspended", current, suspended, false)
}

/// Sets a boolean rule key whose absence means `default`, touching one line at most.
fn set_flag(
    text: &str,
    rule: &Rule,
    key: &str,
    current: Option<(bool, Span)>,
    value: bool,
    default: bool,
) -> Result<String, EditError> {
    let mut out = text.to_string();
    match current {
        Some((v, _)) if v == value => {}
        Some((_, span)) => {
            let (ls, le) = (line_start(text, span.start()), line_end(text, span.end()));
            let prefix = format!("{key}:");
            let own_line = text[ls..le].trim_start().starts_with(&prefix)
                && text[..span.start()].trim_end().ends_with(&prefix);
            if value == default && own_line && rule.span.start() < ls {
                out.replace_range(ls..le, "");
            } else {
                out.replace_range(
                    span.start()..span.end(),
                    if value { "true" } else { "false" },
                );
            }
        }
        None if value == default => {}
        None if is_flow(text, rule) => {
            out.insert_str(rule.span.end(), &format!(", {key}: {value}"));
        }
        None => {
            let indent = " ".repeat(indent_of(text, rule.span.start()));
            let at = line_end(text, rule.span.end());
            let mut ins = String::new();
            if !text[..at].ends_with('\n') {
                ins.push('\n');
            }
            ins.push_str(&format!("{indent}{key}: {value}\n"));
            out.insert_str(at, &ins);
        }
    }
    Ok(out)
}

/// Removes rules (given by their spans) that are items of a block sequence. Returns the
/// new text, or `None` when no rule is left and the file should go.
pub fn remove_rules(
    text: &str,
    all_rules: &[&Rule],
    remove: &[&Rule],
) -> Result<Option<String>, EditError> {
    if remove.len() == all_rules.len() {
        return Ok(None);
    }
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for r in remove {
        let ls = line_start(text, r.span.start());
        let prefix = &text[ls..r.span.start()];
        if !prefix.trim_start().starts_with('-') {
            return Err(EditError(format!(
                "the rule at byte {} is not a `- ` list item; remove it by hand",
                r.span.start()
            )));
        }
        ranges.push((ls, line_end(text, r.span.end())));
    }
    ranges.sort();
    let mut out = text.to_string();
    for (s, e) in ranges.into_iter().rev() {
        out.replace_range(s..e, "");
    }
    Ok(Some(out))
}

/// A field of a rule that the rule form edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleField {
    Scope,
    Priority,
    Enabled,
    For,
    Severity,
    /// A parameter, with its declared type (values are written as that type reads).
    Param(String, crate::model::ParamType),
}

impl RuleField {
    pub fn key(&self) -> &str {
        match self {
            RuleField::Scope => "scope",
            RuleField::Priority => "priority",
            RuleField::Enabled => "enabled",
            RuleField::For => "for",
            RuleField::Severity => "severity",
            RuleField::Param(n, _) => n,
        }
    }

    /// The YAML for a value as typed. Numbers, durations, priorities and flags are
    /// written plain whenever that reads as one token, so a mistyped `9o` stays `9o` in
    /// the file and validation points at it; anything else is quoted whenever YAML needs
    /// it, so no value can change the file's structure.
    fn yaml(&self, value: &str) -> String {
        use crate::model::ParamType;
        let token = matches!(
            self,
            RuleField::Priority
                | RuleField::Enabled
                | RuleField::For
                | RuleField::Param(_, ParamType::Number | ParamType::Duration)
        );
        let plain_token = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c))
            && !crate::source::yaml::is_null(value)
            && !matches!(value, "yes" | "no" | "on" | "off" | "y" | "n")
            && (self == &RuleField::Enabled || !matches!(value, "true" | "false"));
        if token && plain_token {
            value.to_string()
        } else {
            yaml_scalar(value)
        }
    }
}

/// One change of the rule form: a field set to a value as typed, or removed (`None`:
/// back to what the template or broader rules give).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: RuleField,
    pub value: Option<String>,
}

/// Applies the rule form's changes to the rule that starts at byte `rule_start` of a
/// rules file, touching only the bytes of the values changed and the lines of keys added
/// or removed: comments and formatting elsewhere stay. The edits work on the file's YAML
/// tree, not on the rule's meaning, so a value that is wrong for its type is written as
/// typed (validation then points at it) and can be corrected the same way. The result is
/// parsed again and must hold exactly the values asked for; a shape these edits do not
/// handle is an error that asks for the text editor, never a wrong file.
pub fn edit_rule(
    source: &crate::diag::SourceText,
    rule_start: usize,
    changes: &[FieldChange],
) -> Result<String, EditError> {
    let mut text = source.text().to_string();
    for c in changes {
        if c.field == RuleField::Scope && c.value.is_none() {
            return Err(EditError("a rule needs a scope".into()));
        }
        let rule = rule_node(&source.path, &text, rule_start)?;
        let yaml = c.value.as_deref().map(|v| c.field.yaml(v));
        text = match &c.field {
            RuleField::Param(name, _) => match entry(&rule, "params") {
                // Not a mapping written elsewhere (an alias or merge key): its text is
                // another rule's.
                Some((_, params))
                    if matches!(params.kind, crate::source::yaml::Kind::Map(_))
                        && params.span.start() > rule.span.start()
                        && params.span.end() <= rule.span.end() =>
                {
                    set_entry(&text, params, name, yaml)?
                }
                Some(_) => {
                    return Err(EditError(
                        "this rule's `params:` is not a mapping written in the rule itself (an alias?); edit the text".into(),
                    ))
                }
                None => match yaml {
                    None => text,
                    Some(y) if is_flow_map(&text, &rule) => {
                        set_entry(&text, &rule, "params", Some(format!("{{{name}: {y}}}")))?
                    }
                    Some(y) => {
                        let indent = " ".repeat(first_key_column(&text, &rule) + 2);
                        set_entry(&text, &rule, "params", Some(format!("\n{indent}{name}: {y}")))?
                    }
                },
            },
            field => set_entry(&text, &rule, field.key(), yaml)?,
        };
    }
    let rule = rule_node(&source.path, &text, rule_start)?;
    for c in changes {
        let node = match &c.field {
            RuleField::Param(name, _) => entry(&rule, "params").and_then(|(_, p)| entry(p, name)),
            field => entry(&rule, field.key()),
        };
        let now = node.map(|(_, v)| v.as_scalar().map(|(t, _)| t.to_string()));
        if now != c.value.clone().map(Some) {
            return Err(EditError(format!(
                "could not set `{}` in this rule's text safely; edit the file in the text editor",
                c.field.key()
            )));
        }
    }
    Ok(text)
}

/// The mapping of the rule that starts at `start`, from the file's YAML tree.
fn rule_node(
    path: &std::sync::Arc<str>,
    text: &str,
    start: usize,
) -> Result<crate::source::yaml::Node, EditError> {
    let src = crate::diag::SourceText::new(path.clone(), text);
    let mut d = crate::diag::Diagnostics::default();
    let docs = crate::source::yaml::parse(&src, &mut d).ok_or_else(|| {
        EditError(format!(
            "{path} is not valid YAML; fix it in the text editor first"
        ))
    })?;
    let items = match docs.first().map(|d| &d.kind) {
        Some(crate::source::yaml::Kind::Seq(items)) => items,
        _ => return Err(EditError(format!("{path} is not a list of rules"))),
    };
    let rule = items
        .iter()
        .find(|n| n.span.start() == start)
        .ok_or_else(|| EditError(format!("no rule starts at byte {start} of {path}")))?;
    match &rule.kind {
        crate::source::yaml::Kind::Map(_) => Ok(rule.clone()),
        _ => Err(EditError(format!(
            "the item at byte {start} of {path} is not a rule"
        ))),
    }
}

fn entry<'n>(
    map: &'n crate::source::yaml::Node,
    key: &str,
) -> Option<(&'n crate::source::yaml::Node, &'n crate::source::yaml::Node)> {
    match &map.kind {
        crate::source::yaml::Kind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_scalar().map(|(t, _)| t) == Some(key))
            .map(|(k, v)| (k, v)),
        _ => None,
    }
}

fn is_flow_map(text: &str, map: &crate::source::yaml::Node) -> bool {
    text[map.span.start()..].starts_with('{')
}

/// The column of a block mapping's first key: where a new key of it is written.
fn first_key_column(text: &str, map: &crate::source::yaml::Node) -> usize {
    match &map.kind {
        crate::source::yaml::Kind::Map(entries) => entries
            .first()
            .map_or(0, |(k, _)| indent_of(text, k.span.start())),
        _ => 0,
    }
}

/// Sets (`Some`: replaces or adds) or removes (`None`) `key` of a mapping node.
fn set_entry(
    text: &str,
    map: &crate::source::yaml::Node,
    key: &str,
    yaml: Option<String>,
) -> Result<String, EditError> {
    let unsafe_edit = || EditError(format!("cannot change `{key}` here safely; edit the text"));
    let mut out = text.to_string();
    let inside = |s: Span| s.start() >= map.span.start() && s.start() <= map.span.end();
    match (entry(map, key), yaml) {
        (Some((k, v)), Some(y)) => {
            // A value that comes from an alias or a merge key lives elsewhere in the file.
            if !inside(k.span) || v.span.start() < k.span.end() {
                return Err(unsafe_edit());
            }
            if v.is_null() && v.span.is_empty() {
                let sep = if y.starts_with('\n') { "" } else { " " };
                out.insert_str(k.span.end() + 1, &format!("{sep}{y}"));
            } else {
                out.replace_range(v.span.start()..v.span.end(), &y);
            }
        }
        (Some((k, v)), None) => {
            if !inside(k.span) {
                return Err(unsafe_edit());
            }
            let end = v.span.end().max(k.span.end() + 1);
            let (ls, le) = (line_start(text, k.span.start()), line_end(text, end));
            let alone_before = text[ls..k.span.start()].trim().is_empty();
            let after = text[end..le].trim();
            if alone_before && (after.is_empty() || after.starts_with('#')) {
                out.replace_range(ls..le, "");
            } else if let Some(comma) = text[..k.span.start()].trim_end().strip_suffix(',') {
                // `, key: value` inside a flow mapping.
                out.replace_range(comma.len()..end, "");
            } else if text[end..].trim_start().starts_with(',') {
                // `key: value, ` first in a flow mapping.
                let rest = &text[end..];
                let comma = end + rest.find(',').unwrap_or(0) + 1;
                let next = comma + (text[comma..].len() - text[comma..].trim_start().len());
                out.replace_range(k.span.start()..next, "");
            } else if text[..k.span.start()].trim_end().ends_with('{')
                && text[end..].trim_start().starts_with('}')
            {
                // The only entry of a flow mapping: `{}` stays.
                let open = text[..k.span.start()].trim_end().len();
                out.replace_range(open..end, "");
            } else {
                return Err(unsafe_edit());
            }
        }
        (None, Some(y)) => {
            let entries = match &map.kind {
                crate::source::yaml::Kind::Map(e) => e,
                _ => return Err(unsafe_edit()),
            };
            if is_flow_map(text, map) {
                match entries.last() {
                    Some((_, v)) => out.insert_str(v.span.end(), &format!(", {key}: {y}")),
                    None => out.insert_str(map.span.start() + 1, &format!("{key}: {y}")),
                }
            } else {
                let Some((_, last)) = entries.last() else {
                    return Err(unsafe_edit());
                };
                let indent = " ".repeat(first_key_column(text, map));
                let at = line_end(
                    text,
                    last.span.end().saturating_sub(1).max(last.span.start()),
                );
                let nl = if text[..at].ends_with('\n') { "" } else { "\n" };
                let sep = if y.starts_with('\n') { "" } else { " " };
                out.insert_str(at, &format!("{nl}{indent}{key}:{sep}{y}\n"));
            }
        }
        (None, None) => {}
    }
    Ok(out)
}

/// A YAML scalar for hand-editable output: plain when unambiguous, double-quoted with
/// every unsafe character escaped otherwise.
pub fn yaml_scalar(s: &str) -> String {
    let plain_ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " _-./:".contains(c))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && !s.ends_with(' ')
        && !matches!(
            s,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        )
        && s.parse::<f64>().is_err()
        && !s.contains(": ");
    if plain_ok {
        s.to_string()
    } else {
        crate::source::text::double_quoted(s)
    }
}

/// A new rule that copies every default of `t`, ready to edit.
pub fn new_rule(t: &Template, scope: &str, alert: Option<&str>, priority: i64) -> String {
    let mut out = format!(
        "- template: {}\n  scope: {}\n",
        yaml_scalar(&t.name.value),
        yaml_scalar(scope)
    );
    if let Some(a) = alert {
        let key = if t.is_recording() { "record" } else { "alert" };
        out.push_str(&format!("  {key}: {}\n", yaml_scalar(a)));
    }
    if priority != 0 {
        out.push_str(&format!("  priority: {priority}\n"));
    }
    out.push_str(&format!(
        "  # Copied from template {}'s defaults: change what this scope needs, delete the rest.\n",
        crate::source::text::escape_unsafe(&t.name.value)
    ));
    let params: Vec<String> = t
        .params
        .iter()
        .filter_map(|p| {
            let d = p.default.as_ref()?;
            let v = if d.value.quoted {
                crate::source::text::double_quoted(&d.value.text)
            } else {
                d.value.text.clone()
            };
            Some(format!("    {}: {v}\n", p.name.value))
        })
        .collect();
    if !params.is_empty() {
        out.push_str("  params:\n");
        out.extend(params);
    }
    for (key, v) in [
        ("for", &t.for_),
        ("keep_firing_for", &t.keep_firing_for),
        ("severity", &t.severity),
    ] {
        if let Some(v) = v {
            out.push_str(&format!("  {key}: {}\n", yaml_scalar(&v.value)));
        }
    }
    for (key, map) in [("labels", &t.labels), ("annotations", &t.annotations)] {
        if !map.is_empty() {
            out.push_str(&format!("  {key}:\n"));
            let map: BTreeMap<_, _> = map.iter().collect();
            for (k, v) in map {
                out.push_str(&format!("    {k}: {}\n", yaml_scalar(&v.value)));
            }
        }
    }
    out
}

/// The span of the rule covering 1-based `line`, among `rules` of one file.
pub fn rule_at_line<'r>(text: &str, rules: &[&'r Rule], line: usize) -> Option<&'r Rule> {
    let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    rules.iter().copied().find(|r| {
        (line_of(line_start(text, r.span.start()))
            ..=line_of(r.span.end().saturating_sub(1).max(r.span.start())))
            .contains(&line)
    })
}

#[doc(hidden)]
pub fn span_text(text: &str, s: Span) -> &str {
    &text[s.start()..s.end()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Diagnostics, SourceText};
    use crate::source::parse::{self, FileKind};

    fn rules(text: &str) -> Vec<Rule> {
        let src = SourceText::new("rules/x.yaml", text);
        let mut d = Diagnostics::default();
        let m = parse::file(FileKind::Rules, &src, &mut d);
        assert!(d.is_empty(), "{d:?}");
        m.rules
    }

    const FILE: &str = "# web team\n- template: A\n  scope: group/web # hot\n  params:\n    threshold: 90\n\n# second\n- {template: B, scope: global}\n- template: C\n  scope: global\n  suspended: true\n";

    #[test]
    fn suspend_block_rule_keeps_comments() {
        let rs = rules(FILE);
        let out = set_suspended(FILE, &rs[0], true).unwrap();
        assert_eq!(
            out,
            FILE.replace(
                "    threshold: 90\n",
                "    threshold: 90\n  suspended: true\n"
            )
        );
        assert!(rules(&out)[0].is_suspended());
    }

    #[test]
    fn suspend_flow_rule() {
        let rs = rules(FILE);
        let out = set_suspended(FILE, &rs[1], true).unwrap();
        assert!(
            out.contains("- {template: B, scope: global, suspended: true}"),
            "{out}"
        );
        assert!(rules(&out)[1].is_suspended());
    }

    #[test]
    fn resume_removes_the_line() {
        let rs = rules(FILE);
        let out = set_suspended(FILE, &rs[2], false).unwrap();
        assert_eq!(out, FILE.replace("  suspended: true\n", ""));
        assert!(rules(&out)[2].suspended.is_none());
        assert_eq!(
            set_suspended(FILE, &rs[0], false).unwrap(),
            FILE,
            "not suspended: no change"
        );
    }

    #[test]
    fn purge_removes_items_only() {
        let rs = rules(FILE);
        let all: Vec<&Rule> = rs.iter().collect();
        let out = remove_rules(FILE, &all, &[&rs[2]]).unwrap().unwrap();
        assert_eq!(
            out,
            FILE.replace("- template: C\n  scope: global\n  suspended: true\n", "")
        );
        let out = remove_rules(FILE, &all, &[&rs[1]]).unwrap().unwrap();
        assert!(
            !out.contains("template: B") && out.contains("# second"),
            "{out}"
        );
        assert_eq!(remove_rules(FILE, &all, &all).unwrap(), None);
    }

    #[test]
    fn rule_lookup_by_line() {
        let rs = rules(FILE);
        let all: Vec<&Rule> = rs.iter().collect();
        assert_eq!(rule_at_line(FILE, &all, 2).unwrap().template.value, "A");
        assert_eq!(rule_at_line(FILE, &all, 5).unwrap().template.value, "A");
        assert_eq!(rule_at_line(FILE, &all, 8).unwrap().template.value, "B");
        assert!(rule_at_line(FILE, &all, 7).is_none());
    }

    fn change(field: RuleField, value: Option<&str>) -> FieldChange {
        FieldChange {
            field,
            value: value.map(str::to_string),
        }
    }

    fn src(text: &str) -> SourceText {
        SourceText::new("rules/x.yaml", text)
    }

    fn threshold() -> RuleField {
        RuleField::Param("threshold".into(), crate::model::ParamType::Number)
    }

    const WEB: &str = "# Web front ends run hot.\n\n- template: HighCPU\n  scope: group/web # hot\n  params: { threshold: 90 }\n  labels: { team: web }\n\n- {template: TargetDown, scope: global}\n- template: HighLoad\n  scope: global\n";

    #[test]
    fn form_edits_touch_only_their_bytes() {
        let s = src(WEB);
        let first = rules(WEB)[0].span.start();
        let out = edit_rule(&s, first, &[change(threshold(), Some("95"))]).unwrap();
        assert_eq!(out, WEB.replace("threshold: 90", "threshold: 95"));
        // A value wrong for its type is written as typed, for validation to point at.
        let bad = edit_rule(&s, first, &[change(threshold(), Some("9o"))]).unwrap();
        assert_eq!(bad, WEB.replace("threshold: 90", "threshold: 9o"));
        let fixed = edit_rule(&src(&bad), first, &[change(threshold(), Some("95"))]).unwrap();
        assert_eq!(fixed, out);
        // Text that YAML would read as structure is quoted.
        let window = RuleField::Param("window".into(), crate::model::ParamType::Duration);
        let odd = edit_rule(&s, first, &[change(window.clone(), Some("5m}, x: {"))]).unwrap();
        assert!(
            odd.contains("{ threshold: 90, window: \"5m}, x: {\" }"),
            "{odd}"
        );
        let added = edit_rule(&s, first, &[change(window, Some("10m"))]).unwrap();
        assert!(
            added.contains("params: { threshold: 90, window: 10m }"),
            "{added}"
        );
        let scoped = edit_rule(
            &s,
            first,
            &[change(RuleField::Scope, Some("target/web-1:9100"))],
        )
        .unwrap();
        assert_eq!(
            scoped,
            WEB.replace("scope: group/web # hot", "scope: target/web-1:9100 # hot")
        );
        let gone = edit_rule(&s, first, &[change(threshold(), None)]).unwrap();
        assert_eq!(gone, WEB.replace("{ threshold: 90 }", "{ }"));
    }

    #[test]
    fn form_adds_and_removes_keys_in_block_and_flow_rules() {
        let s = src(WEB);
        let rs = rules(WEB);
        let out = edit_rule(
            &s,
            rs[2].span.start(),
            &[
                change(RuleField::Priority, Some("5")),
                change(threshold(), Some("3")),
                change(RuleField::Enabled, Some("false")),
            ],
        )
        .unwrap();
        assert!(
            out.ends_with("- template: HighLoad\n  scope: global\n  priority: 5\n  params:\n    threshold: 3\n  enabled: false\n"),
            "{out}"
        );
        let back = edit_rule(
            &src(&out),
            rs[2].span.start(),
            &[
                change(RuleField::Priority, None),
                change(RuleField::Enabled, None),
            ],
        )
        .unwrap();
        assert!(
            back.ends_with("  scope: global\n  params:\n    threshold: 3\n"),
            "{back}"
        );
        let back = edit_rule(
            &src(&back),
            rs[2].span.start(),
            &[change(threshold(), None)],
        )
        .unwrap();
        assert!(back.ends_with("  scope: global\n  params:\n"), "{back}");
        let flow = edit_rule(
            &s,
            rs[1].span.start(),
            &[
                change(RuleField::For, Some("5m")),
                change(threshold(), Some("1")),
            ],
        )
        .unwrap();
        assert!(
            flow.contains(
                "- {template: TargetDown, scope: global, for: 5m, params: {threshold: 1}}"
            ),
            "{flow}"
        );
        let flow = edit_rule(
            &src(&flow),
            rs[1].span.start(),
            &[change(RuleField::For, None)],
        )
        .unwrap();
        assert!(
            flow.contains("- {template: TargetDown, scope: global, params: {threshold: 1}}"),
            "{flow}"
        );
    }

    #[test]
    fn form_refuses_what_it_cannot_edit_in_place() {
        let aliased = "- template: A\n  scope: global\n  params: &p { threshold: 1 }\n- template: A\n  alert: B\n  scope: global\n  params: *p\n";
        let rs = rules(aliased);
        let e = edit_rule(
            &src(aliased),
            rs[1].span.start(),
            &[change(threshold(), Some("2"))],
        );
        assert!(e.is_err(), "{e:?}");
        assert!(edit_rule(&src(aliased), 3, &[change(threshold(), Some("2"))]).is_err());
        assert!(edit_rule(
            &src(WEB),
            rules(WEB)[0].span.start(),
            &[change(RuleField::Scope, None)]
        )
        .is_err());
    }

    #[test]
    fn scalars() {
        assert_eq!(yaml_scalar("10m"), "10m");
        assert_eq!(yaml_scalar("warning"), "warning");
        assert_eq!(
            yaml_scalar("{{ $labels.instance }} down"),
            "\"{{ $labels.instance }} down\""
        );
        assert_eq!(yaml_scalar("true"), "\"true\"");
        assert_eq!(yaml_scalar("80"), "\"80\"");
        assert_eq!(yaml_scalar("a\u{2028}b"), "\"a\\u2028b\"");
    }
}
