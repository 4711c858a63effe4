//! A small YAML tree with a byte span on every node, built from saphyr-parser's events.
//! serde_yaml gives no positions for values, and every semantic error (an unknown
//! template, a bad threshold) must point at the exact place in the user's file.
//! Duplicate mapping keys are reported here, since YAML loaders usually keep the last one
//! silently.
//!
//! Every file is a pull request from a stranger, so building the tree is bounded: aliases
//! are expanded by copying, and a 300-byte file of nested aliases (the "billion laughs")
//! would otherwise expand to gigabytes. Like go-yaml and Kubernetes, the nodes aliases add
//! are budgeted against the nodes the file really writes ([`ALIAS_RATIO`]); the tree's
//! depth and total size are capped too ([`MAX_DEPTH`], [`MAX_NODES`]). Merge keys (`<<`)
//! are resolved here as YAML 1.1 and go-yaml (so Prometheus and Alertmanager) read them.

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::diag::{Code, Diagnostic, Diagnostics, SourceText, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Scalar { text: String, quoted: bool },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar { quoted: true, .. } => "a string",
            Kind::Scalar { text, .. } if is_null(text) => "null",
            Kind::Scalar { .. } => "a scalar",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    pub fn as_scalar(&self) -> Option<(&str, bool)> {
        match &self.kind {
            Kind::Scalar { text, quoted } => Some((text, *quoted)),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, quoted: false } if is_null(text))
    }
}

pub fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Maps saphyr's character positions to byte offsets.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    char_starts: Vec<usize>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        let ascii = text.is_ascii();
        let char_starts = if ascii {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i).collect()
        };
        Offsets {
            text,
            ascii,
            char_starts,
        }
    }
    fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            char_index.min(self.text.len())
        } else {
            self.char_starts
                .get(char_index)
                .copied()
                .unwrap_or(self.text.len())
        }
    }
}

/// `text` as saphyr is given it. saphyr (0.3) counts the characters of a directive it
/// does not know (`%FOO bär`) as bytes, so every position after it would be off by a
/// column per extra byte. Those directives mean nothing to YAML: at the top of the file
/// each of their non-ASCII characters becomes one `x`, so that saphyr's positions count
/// the characters of `text`. `%YAML` and `%TAG` stay as written (non-ASCII there is an
/// error either way), as does everything from the first other line on.
fn directives_in_ascii(text: &str) -> std::borrow::Cow<'_, str> {
    let mut out = String::new();
    let mut done = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let t = line.trim_start_matches('\u{feff}');
        let blank = t.trim().is_empty() || t.starts_with('#');
        if !blank && !t.starts_with('%') {
            break;
        }
        let known = ["%YAML", "%TAG"].iter().any(|d| {
            t.strip_prefix(d)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
        });
        if blank || known || line.is_ascii() {
            continue;
        }
        out.push_str(&text[done..start]);
        out.extend(line.chars().map(|c| {
            if c.is_ascii() || c == '\u{feff}' {
                c
            } else {
                'x'
            }
        }));
        done = at;
    }
    if done == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[done..]);
    std::borrow::Cow::Owned(out)
}

/// Deepest nesting of collections a file may have. Rule files need about 6 levels.
pub const MAX_DEPTH: usize = 64;
/// Most nodes one file may build, aliases and merges included.
pub const MAX_NODES: usize = 1_000_000;
/// Aliases may add at most this many times the nodes the file writes itself...
pub const ALIAS_RATIO: usize = 10;
/// ...or this many nodes, whichever is more (small files with a few big anchors).
pub const ALIAS_FLOOR: usize = 1_000;

enum Frame {
    Seq {
        start: usize,
        items: Vec<Node>,
        anchor: usize,
        size: usize,
    },
    Map {
        start: usize,
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        anchor: usize,
        size: usize,
    },
}

impl Frame {
    fn size_mut(&mut self) -> &mut usize {
        match self {
            Frame::Seq { size, .. } | Frame::Map { size, .. } => size,
        }
    }
}

/// Parses every document of a YAML stream. On a syntax error, or when the file exceeds a
/// limit, returns the diagnostic and no documents: a half-read file must not produce half
/// a model.
pub fn parse(source: &SourceText, diags: &mut Diagnostics) -> Option<Vec<Node>> {
    let text: &str = source.text();
    let offsets = Offsets::new(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // anchor id -> (node, its size in nodes)
    let mut anchors: std::collections::HashMap<usize, (Node, usize)> = Default::default();
    let mut dup_errors = Diagnostics::default();
    let mut written = 0usize;
    let mut aliased = 0usize;
    let limit = |diags: &mut Diagnostics, at: Span, msg: String, hint: &str| {
        diags.push(
            Diagnostic::error(Code::YamlLimit, msg)
                .at(source, at, "here")
                .hint(hint.to_string()),
        );
    };

    for item in Parser::new_from_str(&directives_in_ascii(text)) {
        let (event, span) = match item {
            Ok(x) => x,
            Err(e) => {
                let at = offsets.byte(e.marker().index());
                diags.push(
                    Diagnostic::error(Code::YamlSyntax, format!("YAML syntax error: {}", e.info()))
                        .at(source, Span::new(at, at + 1), "here")
                        .hint("check the indentation and quoting around this line"),
                );
                return None;
            }
        };
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        if matches!(
            event,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
        ) {
            written += 1;
        }
        if written + aliased > MAX_NODES {
            limit(
                diags,
                Span::new(start, end.max(start + 1)),
                format!("the file has more than {MAX_NODES} YAML nodes"),
                "split it into several files",
            );
            return None;
        }
        let (node, size) = match event {
            Event::Scalar(value, style, anchor, _tag) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                let n = Node {
                    span: scalar_span(text, start, end),
                    kind: Kind::Scalar {
                        text: value.into_owned(),
                        quoted,
                    },
                };
                if anchor > 0 {
                    anchors.insert(anchor, (n.clone(), 1));
                }
                (Some(n), 1)
            }
            Event::Alias(id) => {
                let at = Span::new(start, end.max(start + 1));
                // saphyr reports an undefined alias as a syntax error before this.
                let (target, size) = anchors.get(&id).cloned().unwrap_or_else(|| {
                    let empty = Kind::Scalar {
                        text: String::new(),
                        quoted: false,
                    };
                    (
                        Node {
                            span: at,
                            kind: empty,
                        },
                        1,
                    )
                });
                aliased += size;
                let budget = (written * ALIAS_RATIO).max(ALIAS_FLOOR);
                if aliased > budget {
                    limit(
                        diags,
                        at,
                        format!(
                            "aliases expand to {aliased} nodes, more than this file may ({budget}: {ALIAS_RATIO} per node written, at least {ALIAS_FLOOR})"
                        ),
                        "a few aliases that repeat each other exponentially (\"billion laughs\") are refused; write the values out, or use fewer levels of aliases",
                    );
                    return None;
                }
                (Some(target), size)
            }
            Event::SequenceStart(..) | Event::MappingStart(..) if stack.len() >= MAX_DEPTH => {
                limit(
                    diags,
                    Span::new(start, end.max(start + 1)),
                    format!("YAML nested more than {MAX_DEPTH} levels deep"),
                    "flatten the structure; alertctl's files need a few levels",
                );
                return None;
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq {
                    start,
                    items: Vec::new(),
                    anchor,
                    size: 1,
                });
                (None, 0)
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map {
                    start,
                    entries: Vec::new(),
                    pending_key: None,
                    anchor,
                    size: 1,
                });
                (None, 0)
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    start: s,
                    items,
                    anchor,
                    size,
                }) => {
                    let e = items.last().map_or(end.max(s), |n| n.span.end().max(s));
                    let n = Node {
                        span: Span::new(s, e),
                        kind: Kind::Seq(items),
                    };
                    if anchor > 0 {
                        anchors.insert(anchor, (n.clone(), size));
                    }
                    (Some(n), size)
                }
                _ => (None, 0),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    start: s,
                    entries,
                    anchor,
                    size,
                    ..
                }) => {
                    let e = entries
                        .last()
                        .map_or(end.max(s), |(_, v)| v.span.end().max(s));
                    let entries = merge_keys(source, entries, diags)?;
                    let n = Node {
                        span: Span::new(s, e),
                        kind: Kind::Map(entries),
                    };
                    if anchor > 0 {
                        anchors.insert(anchor, (n.clone(), size));
                    }
                    (Some(n), size)
                }
                _ => (None, 0),
            },
            _ => (None, 0),
        };
        let Some(node) = node else { continue };
        if let Some(parent) = stack.last_mut() {
            *parent.size_mut() += size;
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => {
                    if let Some((first, _)) = entries
                        .iter()
                        .find(|(k, _)| k.as_scalar().is_some() && k.as_scalar() == key.as_scalar())
                    {
                        let name = key.as_scalar().map(|(t, _)| t).unwrap_or_default();
                        dup_errors.push(
                            Diagnostic::error(Code::DuplicateKey, format!("duplicate key `{name}`"))
                                .at(source, key.span, "defined again here")
                                .also(source, first.span, "first defined here")
                                .hint("YAML keeps only one of the two values; remove or merge one of them"),
                        );
                    }
                    entries.push((key, node));
                }
            },
        }
    }
    let failed = dup_errors.has_errors();
    diags.extend(dup_errors);
    if failed {
        return None;
    }
    // An empty stream gives no document; an explicit empty document gives a null scalar.
    Some(docs.into_iter().filter(|d| !d.is_null()).collect())
}

fn is_merge_key(k: &Node) -> bool {
    k.as_scalar() == Some(("<<", false))
}

/// Resolves merge keys (`<<: *defaults`, `<<: [*a, *b]`) the YAML 1.1 way: keys written
/// in the mapping win over merged ones, and an earlier merged mapping wins over a later
/// one. Merged entries take the place of the `<<` entry and keep their own spans, so a
/// problem in a merged value points at where the value is written.
fn merge_keys(
    source: &SourceText,
    entries: Vec<(Node, Node)>,
    diags: &mut Diagnostics,
) -> Option<Vec<(Node, Node)>> {
    if !entries.iter().any(|(k, _)| is_merge_key(k)) {
        return Some(entries);
    }
    let key_of = |k: &Node| k.as_scalar().map(|(t, _)| t.to_string());
    let mut taken: std::collections::HashSet<Option<String>> = entries
        .iter()
        .filter(|(k, _)| !is_merge_key(k))
        .map(|(k, _)| key_of(k))
        .collect();
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        if !is_merge_key(&k) {
            out.push((k, v));
            continue;
        }
        let sources: Vec<Node> = match v.kind {
            Kind::Map(_) => vec![v],
            Kind::Seq(items) if items.iter().all(|i| matches!(i.kind, Kind::Map(_))) => items,
            _ => {
                diags.push(
                    Diagnostic::error(
                        Code::WrongType,
                        "a merge key `<<` takes a mapping or a list of mappings",
                    )
                    .at(source, v.span, "not a mapping")
                    .hint("write `<<: *defaults` where `defaults` is an anchored mapping"),
                );
                return None;
            }
        };
        for src in sources {
            let Kind::Map(src_entries) = src.kind else {
                continue;
            };
            for (mk, mv) in src_entries {
                if taken.insert(key_of(&mk)) {
                    out.push((mk, mv));
                }
            }
        }
    }
    Some(out)
}

/// saphyr's scalar spans may include the closing quote or trailing blank; trim them so
/// the caret sits under the value itself.
fn scalar_span(text: &str, start: usize, end: usize) -> Span {
    let end = end.min(text.len());
    let mut e = end;
    while e > start
        && text
            .as_bytes()
            .get(e - 1)
            .is_some_and(|b| *b == b' ' || *b == b'\n' || *b == b'\r')
    {
        e -= 1;
    }
    Span::new(start, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(t: &str) -> SourceText {
        SourceText::new("t.yaml", t)
    }

    #[test]
    fn spans_point_at_values() {
        let s = src("a: 1\nb:\n  - x\n  - \"y z\"\n");
        let mut d = Diagnostics::default();
        let docs = parse(&s, &mut d).unwrap();
        let Kind::Map(entries) = &docs[0].kind else {
            panic!()
        };
        assert_eq!(
            &s.text()[entries[0].1.span.start()..entries[0].1.span.end()],
            "1"
        );
        let Kind::Seq(items) = &entries[1].1.kind else {
            panic!()
        };
        assert_eq!(&s.text()[items[0].span.start()..items[0].span.end()], "x");
        assert_eq!(items[1].as_scalar(), Some(("y z", true)));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let s = src("a: 1\nb: 2\na: 3\n");
        let mut d = Diagnostics::default();
        assert!(parse(&s, &mut d).is_none());
        let diag = d.iter().next().unwrap();
        assert_eq!(diag.code, Code::DuplicateKey);
        assert_eq!(diag.position().unwrap().1, 3);
    }

    #[test]
    fn syntax_errors_are_located() {
        let s = src("a: [1, 2\nb: 3\n");
        let mut d = Diagnostics::default();
        assert!(parse(&s, &mut d).is_none());
        assert_eq!(d.iter().next().unwrap().code, Code::YamlSyntax);
    }

    /// Spans after a directive saphyr does not know, written with non-ASCII
    /// characters, still point at their values; values that only look like one (a
    /// quoted scalar's line) are not touched.
    #[test]
    fn spans_after_a_non_ascii_directive() {
        for text in [
            "%FOO bär\n---\nk: välue\nz: v\n",
            "# ü\n%ÜNKNOWN x # ü\n%YAML 1.2\n---\nk: välue\nz: v\n",
            "\u{feff}%FOO bär\n---\nk: välue\nz: v\n",
        ] {
            let s = src(text);
            let mut d = Diagnostics::default();
            let docs = parse(&s, &mut d).unwrap_or_else(|| panic!("{text:?}: {d:?}"));
            let Kind::Map(entries) = &docs[0].kind else {
                panic!()
            };
            let at = |n: &Node| &s.text()[n.span.start()..n.span.end()];
            assert_eq!(at(&entries[0].1), "välue", "{text:?}");
            assert_eq!(at(&entries[1].0), "z", "{text:?}");
            assert_eq!(at(&entries[1].1), "v", "{text:?}");
        }
        let quoted = "\"a\n%FOO bär\"\n";
        let mut d = Diagnostics::default();
        let docs = parse(&src(quoted), &mut d).unwrap_or_else(|| panic!("{d:?}"));
        assert_eq!(docs[0].as_scalar(), Some(("a %FOO bär", true)));
        assert_eq!(directives_in_ascii(quoted), quoted);
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let s = src("é: ü\nk: v\n");
        let mut d = Diagnostics::default();
        let docs = parse(&s, &mut d).unwrap();
        let Kind::Map(entries) = &docs[0].kind else {
            panic!()
        };
        assert_eq!(
            &s.text()[entries[1].1.span.start()..entries[1].1.span.end()],
            "v"
        );
    }

    /// `levels` aliases deep, each repeating the one before `fanout` times.
    fn laughs(levels: usize, fanout: usize) -> String {
        let mut out = format!("a0: &a0 [{}]\n", vec!["\"lol\""; fanout].join(","));
        for i in 1..levels {
            let refs = vec![format!("*a{}", i - 1); fanout].join(",");
            out.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        out
    }

    #[test]
    fn alias_bomb_is_refused_at_the_alias() {
        let s = src(&laughs(9, 9));
        let mut d = Diagnostics::default();
        let t = std::time::Instant::now();
        assert!(parse(&s, &mut d).is_none());
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
        let diag = d.iter().next().unwrap();
        assert_eq!(diag.code, Code::YamlLimit);
        let (_, line, col) = diag.position().unwrap();
        // Level 4 is the first to pass the floor: 9^4 nodes.
        assert_eq!((line, col), (4, 10), "{}", diag.message);
        assert!(diag.message.contains("aliases expand"), "{}", diag.message);
    }

    #[test]
    fn ordinary_anchors_and_merges_are_fine() {
        let text = "defaults: &d {for: 5m, severity: warning, labels: {team: web}}\nrules:\n"
            .to_string()
            + &(0..200)
                .map(|i| format!("  - {{<<: *d, alert: A{i}, severity: critical}}\n"))
                .collect::<String>();
        let s = src(&text);
        let mut d = Diagnostics::default();
        let docs = parse(&s, &mut d).expect("parses");
        assert!(d.is_empty());
        let Kind::Map(top) = &docs[0].kind else {
            panic!()
        };
        let Kind::Seq(rules) = &top[1].1.kind else {
            panic!()
        };
        let Kind::Map(first) = &rules[0].kind else {
            panic!()
        };
        let keys: Vec<_> = first
            .iter()
            .map(|(k, v)| (k.as_scalar().unwrap().0, v.as_scalar().map(|x| x.0)))
            .collect();
        // Own keys win over merged ones; merged ones take the place of `<<`.
        assert_eq!(
            keys,
            vec![
                ("for", Some("5m")),
                ("labels", None),
                ("alert", Some("A0")),
                ("severity", Some("critical"))
            ]
        );
    }

    #[test]
    fn merge_of_a_list_prefers_the_first_and_rejects_scalars() {
        let s = src("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc: {<<: [*a, *b]}\n");
        let mut d = Diagnostics::default();
        let docs = parse(&s, &mut d).unwrap();
        let Kind::Map(top) = &docs[0].kind else {
            panic!()
        };
        let Kind::Map(c) = &top[2].1.kind else {
            panic!()
        };
        let got: Vec<_> = c
            .iter()
            .map(|(k, v)| (k.as_scalar().unwrap().0, v.as_scalar().unwrap().0))
            .collect();
        assert_eq!(got, vec![("x", "1"), ("y", "1"), ("z", "2")]);
        let mut d = Diagnostics::default();
        assert!(parse(&src("c: {<<: 5}\n"), &mut d).is_none());
        assert_eq!(d.iter().next().unwrap().code, Code::WrongType);
    }

    #[test]
    fn merge_bombs_count_against_the_budget() {
        let mut text = "a0: &a0 {k: [1,2,3,4,5,6,7,8,9]}\n".to_string();
        for i in 1..8 {
            let refs = (0..9)
                .map(|j| format!("m{j}: *a{}", i - 1))
                .collect::<Vec<_>>()
                .join(", ");
            text.push_str(&format!("a{i}: &a{i} {{<<: *a{}, {refs}}}\n", i - 1));
        }
        let mut d = Diagnostics::default();
        assert!(parse(&src(&text), &mut d).is_none());
        assert_eq!(d.iter().next().unwrap().code, Code::YamlLimit);
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!(
            "a: {}1{}\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        let mut d = Diagnostics::default();
        assert!(parse(&src(&ok), &mut d).is_some(), "{d:?}");
        let deep = format!("a: {}1{}\n", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&src(&deep), &mut d).is_none());
        let diag = d.iter().next().unwrap();
        assert_eq!(diag.code, Code::YamlLimit);
        assert_eq!(diag.position().unwrap().2, 3 + MAX_DEPTH);
        // Block nesting too.
        let block: String = (0..MAX_DEPTH + 1)
            .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
            .collect();
        let mut d = Diagnostics::default();
        assert!(parse(&src(&block), &mut d).is_none());
        assert_eq!(d.iter().next().unwrap().code, Code::YamlLimit);
    }
}
