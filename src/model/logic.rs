//! Template logic with minijinja: `{% if %}`, `{% for %}`, filters, macros and shared
//! snippets from `templates/_lib/*.j2`, in the delimiters of the rules directory:
//!
//! - `${ expr }` prints a value (so a plain `${param}` means what it always meant),
//! - `{% ... %}` is a statement, `{# ... #}` a comment.
//!
//! Neither collides with PromQL's `{...}` selectors and `[5m]` ranges nor with the
//! `{{ ... }}` Go templates Prometheus runs over annotations, which pass through as text.
//! Text without logic never comes here: `params::Tmpl` substitutes it, faster.
//!
//! Every printed value is escaped for where it lands, by its kind, whatever expression
//! produced it: in a query, a string becomes a quoted, escaped PromQL string (so no value
//! can add a matcher or an `or vector(1)`), numbers print as numbers, durations and label
//! names (checked when the rule was read) and the output of macros as they are; lists
//! print as comma-separated items, each escaped the same way. In labels and annotations a
//! value holding `{{` or `}}` is wrapped so Go templating prints it instead of running it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use minijinja::value::{Value, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use crate::model::params::{promql_string, Context, Typed};
use crate::model::ParamType;

/// Where the snippets live, relative to the rules directory; loaded by file name
/// (`{% import "selectors.j2" as sel %}`).
pub const LIB_DIR: &str = "templates/_lib/";

/// Names the engine provides itself; never parameters.
pub const BUILTINS: &[&str] = &[
    "range",
    "dict",
    "namespace",
    "debug",
    "loop",
    "caller",
    "varargs",
    "kwargs",
];

/// Does this text need the template engine (statements, comments, or a `${...}` that
/// is more than a parameter name)?
pub fn needs_logic(s: &str) -> bool {
    plain(s).is_none()
}

/// The text as plain `${name}` substitutions, when it needs no template engine.
pub fn plain(s: &str) -> Option<crate::model::params::Tmpl> {
    if s.contains("{%") || s.contains("{#") {
        return None;
    }
    crate::model::params::Tmpl::parse(s).ok()
}

/// A template error at a byte range of the template text (as written, before `$${`
/// rewriting).
#[derive(Debug, Clone, PartialEq)]
pub struct LogicError {
    pub message: String,
    pub offset: usize,
    pub len: usize,
    /// Set when the error is inside a `_lib` snippet rather than the text itself.
    pub lib: Option<String>,
}

/// `$${` (a literal `${`) becomes a raw block; `shifts` maps offsets back.
fn preprocess(s: &str) -> (String, Vec<(usize, usize)>) {
    const RAW: &str = "{% raw %}${{% endraw %}";
    let mut out = String::with_capacity(s.len());
    let mut shifts = Vec::new();
    let mut rest = s;
    let mut orig = 0;
    while let Some(i) = rest.find("$${") {
        out.push_str(&rest[..i]);
        orig += i;
        shifts.push((out.len(), orig));
        out.push_str(RAW);
        orig += 3;
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    (out, shifts)
}

fn original_offset(shifts: &[(usize, usize)], at: usize) -> usize {
    match shifts.iter().rev().find(|(new, _)| *new <= at) {
        None => at,
        Some((new, orig)) => {
            let into = at - new;
            let raw = "{% raw %}${{% endraw %}".len();
            if into < raw {
                *orig
            } else {
                orig + 3 + (into - raw)
            }
        }
    }
}

struct Compiled {
    shifts: Vec<(usize, usize)>,
    params: BTreeSet<String>,
}

/// The compiled logic templates of a rules directory, one environment per context
/// so each prints values its own way (snippets are compiled in both).
pub struct Engine {
    promql: Environment<'static>,
    text: Environment<'static>,
    compiled: HashMap<(Context, String), Compiled>,
    lib_files: BTreeMap<String, String>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(BTreeMap::new())
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("templates", &self.compiled.len())
            .finish()
    }
}

fn env(ctx: Context, lib: &BTreeMap<String, String>) -> Environment<'static> {
    let mut env = Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .block_delimiters("{%", "%}")
        .variable_delimiters("${", "}")
        .comment_delimiters("{#", "#}")
        .build()
        .expect("the delimiters are valid");
    env.set_syntax(syntax);
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Any non-None mode makes macro output "safe": it was escaped as it was printed.
    env.set_auto_escape_callback(|_| AutoEscape::Custom("alertctl"));
    env.set_formatter(move |out, _state, v| {
        let mut s = String::new();
        format(&mut s, ctx, v)?;
        out.write_str(&s)
            .map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))
    });
    env.add_filter("regex_escape", |s: String| {
        crate::model::params::quote_meta(&s)
    });
    env.add_filter("join_regex", join_regex);
    for (name, text) in lib {
        // Errors surface when a template imports the snippet (and in `check_lib`).
        let (src, _) = preprocess(text);
        let _ = env.add_template_owned(name.clone(), src);
    }
    env
}

/// `${ hosts | join_regex }`: an alternation matching exactly the given values.
fn join_regex(v: Value) -> Result<String, Error> {
    let mut parts = Vec::new();
    for item in v.try_iter()? {
        let s = item
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| item.to_string());
        parts.push(crate::model::params::quote_meta(&s));
    }
    Ok(parts.join("|"))
}

fn format(out: &mut String, ctx: Context, v: &Value) -> Result<(), Error> {
    let refuse = |what: &str| {
        Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "cannot print {what} into a {}",
                if ctx == Context::Promql {
                    "query"
                } else {
                    "label or annotation"
                }
            ),
        ))
    };
    if v.is_safe() {
        out.push_str(v.as_str().unwrap_or_default());
        return Ok(());
    }
    match v.kind() {
        ValueKind::String => {
            let s = v.as_str().unwrap_or_default();
            match ctx {
                Context::Promql => out.push_str(&promql_string(s)),
                Context::Text if s.contains("{{") || s.contains("}}") => {
                    out.push_str("{{ ");
                    out.push_str(&promql_string(s));
                    out.push_str(" }}");
                }
                Context::Text => out.push_str(s),
            }
        }
        ValueKind::Number => match v.as_i64() {
            Some(i) => out.push_str(&i.to_string()),
            None => {
                let f = f64::try_from(v.clone()).unwrap_or(f64::NAN);
                if !f.is_finite() {
                    return refuse("a number that is not finite");
                }
                out.push_str(&f.to_string());
            }
        },
        ValueKind::Seq | ValueKind::Iterable => {
            for (i, item) in v.try_iter()?.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                format(out, ctx, &item)?;
            }
        }
        ValueKind::Bool if ctx == Context::Text => {
            out.push_str(if v.is_true() { "true" } else { "false" })
        }
        ValueKind::Bool => return refuse("true or false"),
        ValueKind::None | ValueKind::Undefined => return refuse("a missing value"),
        _ => return refuse(&format!("a {}", v.kind())),
    }
    Ok(())
}

/// A checked parameter as the templates see it: numbers as numbers; durations and label
/// names, already validated, print as they are; label values, regexes and strings are
/// strings, quoted when printed into a query.
pub fn value(t: &Typed) -> Value {
    use crate::model::params::Value as V;
    match (&t.value, t.ty) {
        (V::Number(n), _) if n.fract() == 0.0 && n.abs() < 9e15 => Value::from(*n as i64),
        (V::Number(n), _) => Value::from(*n),
        (V::Text(s), ParamType::Duration | ParamType::LabelName) => {
            Value::from_safe_string(s.clone())
        }
        (V::Text(s), _) => Value::from(s.clone()),
        (V::List(items), _) => Value::from(items.iter().map(value).collect::<Vec<_>>()),
    }
}

impl Engine {
    /// `lib`: snippet file name (relative to templates/_lib/) -> text.
    pub fn new(lib: BTreeMap<String, String>) -> Self {
        Engine {
            promql: env(Context::Promql, &lib),
            text: env(Context::Text, &lib),
            compiled: HashMap::new(),
            lib_files: lib,
        }
    }

    fn env(&self, ctx: Context) -> &Environment<'static> {
        match ctx {
            Context::Promql => &self.promql,
            Context::Text => &self.text,
        }
    }

    /// Compiles `source` once per context; returns the variables it reads that it does
    /// not set itself (parameters, `scope`).
    pub fn compile(&mut self, ctx: Context, source: &str) -> Result<BTreeSet<String>, LogicError> {
        if let Some(c) = self.compiled.get(&(ctx, source.to_string())) {
            return Ok(c.params.clone());
        }
        let (src, shifts) = preprocess(source);
        let env = match ctx {
            Context::Promql => &mut self.promql,
            Context::Text => &mut self.text,
        };
        env.add_template_owned(source.to_string(), src)
            .map_err(|e| locate(&e, &shifts, source))?;
        let t = env
            .get_template(source)
            .map_err(|e| locate(&e, &shifts, source))?;
        let params: BTreeSet<String> = t.undeclared_variables(true).into_iter().collect();
        self.compiled.insert(
            (ctx, source.to_string()),
            Compiled {
                shifts,
                params: params.clone(),
            },
        );
        Ok(params)
    }

    /// The variables a compiled `source` reads (`None` if it was not compiled).
    pub fn params(&self, ctx: Context, source: &str) -> Option<Vec<String>> {
        self.compiled.get(&(ctx, source.to_string())).map(|c| {
            c.params
                .iter()
                .filter(|n| !BUILTINS.contains(&n.as_str()))
                .cloned()
                .collect()
        })
    }

    /// Renders a compiled `source` with checked values; `scope` is `${scope}`'s text.
    pub fn render(
        &self,
        ctx: Context,
        source: &str,
        values: &BTreeMap<String, Typed>,
        scope: Option<&str>,
    ) -> Result<String, LogicError> {
        let c = self
            .compiled
            .get(&(ctx, source.to_string()))
            .ok_or_else(|| LogicError {
                message: "template not compiled".into(),
                offset: 0,
                len: 0,
                lib: None,
            })?;
        let mut vars: BTreeMap<String, Value> =
            values.iter().map(|(k, v)| (k.clone(), value(v))).collect();
        if let Some(s) = scope {
            vars.insert(
                crate::model::params::SCOPE_PARAM.into(),
                Value::from_safe_string(s.to_string()),
            );
        }
        let t = self
            .env(ctx)
            .get_template(source)
            .map_err(|e| locate(&e, &c.shifts, source))?;
        t.render(Value::from(vars))
            .map_err(|e| locate(&e, &c.shifts, source))
    }

    /// Snippet files that do not compile, with their error.
    pub fn check_lib(&self) -> Vec<(String, LogicError)> {
        let mut out = Vec::new();
        for (name, text) in &self.lib_files {
            let Err(missing) = self.promql.get_template(name) else {
                continue;
            };
            // A snippet that does not parse was never added (`env`): "not found" says
            // nothing of why, so it is parsed again alone for its own error.
            let (src, shifts) = preprocess(text);
            let mut alone = env(Context::Promql, &BTreeMap::new());
            let e = alone.add_template_owned(name.clone(), src).err();
            out.push((
                name.clone(),
                locate_in(e.as_ref().unwrap_or(&missing), &shifts, text, name),
            ));
        }
        out
    }
}

fn locate(e: &Error, shifts: &[(usize, usize)], source: &str) -> LogicError {
    locate_in(e, shifts, source, source)
}

/// [`locate`] for `source` added under the template name `own`: an error of another
/// template is one of a `_lib` snippet it imports.
fn locate_in(e: &Error, shifts: &[(usize, usize)], source: &str, own: &str) -> LogicError {
    let in_lib = e.name().filter(|n| *n != own).map(str::to_string);
    let (offset, len) = match (e.range(), &in_lib) {
        (Some(r), None) => {
            let start = original_offset(shifts, r.start);
            (
                start,
                original_offset(shifts, r.end).saturating_sub(start).max(1),
            )
        }
        _ => (0, source.len().min(2)),
    };
    let mut message = e
        .detail()
        .map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind()));
    if let Some(l) = &in_lib {
        message = format!("in {LIB_DIR}{l} line {}: {message}", e.line().unwrap_or(0));
    }
    LogicError {
        message,
        offset: offset.min(source.len()),
        len,
        lib: in_lib,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RawValue;

    fn typed(ty: ParamType, item: Option<ParamType>, raw: &str) -> Typed {
        let def = crate::model::ParamDef {
            name: crate::model::Spanned::new("x".into(), Default::default()),
            ty,
            default: None,
            description: None,
            item,
        };
        let r = if raw.starts_with('[') {
            let items = raw
                .trim_matches(['[', ']'])
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| RawValue {
                    text: s.trim().into(),
                    quoted: false,
                    items: None,
                })
                .collect();
            RawValue {
                text: String::new(),
                quoted: false,
                items: Some(items),
            }
        } else {
            RawValue {
                text: raw.into(),
                quoted: ty != ParamType::Number,
                items: None,
            }
        };
        crate::model::params::check_param(&def, &r).unwrap()
    }

    fn render(src: &str, vals: &[(&str, Typed)]) -> Result<String, LogicError> {
        let mut e = Engine::new(BTreeMap::new());
        e.compile(Context::Promql, src)?;
        let v = vals
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect();
        e.render(Context::Promql, src, &v, None)
    }

    const BY: &str =
        "sum {% if by %}by (${ by }) {% endif %}(rate(x{job=${job}}[${window}])) > ${threshold}";

    #[test]
    fn conditional_by_in_both_branches() {
        let base = [
            ("job", typed(ParamType::LabelValue, None, "node")),
            ("window", typed(ParamType::Duration, None, "5m")),
            ("threshold", typed(ParamType::Number, None, "0.5")),
        ];
        let mut with = base.to_vec();
        with.push((
            "by",
            typed(
                ParamType::List,
                Some(ParamType::LabelName),
                "[instance, job]",
            ),
        ));
        assert_eq!(
            render(BY, &with).unwrap(),
            r#"sum by (instance, job) (rate(x{job="node"}[5m])) > 0.5"#
        );
        let mut without = base.to_vec();
        without.push((
            "by",
            typed(ParamType::List, Some(ParamType::LabelName), "[]"),
        ));
        assert_eq!(
            render(BY, &without).unwrap(),
            r#"sum (rate(x{job="node"}[5m])) > 0.5"#
        );
    }

    #[test]
    fn list_joined_into_a_regex() {
        let src = "up{instance=~${ hosts | join_regex }}";
        let hosts = typed(ParamType::List, None, "[a.example:9100, b|c]");
        assert_eq!(
            render(src, &[("hosts", hosts)]).unwrap(),
            r#"up{instance=~"a\\.example:9100|b\\|c"}"#
        );
    }

    #[test]
    fn injection_through_every_construct_is_escaped() {
        let evil = typed(ParamType::LabelValue, None, "x\"} or vector(1) or up{a=\"");
        let q = |s: &str| {
            render(
                s,
                &[
                    ("job", evil.clone()),
                    (
                        "jobs",
                        typed(ParamType::List, None, "[x\"} or vector(1) #, y]"),
                    ),
                ],
            )
            .unwrap()
        };
        for out in [
            q("up{job=${job}}"),
            q("up{job=${ job | upper }}"),
            q("up{job=${ job ~ \"\" }}"),
            q("{% if job %}up{job=${job}}{% endif %}"),
            q("{% for j in jobs %}up{job=${j}}{% if not loop.last %} or {% endif %}{% endfor %}"),
            q("{% macro sel(j) %}up{job=${j}}{% endmacro %}${ sel(job) }"),
            q("up{job=~${ jobs | join_regex }}"),
            q("up{job=~${ jobs | join(\"|\") }}"),
            q("{% set j = job %}up{job=${j}}"),
        ] {
            // Only `up` selectors (joined by the template's own `or`): the value stayed
            // inside a string, no function call or other metric appeared.
            let e = crate::model::promql::parse(&out).unwrap_or_else(|m| panic!("{out}: {m}"));
            fn only_up(e: &promql_parser::parser::Expr) -> bool {
                use promql_parser::parser::Expr;
                match e {
                    Expr::VectorSelector(v) => {
                        v.name.as_deref() == Some("up")
                            && v.matchers.matchers.iter().all(|m| m.name == "job")
                    }
                    Expr::Binary(b) => only_up(&b.lhs) && only_up(&b.rhs),
                    _ => false,
                }
            }
            assert!(only_up(&e), "{out}");
        }
        // A number cannot be spliced in as text, nor a bool or a map.
        assert!(render("up > ${ {'a': 1} }", &[]).is_err());
        assert!(render("up > ${ true }", &[]).is_err());
    }

    #[test]
    fn errors_point_into_the_text_and_dollar_escape_still_works() {
        let src = "up{job=\"$${x}\"} > ${ threshold +* 2 }";
        let e = render(src, &[]).unwrap_err();
        assert_eq!(&src[e.offset..e.offset + e.len], "*", "{e:?}");
        assert_eq!(
            render("a $${b} {% if true %}c{% endif %}", &[]).unwrap(),
            "a ${b} c"
        );
    }

    /// A snippet that does not parse is reported with its own syntax error, where it
    /// is, not as a snippet that does not exist.
    #[test]
    fn a_broken_snippet_says_why() {
        let lib = BTreeMap::from([
            (
                "ok.j2".to_string(),
                "{% macro m() %}x{% endmacro %}".to_string(),
            ),
            ("bad.j2".to_string(), "ab\n{% if %}".to_string()),
        ]);
        let errors = Engine::new(lib).check_lib();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let (name, e) = &errors[0];
        assert_eq!(name, "bad.j2");
        assert!(e.message.contains("syntax error"), "{e:?}");
        assert!(!e.message.contains("not found"), "{e:?}");
        assert_eq!(e.lib, None, "{e:?}");
        assert!(e.offset >= 3, "points into the second line: {e:?}");
    }

    #[test]
    fn go_templates_pass_through() {
        let mut e = Engine::new(BTreeMap::new());
        let src = "{% if true %}{{ $labels.instance }} ${ team }{% endif %}";
        e.compile(Context::Text, src).unwrap();
        let v = [(
            "team".to_string(),
            typed(ParamType::String, None, "{{ printf \"x\" }}"),
        )]
        .into_iter()
        .collect();
        assert_eq!(
            e.render(Context::Text, src, &v, None).unwrap(),
            r#"{{ $labels.instance }} {{ "{{ printf \"x\" }}" }}"#
        );
    }
}
