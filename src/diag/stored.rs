//! Diagnostics as the cache keeps them: codes by name, places by file path and span,
//! never the texts. They are read back against whatever holds the texts now: the model
//! (an alert's kept lints) or the files on disk, checked unchanged (the warnings the
//! warm fast path shows again).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{Code, Diagnostic, Diagnostics, Location, Severity, SourceText, Span};

#[derive(Serialize, Deserialize)]
pub struct StoredDiag<'a> {
    code: Cow<'a, str>,
    severity: Severity,
    message: Cow<'a, str>,
    primary: Option<StoredLocation<'a>>,
    related: Vec<StoredLocation<'a>>,
    hint: Option<Cow<'a, str>>,
    notes: Vec<StoredDiag<'a>>,
}

#[derive(Serialize, Deserialize)]
struct StoredLocation<'a> {
    path: Cow<'a, str>,
    span: Span,
    label: Cow<'a, str>,
}

fn location_out(l: &Location) -> StoredLocation<'_> {
    StoredLocation {
        path: Cow::Borrowed(&*l.source.path),
        span: l.span,
        label: Cow::Borrowed(&l.label),
    }
}

impl<'a> StoredDiag<'a> {
    pub fn of(d: &'a Diagnostic) -> Self {
        StoredDiag {
            code: Cow::Borrowed(d.code.as_str()),
            severity: d.severity,
            message: Cow::Borrowed(&d.message),
            primary: d.primary.as_ref().map(location_out),
            related: d.related.iter().map(location_out).collect(),
            hint: d.hint.as_deref().map(Cow::Borrowed),
            notes: d.notes.iter().map(StoredDiag::of).collect(),
        }
    }

    /// Whether `codes` (`validate.ignore`) accept it: a warning of one of those codes is
    /// not shown.
    pub fn accepted(&self, codes: &[Code]) -> bool {
        Code::parse(&self.code).is_some_and(|c| super::accepts(codes, self.severity, &c))
    }

    /// The diagnostic, its places in the texts `source` gives by path; `None` if a code
    /// is unknown or `source` has no text for a path.
    pub fn back(self, source: &mut impl FnMut(&str) -> Option<SourceText>) -> Option<Diagnostic> {
        let mut loc = |l: StoredLocation| -> Option<Location> {
            Some(Location {
                source: source(&l.path)?,
                span: l.span,
                label: l.label.into_owned(),
            })
        };
        let primary = match self.primary {
            Some(l) => Some(loc(l)?),
            None => None,
        };
        let related = self.related.into_iter().map(loc).collect::<Option<_>>()?;
        Some(Diagnostic {
            code: Code::parse(&self.code)?,
            severity: self.severity,
            message: self.message.into_owned(),
            primary,
            related,
            hint: self.hint.map(Cow::into_owned),
            notes: self
                .notes
                .into_iter()
                .map(|n| n.back(source))
                .collect::<Option<_>>()?,
        })
    }
}

/// The encoding of `diags`, in their order.
pub fn encode<'a>(diags: impl Iterator<Item = &'a Diagnostic>) -> Vec<u8> {
    let stored: Vec<StoredDiag> = diags.map(StoredDiag::of).collect();
    postcard::to_allocvec(&stored).expect("diagnostics encode")
}

/// [`encode`]'s diagnostics back, against the texts `source` gives; `None` if the
/// bytes do not decode or a diagnostic does not come back ([`StoredDiag::back`]).
pub fn decode(
    bytes: &[u8],
    mut source: impl FnMut(&str) -> Option<SourceText>,
) -> Option<Diagnostics> {
    let stored: Vec<StoredDiag> = postcard::from_bytes(bytes).ok()?;
    let mut out = Diagnostics::default();
    for d in stored {
        out.push(d.back(&mut source)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field comes back, notes included, against the same texts; a path with no
    /// text or a code not known fails the whole decode.
    #[test]
    fn diagnostics_come_back_against_their_texts() {
        let a = SourceText::new("rules/a.yaml", "- template: X\n  scope: global\n");
        let b = SourceText::new("templates/x.yaml", "template: X\nexpr: up == 0\n");
        let d = Diagnostic::warning(Code::CrossScopeAggregation, "drops `namespace`")
            .at(&a, Span::new(2, 13), "this rule")
            .also(&b, Span::new(12, 17), "its template")
            .hint("keep the label");
        let mut diags = Diagnostics::default();
        diags.push(d);
        let bytes = encode(diags.iter());
        let texts = [a.clone(), b.clone()];
        let by_path = |p: &str| texts.iter().find(|t| &*t.path == p).cloned();
        let back = decode(&bytes, by_path).expect("decodes");
        assert_eq!(format!("{back:?}"), format!("{diags:?}"));
        assert!(decode(&bytes, |p: &str| (p == "rules/a.yaml").then(|| a.clone())).is_none());
        assert!(decode(&bytes[..bytes.len() - 1], by_path).is_none());
    }
}
