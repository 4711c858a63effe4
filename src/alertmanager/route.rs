//! Alertmanager 0.25's routing semantics in pure Rust: the `route:` tree of an
//! `alertmanager.yml`, its matchers, which receivers an alert's labels are routed to,
//! and the tree that `amtool config routes show` prints.
//!
//! It follows Alertmanager v0.25 (`dispatch/route.go`, `pkg/labels/{parse,matcher}.go`,
//! `config/config.go`, `cli/routing.go`, `cli/test_routing.go`), and
//! `tests/am_routes.rs` proves it equal to the real `amtool config routes test` and
//! `amtool config routes show` on hand-written and randomly generated configs.
//!
//! Alertmanager's behaviour that this module reproduces, some of it surprising:
//! - A label that the alert does not have has the value `""`: `team!="x"`,
//!   `env!~"a|b"`, `x=""` and `x=~".*"` all match an alert without `team`/`env`/`x`,
//!   and a label given with the empty value is the same as an absent one.
//! - Regexes are Go RE2 fully anchored as `^(?:RE)$`, by string concatenation, so
//!   `group=~"web"` does not match `webserver`, but a pattern that closes the group
//!   itself (`a)|(b`) is anchored only at one end each, just as in Alertmanager.
//! - `match_re` values are compiled once when the config is loaded and the matcher
//!   keeps the *anchored* text: `match_re: {env: "st.*"}` shows as
//!   `{env=~"^(?:st.*)$"}` and is anchored twice (so `a)|(b` there is fully anchored).
//! - Matchers of one route (`match`, then `match_re`, then `matchers`) are sorted by
//!   name, then value, then type; that order only shows in [`tree`].
//! - A route without `receiver` (or with `receiver: ""`) inherits its parent's.
//! - [`receivers`] is `Route.Match`: depth first, left to right; a matching child
//!   stops the walk over its siblings unless it has `continue: true`; a node none of
//!   whose children matched is itself the result. amtool prints the receivers of
//!   the resulting routes joined with `,` in that order, *without* removing
//!   duplicates (`ra,ra` when two `continue` routes share a receiver): so does this.
//! - The root route always matches (Alertmanager refuses a root route with matchers,
//!   see [`validate_root`]).
//!
//! Regexes are Go's RE2 dialect, compiled with [`crate::model::goregex::compile_go_regex`].
//!
//! YAML scalars are read as `yaml.v2` reads them into Go strings where `serde_yaml`
//! allows: numbers and booleans become their text and `~` the empty string; but
//! `serde_yaml` normalises numbers, so an unquoted `1.50` or `0x1F` label value reads
//! as `1.5`/`31` where Alertmanager keeps the source text: quote such values.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use regex::Regex;

use crate::model::goregex::compile_go_regex;
use serde_yaml::Value;

/// The four matcher operators, ordered as Alertmanager's `MatchType` (which the sort
/// of a route's matchers uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchType {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~`
    Regexp,
    /// `!~`
    NotRegexp,
}

impl MatchType {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::Equal => "=",
            MatchType::NotEqual => "!=",
            MatchType::Regexp => "=~",
            MatchType::NotRegexp => "!~",
        }
    }

    fn is_regex(self) -> bool {
        matches!(self, MatchType::Regexp | MatchType::NotRegexp)
    }
}

impl fmt::Display for MatchType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One label matcher, as Alertmanager's `labels.Matcher`.
#[derive(Clone, Debug)]
pub struct Matcher {
    pub name: String,
    pub kind: MatchType,
    /// The value as written (unescaped); for regex matchers the pattern, unanchored.
    pub value: String,
    /// `^(?:value)$`, for regex matchers.
    re: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.kind == other.kind && self.value == other.value
    }
}

impl Eq for Matcher {}

impl Matcher {
    /// `labels.NewMatcher`: a regex matcher compiles `^(?:value)$` (Go RE2 syntax).
    pub fn new(
        kind: MatchType,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Matcher, String> {
        let (name, value) = (name.into(), value.into());
        let re = if kind.is_regex() {
            Some(
                compile_go_regex(&format!("^(?:{value})$"))
                    .map_err(|e| format!("invalid regex in matcher {name}{kind}{value:?}: {e}"))?,
            )
        } else {
            None
        };
        Ok(Matcher {
            name,
            kind,
            value,
            re,
        })
    }

    /// Whether a label value (`""` for an absent label) satisfies this matcher.
    pub fn matches(&self, value: &str) -> bool {
        match self.kind {
            MatchType::Equal => value == self.value,
            MatchType::NotEqual => value != self.value,
            MatchType::Regexp => self.re.as_ref().is_some_and(|re| re.is_match(value)),
            MatchType::NotRegexp => !self.re.as_ref().is_some_and(|re| re.is_match(value)),
        }
    }

    /// Whether the alert with these labels satisfies this matcher.
    pub fn matches_labels(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches(labels.get(&self.name).map(String::as_str).unwrap_or(""))
    }
}

/// `name="value"` with OpenMetrics escaping of the value, as Alertmanager prints it.
impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}\"", self.name, self.kind)?;
        for c in self.value.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '"' => f.write_str("\\\"")?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}

/// Sorts matchers as `labels.Matchers` (name, then value, then type).
pub fn sort_matchers(ms: &mut [Matcher]) {
    ms.sort_by(|a, b| (&a.name, &a.value, a.kind).cmp(&(&b.name, &b.value, b.kind)));
}

/// `{a="b",c=~"d"}`, as `labels.Matchers.String()`.
pub fn matchers_string(ms: &[Matcher]) -> String {
    let parts: Vec<String> = ms.iter().map(Matcher::to_string).collect();
    format!("{{{}}}", parts.join(","))
}

/// `labels.ParseMatchers`: a comma-separated list of matchers, optionally in `{}`.
/// Commas inside double quotes do not separate; a trailing comma is allowed; `""` and
/// `{}` give no matchers.
pub fn parse_matchers(s: &str) -> Result<Vec<Matcher>, String> {
    let s = s.strip_prefix('{').unwrap_or(s);
    let s = s.strip_suffix('}').unwrap_or(s);
    let mut tokens = Vec::new();
    let mut token = String::new();
    let (mut inside_quotes, mut escaped) = (false, false);
    for c in s.chars() {
        match c {
            ',' if !inside_quotes => {
                tokens.push(std::mem::take(&mut token));
                continue;
            }
            ',' => {}
            '"' => {
                if !escaped {
                    inside_quotes = !inside_quotes;
                } else {
                    escaped = false;
                }
            }
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
        token.push(c);
    }
    let last = token.trim_matches(is_go_space);
    if !last.is_empty() {
        tokens.push(last.to_string());
    }
    tokens.iter().map(|t| parse_matcher(t)).collect()
}

/// Go's `strings.TrimSpace` (Unicode white space).
fn is_go_space(c: char) -> bool {
    c.is_whitespace()
}

/// `labels.ParseMatcher`: `name op value`, the value optionally double-quoted, with
/// the escapes `\"`, `\n` and `\\` (any other backslash is literal).
pub fn parse_matcher(s: &str) -> Result<Matcher, String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    // Go's `\s` is [\t\n\f\r ].
    let re = RE.get_or_init(|| {
        Regex::new(r"^[\t\n\x0C\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\x0C\r ]*(=~|=|!=|!~)[\t\n\x0C\r ]*((?s:.*?))[\t\n\x0C\r ]*$").expect("valid regex")
    });
    let caps = re
        .captures(s)
        .ok_or_else(|| format!("bad matcher format: {s}"))?;
    let (name, op, raw) = (&caps[1], &caps[2], &caps[3]);
    let kind = match op {
        "=" => MatchType::Equal,
        "!=" => MatchType::NotEqual,
        "=~" => MatchType::Regexp,
        _ => MatchType::NotRegexp,
    };
    let (body, mut expect_trailing_quote) = match raw.strip_prefix('"') {
        Some(rest) => (rest, true),
        None => (raw, false),
    };
    let unescaped_quote = || format!("matcher value contains unescaped double quote: {raw}");
    let mut value = String::with_capacity(body.len());
    let mut escaped = false;
    let last = body.len().saturating_sub(1);
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
            match c {
                'n' => value.push('\n'),
                '"' | '\\' => value.push(c),
                _ => {
                    value.push('\\');
                    value.push(c);
                }
            }
            continue;
        }
        match c {
            '\\' if i < last => escaped = true,
            '\\' => value.push('\\'),
            '"' => {
                if !expect_trailing_quote || i < last {
                    return Err(unescaped_quote());
                }
                expect_trailing_quote = false;
            }
            c => value.push(c),
        }
    }
    if expect_trailing_quote {
        return Err(unescaped_quote());
    }
    Matcher::new(kind, name, value)
}

/// One node of an Alertmanager routing tree (a `route:` or an entry of its `routes:`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Route {
    /// `receiver`; `None` (also for `receiver: ""`) inherits the parent's.
    pub receiver: Option<String>,
    /// `match`, `match_re` and `matchers` together, sorted as Alertmanager does.
    pub matchers: Vec<Matcher>,
    /// `continue`
    pub continue_: bool,
    /// `routes`
    pub routes: Vec<Route>,
    /// `group_by` as written (`None` when absent; `["..."]` groups by all labels).
    pub group_by: Option<Vec<String>>,
    /// `group_wait`, `group_interval`, `repeat_interval` as written.
    pub group_wait: Option<String>,
    pub group_interval: Option<String>,
    pub repeat_interval: Option<String>,
    /// `mute_time_intervals`, `active_time_intervals`
    pub mute_time_intervals: Vec<String>,
    pub active_time_intervals: Vec<String>,
}

impl Route {
    /// Whether this route's own matchers accept the labels (all must match).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matchers.iter().all(|m| m.matches_labels(labels))
    }
}

/// Reads an Alertmanager `route:` node (and its `routes:`, recursively). Keys that
/// routing does not need are ignored; what Alertmanager would reject in the keys it
/// reads (a bad matcher or regex, an invalid `match`/`match_re` label name, a bad
/// `group_by`) is an error naming where it is (`route.routes[2].matchers[0]: ...`).
pub fn parse_route(v: &Value) -> Result<Route, String> {
    parse_route_at(v, "route")
}

fn parse_route_at(v: &Value, at: &str) -> Result<Route, String> {
    let m = match untag(v) {
        Value::Mapping(m) => m,
        _ => return Err(format!("{at}: a route must be a mapping")),
    };
    let mut route = Route::default();
    let mut matchers = Vec::new();
    let mut match_re = Vec::new();
    let mut new_style = Vec::new();
    for (k, val) in m {
        let Some(key) = untag(k).as_str() else {
            continue;
        };
        let val = untag(val);
        let here = format!("{at}.{key}");
        match key {
            "receiver" => {
                let r = scalar_string(val).ok_or_else(|| format!("{here}: must be a string"))?;
                route.receiver = (!r.is_empty()).then_some(r);
            }
            "continue" => {
                route.continue_ =
                    yaml_bool(val).ok_or_else(|| format!("{here}: must be true or false"))?
            }
            "routes" => {
                for (i, child) in seq(val, &here)?.iter().enumerate() {
                    route
                        .routes
                        .push(parse_route_at(child, &format!("{here}[{i}]"))?);
                }
            }
            "matchers" => {
                for (i, item) in seq(val, &here)?.iter().enumerate() {
                    let s = scalar_string(untag(item))
                        .ok_or_else(|| format!("{here}[{i}]: must be a string"))?;
                    new_style.extend(parse_matchers(&s).map_err(|e| format!("{here}[{i}]: {e}"))?);
                }
            }
            "match" | "match_re" => {
                let parsed = legacy_matchers(val, &here, key == "match_re")?;
                if key == "match" {
                    matchers.extend(parsed);
                } else {
                    match_re.extend(parsed);
                }
            }
            "group_by" => {
                let items = seq(val, &here)?;
                let mut labels = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    labels.push(
                        scalar_string(untag(item))
                            .ok_or_else(|| format!("{here}[{i}]: must be a string"))?,
                    );
                }
                check_group_by(&labels).map_err(|e| format!("{here}: {e}"))?;
                route.group_by = (!val.is_null()).then_some(labels);
            }
            "group_wait" => route.group_wait = scalar_string(val),
            "group_interval" => route.group_interval = scalar_string(val),
            "repeat_interval" => route.repeat_interval = scalar_string(val),
            "mute_time_intervals" | "active_time_intervals" => {
                let names = seq(val, &here)?
                    .iter()
                    .filter_map(|n| scalar_string(untag(n)))
                    .collect();
                if key == "mute_time_intervals" {
                    route.mute_time_intervals = names;
                } else {
                    route.active_time_intervals = names;
                }
            }
            _ => {}
        }
    }
    matchers.append(&mut match_re);
    matchers.append(&mut new_style);
    sort_matchers(&mut matchers);
    route.matchers = matchers;
    Ok(route)
}

/// A `match:` (`regex` false) or `match_re:` mapping of label names to values, as
/// Alertmanager's config reads it for routes and inhibition rules.
pub(crate) fn legacy_matchers(
    val: &Value,
    here: &str,
    regex: bool,
) -> Result<Vec<Matcher>, String> {
    let map = match untag(val) {
        Value::Null => return Ok(vec![]),
        Value::Mapping(map) => map,
        _ => {
            return Err(format!(
                "{here}: must be a mapping of label names to values"
            ))
        }
    };
    let mut out = Vec::new();
    for (ln, lv) in map {
        let ln = scalar_string(untag(ln)).unwrap_or_default();
        if !is_label_name(&ln) {
            return Err(format!("{here}: invalid label name {ln:?}"));
        }
        if !regex {
            let lv =
                scalar_string(untag(lv)).ok_or_else(|| format!("{here}.{ln}: must be a string"))?;
            out.push(Matcher::new(MatchType::Equal, ln, lv)?);
        } else {
            let lv = match untag(lv) {
                Value::Null => None,
                lv => scalar_string(lv),
            };
            let lv = lv.ok_or_else(|| format!("{here}: invalid regexp value for {ln:?}"))?;
            // config.Regexp compiles the anchored form and its String() is that
            // anchored text, which the matcher built from it then re-anchors.
            let anchored = format!("^(?:{lv})$");
            compile_go_regex(&anchored)
                .map_err(|e| format!("{here}.{ln}: invalid regex {lv:?}: {e}"))?;
            out.push(Matcher::new(MatchType::Regexp, ln, anchored)?);
        }
    }
    Ok(out)
}

/// What Alertmanager checks of the root route beyond [`parse_route`]: it has a
/// receiver, and no matchers, `continue`, or time intervals.
pub fn validate_root(root: &Route) -> Result<(), String> {
    if root.receiver.is_none() {
        return Err("root route must specify a default receiver".into());
    }
    if !root.matchers.is_empty() {
        return Err("root route must not have any matchers".into());
    }
    if root.continue_ {
        return Err("cannot have continue in root route".into());
    }
    if !root.mute_time_intervals.is_empty() {
        return Err("root route must not have any mute time intervals".into());
    }
    if !root.active_time_intervals.is_empty() {
        return Err("root route must not have any active time intervals".into());
    }
    Ok(())
}

fn check_group_by(labels: &[String]) -> Result<(), String> {
    let all = labels.iter().any(|l| l == "...");
    let mut seen = std::collections::BTreeSet::new();
    for l in labels.iter().filter(|l| *l != "...") {
        if !is_label_name(l) {
            return Err(format!("invalid label name {l:?} in group_by list"));
        }
        if all {
            return Err(
                "cannot have wildcard group_by (`...`) and other other labels at the same time"
                    .into(),
            );
        }
        if !seen.insert(l) {
            return Err(format!("duplicated label {l:?} in group_by"));
        }
    }
    Ok(())
}

/// Prometheus' label name syntax, `[a-zA-Z_][a-zA-Z0-9_]*`.
fn is_label_name(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(crate) fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        v => v,
    }
}

pub(crate) fn seq<'a>(v: &'a Value, at: &str) -> Result<&'a [Value], String> {
    match v {
        Value::Null => Ok(&[]),
        Value::Sequence(s) => Ok(s),
        _ => Err(format!("{at}: must be a list")),
    }
}

/// A YAML scalar as yaml.v2 stores it in a Go string (`~` is the empty string).
pub(crate) fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// A YAML 1.1 boolean as yaml.v2 reads it (`yes`, `on`, ... too); `~` is false.
fn yaml_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Null => Some(false),
        Value::String(s) => match s.as_str() {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
                Some(true)
            }
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False"
            | "FALSE" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The receivers an alert with these labels is routed to, in order, as
/// `amtool config routes test` prints them (joined with `,`): Alertmanager's
/// `Route.Match` from the root, each resulting route's (inherited) receiver.
/// Duplicates are kept, as amtool keeps them.
pub fn receivers(root: &Route, labels: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    collect(
        root,
        root.receiver.as_deref().unwrap_or(""),
        labels,
        &mut out,
    );
    out
}

fn collect(
    route: &Route,
    receiver: &str,
    labels: &BTreeMap<String, String>,
    out: &mut Vec<String>,
) {
    let before = out.len();
    for child in &route.routes {
        if !child.matches(labels) {
            continue;
        }
        collect(
            child,
            child.receiver.as_deref().unwrap_or(receiver),
            labels,
            out,
        );
        if !child.continue_ {
            break;
        }
    }
    if out.len() == before {
        out.push(receiver.to_string());
    }
}

/// The routing tree exactly as `amtool config routes show` (v0.25) prints it on
/// stdout, trailing blank line included:
///
/// ```text
/// Routing tree:
/// .
/// └── default-route  receiver: default
///     ├── {severity="critical",team="web"}  continue: true  receiver: pager
///     └── {team="web"}  receiver: web
///
/// ```
///
/// Each route shows its sorted matchers (`default-route` without), `continue: true`,
/// and its effective (inherited) receiver; `group_by` is not shown (amtool 0.25 does
/// not). The vertical rules are `│` followed by two U+00A0 no-break spaces and a space,
/// exactly as treeprint writes them.
pub fn tree(root: &Route) -> String {
    let mut out = String::from("Routing tree:\n.\n");
    let mut ended = Vec::new();
    tree_node(
        root,
        root.receiver.as_deref().unwrap_or(""),
        true,
        &mut ended,
        &mut out,
    );
    out.push('\n');
    out
}

/// treeprint's layout (v1.1, as amtool 0.25 links it): `│` and two no-break spaces
/// and a space under a level that goes on, four spaces under one that ended, `├── `
/// before a node with later siblings and `└── ` before the last.
fn tree_node(route: &Route, receiver: &str, last: bool, ended: &mut Vec<bool>, out: &mut String) {
    for &done in ended.iter() {
        out.push_str(if done { "    " } else { "│\u{a0}\u{a0} " });
    }
    out.push_str(if last { "└── " } else { "├── " });
    if route.matchers.is_empty() {
        out.push_str("default-route");
    } else {
        out.push_str(&matchers_string(&route.matchers));
    }
    if route.continue_ {
        out.push_str("  continue: true");
    }
    out.push_str("  receiver: ");
    out.push_str(receiver);
    out.push('\n');
    ended.push(last);
    let n = route.routes.len();
    for (i, child) in route.routes.iter().enumerate() {
        tree_node(
            child,
            child.receiver.as_deref().unwrap_or(receiver),
            i + 1 == n,
            ended,
            out,
        );
    }
    ended.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Matcher {
        let ms = parse_matchers(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(ms.len(), 1, "{s}");
        ms.into_iter().next().expect("one")
    }

    fn triple(m: &Matcher) -> (&str, MatchType, &str) {
        (m.name.as_str(), m.kind, m.value.as_str())
    }

    #[test]
    fn matcher_operators_and_quoting() {
        assert_eq!(
            triple(&one(r#"group="web""#)),
            ("group", MatchType::Equal, "web")
        );
        assert_eq!(
            triple(&one(r#"severity=~"crit.*""#)),
            ("severity", MatchType::Regexp, "crit.*")
        );
        assert_eq!(
            triple(&one(r#"team!="x""#)),
            ("team", MatchType::NotEqual, "x")
        );
        assert_eq!(
            triple(&one(r#"env!~"a|b""#)),
            ("env", MatchType::NotRegexp, "a|b")
        );
        assert_eq!(triple(&one("foo=bar")), ("foo", MatchType::Equal, "bar"));
        assert_eq!(
            triple(&one("  foo  =  bar baz  ")),
            ("foo", MatchType::Equal, "bar baz")
        );
        assert_eq!(triple(&one("a:b_c=1")), ("a:b_c", MatchType::Equal, "1"));
        assert_eq!(triple(&one("a==b")), ("a", MatchType::Equal, "=b"));
        assert_eq!(triple(&one("a=~=b")), ("a", MatchType::Regexp, "=b"));
        assert_eq!(triple(&one("a=")), ("a", MatchType::Equal, ""));
        assert_eq!(triple(&one(r#"a="""#)), ("a", MatchType::Equal, ""));
    }

    #[test]
    fn matcher_escapes() {
        assert_eq!(one(r#"a="x\"y""#).value, "x\"y");
        assert_eq!(one(r#"a="x\\y""#).value, "x\\y");
        assert_eq!(one(r#"a="x\ny""#).value, "x\ny");
        // A backslash before anything else, or at the very end, is literal.
        assert_eq!(one(r#"a="x\qy""#).value, "x\\qy");
        assert_eq!(one(r"a=x\").value, "x\\");
        assert_eq!(one(r#"a="x\\""#).value, "x\\");
        assert_eq!(one(r"a=\\x\\n\\\\").value, r"\x\n\\");
        assert_eq!(one("a=\"é ü\"").value, "é ü");
        for bad in [
            r#"a="b"c"#,
            r#"a=b"c"#,
            r#"a="b"#,
            r#"a=\\"b"#,
            r#"a="b\\"c""#,
            r#"a="b\""#,
            r#"a=""""#,
        ] {
            assert!(
                parse_matcher(bad)
                    .unwrap_err()
                    .contains("unescaped double quote"),
                "{bad}"
            );
        }
    }

    #[test]
    fn matcher_lists_braces_and_commas() {
        let ms = parse_matchers(r#"{foo = "bar", dings != "bums", }"#).expect("valid");
        assert_eq!(
            ms.iter().map(triple).collect::<Vec<_>>(),
            [
                ("foo", MatchType::Equal, "bar"),
                ("dings", MatchType::NotEqual, "bums")
            ]
        );
        let ms = parse_matchers(r#"a="b,c",d=e"#).expect("valid");
        assert_eq!(
            ms.iter().map(triple).collect::<Vec<_>>(),
            [("a", MatchType::Equal, "b,c"), ("d", MatchType::Equal, "e")]
        );
        let ms = parse_matchers(r#"{quote="She said: \"Hi, ladies!\""}"#).expect("valid");
        assert_eq!(ms[0].value, "She said: \"Hi, ladies!\"");
        assert_eq!(parse_matchers("a=b}").expect("valid")[0].value, "b");
        assert!(parse_matchers("{}").expect("valid").is_empty());
        assert!(parse_matchers("").expect("valid").is_empty());
        assert!(parse_matchers("  ").expect("valid").is_empty());
        for bad in [
            "a=b,,c=d",
            "{{a=b}}",
            "1a=b",
            "a",
            "=b",
            "a~b",
            "a b=c",
            ",a=b",
            r#"a=~"(""#,
        ] {
            assert!(parse_matchers(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn matcher_display_escapes_like_openmetrics() {
        let m = Matcher::new(MatchType::NotEqual, "z", "a\"b\\c\nd").expect("valid");
        assert_eq!(m.to_string(), r#"z!="a\"b\\c\nd""#);
        let mut ms = parse_matchers(r#"team="a", sev=~"crit.*", team!="a", a="z""#).expect("valid");
        sort_matchers(&mut ms);
        assert_eq!(
            matchers_string(&ms),
            r#"{a="z",sev=~"crit.*",team="a",team!="a"}"#
        );
    }

    #[test]
    fn regex_matchers_are_fully_anchored() {
        let m = one(r#"group=~"web""#);
        assert!(m.matches("web"));
        assert!(!m.matches("webserver"));
        assert!(!m.matches("myweb"));
        let m = one(r#"g=~"web|api""#);
        assert!(m.matches("api") && m.matches("web") && !m.matches("webapi"));
        // Closing the group in the pattern escapes the anchoring, as in Alertmanager.
        let m = one(r#"e=~"a)|(b""#);
        assert!(m.matches("azzz") && m.matches("zzb") && !m.matches("zaz"));
        let m = one(r#"x!~".+""#);
        assert!(m.matches("") && !m.matches("y"));
    }

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).expect("valid YAML")
    }

    fn labels(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parse_route_reads_all_matcher_forms() {
        let r = parse_route(&yaml(
            r#"
receiver: root
group_by: [alertname]
routes:
  - matchers: ['team="a"', 'sev=~"crit.*"']
    match: {env: prod, z: ~, n: 1}
    match_re: {env: "st.*"}
    receiver: ra
    continue: yes
  - {}
"#,
        ))
        .expect("valid");
        assert_eq!(r.receiver.as_deref(), Some("root"));
        assert_eq!(r.group_by, Some(vec!["alertname".to_string()]));
        let c = &r.routes[0];
        assert!(c.continue_);
        assert_eq!(
            matchers_string(&c.matchers),
            r#"{env=~"^(?:st.*)$",env="prod",n="1",sev=~"crit.*",team="a",z=""}"#
        );
        assert_eq!(r.routes[1], Route::default());
        for (bad, msg) in [
            (
                "matchers: ['a=b,,c']",
                "route.matchers[0]: bad matcher format",
            ),
            ("match: {1a: x}", "invalid label name"),
            ("match_re: {a: ~}", "invalid regexp value"),
            ("match_re: {a: '('}", "route.match_re.a: invalid regex"),
            (
                "routes: [{matchers: ['a=~\"[\"']}]",
                "route.routes[0].matchers[0]",
            ),
            ("group_by: [a, '...']", "wildcard"),
            ("group_by: [a, a]", "duplicated"),
            ("continue: maybe", "route.continue"),
            ("[]", "mapping"),
        ] {
            let e = parse_route(&yaml(bad)).unwrap_err();
            assert!(e.contains(msg), "{bad}: {e}");
        }
    }

    #[test]
    fn routing_semantics() {
        let r = parse_route(&yaml(
            r#"
receiver: root
routes:
  - matchers: ['team="a"']
    receiver: ra
    continue: true
    routes:
      - matchers: ['sev="crit"']
        receiver: pager
      - matchers: ['sev=~"crit|warn"']
  - matchers: ['team=~"a|b"']
    receiver: rb
  - matchers: ['team!="c"']
"#,
        ))
        .expect("valid");
        let got = |kv: &[(&str, &str)]| receivers(&r, &labels(kv)).join(",");
        assert_eq!(got(&[("team", "a"), ("sev", "crit")]), "pager,rb");
        assert_eq!(got(&[("team", "a"), ("sev", "warn")]), "ra,rb");
        assert_eq!(got(&[("team", "a")]), "ra,rb");
        assert_eq!(got(&[("team", "b")]), "rb");
        assert_eq!(got(&[("team", "c")]), "root");
        assert_eq!(got(&[]), "root");
        assert_eq!(got(&[("team", "")]), "root");
        assert_eq!(got(&[("team", "d")]), "root");
        validate_root(&r).expect("valid root");
        assert!(validate_root(&r.routes[0]).is_err());
        assert_eq!(
            tree(&r),
            "Routing tree:\n.\n└── default-route  receiver: root\n    ├── {team=\"a\"}  continue: true  receiver: ra\n    │\u{a0}\u{a0} ├── {sev=\"crit\"}  receiver: pager\n    │\u{a0}\u{a0} └── {sev=~\"crit|warn\"}  receiver: ra\n    ├── {team=~\"a|b\"}  receiver: rb\n    └── {team!=\"c\"}  receiver: root\n\n"
        );
    }

    #[test]
    fn duplicates_are_kept() {
        let r = parse_route(&yaml(
            "receiver: r\nroutes: [{receiver: x, continue: true}, {receiver: x}]",
        ))
        .expect("valid");
        assert_eq!(receivers(&r, &BTreeMap::new()), ["x", "x"]);
    }
}
