//! Prometheus Operator output: each rendered rule file as one `PrometheusRule` object
//! (monitoring.coreos.com/v1), labelled for the operator's `ruleSelector`. The object's
//! `spec` holds the rule file's `groups:` text itself, indented, so the groups a cluster
//! evaluates are byte for byte the ones `render` writes for a plain Prometheus.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::source::settings::Kubernetes;

pub const API_VERSION: &str = "monitoring.coreos.com/v1";
pub const KIND: &str = "PrometheusRule";
/// Marks the objects alertctl owns (the Kubernetes recommended label).
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "alertctl");

#[derive(Serialize)]
struct Metadata<'a> {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    labels: BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct Head<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    kind: &'a str,
    metadata: Metadata<'a>,
}

/// The `PrometheusRule` manifests for rendered rule files (name -> content): the same
/// names with `.yaml`, each keeping the file's generated-by header.
pub fn prometheus_rules(
    files: &BTreeMap<String, String>,
    k8s: &Kubernetes,
) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|(name, content)| {
            let stem = name.strip_suffix(".yml").unwrap_or(name);
            (format!("{stem}.yaml"), manifest(content, k8s))
        })
        .collect()
}

fn manifest(content: &str, k8s: &Kubernetes) -> String {
    let (header, body) = split_header(content);
    let scope = header
        .lines()
        .find_map(|l| l.strip_prefix("# scope: "))
        .unwrap_or("global");
    let mut labels: BTreeMap<&str, &str> = k8s
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    labels.insert(MANAGED_BY.0, MANAGED_BY.1);
    let head = Head {
        api_version: API_VERSION,
        kind: KIND,
        metadata: Metadata {
            name: object_name(&k8s.name_prefix, scope),
            namespace: k8s.namespace.as_deref(),
            labels,
            annotations: k8s
                .annotations
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        },
    };
    let head = serde_yaml::to_string(&head).expect("manifest heads serialize");
    let header = header.replacen(
        "run `alertctl render`",
        "run `alertctl render --format prometheusrule`",
        1,
    );
    format!("{header}{head}spec:\n{}", indent(body))
}

/// The generated-by comment lines, and the YAML after them.
fn split_header(content: &str) -> (&str, &str) {
    let mut end = 0;
    for line in content.split_inclusive('\n') {
        if !line.starts_with('#') {
            break;
        }
        end += line.len();
    }
    content.split_at(end)
}

/// Every non-empty line two spaces deeper: a block scalar keeps its content, and
/// `unindent` gives back the exact text.
pub fn indent(body: &str) -> String {
    body.split_inclusive('\n')
        .map(|l| {
            if l == "\n" {
                l.to_string()
            } else {
                format!("  {l}")
            }
        })
        .collect()
}

/// The inverse of `indent`: the `spec:` block of a manifest as a plain rule file body.
pub fn unindent(block: &str) -> String {
    block
        .split_inclusive('\n')
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .collect()
}

/// A valid object name for a scope: `alertctl-group-web`. It is a DNS-1123 label (at
/// most 63 lowercase letters, digits and `-`), which every kind of object name and label
/// value accepts. Names that had to change get a short hash of the real scope, so two
/// scopes never share an object.
pub fn object_name(prefix: &str, scope: &str) -> String {
    // The kind's `/` is ours to replace; any other character that changes makes a hash.
    let wanted = match scope.split_once('/') {
        Some((kind, name)) => format!("{prefix}{kind}-{name}"),
        None => format!("{prefix}{scope}"),
    };
    let mut name: String = wanted
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' => c,
            _ => '-',
        })
        .collect();
    let trim = |s: &str| {
        s.trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_string()
    };
    name = trim(&name);
    if name != wanted || name.len() > 63 || name.is_empty() {
        let h = blake3::hash(scope.as_bytes()).to_hex();
        name.truncate(54);
        name = format!("{}-{}", trim(&name), &h[..8]);
        name = trim(&name);
    }
    name
}

/// Whether `name` is a valid label or annotation key: an optional DNS subdomain prefix
/// and `/`, then a name of at most 63 characters of `[A-Za-z0-9._-]`, alphanumeric at
/// both ends.
pub fn is_key(name: &str) -> bool {
    let (prefix, name) = match name.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, name),
    };
    prefix.is_none_or(is_dns_subdomain) && is_label_value(name) && !name.is_empty()
}

/// Whether `v` is a valid label value: empty, or at most 63 characters of
/// `[A-Za-z0-9._-]` with alphanumerics at both ends.
pub fn is_label_value(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && v.starts_with(|c: char| c.is_ascii_alphanumeric())
            && v.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// A DNS-1123 subdomain: lowercase alphanumerics, `-` and `.`, at most 253 characters.
pub fn is_dns_subdomain(v: &str) -> bool {
    !v.is_empty() && v.len() <= 253 && v.split('.').all(is_dns_label)
}

/// A DNS-1123 label (a namespace name): at most 63 lowercase alphanumerics or `-`,
/// alphanumeric at both ends.
pub fn is_dns_label(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 63
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && v.starts_with(|c: char| c.is_ascii_alphanumeric())
        && v.ends_with(|c: char| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_are_valid_and_distinct() {
        assert_eq!(object_name("alertctl-", "global"), "alertctl-global");
        assert_eq!(object_name("alertctl-", "group/web"), "alertctl-group-web");
        let hostile = [
            "group/Web",
            "group/web",
            "group/web_1",
            "group/web-1",
            "group/a/b",
            "group/a-b",
            "group/../../etc",
            "namespace/team a/prod",
            "group/x\ny",
            "group/ünï",
            "group/-",
            &format!("group/{}", "long".repeat(40)),
        ];
        let names: Vec<String> = hostile
            .iter()
            .map(|s| object_name("alertctl-", s))
            .collect();
        for n in &names {
            assert!(is_dns_label(n), "{n}");
        }
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert!(is_dns_label(&object_name("", "-")));
        assert!(is_dns_label(&object_name("", "group/.hidden")));
        assert!(is_dns_label(&object_name("alertctl-", "group/../../etc")));
    }

    #[test]
    fn indent_round_trips() {
        let body = "groups:\n- name: a\n  rules:\n  - expr: |-\n      x\n\n      y\n";
        assert_eq!(unindent(&indent(body)), body);
    }

    #[test]
    fn keys_and_values() {
        assert!(is_key("prometheus") && is_key("app.kubernetes.io/part-of"));
        assert!(!is_key("a b") && !is_key("Bad_Prefix/x") && !is_key("x/") && !is_key(""));
        assert!(is_label_value("") && is_label_value("k8s") && !is_label_value("-x"));
        assert!(!is_label_value("a\nb") && !is_label_value(&"x".repeat(64)));
        assert!(is_dns_label("monitoring") && !is_dns_label("Monitoring"));
    }
}
