//! Shards: which of the rendered files each shard's servers load.
//!
//! The rendered files partition the series space (SPEC §3): every series matches
//! exactly one cell of an alert. A shard gets the files whose scope can hold series
//! of its part (the namespaces and groups it takes), and `global.yml`. Since that is a
//! subset of the cells, every series matches at most one rule of an alert on a shard's
//! servers, and a series of the shard's part matches exactly the cell `effective`
//! reports for it. The global cell keeps its exclusions of every scope with rules of its
//! own, whichever shard holds that scope: a shard's catch-all never fires for a series
//! another shard's scoped cell owns.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{did_you_mean, Code, Diagnostic, Diagnostics};
use crate::model::resolve::{Inventory, Model};
use crate::model::Scope;
use crate::render::file_name;
use crate::source::settings::{Settings, Shard, FILE_NAME};

/// The namespaces and groups of the inventory a shard takes (a listed namespace brings
/// its groups), and the namespaces of the groups it takes.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Part {
    /// Namespaces whose every group is in the part.
    pub namespaces: BTreeSet<String>,
    /// Every group in the part.
    pub groups: BTreeSet<String>,
    /// Namespaces some of whose groups are in the part: their namespace cells can hold
    /// the part's series.
    pub touched: BTreeSet<String>,
}

impl Part {
    pub fn of(shard: &Shard, model: &Model) -> Part {
        let inv = &model.inventory;
        let mut p = Part::default();
        if let Some(Ok(matchers)) = shard.selector.as_deref().map(selector) {
            let labels = &model.settings.labels;
            let on_groups = matchers.iter().any(|m| m.name == labels.group);
            let matches = |ns: &str, g: Option<&str>| {
                matchers.iter().all(|m| {
                    if m.name == labels.namespace {
                        m.is_match(ns)
                    } else if m.name == labels.group {
                        g.is_some_and(|g| m.is_match(g))
                    } else {
                        false
                    }
                })
            };
            if on_groups {
                for (g, info) in &inv.groups {
                    if matches(&info.namespace, Some(g)) {
                        p.groups.insert(g.clone());
                        p.touched.insert(info.namespace.clone());
                    }
                }
            } else {
                for (n, groups) in &inv.namespaces {
                    if matches(n, None) {
                        p.namespaces.insert(n.clone());
                        p.touched.insert(n.clone());
                        p.groups.extend(groups.iter().cloned());
                    }
                }
            }
        }
        for n in &shard.namespaces {
            p.namespaces.insert(n.clone());
            p.touched.insert(n.clone());
            for g in inv.namespaces.get(n).into_iter().flatten() {
                p.groups.insert(g.clone());
            }
        }
        for g in &shard.groups {
            p.groups.insert(g.clone());
            if let Some(info) = inv.groups.get(g) {
                p.touched.insert(info.namespace.clone());
            }
        }
        p
    }

    /// Whether the file of `scope` (a file scope: global, namespace or group) goes to
    /// this shard.
    pub fn holds(&self, scope: &Scope) -> bool {
        match scope {
            Scope::Global => true,
            Scope::Namespace(n) => self.touched.contains(n),
            Scope::Group(g) => self.groups.contains(g),
            Scope::Target(_) => false,
        }
    }
}

/// A shard's `selector`: the matchers of a PromQL vector selector without a metric
/// name.
pub fn selector(text: &str) -> Result<Vec<promql_parser::label::Matcher>, String> {
    use promql_parser::parser::Expr;
    const NAME: &str = "alertctl_shard";
    let not_labels =
        || "it is not a selector of labels (write it like `{namespace=~\"eu-.*\"}`, without `or`)";
    // A metric name in front lets a selector of negative matchers alone parse.
    if !text.trim_start().starts_with('{') {
        return Err(not_labels().into());
    }
    match crate::model::promql::parse(&format!("{NAME}{}", text.trim_start()))? {
        Expr::VectorSelector(vs)
            if vs.name.as_deref() == Some(NAME)
                && vs.offset.is_none()
                && vs.at.is_none()
                && vs.matchers.or_matchers.is_empty() =>
        {
            Ok(vs
                .matchers
                .matchers
                .into_iter()
                .filter(|m| m.name != "__name__")
                .collect())
        }
        _ => Err(not_labels().into()),
    }
}

/// The file name of every file scope of the inventory (global, namespaces, groups).
fn file_scopes(inv: &Inventory) -> BTreeMap<String, Scope> {
    let mut out = BTreeMap::from([(file_name(&Scope::Global), Scope::Global)]);
    for n in inv.namespaces.keys() {
        out.insert(
            file_name(&Scope::Namespace(n.clone())),
            Scope::Namespace(n.clone()),
        );
    }
    for g in inv.groups.keys() {
        out.insert(file_name(&Scope::Group(g.clone())), Scope::Group(g.clone()));
    }
    out
}

/// The rendered files of `files` that `shard`'s servers load.
pub fn files_of(
    model: &Model,
    shard: &Shard,
    files: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let part = Part::of(shard, model);
    let scopes = file_scopes(&model.inventory);
    files
        .iter()
        .filter(|(name, _)| scopes.get(*name).is_some_and(|s| part.holds(s)))
        .map(|(n, c)| (n.clone(), c.clone()))
        .collect()
}

/// The shards a command works on: `None` without `[[shard]]` tables, else every shard
/// or the one `only` names. `out`: an output directory was given (`--out`), which
/// shards do not take. The error says what is wrong, for the user.
pub fn select<'s>(
    settings: &'s Settings,
    only: Option<&str>,
    out: bool,
) -> Result<Option<Vec<&'s Shard>>, String> {
    if settings.shards.is_empty() {
        return match only {
            None => Ok(None),
            Some(n) => Err(format!(
                "no shard `{}`: alertctl.toml has no [[shard]] tables",
                n.escape_debug()
            )),
        };
    }
    if out {
        return Err("--out does not fit [[shard]] tables: each shard has its own output directory (its `output`)".into());
    }
    let picked: Vec<&Shard> = settings
        .shards
        .iter()
        .filter(|sh| only.is_none_or(|n| sh.name == n))
        .collect();
    if picked.is_empty() {
        let names: Vec<&str> = settings.shards.iter().map(|sh| sh.name.as_str()).collect();
        return Err(format!(
            "no shard `{}` (shards: {})",
            only.unwrap_or_default().escape_debug(),
            names.join(", ")
        ));
    }
    Ok(Some(picked))
}

/// What the shards take, against the inventory: names that are not there, parts that
/// overlap, and rendered files no shard loads (their alerts would run nowhere).
pub fn check<V>(model: &Model, files: &BTreeMap<String, V>, diags: &mut Diagnostics) {
    let shards = &model.settings.shards;
    if shards.is_empty() {
        return;
    }
    let Some(source) = model.sources.get(FILE_NAME) else {
        return;
    };
    let inv = &model.inventory;
    let at = |key: &str, value: &str| crate::source::settings::located(source.text(), key, value);
    let mut owner: BTreeMap<String, &str> = BTreeMap::new();
    for shard in shards {
        let listed: [(&str, &Vec<String>, Vec<&str>); 2] = [
            (
                "namespace",
                &shard.namespaces,
                inv.namespaces.keys().map(String::as_str).collect(),
            ),
            (
                "group",
                &shard.groups,
                inv.groups.keys().map(String::as_str).collect(),
            ),
        ];
        for (kind, names, known) in listed {
            // BTreeMap keys: sorted.
            for n in names
                .iter()
                .filter(|n| known.binary_search(&n.as_str()).is_err())
            {
                let hint = did_you_mean(n, known.iter().copied()).map_or_else(
                    || format!("shards take {kind}s of the inventory"),
                    |s| format!("did you mean `{s}`?"),
                );
                diags.push(
                    Diagnostic::error(
                        Code::Settings,
                        format!(
                            "shard `{}`: no {kind} `{}` in the inventory",
                            shard.name,
                            n.escape_debug()
                        ),
                    )
                    .at(source, at(&format!("{kind}s"), n), "here")
                    .hint(hint),
                );
            }
        }
        let part = Part::of(shard, model);
        if let Some(sel) = &shard.selector {
            let labels = &model.settings.labels;
            let problem = match selector(sel) {
                Err(e) => Some(format!("does not parse: {e}")),
                Ok(ms) => ms
                    .iter()
                    .find(|m| m.name != labels.namespace && m.name != labels.group)
                    .map(|m| {
                        format!(
                            "matches on `{}`: a shard's selector matches the scope labels `{}` and `{}` only",
                            m.name, labels.namespace, labels.group
                        )
                    })
                    .or_else(|| {
                        (part.groups.is_empty() && part.namespaces.is_empty())
                            .then(|| "selects nothing in the inventory".to_string())
                    }),
            };
            if let Some(problem) = problem {
                diags.push(
                    Diagnostic::error(
                        Code::Settings,
                        format!("shard `{}`: selector {problem}", shard.name),
                    )
                    .at(source, at("selector", sel), "here")
                    .hint(format!(
                        "e.g. selector = '{{{}=~\"eu-.*\"}}': matched against the inventory's names, anchored, RE2 syntax",
                        labels.namespace
                    )),
                );
            }
        }
        for g in part.groups {
            if let Some(other) = owner.insert(g.clone(), &shard.name) {
                if other != shard.name {
                    diags.push(
                        Diagnostic::error(
                            Code::Settings,
                            format!("group `{g}` is in shards `{other}` and `{}`", shard.name),
                        )
                        .at(source, at("name", &shard.name), "here")
                        .hint("each group's series belong to one shard: take it in one (a namespace brings all its groups)"),
                    );
                }
            }
        }
    }
    let scopes = file_scopes(inv);
    let parts: Vec<Part> = shards.iter().map(|s| Part::of(s, model)).collect();
    for name in files.keys() {
        let Some(scope) = scopes.get(name) else {
            continue;
        };
        if !parts.iter().any(|p| p.holds(scope)) {
            diags.push(
                Diagnostic::error(
                    Code::Settings,
                    format!("{scope} has rules ({name}) but no shard takes it: its alerts would run nowhere"),
                )
                .at(source, at("[[shard]]", "[[shard]]"), "shards are defined here")
                .hint(format!("add `{}` to a shard's {}", scope.name().unwrap_or_default(), if matches!(scope, Scope::Namespace(_)) { "`namespaces` (or one of its groups to `groups`)" } else { "`groups` (or its namespace to `namespaces`)" })),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::selector;

    #[test]
    fn selectors_are_label_matchers_only() {
        let ms = selector(r#"{namespace!~"e.*", group!="cdn"}"#).unwrap();
        assert_eq!(ms.len(), 2);
        assert!(ms[0].is_match("prod") && !ms[0].is_match("edge"));
        assert!(
            ms[0].is_match("xedge"),
            "anchored: xedge does not start with e"
        );
        let anchored = selector(r#"{namespace=~"dge"}"#).unwrap();
        assert!(!anchored[0].is_match("edge"), "anchored as in Prometheus");
        for bad in [
            r#"up{namespace="a"}"#,
            r#"{namespace="a"}[5m]"#,
            r#"{namespace="a"} offset 5m"#,
            r#"{namespace="a" or group="b"}"#,
            r#"{namespace="a"} + {namespace="b"}"#,
            "{namespace=~\"(\"}",
            "",
            "{",
        ] {
            assert!(selector(bad).is_err(), "{bad}");
        }
    }
}
