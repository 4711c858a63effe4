//! Alertmanager 0.25's inhibition (`inhibit/inhibit.go`): which of a set of firing
//! alerts an `inhibit_rules:` list mutes, and by which alert.
//!
//! An alert is muted when some rule's target matchers match it and another firing alert
//! matches that rule's source matchers and has the same value for every `equal` label
//! (an absent label has the value `""`, so two alerts both without it are equal). An
//! alert that matches both sides of a rule is never muted by an alert that also matches
//! both sides of it, so an alert never inhibits itself. `tests/alertmanager_e2e.rs` compares
//! this with a real Alertmanager.

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::route::{legacy_matchers, parse_matchers, scalar_string, seq, untag, Matcher};

/// One entry of `inhibit_rules:`.
#[derive(Debug, Clone, PartialEq)]
pub struct InhibitRule {
    /// `source_match`, `source_match_re` and `source_matchers` together (all must match).
    pub source: Vec<Matcher>,
    pub target: Vec<Matcher>,
    pub equal: Vec<String>,
}

fn all_match(ms: &[Matcher], labels: &BTreeMap<String, String>) -> bool {
    ms.iter().all(|m| m.matches_labels(labels))
}

impl InhibitRule {
    fn equal_on(&self, a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> bool {
        self.equal
            .iter()
            .all(|n| a.get(n).map_or("", String::as_str) == b.get(n).map_or("", String::as_str))
    }
}

/// Reads an `inhibit_rules:` list, as Alertmanager's config loader does for the keys
/// inhibition uses. Errors name the entry (`inhibit_rules[1].source_matchers[0]: ...`).
pub fn parse_rules(v: &Value) -> Result<Vec<InhibitRule>, String> {
    let mut out = Vec::new();
    for (i, item) in seq(untag(v), "inhibit_rules")?.iter().enumerate() {
        let at = format!("inhibit_rules[{i}]");
        let Value::Mapping(m) = untag(item) else {
            return Err(format!("{at}: must be a mapping"));
        };
        let mut rule = InhibitRule {
            source: vec![],
            target: vec![],
            equal: vec![],
        };
        for (k, val) in m {
            let Some(key) = untag(k).as_str() else {
                continue;
            };
            let here = format!("{at}.{key}");
            let side = if key.starts_with("source_") {
                &mut rule.source
            } else {
                &mut rule.target
            };
            match key {
                "source_match" | "target_match" => side.extend(legacy_matchers(val, &here, false)?),
                "source_match_re" | "target_match_re" => {
                    side.extend(legacy_matchers(val, &here, true)?)
                }
                "source_matchers" | "target_matchers" => {
                    for (j, m) in seq(untag(val), &here)?.iter().enumerate() {
                        let s = scalar_string(untag(m))
                            .ok_or_else(|| format!("{here}[{j}]: must be a string"))?;
                        side.extend(parse_matchers(&s).map_err(|e| format!("{here}[{j}]: {e}"))?);
                    }
                }
                "equal" => {
                    for (j, n) in seq(untag(val), &here)?.iter().enumerate() {
                        rule.equal.push(
                            scalar_string(untag(n))
                                .ok_or_else(|| format!("{here}[{j}]: must be a string"))?,
                        );
                    }
                }
                _ => {}
            }
        }
        out.push(rule);
    }
    Ok(out)
}

/// For each alert of `firing`, the index of an alert that inhibits it (`None`: it is
/// not muted). All alerts are taken as firing at the same moment.
pub fn inhibited_by(
    rules: &[InhibitRule],
    firing: &[BTreeMap<String, String>],
) -> Vec<Option<usize>> {
    firing
        .iter()
        .map(|target| {
            rules.iter().find_map(|r| {
                if !all_match(&r.target, target) {
                    return None;
                }
                let two_sided = all_match(&r.source, target);
                firing.iter().position(|source| {
                    all_match(&r.source, source)
                        && r.equal_on(source, target)
                        && !(two_sided && all_match(&r.target, source))
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn rules(yaml: &str) -> Vec<InhibitRule> {
        parse_rules(&serde_yaml::from_str(yaml).unwrap()).unwrap()
    }

    #[test]
    fn critical_mutes_warning_of_the_same_alert_and_target() {
        let r = rules("- {source_matchers: ['severity=\"critical\"'], target_matchers: ['severity=\"warning\"'], equal: [alertname, instance]}");
        let alerts = [
            labels(&[
                ("alertname", "A"),
                ("instance", "x"),
                ("severity", "critical"),
            ]),
            labels(&[
                ("alertname", "A"),
                ("instance", "x"),
                ("severity", "warning"),
            ]),
            labels(&[
                ("alertname", "A"),
                ("instance", "y"),
                ("severity", "warning"),
            ]),
            labels(&[
                ("alertname", "B"),
                ("instance", "x"),
                ("severity", "warning"),
            ]),
        ];
        assert_eq!(inhibited_by(&r, &alerts), vec![None, Some(0), None, None]);
    }

    #[test]
    fn an_alert_matching_both_sides_never_mutes_itself() {
        let r = rules("- {source_match: {team: a}, target_match_re: {team: 'a|b'}, equal: [x]}");
        let alerts = [
            labels(&[("team", "a")]),
            labels(&[("team", "b")]),
            labels(&[("team", "a"), ("x", "1")]),
        ];
        // Both lack `x`: equal. The second `team=a` alert has x=1: not equal to the others.
        assert_eq!(inhibited_by(&r, &alerts), vec![None, Some(0), None]);
    }

    #[test]
    fn bad_rules_are_errors() {
        let bad = serde_yaml::from_str("- {source_matchers: ['a=~\"(\"']}").unwrap();
        assert!(parse_rules(&bad)
            .unwrap_err()
            .starts_with("inhibit_rules[0].source_matchers[0]"));
    }
}
