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
//! Go's regexp syntax differs from the `regex` crate's in places, so patterns are
//! translated before compiling (see [`compile_go_regex`]): `\d \s \w \b` are ASCII in
//! Go (Unicode in Rust), `\<`/`\>` are literal `<`/`>` in Go (word boundaries in Rust),
//! `[`, `&&`, `--`, `~~` inside a class are literal in Go (nested classes and set
//! operations in Rust), `{` that does not start a valid repetition (`a{,3}`, `a{01}`)
//! is a literal in Go, Go has octal escapes (`\012`) and `\Q...\E`, allows repeated
//! flags (`(?ii)`) and the empty flag group `(?)`, and rejects nested repetition
//! (`a**`), repetition counts above 1000, `(?x)` and other flags besides `imsU`.
//! Remaining known differences are only in exotic corners: the Unicode version of
//! `\p{..}` tables, and Rust accepting some `\p{..}` names Go does not know.
//!
//! YAML scalars are read as `yaml.v2` reads them into Go strings where `serde_yaml`
//! allows: numbers and booleans become their text and `~` the empty string; but
//! `serde_yaml` normalises numbers, so an unquoted `1.50` or `0x1F` label value reads
//! as `1.5`/`31` where Alertmanager keeps the source text: quote such values.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use regex::Regex;
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

/// Compiles a Go (RE2) regular expression, as Alertmanager's `regexp.Compile` reads
/// it, into a `regex::Regex` that matches the same strings. Go syntax that the `regex`
/// crate reads differently is rewritten (see the module docs); Go syntax errors that
/// the `regex` crate would accept are reported.
pub fn compile_go_regex(pattern: &str) -> Result<Regex, String> {
    let translated = translate_go_regex(pattern)?;
    Regex::new(&translated).map_err(|e| {
        e.to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string()
    })
}

const GO_DIGIT: &str = "[0-9]";
const GO_NOT_DIGIT: &str = "[^0-9]";
const GO_SPACE: &str = r"[\t\n\x0C\r ]";
const GO_NOT_SPACE: &str = r"[^\t\n\x0C\r ]";
const GO_WORD: &str = "[0-9A-Za-z_]";
const GO_NOT_WORD: &str = "[^0-9A-Za-z_]";
const POSIX_CLASSES: &[&str] = &[
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Go's Perl class escapes (`\d` ...), ASCII only.
fn go_perl_class(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => GO_DIGIT,
        'D' => GO_NOT_DIGIT,
        's' => GO_SPACE,
        'S' => GO_NOT_SPACE,
        'w' => GO_WORD,
        'W' => GO_NOT_WORD,
        _ => return None,
    })
}

/// A literal character in `regex` syntax, inside or outside a class.
fn push_literal(out: &mut String, c: char) {
    if c.is_alphanumeric() || c == '_' || !c.is_ascii() && !c.is_whitespace() {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
    }
}

fn translate_go_regex(p: &str) -> Result<String, String> {
    let cs: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 16);
    let mut i = 0;
    let mut after_repeat = false;
    while i < cs.len() {
        let c = cs[i];
        match c {
            '*' | '+' | '?' => {
                if after_repeat {
                    return Err(format!(
                        "invalid nested repetition operator: `{}`",
                        cs[i.saturating_sub(1)..=i].iter().collect::<String>()
                    ));
                }
                out.push(c);
                i += 1;
                if cs.get(i) == Some(&'?') {
                    out.push('?');
                    i += 1;
                }
                after_repeat = true;
                continue;
            }
            '{' => match go_repeat(&cs[i..]) {
                Some((min, max, len)) => {
                    let text: String = cs[i..i + len].iter().collect();
                    if min.is_none()
                        || min > Some(1000)
                        || max > Some(1000)
                        || max.is_some() && min > max
                    {
                        return Err(format!("invalid repeat count: `{text}`"));
                    }
                    if after_repeat {
                        return Err(format!("invalid nested repetition operator: `{text}`"));
                    }
                    out.push_str(&text);
                    i += len;
                    if cs.get(i) == Some(&'?') {
                        out.push('?');
                        i += 1;
                    }
                    after_repeat = true;
                    continue;
                }
                None => {
                    out.push_str(r"\{");
                    i += 1;
                }
            },
            '}' => {
                out.push_str(r"\}");
                i += 1;
            }
            ']' => {
                out.push_str(r"\]");
                i += 1;
            }
            '[' => i = translate_class(&cs, i, &mut out)?,
            '(' => i = translate_group(&cs, i, &mut out)?,
            '\\' => {
                let Some(&e) = cs.get(i + 1) else {
                    return Err("trailing backslash at end of expression".into());
                };
                if let Some(class) = go_perl_class(e) {
                    out.push_str(class);
                    i += 2;
                } else {
                    match e {
                        'b' => out.push_str(r"(?-u:\b)"),
                        'B' => out.push_str(r"(?-u:\B)"),
                        'A' => out.push_str(r"\A"),
                        'z' => out.push_str(r"\z"),
                        'p' | 'P' => {
                            i = translate_unicode_class(&cs, i, &mut out)?;
                            after_repeat = false;
                            continue;
                        }
                        'Q' => {
                            let mut j = i + 2;
                            while j < cs.len() && !(cs[j] == '\\' && cs.get(j + 1) == Some(&'E')) {
                                push_literal(&mut out, cs[j]);
                                j += 1;
                            }
                            i = (j + 2).min(cs.len());
                            after_repeat = false;
                            continue;
                        }
                        _ => {
                            let (lit, next) = go_escape(&cs, i)?;
                            push_literal(&mut out, lit);
                            i = next;
                            after_repeat = false;
                            continue;
                        }
                    }
                    i += 2;
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
        after_repeat = false;
    }
    Ok(out)
}

/// Go's `parseRepeat` at `{`: `{n}`, `{n,}` or `{n,m}`, digits without leading zeros.
/// `None` when `{` is a literal; else (min, max, length), where a count too large to
/// read is `None` for `min` and `u32::MAX` for `max`, and `{n,}` has `max == None`.
fn go_repeat(cs: &[char]) -> Option<(Option<u32>, Option<u32>, usize)> {
    fn int(cs: &[char], i: &mut usize) -> Option<Option<u32>> {
        let start = *i;
        while cs.get(*i).is_some_and(|c| c.is_ascii_digit()) {
            *i += 1;
        }
        if *i == start || *i - start >= 2 && cs[start] == '0' {
            return None;
        }
        let digits: String = cs[start..*i].iter().collect();
        Some(digits.parse::<u32>().ok().filter(|n| *n < 100_000_000))
    }
    let mut i = 1;
    let min = int(cs, &mut i)?;
    let max = match cs.get(i)? {
        ',' => {
            i += 1;
            if *cs.get(i)? == '}' {
                None
            } else {
                // A too-large max makes the repeat invalid (as min = -1 in Go).
                int(cs, &mut i)?.or(Some(u32::MAX))
            }
        }
        _ => min,
    };
    if *cs.get(i)? != '}' {
        return None;
    }
    Some((min, max, i + 1))
}

/// Go's `parseEscape` at `\` (not a class or assertion escape): the literal it stands
/// for and the index after it.
fn go_escape(cs: &[char], i: usize) -> Result<(char, usize), String> {
    let invalid = |end: usize| {
        format!(
            "invalid escape sequence: `{}`",
            cs[i..end.min(cs.len())].iter().collect::<String>()
        )
    };
    let Some(&c) = cs.get(i + 1) else {
        return Err("trailing backslash at end of expression".into());
    };
    let mut j = i + 2;
    let octal = |c: Option<&char>| c.is_some_and(|c| ('0'..='7').contains(c));
    let lit = match c {
        '1'..='7' if !octal(cs.get(j)) => return Err(invalid(j)),
        '0'..='7' => {
            let mut r = c as u32 - '0' as u32;
            for _ in 1..3 {
                if !octal(cs.get(j)) {
                    break;
                }
                r = r * 8 + (cs[j] as u32 - '0' as u32);
                j += 1;
            }
            char::from_u32(r).ok_or_else(|| invalid(j))?
        }
        'x' => {
            if cs.get(j) == Some(&'{') {
                j += 1;
                let mut r: u32 = 0;
                let mut n = 0;
                loop {
                    let Some(&h) = cs.get(j) else {
                        return Err(invalid(j));
                    };
                    j += 1;
                    if h == '}' {
                        break;
                    }
                    r = r * 16 + h.to_digit(16).ok_or_else(|| invalid(j))?;
                    if r > 0x10FFFF {
                        return Err(invalid(j));
                    }
                    n += 1;
                }
                if n == 0 {
                    return Err(invalid(j));
                }
                char::from_u32(r).ok_or_else(|| invalid(j))?
            } else {
                let hi = cs.get(j).and_then(|h| h.to_digit(16));
                let lo = cs.get(j + 1).and_then(|h| h.to_digit(16));
                j += 2;
                match (hi, lo) {
                    (Some(hi), Some(lo)) => char::from_u32(hi * 16 + lo).expect("byte"),
                    _ => return Err(invalid(j)),
                }
            }
        }
        'a' => '\x07',
        'f' => '\x0C',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0B',
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => c,
        _ => return Err(invalid(j)),
    };
    Ok((lit, j))
}

/// `\pL`, `\p{Greek}`, `\P{..}`, `\p{^..}` at `\`; returns the index after it.
fn translate_unicode_class(cs: &[char], i: usize, out: &mut String) -> Result<usize, String> {
    let mut negated = cs[i + 1] == 'P';
    let (mut name, next): (String, usize) = match cs.get(i + 2) {
        None => return Err("invalid character class range: `\\p`".into()),
        Some('{') => {
            let end = cs[i..]
                .iter()
                .position(|&c| c == '}')
                .map(|p| i + p)
                .ok_or_else(|| {
                    format!(
                        "invalid character class range: `{}`",
                        cs[i..].iter().collect::<String>()
                    )
                })?;
            (cs[i + 3..end].iter().collect(), end + 1)
        }
        Some(&c) => (c.to_string(), i + 3),
    };
    if let Some(rest) = name.strip_prefix('^') {
        negated = !negated;
        name = rest.to_string();
    }
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "invalid character class range: `{}`",
            cs[i..next].iter().collect::<String>()
        ));
    }
    out.push_str(&format!("\\{}{{{name}}}", if negated { 'P' } else { 'p' }));
    Ok(next)
}

/// A Go character class at `[`, rewritten with every literal escaped so that `regex`
/// sees no nested class or set operation; returns the index after its `]`.
fn translate_class(cs: &[char], start: usize, out: &mut String) -> Result<usize, String> {
    let missing = || {
        format!(
            "missing closing ]: `{}`",
            cs[start..].iter().collect::<String>()
        )
    };
    let mut i = start + 1;
    out.push('[');
    if cs.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let Some(&c) = cs.get(i) else {
            return Err(missing());
        };
        if c == ']' && !first {
            break;
        }
        first = false;
        // POSIX [:alpha:] / [:^alpha:]: Go looks for the next ":]" anywhere after.
        if c == '[' && cs.get(i + 1) == Some(&':') && cs.len() > i + 2 {
            if let Some(p) = cs[i + 2..].windows(2).position(|w| w == [':', ']']) {
                let end = i + 2 + p + 2;
                let name: String = cs[i + 2..i + 2 + p].iter().collect();
                if !POSIX_CLASSES.contains(&name.strip_prefix('^').unwrap_or(&name)) {
                    return Err(format!(
                        "invalid character class range: `{}`",
                        cs[i..end].iter().collect::<String>()
                    ));
                }
                out.push_str(&format!("[:{name}:]"));
                i = end;
                continue;
            }
        }
        if c == '\\' {
            match cs.get(i + 1) {
                Some('p' | 'P') => {
                    i = translate_unicode_class(cs, i, out)?;
                    continue;
                }
                Some(&e) if go_perl_class(e).is_some() => {
                    out.push_str(go_perl_class(e).expect("perl class"));
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        let (lo, next) = class_char(cs, i, missing)?;
        i = next;
        let mut hi = lo;
        if cs.get(i) == Some(&'-') && cs.get(i + 1).is_some_and(|&c| c != ']') {
            let (h, next) = class_char(cs, i + 1, missing)?;
            hi = h;
            if hi < lo {
                return Err(format!(
                    "invalid character class range: `{}`",
                    cs[i - 1..next].iter().collect::<String>()
                ));
            }
            i = next;
        }
        push_literal(out, lo);
        if hi != lo {
            out.push('-');
            push_literal(out, hi);
        }
    }
    out.push(']');
    Ok(i + 1)
}

/// One character of a class (a literal or an escape) and the index after it.
fn class_char(
    cs: &[char],
    i: usize,
    missing: impl Fn() -> String,
) -> Result<(char, usize), String> {
    match cs.get(i) {
        None => Err(missing()),
        Some('\\') => go_escape(cs, i),
        Some(&c) => Ok((c, i + 1)),
    }
}

/// A group opening at `(`: `(`, `(?:`, `(?flags)`, `(?flags:`, `(?P<name>`; returns
/// the index after it.
fn translate_group(cs: &[char], i: usize, out: &mut String) -> Result<usize, String> {
    if cs.get(i + 1) != Some(&'?') {
        out.push('(');
        return Ok(i + 1);
    }
    let perl_err = |end: usize| {
        format!(
            "invalid or unsupported Perl syntax: `{}`",
            cs[i..end.min(cs.len())].iter().collect::<String>()
        )
    };
    if cs.get(i + 2) == Some(&'P') && cs.get(i + 3) == Some(&'<') {
        let end = cs[i..]
            .iter()
            .position(|&c| c == '>')
            .map(|p| i + p)
            .ok_or_else(|| {
                format!(
                    "invalid named capture: `{}`",
                    cs[i..].iter().collect::<String>()
                )
            })?;
        let name = &cs[i + 4..end];
        if name.is_empty() || !name.iter().all(|c| c.is_ascii_alphanumeric() || *c == '_') {
            return Err(format!(
                "invalid named capture: `{}`",
                cs[i..=end].iter().collect::<String>()
            ));
        }
        // Names do not matter for matching, and Go allows duplicates.
        out.push('(');
        return Ok(end + 1);
    }
    let (mut on, mut off) = (String::new(), String::new());
    let mut negative = false;
    let mut saw_flag = false;
    let mut j = i + 2;
    loop {
        let Some(&c) = cs.get(j) else {
            return Err(perl_err(j));
        };
        j += 1;
        match c {
            'i' | 'm' | 's' | 'U' => {
                saw_flag = true;
                if negative {
                    if !off.contains(c) {
                        off.push(c);
                    }
                    on.retain(|f| f != c);
                } else if !on.contains(c) {
                    on.push(c);
                }
            }
            '-' if !negative => {
                negative = true;
                saw_flag = false;
            }
            ':' | ')' => {
                if negative && !saw_flag {
                    return Err(perl_err(j));
                }
                let flags = if off.is_empty() {
                    on
                } else {
                    format!("{on}-{off}")
                };
                match (c, flags.is_empty()) {
                    (':', true) => out.push_str("(?:"),
                    (':', false) => out.push_str(&format!("(?{flags}:")),
                    (_, true) => {}
                    (_, false) => out.push_str(&format!("(?{flags})")),
                }
                return Ok(j);
            }
            _ => return Err(perl_err(j)),
        }
    }
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

    #[test]
    fn go_regex_syntax() {
        let re = |p: &str| {
            compile_go_regex(&format!("^(?:{p})$")).unwrap_or_else(|e| panic!("{p}: {e}"))
        };
        // Perl classes are ASCII in Go.
        assert!(re(r"\d+").is_match("123") && !re(r"\d").is_match("٣"));
        assert!(!re(r"\w").is_match("é") && re(r"\W").is_match("é"));
        assert!(re(r"\s").is_match("\x0C") && !re(r"\s").is_match("\x0B"));
        assert!(re(r"[\d\s]+").is_match("1 2") && !re(r"[\d]").is_match("٣"));
        assert!(
            !re(r"é\b").is_match("é") && re(r"a\b").is_match("a") && !re(r"a\bb").is_match("ab")
        );
        // Escaped punctuation is literal; \< is no word boundary.
        assert!(re(r"\<a\>").is_match("<a>"));
        assert!(re(r"a\.b").is_match("a.b") && !re(r"a\.b").is_match("axb"));
        // Literal { when not a repetition; leading zeros make it literal too.
        assert!(re(r"a{,3}").is_match("a{,3}"));
        assert!(re(r"a{01}").is_match("a{01}"));
        assert!(
            re(r"a{2}").is_match("aa")
                && re(r"a{2,}").is_match("aaa")
                && re(r"a{1,2}?").is_match("a")
        );
        assert!(re(r"{").is_match("{") && re(r"}").is_match("}") && re(r"]").is_match("]"));
        // Classes: [ && -- ~~ are literals in Go.
        assert!(re(r"[[]").is_match("[") && re(r"[a&&b]").is_match("&"));
        assert!(
            re(r"[a-]").is_match("-")
                && re(r"[+--]").is_match(",")
                && re(r"[a-c--b]").is_match("b")
                && re(r"[]a]").is_match("]")
                && re(r"[^]a]").is_match("b")
        );
        assert!(
            re(r"[a~~b]").is_match("~")
                && re(r"[a-c]").is_match("b")
                && !re(r"[a-c]").is_match("d")
        );
        assert!(re(r"[[:alpha:]]+").is_match("abc") && re(r"[[:^alpha:]]").is_match("1"));
        assert!(re(r"\pL\p{Greek}\PN\p{^N}").is_match("aαxy"));
        // Octal, hex and \Q..\E.
        assert!(re(r"\012\x41\x{42}").is_match("\nAB"));
        assert!(re(r"\Qa.b*\E+").is_match("a.b**") && !re(r"\Qa.b\E").is_match("axb"));
        // Flags.
        assert!(
            re(r"(?i)web").is_match("WEB")
                && re(r"(?ii)a").is_match("A")
                && re(r"(?)a").is_match("a")
        );
        assert!(re(r"(?i:a)b").is_match("Ab") && !re(r"(?i:a)b").is_match("AB"));
        assert!(re(r"(?i-i:a)").is_match("a") && !re(r"(?i-i:a)").is_match("A"));
        assert!(re(r"(?s).").is_match("\n") && !re(r".").is_match("\n"));
        assert!(re(r"(?P<x>a)(?P<x>b)").is_match("ab"));
        for bad in [
            r"[a--]",
            r"a**",
            r"a*+",
            r"a{2}{3}",
            r"a{1001}",
            r"a{3,2}",
            r"(?x)a",
            r"(?<n>a)",
            r"(?=a)",
            r"\1",
            r"\8",
            r"\q",
            r"\C",
            r"[a",
            r"[z-a]",
            r"[[:foo:]]",
            r"(?i-)a",
            r"(?P<>a)",
            r"a\",
            r"\p{Foo-Bar}",
            r"\Z",
        ] {
            assert!(
                compile_go_regex(&format!("^(?:{bad})$")).is_err(),
                "{bad} should be rejected"
            );
        }
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
