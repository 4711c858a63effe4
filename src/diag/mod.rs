//! Located diagnostics: every problem found in a rules directory, with the file, the byte
//! span, a stable code and a hint. Stages collect them in a [`Diagnostics`] list instead
//! of returning early, so `validate` can report everything in one run.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub mod stored;

/// A byte range inside one source file. Offsets are `u32`: a source file is at most
/// `source::load::MAX_FILE_BYTES` (8 MiB), and every rule, template and target keeps
/// several spans (half the size of `usize` ones on 64-bit is ~5 MB on a 100k-target
/// estate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// Offsets beyond `u32::MAX` (never produced by a file alertctl reads) saturate.
    pub fn new(start: usize, end: usize) -> Self {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX);
        Span {
            start,
            end: end.max(start),
        }
    }
    pub fn start(&self) -> usize {
        self.start as usize
    }
    pub fn end(&self) -> usize {
        self.end as usize
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// Stable diagnostic codes. The kebab-case name is part of the JSON output and of the
/// documentation (docs/diagnostics.md); never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    Io,
    YamlSyntax,
    TomlSyntax,
    Settings,
    UnknownField,
    MissingField,
    WrongType,
    DuplicateKey,
    DuplicateTemplate,
    UnknownTemplate,
    UnknownParam,
    MissingParam,
    BadParamValue,
    BadDuration,
    BadLabelName,
    BadName,
    BadScope,
    UnknownScope,
    DuplicateInventory,
    RuleConflict,
    AlertTemplateMismatch,
    BadTemplate,
    PromqlSyntax,
    Promtool,
    OutputCollision,
    CrossScopeAggregation,
    Secret,
    UnknownReceiver,
    UnreachableRoute,
    UnroutedGroup,
    /// A test file (`tests/*.yaml`) is invalid.
    TestInput,
    /// A rule unit test's expectation does not hold.
    TestFailed,
    YamlLimit,
    FileTooLarge,
    Encoding,
    BadPath,
    Symlink,
    SpecialFile,
    UnsafeOutput,
    AwkwardName,
    UnsupportedField,
    EmptySelection,
    RuleGroupConflict,
    ImportInput,
    ImportConflict,
    AmbiguousJob,
    JobNotRun,
    TargetWithoutJob,
    ScopedAbsent,
    ScopedDropsGroup,
    ScopedConstant,
    SeriesLabels,
    NoSeries,
    UnscrapedTarget,
    UnknownTarget,
    /// A source file changed on disk after the command read it.
    SourceChanged,
}

impl Code {
    pub const ALL: &'static [Code] = &[
        Code::Io,
        Code::YamlSyntax,
        Code::TomlSyntax,
        Code::Settings,
        Code::UnknownField,
        Code::MissingField,
        Code::WrongType,
        Code::DuplicateKey,
        Code::DuplicateTemplate,
        Code::UnknownTemplate,
        Code::UnknownParam,
        Code::MissingParam,
        Code::BadParamValue,
        Code::BadDuration,
        Code::BadLabelName,
        Code::BadName,
        Code::BadScope,
        Code::UnknownScope,
        Code::DuplicateInventory,
        Code::RuleConflict,
        Code::AlertTemplateMismatch,
        Code::BadTemplate,
        Code::PromqlSyntax,
        Code::Promtool,
        Code::OutputCollision,
        Code::CrossScopeAggregation,
        Code::Secret,
        Code::UnknownReceiver,
        Code::UnreachableRoute,
        Code::UnroutedGroup,
        Code::TestInput,
        Code::TestFailed,
        Code::YamlLimit,
        Code::FileTooLarge,
        Code::Encoding,
        Code::BadPath,
        Code::Symlink,
        Code::SpecialFile,
        Code::UnsafeOutput,
        Code::AwkwardName,
        Code::UnsupportedField,
        Code::EmptySelection,
        Code::RuleGroupConflict,
        Code::ImportInput,
        Code::ImportConflict,
        Code::AmbiguousJob,
        Code::JobNotRun,
        Code::TargetWithoutJob,
        Code::ScopedAbsent,
        Code::ScopedDropsGroup,
        Code::ScopedConstant,
        Code::SeriesLabels,
        Code::NoSeries,
        Code::UnscrapedTarget,
        Code::UnknownTarget,
        Code::SourceChanged,
    ];

    /// The codes that are warnings: a person may accept them (`ignore:` on a template or
    /// rule, `validate.ignore`), and `--deny-warnings` makes them errors.
    pub const WARNINGS: &'static [Code] = &[
        Code::CrossScopeAggregation,
        Code::UnroutedGroup,
        Code::AwkwardName,
        Code::EmptySelection,
        Code::JobNotRun,
        Code::TargetWithoutJob,
        Code::ScopedAbsent,
        Code::ScopedDropsGroup,
        Code::ScopedConstant,
        Code::NoSeries,
        Code::UnscrapedTarget,
        Code::UnknownTarget,
        Code::SourceChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Io => "io",
            Code::YamlSyntax => "yaml-syntax",
            Code::TomlSyntax => "toml-syntax",
            Code::Settings => "settings",
            Code::UnknownField => "unknown-field",
            Code::MissingField => "missing-field",
            Code::WrongType => "wrong-type",
            Code::DuplicateKey => "duplicate-key",
            Code::DuplicateTemplate => "duplicate-template",
            Code::UnknownTemplate => "unknown-template",
            Code::UnknownParam => "unknown-param",
            Code::MissingParam => "missing-param",
            Code::BadParamValue => "bad-param-value",
            Code::BadDuration => "bad-duration",
            Code::BadLabelName => "bad-label-name",
            Code::BadName => "bad-name",
            Code::BadScope => "bad-scope",
            Code::UnknownScope => "unknown-scope",
            Code::DuplicateInventory => "duplicate-inventory",
            Code::RuleConflict => "rule-conflict",
            Code::AlertTemplateMismatch => "alert-template-mismatch",
            Code::BadTemplate => "bad-template",
            Code::PromqlSyntax => "promql-syntax",
            Code::Promtool => "promtool",
            Code::OutputCollision => "output-collision",
            Code::CrossScopeAggregation => "cross-scope-aggregation",
            Code::Secret => "secret-in-repo",
            Code::UnknownReceiver => "unknown-receiver",
            Code::UnreachableRoute => "unreachable-route",
            Code::UnroutedGroup => "unrouted-group",
            Code::TestInput => "test-input",
            Code::TestFailed => "test-failed",
            Code::YamlLimit => "yaml-limit",
            Code::FileTooLarge => "file-too-large",
            Code::Encoding => "encoding",
            Code::BadPath => "bad-path",
            Code::Symlink => "symlink",
            Code::SpecialFile => "special-file",
            Code::UnsafeOutput => "unsafe-output",
            Code::AwkwardName => "awkward-name",
            Code::UnsupportedField => "unsupported-field",
            Code::EmptySelection => "empty-selection",
            Code::RuleGroupConflict => "rule-group-conflict",
            Code::ImportInput => "import-input",
            Code::ImportConflict => "import-conflict",
            Code::AmbiguousJob => "ambiguous-job",
            Code::JobNotRun => "job-not-run",
            Code::TargetWithoutJob => "target-without-job",
            Code::ScopedAbsent => "scoped-absent",
            Code::ScopedDropsGroup => "scoped-drops-group",
            Code::ScopedConstant => "scoped-constant",
            Code::SeriesLabels => "series-labels",
            Code::NoSeries => "no-series",
            Code::UnscrapedTarget => "unscraped-target",
            Code::UnknownTarget => "unknown-target",
            Code::SourceChanged => "source-changed",
        }
    }

    /// The code with this kebab-case name (`ignore:` lists name codes this way).
    pub fn parse(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "alertctl::{}", self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// A related location shown with its own snippet.
    Note,
}

/// A source file's text, shared by every diagnostic that points into it.
///
/// A text can be let go of once the model is built ([`SourceText::released`]) and is
/// read again only if something asks for it: `validate` on a large directory keeps
/// most of its texts out of memory through the render (most files have no
/// diagnostic); they were the largest part of its peak not needed for the answer.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub path: Arc<str>,
    body: Arc<Body>,
}

#[derive(Debug)]
struct Body {
    text: std::sync::OnceLock<Arc<str>>,
    /// Where a released text is read again from, and what it must hash to.
    origin: Option<Origin>,
}

#[derive(Debug)]
struct Origin {
    /// The rules directory; the file is `path` under it.
    root: Arc<std::path::Path>,
    hash: blake3::Hash,
    len: usize,
    /// Read again, it was not the text the model was built from.
    changed: std::sync::atomic::AtomicBool,
}

impl SourceText {
    pub fn new(path: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> SourceText {
        SourceText {
            path: path.into(),
            body: Arc::new(Body {
                text: std::sync::OnceLock::from(text.into()),
                origin: None,
            }),
        }
    }

    /// The text. A released one is read from its file on first use, under the load's
    /// limits and without following a link put in its place; if that fails or the
    /// file no longer hashes the same (changed on disk since it was read), it is
    /// blanks of the same length, so every span stays in bounds, and
    /// [`SourceText::changed`] says so.
    pub fn text(&self) -> &Arc<str> {
        use crate::source::load;
        self.body.text.get_or_init(|| {
            let o = self
                .body
                .origin
                .as_ref()
                .expect("a text without an origin is set when made");
            match load::read_again(&o.root.join(&*self.path), &self.path) {
                Ok(t) if load::content_digest(&t) == o.hash => Arc::from(t),
                _ => {
                    o.changed.store(true, std::sync::atomic::Ordering::Relaxed);
                    Arc::from(" ".repeat(o.len))
                }
            }
        })
    }

    /// This text let go of, to be read again from `path` under `root` (where it was
    /// read from) if asked for. `None` when no memory would be freed: the text is
    /// empty, or other holders (diagnostics made so far) keep it anyway.
    pub fn released(&self, root: &Arc<std::path::Path>) -> Option<SourceText> {
        let text = self.body.text.get()?;
        if text.is_empty() || Arc::strong_count(&self.body) > 1 {
            return None;
        }
        Some(SourceText {
            path: self.path.clone(),
            body: Arc::new(Body {
                text: std::sync::OnceLock::new(),
                origin: Some(Origin {
                    root: root.clone(),
                    hash: crate::source::load::content_digest(text),
                    len: text.len(),
                    changed: Default::default(),
                }),
            }),
        })
    }

    /// Whether this released text, read again, was not what the model was built from
    /// (or could not be read).
    pub fn changed(&self) -> bool {
        self.body
            .origin
            .as_ref()
            .is_some_and(|o| o.changed.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// A place in a source file, with the label shown under the snippet.
#[derive(Debug, Clone)]
pub struct Location {
    pub source: SourceText,
    pub span: Span,
    pub label: String,
}

impl Location {
    /// 1-based line and column (in characters) of the span start.
    pub fn line_col(&self) -> (usize, usize) {
        self.source.line_col(self.span.start())
    }

    /// [`Location::line_col`] of the span end.
    pub fn end_line_col(&self) -> (usize, usize) {
        self.source.line_col(self.span.end())
    }
}

impl SourceText {
    /// 1-based line and column (in characters) of `offset`, from the text's line index
    /// when it is large: every position asked of a large file scanned it from its
    /// start, so that 20k diagnostics in one inventory took 10 s to print as JSON.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        match indexed(self.text()) {
            Some((idx, _)) => idx.line_col(self.text(), offset),
            None => line_col(self.text(), offset),
        }
    }
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Texts below this size are scanned from their start for each position: cheap, and no
/// index is kept for them.
const INDEX_FROM: usize = 64 * 1024;

/// The line indexes of the last few large texts asked about. Positions and snippets
/// of diagnostics were found by scanning from the file's start, once per diagnostic:
/// with tens of thousands of them in large files (100k templates) that was a fifth of
/// a cold `validate`. The text itself is kept with its index, so a pointer compared
/// here can never belong to a freed and reused allocation.
static INDEXES: std::sync::Mutex<Vec<(Arc<str>, Indexed)>> = std::sync::Mutex::new(Vec::new());

/// A kept line index, and whether its text has a `\r` (which miette counts as a line
/// break when alone, and the index does not).
type Indexed = (Arc<LineIndex>, bool);

fn indexed(text: &Arc<str>) -> Option<Indexed> {
    if text.len() < INDEX_FROM {
        return None;
    }
    let lock = || INDEXES.lock().unwrap_or_else(|e| e.into_inner());
    {
        let mut cache = lock();
        if let Some(i) = cache.iter().position(|(t, _)| Arc::ptr_eq(t, text)) {
            let hit = cache.remove(i);
            let idx = hit.1.clone();
            cache.push(hit);
            return Some(idx);
        }
    }
    // Built outside the lock: other threads' lookups need not wait for it.
    let idx = (Arc::new(LineIndex::new(text)), text.contains('\r'));
    let mut cache = lock();
    if let Some(i) = cache.iter().position(|(t, _)| Arc::ptr_eq(t, text)) {
        return Some(cache[i].1.clone());
    }
    if cache.len() == 8 {
        cache.remove(0);
    }
    cache.push((text.clone(), idx.clone()));
    Some(idx)
}

/// Where each line of a text starts: the line of many offsets in one file without
/// scanning the file from its start each time (`place` of every rule of a file with
/// thousands of them made the index build quadratic).
#[derive(Debug)]
pub struct LineIndex(Vec<usize>);

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex(starts)
    }

    /// The 1-based line of `offset`, as [`line_col`] counts it.
    pub fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&s| s <= offset)
    }

    /// [`line_col`] of `text`, the text this index was built from.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line(offset);
        let col = text[self.0[line - 1]..offset].chars().count() + 1;
        (line, col)
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Where the problem is; `None` for problems of the directory as a whole.
    pub primary: Option<Location>,
    /// Other places involved (the other rule of a conflict, the template of a rule).
    pub related: Vec<Location>,
    pub hint: Option<String>,
    /// Related locations in other files, as notes miette renders with their own snippet.
    pub notes: Vec<Diagnostic>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            related: Vec::new(),
            hint: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, source: &SourceText, span: Span, label: impl Into<String>) -> Self {
        self.primary = Some(Location {
            source: source.clone(),
            span,
            label: label.into(),
        });
        self
    }

    pub fn also(mut self, source: &SourceText, span: Span, label: impl Into<String>) -> Self {
        let label = label.into();
        if self
            .primary
            .as_ref()
            .is_some_and(|p| p.source.path != source.path)
        {
            let mut note =
                Diagnostic::error(self.code, label.clone()).at(source, span, label.clone());
            note.severity = Severity::Note;
            self.notes.push(note);
        }
        self.related.push(Location {
            source: source.clone(),
            span,
            label,
        });
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `file:line:col` of the primary location, as editors and CI annotations want it.
    pub fn position(&self) -> Option<(String, usize, usize)> {
        self.primary.as_ref().map(|l| {
            let (line, col) = l.line_col();
            (l.source.path.to_string(), line, col)
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// miette renders the primary location with its snippet; related locations in other files
/// become related reports so each is shown with its own snippet.
impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.hint
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.primary
            .as_ref()
            .map(|l| &l.source as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let primary = self.primary.as_ref()?;
        let mut labels = vec![miette::LabeledSpan::new_primary_with_span(
            Some(primary.label.clone()),
            (primary.span.start(), primary.span.len()),
        )];
        for r in &self.related {
            if r.source.path == primary.source.path {
                labels.push(miette::LabeledSpan::new_with_span(
                    Some(r.label.clone()),
                    (r.span.start(), r.span.len()),
                ));
            }
        }
        Some(Box::new(labels.into_iter()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.notes.is_empty() {
            return None;
        }
        Some(Box::new(
            self.notes.iter().map(|n| n as &dyn miette::Diagnostic),
        ))
    }
}

/// miette finds a snippet's lines by scanning its input from the first byte, once per
/// snippet: with thousands of diagnostics into one large rules file that grew as
/// diagnostics x file size (10 % of a cold `validate` of 20k templates). It is handed
/// the text from a few lines above the span instead; line numbers stay absolute.
impl miette::SourceCode for SourceText {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let bytes = self.text().as_bytes();
        let cut = snippet_start(bytes, span.offset(), context_lines_before);
        let inner = bytes[cut..].read_span(
            &(span.offset() - cut, span.len()).into(),
            context_lines_before,
            context_lines_after,
        )?;
        // miette's `line_count` counts from the start of its input, too.
        let lines_before = match indexed(self.text()) {
            Some((idx, false)) => idx.line(cut) - 1,
            _ => line_breaks(&bytes[..cut]),
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.path.to_string(),
            inner.data(),
            (inner.span().offset() + cut, inner.span().len()).into(),
            inner.line() + lines_before,
            inner.column(),
            inner.line_count() + lines_before,
        )))
    }
}

/// The start of a line at least `before + 1` lines above `offset` (0 when there are not
/// that many): more lines than miette keeps as context, so it finds the same ones.
fn snippet_start(bytes: &[u8], offset: usize, before: usize) -> usize {
    let mut newlines = 0;
    for i in (0..offset.min(bytes.len())).rev() {
        if bytes[i] == b'\n' {
            newlines += 1;
            if newlines == before + 2 {
                return i + 1;
            }
        }
    }
    0
}

/// Line breaks as miette counts them: `\n`, `\r\n` and a lone `\r`.
fn line_breaks(bytes: &[u8]) -> usize {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    if !bytes.contains(&b'\r') {
        return newlines;
    }
    let lone_cr = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
        .count();
    newlines + lone_cr
}

/// The diagnostics of one run, in the order found; `sorted()` gives the stable output order.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
    pub fn warning_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// Sorted by file, then position, then code, so output is stable across runs.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.items.iter().collect();
        v.sort_by(|a, b| {
            let ka = a
                .primary
                .as_ref()
                .map(|l| (l.source.path.clone(), l.span.start));
            let kb = b
                .primary
                .as_ref()
                .map(|l| (l.source.path.clone(), l.span.start));
            ka.cmp(&kb)
                .then(a.code.cmp(&b.code))
                .then(a.message.cmp(&b.message))
        });
        v
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
    /// Drops the warnings whose code a person accepted for the whole directory
    /// (`validate.ignore`); errors are never dropped.
    pub fn accept(&mut self, codes: &[Code]) {
        self.items.retain(|d| !accepted(d, codes));
    }

    /// The diagnostics [`Diagnostics::accept`] would keep.
    pub fn shown<'a>(&'a self, codes: &'a [Code]) -> impl Iterator<Item = &'a Diagnostic> {
        self.items.iter().filter(move |d| !accepted(d, codes))
    }
    /// `--deny-warnings`: every warning becomes an error, for CI.
    pub fn deny_warnings(&mut self) {
        for d in &mut self.items {
            if d.severity == Severity::Warning {
                d.severity = Severity::Error;
            }
        }
    }
}

/// A warning whose code `codes` accepts (`validate.ignore`): not shown.
fn accepted(d: &Diagnostic, codes: &[Code]) -> bool {
    accepts(codes, d.severity, &d.code)
}

/// Whether `codes` (`validate.ignore`) accept a diagnostic of this severity and code.
pub(crate) fn accepts(codes: &[Code], severity: Severity, code: &Code) -> bool {
    severity == Severity::Warning && codes.contains(code)
}

/// The first `shown` items joined with `sep`, then `and N more`: a bounded list for a
/// message about many names.
pub fn bounded_list(items: &[String], shown: usize, sep: &str) -> String {
    let mut s = items
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join(sep);
    if items.len() > shown {
        s.push_str(&format!("{sep}and {} more", items.len() - shown));
    }
    s
}

#[derive(Serialize)]
struct JsonLocation {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    label: String,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    code: &'static str,
    severity: Severity,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<JsonLocation>,
    related: Vec<JsonLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

fn json_loc(l: &Location) -> JsonLocation {
    let (line, column) = l.line_col();
    let (end_line, end_column) = l.end_line_col();
    JsonLocation {
        file: l.source.path.to_string(),
        line,
        column,
        end_line,
        end_column,
        label: l.label.clone(),
    }
}

impl Diagnostics {
    /// Reads again, on every core, each released text ([`SourceText::released`]) a
    /// diagnostic points into, before anything is printed. A file that no longer holds
    /// what was loaded (changed on disk during the run, or unreadable) gets a warning:
    /// its snippets are blank and positions in it may be wrong.
    pub fn recall_texts(&mut self) {
        use rayon::prelude::*;
        fn each<'d>(d: &'d Diagnostic, out: &mut Vec<&'d SourceText>) {
            out.extend(d.primary.iter().chain(&d.related).map(|l| &l.source));
            for n in &d.notes {
                each(n, out);
            }
        }
        let mut sources = Vec::new();
        for d in &self.items {
            each(d, &mut sources);
        }
        sources.sort_by_key(|s| Arc::as_ptr(&s.body));
        sources.dedup_by_key(|s| Arc::as_ptr(&s.body));
        let mut changed: Vec<Arc<str>> = sources
            .par_iter()
            .filter(|s| {
                s.text();
                s.changed()
            })
            .map(|s| s.path.clone())
            .collect();
        changed.sort();
        changed.dedup();
        for path in changed {
            self.push(
                Diagnostic::warning(
                    Code::SourceChanged,
                    format!("`{path}` changed on disk while alertctl ran: snippets of it are blank and positions in it may be wrong"),
                )
                .hint("run the command again"),
            );
        }
    }

    /// Sorted, as `validate --format json` prints them and `serve` shows them: each with
    /// its code, message, hint and 1-based start and end (line, column in characters).
    pub fn json(&self) -> serde_json::Value {
        let items: Vec<JsonDiagnostic> = self
            .sorted()
            .into_iter()
            .map(|d| JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity,
                message: d.message.clone(),
                location: d.primary.as_ref().map(json_loc),
                related: d.related.iter().map(json_loc).collect(),
                hint: d.hint.clone(),
            })
            .collect();
        serde_json::to_value(items).unwrap_or_default()
    }
}

/// `2 errors`, or `2 errors, 1 warning` when there are warnings.
pub fn counts(diags: &Diagnostics) -> String {
    let (e, w) = (diags.error_count(), diags.warning_count());
    if w == 0 {
        plural(e, "error")
    } else {
        format!("{}, {}", plural(e, "error"), plural(w, "warning"))
    }
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Closest candidate by edit distance, for "did you mean" hints.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    let wlen = word.chars().count();
    // Bounded work: an estate has 100k target names, and a run may have 1000s of typos.
    for c in candidates.into_iter().take(50_000) {
        if c.chars().count().abs_diff(wlen) > (c.chars().count().max(wlen) / 3).max(2) {
            continue;
        }
        let d = levenshtein(&word.to_lowercase(), &c.to_lowercase());
        let limit = (c.chars().count().max(word.chars().count()) / 3).max(2);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance where swapping two neighbours counts as one edit ("wbe" -> "web").
fn levenshtein(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A released text reads back as it was; one edited, grown past the limit, removed,
    /// or replaced by a link (even to the same text) or a FIFO meanwhile reads as blanks
    /// of the same length (every span stays in bounds, a snippet still prints), and
    /// `recall_texts` warns once per file.
    #[test]
    fn released_texts_read_back_only_if_unchanged() {
        use miette::SourceCode;
        let dir = tempfile::tempdir().unwrap();
        let root: Arc<std::path::Path> = Arc::from(dir.path());
        std::fs::create_dir(dir.path().join("rules")).unwrap();
        let text = "- template: a\n  scope: global\n";
        let file = |name: &str| dir.path().join("rules").join(name);
        let released = |name: &str| {
            std::fs::write(file(name), text).unwrap();
            SourceText::new(format!("rules/{name}"), text)
                .released(&root)
                .unwrap()
        };
        let same = released("same.yaml");
        assert_eq!(&**same.text(), text);
        assert!(!same.changed());

        let mut changed = vec![
            released("edited.yaml"),
            released("gone.yaml"),
            released("huge.yaml"),
            released("link.yaml"),
        ];
        std::fs::write(file("edited.yaml"), "- template: b\n  scope: global\n").unwrap();
        std::fs::remove_file(file("gone.yaml")).unwrap();
        std::fs::File::options()
            .write(true)
            .open(file("huge.yaml"))
            .unwrap()
            .set_len(crate::source::load::MAX_FILE_BYTES + 1)
            .unwrap();
        std::fs::remove_file(file("link.yaml")).unwrap();
        std::os::unix::fs::symlink(file("same.yaml"), file("link.yaml")).unwrap();
        #[cfg(target_os = "linux")]
        {
            changed.push(released("fifo.yaml"));
            std::fs::remove_file(file("fifo.yaml")).unwrap();
            let made = std::process::Command::new("mkfifo")
                .arg(file("fifo.yaml"))
                .status();
            assert!(made.unwrap().success());
        }
        let mut diags = Diagnostics::default();
        for r in &changed {
            for span in [Span::new(2, 10), Span::new(13, 20)] {
                diags.push(Diagnostic::warning(Code::UnknownTemplate, "x").at(r, span, "here"));
            }
        }
        diags.recall_texts();
        let warned: Vec<&str> = diags
            .iter()
            .filter(|d| d.code == Code::SourceChanged)
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(warned.len(), changed.len(), "{warned:?}");
        assert!(warned[0].starts_with("`rules/edited.yaml` changed on disk while alertctl ran"));
        for d in diags.iter().filter(|d| d.code != Code::SourceChanged) {
            let l = d.primary.as_ref().unwrap();
            assert!(l.source.changed(), "{}", l.source.path);
            assert_eq!(&**l.source.text(), " ".repeat(text.len()));
            assert_eq!(l.line_col().0, 1);
            let span: miette::SourceSpan = (l.span.start(), l.span.len()).into();
            assert!(l.source.read_span(&span, 2, 2).is_ok());
        }
    }

    /// A text a diagnostic already holds is not released (it would be kept twice),
    /// nor is an empty one.
    #[test]
    fn held_or_empty_texts_are_not_released() {
        let root: Arc<std::path::Path> = Arc::from(std::path::Path::new("/nonexistent"));
        let src = SourceText::new("rules/a.yaml", "x: 1\n");
        let d = Diagnostic::warning(Code::UnknownTemplate, "x").at(&src, Span::new(0, 1), "");
        assert!(src.released(&root).is_none());
        drop(d);
        assert!(src.released(&root).is_some());
        assert!(SourceText::new("rules/e.yaml", "")
            .released(&root)
            .is_none());
    }

    #[test]
    fn spans_keep_offsets_and_saturate_past_u32() {
        let s = Span::new(7, 3);
        assert_eq!((s.start(), s.end(), s.len()), (7, 7, 0));
        let s = Span::new(4_000_000_000, 4_000_000_010);
        assert_eq!(
            (s.start(), s.end(), s.len()),
            (4_000_000_000, 4_000_000_010, 10)
        );
        // Never from a file alertctl reads; must not wrap to a small offset.
        let s = Span::new(usize::MAX - 1, usize::MAX);
        assert_eq!((s.start(), s.end()), (u32::MAX as usize, u32::MAX as usize));
        assert_eq!(std::mem::size_of::<Span>(), 8);
    }

    #[test]
    fn snippets_are_miettes_own_from_any_offset() {
        // LF, CRLF, a lone CR, empty lines, multi-byte characters, no final newline.
        let text = "a: 1\nb: é\r\n\n- c\rd: [x,\n  y]\n\n\nlast ü";
        same_as_miette(text, (0..=text.len()).collect());
    }

    /// Large texts go through the kept line index: the same snippets and positions.
    #[test]
    fn large_texts_are_indexed_with_the_same_answers() {
        let mut text = String::new();
        for i in 0..4000 {
            text.push_str(&format!("- rule: n{i}\n  é: [x,\n\n  y]\n"));
        }
        assert!(text.len() > INDEX_FROM);
        let offsets = (0..=text.len())
            .step_by(997)
            .chain([text.len() - 1])
            .collect();
        same_as_miette(&text, offsets);
        let src = SourceText::new("big.yaml", text.as_str());
        for start in (0..=text.len()).step_by(331) {
            let l = Location {
                source: src.clone(),
                span: Span::new(start, start),
                label: String::new(),
            };
            assert_eq!(l.line_col(), line_col(&text, start), "offset {start}");
        }
        assert!(indexed(src.text()).is_some());
    }

    fn same_as_miette(text: &str, offsets: Vec<usize>) {
        use miette::SourceCode;
        let src = SourceText::new("f.yaml", text);
        for start in offsets.into_iter().filter(|&i| text.is_char_boundary(i)) {
            for len in [0, 1, 3] {
                for (before, after) in [(0, 0), (1, 1), (2, 3), (5, 0)] {
                    let span: miette::SourceSpan = (start, len).into();
                    let mine = src.read_span(&span, before, after);
                    let theirs = text.as_bytes().read_span(&span, before, after);
                    let what = format!("span {start}+{len}, context {before}/{after}");
                    assert_eq!(mine.is_ok(), theirs.is_ok(), "{what}");
                    let (Ok(m), Ok(t)) = (mine, theirs) else {
                        continue;
                    };
                    assert_eq!(m.data(), t.data(), "{what}");
                    assert_eq!(m.span(), t.span(), "{what}");
                    assert_eq!(m.line(), t.line(), "{what}");
                    assert_eq!(m.column(), t.column(), "{what}");
                    assert_eq!(m.line_count(), t.line_count(), "{what}");
                }
            }
        }
    }

    #[test]
    fn codes_are_unique() {
        let mut names: Vec<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len());
    }

    #[test]
    fn did_you_mean_finds_typos() {
        assert_eq!(
            did_you_mean("treshold", ["threshold", "window"]),
            Some("threshold")
        );
        assert_eq!(
            did_you_mean("severty", ["severity", "for"]),
            Some("severity")
        );
        assert_eq!(did_you_mean("zzz", ["severity", "for"]), None);
        assert_eq!(did_you_mean("wbe", ["db", "web"]), Some("web"));
    }

    #[test]
    fn bounded_lists() {
        let v: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(bounded_list(&v, 5, ", "), "a, b, c");
        assert_eq!(bounded_list(&v, 2, "; "), "a; b; and 1 more");
    }

    #[test]
    fn line_col_counts_chars() {
        let t = "ab\ncé d\n";
        let idx = LineIndex::new(t);
        for off in 0..=t.len() + 2 {
            assert_eq!(idx.line(off), line_col(t, off).0, "offset {off}");
        }
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 7), (2, 4));
    }
}
