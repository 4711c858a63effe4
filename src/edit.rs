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
    text[rule.span.start..].starts_with('{') || text[..rule.span.start].trim_end().ends_with('{')
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
            let (ls, le) = (line_start(text, span.start), line_end(text, span.end));
            let prefix = format!("{key}:");
            let own_line = text[ls..le].trim_start().starts_with(&prefix)
                && text[..span.start].trim_end().ends_with(&prefix);
            if value == default && own_line && rule.span.start < ls {
                out.replace_range(ls..le, "");
            } else {
                out.replace_range(span.start..span.end, if value { "true" } else { "false" });
            }
        }
        None if value == default => {}
        None if is_flow(text, rule) => {
            out.insert_str(rule.span.end, &format!(", {key}: {value}"));
        }
        None => {
            let indent = " ".repeat(indent_of(text, rule.span.start));
            let at = line_end(text, rule.span.end);
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
        let ls = line_start(text, r.span.start);
        let prefix = &text[ls..r.span.start];
        if !prefix.trim_start().starts_with('-') {
            return Err(EditError(format!(
                "the rule at byte {} is not a `- ` list item; remove it by hand",
                r.span.start
            )));
        }
        ranges.push((ls, line_end(text, r.span.end)));
    }
    ranges.sort();
    let mut out = text.to_string();
    for (s, e) in ranges.into_iter().rev() {
        out.replace_range(s..e, "");
    }
    Ok(Some(out))
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
        crate::text::double_quoted(s)
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
        crate::text::escape_unsafe(&t.name.value)
    ));
    let params: Vec<String> = t
        .params
        .iter()
        .filter_map(|p| {
            let d = p.default.as_ref()?;
            let v = if d.value.quoted {
                crate::text::double_quoted(&d.value.text)
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
        (line_of(line_start(text, r.span.start))
            ..=line_of(r.span.end.saturating_sub(1).max(r.span.start)))
            .contains(&line)
    })
}

#[doc(hidden)]
pub fn span_text(text: &str, s: Span) -> &str {
    &text[s.start..s.end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Diagnostics, SourceText};
    use crate::parse::{self, FileKind};
    use std::sync::Arc;

    fn rules(text: &str) -> Vec<Rule> {
        let src = SourceText {
            path: Arc::from("rules/x.yaml"),
            text: Arc::from(text),
        };
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
