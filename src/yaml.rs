//! A small YAML tree with a byte span on every node, built from saphyr-parser's events.
//! serde_yaml gives no positions for values, and every semantic error (an unknown
//! template, a bad threshold) must point at the exact place in the user's file.
//! Duplicate mapping keys are reported here, since YAML loaders usually keep the last one
//! silently.

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

enum Frame {
    Seq {
        start: usize,
        items: Vec<Node>,
        anchor: usize,
    },
    Map {
        start: usize,
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        anchor: usize,
    },
}

/// Parses every document of a YAML stream. On a syntax error, returns the diagnostic and
/// no documents: a half-read file must not produce half a model.
pub fn parse(source: &SourceText, diags: &mut Diagnostics) -> Option<Vec<Node>> {
    let text: &str = &source.text;
    let offsets = Offsets::new(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = Default::default();
    let mut dup_errors = Diagnostics::default();

    for item in Parser::new_from_str(text) {
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
        let node = match event {
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
                    anchors.insert(anchor, n.clone());
                }
                Some(n)
            }
            Event::Alias(id) => Some(anchors.get(&id).cloned().unwrap_or(Node {
                span: Span::new(start, end),
                kind: Kind::Scalar {
                    text: String::new(),
                    quoted: false,
                },
            })),
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq {
                    start,
                    items: Vec::new(),
                    anchor,
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map {
                    start,
                    entries: Vec::new(),
                    pending_key: None,
                    anchor,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    start: s,
                    items,
                    anchor,
                }) => {
                    let e = items.last().map_or(end.max(s), |n| n.span.end.max(s));
                    let n = Node {
                        span: Span::new(s, e),
                        kind: Kind::Seq(items),
                    };
                    if anchor > 0 {
                        anchors.insert(anchor, n.clone());
                    }
                    Some(n)
                }
                _ => None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    start: s,
                    entries,
                    anchor,
                    ..
                }) => {
                    let e = entries
                        .last()
                        .map_or(end.max(s), |(_, v)| v.span.end.max(s));
                    let n = Node {
                        span: Span::new(s, e),
                        kind: Kind::Map(entries),
                    };
                    if anchor > 0 {
                        anchors.insert(anchor, n.clone());
                    }
                    Some(n)
                }
                _ => None,
            },
            _ => None,
        };
        let Some(node) = node else { continue };
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
    use std::sync::Arc;

    fn src(t: &str) -> SourceText {
        SourceText {
            path: Arc::from("t.yaml"),
            text: Arc::from(t),
        }
    }

    #[test]
    fn spans_point_at_values() {
        let s = src("a: 1\nb:\n  - x\n  - \"y z\"\n");
        let mut d = Diagnostics::default();
        let docs = parse(&s, &mut d).unwrap();
        let Kind::Map(entries) = &docs[0].kind else {
            panic!()
        };
        assert_eq!(&s.text[entries[0].1.span.start..entries[0].1.span.end], "1");
        let Kind::Seq(items) = &entries[1].1.kind else {
            panic!()
        };
        assert_eq!(&s.text[items[0].span.start..items[0].span.end], "x");
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

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let s = src("é: ü\nk: v\n");
        let mut d = Diagnostics::default();
        let docs = parse(&s, &mut d).unwrap();
        let Kind::Map(entries) = &docs[0].kind else {
            panic!()
        };
        assert_eq!(&s.text[entries[1].1.span.start..entries[1].1.span.end], "v");
    }
}
