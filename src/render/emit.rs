//! Rule files as YAML text, byte for byte what `serde_yaml::to_string` (serde_yaml 0.9.34
//! on unsafe-libyaml 0.2.11) writes, without its event machinery: on a large estate the
//! libyaml emitter (scalar analysis char by char, an allocation per event) was a fifth
//! of a one-file edit.
//!
//! The shape is fixed (a `groups` block sequence of mappings, rules as block sequences
//! of mappings, labels and annotations as block mappings), so only scalars need
//! libyaml's rules; they are ported here from `yaml_emitter_analyze_scalar`,
//! `yaml_emitter_select_scalar_style` and the plain, single-quoted, double-quoted and
//! literal writers, with serde_yaml's choice of the requested style (`serialize_str`:
//! a `\n` asks for a literal block, text that would read back as null, bool, int or
//! float asks for single quotes). serde_yaml sets no line width, so nothing is folded.
//!
//! Falls back to serde_yaml for the whole file when a label or annotation *key* contains
//! a line break or is longer than 128 bytes: libyaml then writes it as a complex key
//! (`? ...`), whose layout is not worth porting for keys nobody writes. Everything else
//! is written here; `tests/emit.rs` checks the output against serde_yaml on adversarial
//! input, so a serde_yaml upgrade that changes its output fails there.

use std::fmt::Write as _;

use super::{PromRule, RuleFile, RuleGroup};
use crate::model::vecmap::VecMap;

/// `file` as `serde_yaml::to_string(file)` writes it.
pub fn rule_file(file: &RuleFile) -> String {
    without_fallback(file)
        .unwrap_or_else(|| serde_yaml::to_string(file).expect("rule files serialize"))
}

/// [`rule_file`] when it needs no serde_yaml (`None`: a key it leaves to serde_yaml), so
/// tests can tell the emitter's own output from the fallback's.
pub fn without_fallback(file: &RuleFile) -> Option<String> {
    let mut e = Emitter::with_capacity(estimate(file));
    e.rule_file(file).ok()?;
    Some(e.out)
}

/// A key libyaml would write as `? key`; see the module doc.
#[derive(Debug)]
struct ComplexKey;

/// About the text's size, so the output is rarely reallocated.
fn estimate(file: &RuleFile) -> usize {
    let map =
        |m: &VecMap<String, String>| m.iter().map(|(k, v)| k.len() + v.len() + 16).sum::<usize>();
    file.groups
        .iter()
        .map(|g| {
            64 + g.name.len()
                + g.rules
                    .iter()
                    .map(|r| {
                        96 + r.name().len() + r.expr.len() + map(&r.labels) + map(&r.annotations)
                    })
                    .sum::<usize>()
        })
        .sum::<usize>()
        + 16
}

/// The style serde_yaml asks libyaml for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Requested {
    Plain,
    SingleQuoted,
    Literal,
}

/// The style libyaml writes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// libyaml's emitter state that decides spaces and line breaks.
struct Emitter {
    out: String,
    /// Byte offset in `out` where the current line starts (libyaml's column 0).
    line_start: usize,
    /// The last thing written was whitespace (libyaml `whitespace`).
    whitespace: bool,
    /// Only indentation (and indicators allowed in it) on this line so far.
    indention: bool,
}

impl Emitter {
    fn with_capacity(n: usize) -> Self {
        Emitter {
            out: String::with_capacity(n),
            line_start: 0,
            whitespace: true,
            indention: true,
        }
    }

    fn rule_file(&mut self, file: &RuleFile) -> Result<(), ComplexKey> {
        // Root mapping at indent 0; its one key is followed by an indentless sequence.
        self.write_indent(0);
        self.field_key("groups");
        self.sequence(&file.groups, 0, Self::group)?;
        // DOCUMENT-END (implicit).
        self.write_indent(0);
        Ok(())
    }

    fn group(&mut self, g: &RuleGroup, indent: usize) -> Result<(), ComplexKey> {
        self.field(indent, "name", &g.name);
        if let Some(i) = &g.interval {
            self.field(indent, "interval", i);
        }
        if let Some(l) = g.limit {
            self.write_indent(indent);
            self.field_key("limit");
            // serde_yaml writes integers as requested-plain scalars: digits only.
            self.plain(&l.to_string());
        }
        self.write_indent(indent);
        self.field_key("rules");
        self.sequence(&g.rules, indent, Self::rule)
    }

    /// An indentless block sequence under a key at `indent` (`[]` when empty), each
    /// item a mapping at `indent + 2`.
    fn sequence<T>(
        &mut self,
        items: &[T],
        indent: usize,
        item: fn(&mut Self, &T, usize) -> Result<(), ComplexKey>,
    ) -> Result<(), ComplexKey> {
        if items.is_empty() {
            self.empty_sequence();
        }
        for x in items {
            self.write_indent(indent);
            self.indicator("-", true, false, true);
            item(self, x, indent + 2)?;
        }
        Ok(())
    }

    fn rule(&mut self, r: &PromRule, indent: usize) -> Result<(), ComplexKey> {
        if let Some(a) = &r.alert {
            self.field(indent, "alert", a);
        }
        if let Some(rec) = &r.record {
            self.field(indent, "record", rec);
        }
        self.field(indent, "expr", &r.expr);
        if let Some(f) = &r.for_ {
            self.field(indent, "for", f);
        }
        if let Some(k) = &r.keep_firing_for {
            self.field(indent, "keep_firing_for", k);
        }
        self.map_field(indent, "labels", &r.labels)?;
        self.map_field(indent, "annotations", &r.annotations)
    }

    /// A struct field holding a mapping, left out when empty (`skip_serializing_if`).
    fn map_field(
        &mut self,
        indent: usize,
        key: &str,
        m: &VecMap<String, String>,
    ) -> Result<(), ComplexKey> {
        if m.is_empty() {
            return Ok(());
        }
        self.write_indent(indent);
        self.field_key(key);
        self.map(m, indent + 2)
    }

    /// A non-empty block mapping of strings at `indent`.
    fn map(&mut self, m: &VecMap<String, String>, indent: usize) -> Result<(), ComplexKey> {
        for (k, v) in m.iter() {
            let a = analyze(k);
            if a.multiline || k.len() > 128 {
                return Err(ComplexKey);
            }
            self.write_indent(indent);
            let style = match requested(k) {
                Requested::Plain if !a.block_plain || k.is_empty() => a.quoted(),
                Requested::Plain => Style::Plain,
                // Not reached: a key with '\n' is multiline.
                Requested::SingleQuoted | Requested::Literal => a.quoted(),
            };
            self.scalar(k, style, indent + 2);
            self.indicator(":", false, false, false);
            self.value(v, indent + 2);
        }
        Ok(())
    }

    /// A struct field's key: a fixed identifier, always plain.
    fn field_key(&mut self, key: &str) {
        self.plain(key);
        self.indicator(":", false, false, false);
    }

    fn field(&mut self, indent: usize, key: &str, value: &str) {
        self.write_indent(indent);
        self.field_key(key);
        self.value(value, indent + 2);
    }

    /// A string mapping value; `indent` is the scalar's (the mapping's plus two).
    fn value(&mut self, v: &str, indent: usize) {
        let a = analyze(v);
        let style = match requested(v) {
            Requested::Plain if a.block_plain => Style::Plain,
            Requested::Plain | Requested::SingleQuoted => a.quoted(),
            Requested::Literal if a.block_allowed => Style::Literal,
            Requested::Literal => Style::DoubleQuoted,
        };
        self.scalar(v, style, indent);
    }

    fn scalar(&mut self, v: &str, style: Style, indent: usize) {
        match style {
            Style::Plain => self.plain(v),
            Style::SingleQuoted => self.single_quoted(v, indent),
            Style::DoubleQuoted => self.double_quoted(v),
            Style::Literal => self.literal(v, indent),
        }
    }

    /// `[]`: libyaml writes an empty sequence in flow style.
    fn empty_sequence(&mut self) {
        self.indicator("[", true, true, false);
        self.indicator("]", false, false, false);
    }

    fn column(&self) -> usize {
        let line = &self.out[self.line_start..];
        if line.is_ascii() {
            line.len()
        } else {
            line.chars().count()
        }
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.line_start = self.out.len();
    }

    /// A line break from the value, written as itself (`WRITE_BREAK`).
    fn write_break(&mut self, c: char) {
        self.out.push(c);
        self.line_start = self.out.len();
    }

    fn write_indent(&mut self, indent: usize) {
        if !self.indention {
            self.put_break();
        } else {
            let column = self.column();
            if column > indent || (column == indent && !self.whitespace) {
                self.put_break();
            }
        }
        let column = self.column();
        for _ in column..indent {
            self.out.push(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn indicator(
        &mut self,
        s: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.out.push(' ');
        }
        self.out.push_str(s);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// Only chosen for non-empty text without line breaks.
    fn plain(&mut self, v: &str) {
        if !self.whitespace && !v.is_empty() {
            self.out.push(' ');
        }
        self.out.push_str(v);
        self.whitespace = false;
        self.indention = false;
    }

    fn single_quoted(&mut self, v: &str, indent: usize) {
        self.indicator("'", true, false, false);
        let mut breaks = false;
        for c in v.chars() {
            if c == ' ' {
                self.out.push(' ');
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                if c == '\'' {
                    self.out.push('\'');
                }
                self.out.push(c);
                self.indention = false;
                breaks = false;
            }
        }
        if breaks {
            self.write_indent(indent);
        }
        self.indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn double_quoted(&mut self, v: &str) {
        self.indicator("\"", true, false, false);
        for c in v.chars() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.out.push('\\');
                match c {
                    '\0' => self.out.push('0'),
                    '\x07' => self.out.push('a'),
                    '\x08' => self.out.push('b'),
                    '\t' => self.out.push('t'),
                    '\n' => self.out.push('n'),
                    '\x0B' => self.out.push('v'),
                    '\x0C' => self.out.push('f'),
                    '\r' => self.out.push('r'),
                    '\x1B' => self.out.push('e'),
                    '"' => self.out.push('"'),
                    '\\' => self.out.push('\\'),
                    '\u{85}' => self.out.push('N'),
                    '\u{A0}' => self.out.push('_'),
                    '\u{2028}' => self.out.push('L'),
                    '\u{2029}' => self.out.push('P'),
                    c if u32::from(c) <= 0xFF => {
                        let _ = write!(self.out, "x{:02X}", u32::from(c));
                    }
                    c if u32::from(c) <= 0xFFFF => {
                        let _ = write!(self.out, "u{:04X}", u32::from(c));
                    }
                    c => {
                        let _ = write!(self.out, "U{:08X}", u32::from(c));
                    }
                }
            } else {
                self.out.push(c);
            }
        }
        self.indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// `|` with libyaml's hints: `2` when the text starts with a space or break, `-`
    /// without a final break, `+` with more than one (or only a break).
    fn literal(&mut self, v: &str, indent: usize) {
        self.indicator("|", true, false, false);
        let first = v.chars().next();
        if first.is_some_and(|c| c == ' ' || is_break(c)) {
            self.indicator("2", false, false, false);
        }
        let mut back = v.chars().rev();
        let chomp = match (back.next(), back.next()) {
            (None, _) => Some("-"),
            (Some(last), _) if !is_break(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(before)) if is_break(before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for line in v.split_inclusive(is_break) {
            let (text, brk) = match line.chars().next_back() {
                Some(c) if is_break(c) => (&line[..line.len() - c.len_utf8()], Some(c)),
                _ => (line, None),
            };
            if !text.is_empty() {
                if breaks {
                    self.write_indent(indent);
                }
                self.out.push_str(text);
                self.indention = false;
                breaks = false;
            }
            if let Some(c) = brk {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            }
        }
    }
}

/// What `yaml_emitter_analyze_scalar` finds, for block context.
#[derive(Debug, Clone, Copy)]
struct Analysis {
    multiline: bool,
    block_plain: bool,
    single_quoted: bool,
    block_allowed: bool,
}

impl Analysis {
    /// Where plain is not possible (or single quotes were asked for).
    fn quoted(self) -> Style {
        if self.single_quoted {
            Style::SingleQuoted
        } else {
            Style::DoubleQuoted
        }
    }
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `IS_PRINTABLE`, by code point.
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && c != '\u{FEFF}'
}

/// Character classes for [`analyze`], by ASCII byte.
const SPACE: u8 = 1;
const BREAK: u8 = 2;
/// libyaml's `IS_BLANKZ`: space, tab, break or NUL.
const BLANKZ: u8 = 4;
const NOT_PRINTABLE: u8 = 8;

const fn ascii_class(b: u8) -> u8 {
    match b {
        b' ' => SPACE | BLANKZ,
        b'\n' => BREAK | BLANKZ,
        b'\r' => BREAK | BLANKZ | NOT_PRINTABLE,
        b'\t' | b'\0' => BLANKZ | NOT_PRINTABLE,
        0x21..=0x7E => 0,
        _ => NOT_PRINTABLE,
    }
}

const ASCII_CLASS: [u8; 128] = {
    let mut t = [0; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = ascii_class(b as u8);
        b += 1;
    }
    t
};

/// Bytes that, after the first character, change nothing but the "previous" flags:
/// printable ASCII other than space, `:` and `#`.
const ORDINARY: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x21;
    while b <= 0x7E {
        t[b] = b != b':' as usize && b != b'#' as usize;
        b += 1;
    }
    t
};

fn char_class(c: char) -> u8 {
    if c.is_ascii() {
        return ASCII_CLASS[c as usize];
    }
    let brk = if is_break(c) { BREAK | BLANKZ } else { 0 };
    let printable = if is_printable(c) { 0 } else { NOT_PRINTABLE };
    brk | printable
}

/// Whether the character at byte `i` of `s` is blank, a break or NUL; the end of the
/// text counts as libyaml's NUL terminator.
fn blankz_at(s: &str, i: usize) -> bool {
    match s.as_bytes().get(i) {
        None => true,
        Some(&b) if b < 0x80 => ASCII_CLASS[usize::from(b)] & BLANKZ != 0,
        Some(_) => s[i..].starts_with(['\u{85}', '\u{2028}', '\u{2029}']),
    }
}

/// `yaml_emitter_analyze_scalar`, byte by byte for ASCII (decoding only other
/// characters): most of a rule file's text goes through here.
fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_plain: true,
            single_quoted: true,
            block_allowed: false,
        };
    }
    let bytes = s.as_bytes();
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let mut all = 0u8;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut i = 0;
    while i < bytes.len() {
        // A run of ordinary characters after the first only clears the "previous" flags.
        if i > 0 {
            let run = bytes[i..]
                .iter()
                .take_while(|&&b| ORDINARY[usize::from(b)])
                .count();
            if run > 0 {
                previous_space = false;
                previous_break = false;
                preceded_by_whitespace = false;
                i += run;
                continue;
            }
        }
        let b = bytes[i];
        let (class, width) = if b < 0x80 {
            (ASCII_CLASS[usize::from(b)], 1)
        } else {
            let c = s[i..].chars().next().expect("i is on a char boundary");
            (char_class(c), c.len_utf8())
        };
        let first = i == 0;
        let next = i + width;
        let last = next == bytes.len();
        match b {
            b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`'
                if first =>
            {
                block_indicators = true
            }
            b'?' | b'-' if first && blankz_at(s, next) => block_indicators = true,
            b':' if blankz_at(s, next) => block_indicators = true,
            b'#' if preceded_by_whitespace => block_indicators = true,
            _ => {}
        }
        all |= class;
        if class & SPACE != 0 {
            leading_space |= first;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if class & BREAK != 0 {
            leading_break |= first;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = class & BLANKZ != 0;
        i = next;
    }
    let line_breaks = all & BREAK != 0;
    let special = all & NOT_PRINTABLE != 0;
    Analysis {
        multiline: line_breaks,
        block_plain: !(leading_space
            || leading_break
            || trailing_space
            || trailing_break
            || break_space
            || space_break
            || special
            || line_breaks
            || block_indicators),
        single_quoted: !(break_space || space_break || special),
        block_allowed: !(trailing_space || space_break || special),
    }
}

/// serde_yaml's `serialize_str`: a `\n` asks for a literal block; text that its own
/// deserializer would read as null, bool, int or float asks for single quotes.
fn requested(v: &str) -> Requested {
    if v.contains('\n') {
        Requested::Literal
    } else if reads_as_non_string(v) {
        Requested::SingleQuoted
    } else {
        Requested::Plain
    }
}

/// serde_yaml 0.9's `visit_untagged_scalar` (plus `digits_but_not_number`, which it
/// also quotes) answering anything but a string.
fn reads_as_non_string(v: &str) -> bool {
    if matches!(
        v,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
    ) {
        return true;
    }
    // Every int and finite float it reads starts with a digit, sign or dot.
    if !v.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return false;
    }
    parse_unsigned_int(v) || parse_negative_int(v) || digits_but_not_number(v) || parse_f64(v)
}

/// serde_yaml's `parse_unsigned_int::<u128>`, which accepts whatever the `u64` one does.
fn parse_unsigned_int(scalar: &str) -> bool {
    let unpositive = scalar.strip_prefix('+').unwrap_or(scalar);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return false;
            }
            if u128::from_str_radix(rest, radix).is_ok() {
                return true;
            }
        }
    }
    if unpositive.starts_with(['+', '-']) {
        return false;
    }
    if digits_but_not_number(scalar) {
        return false;
    }
    unpositive.parse::<u128>().is_ok()
}

/// serde_yaml's `parse_negative_int::<i128>`, which accepts whatever the `i64` one does.
fn parse_negative_int(scalar: &str) -> bool {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = scalar.strip_prefix(prefix) {
            if i128::from_str_radix(&format!("-{rest}"), radix).is_ok() {
                return true;
            }
        }
    }
    if digits_but_not_number(scalar) {
        return false;
    }
    scalar.parse::<i128>().is_ok()
}

/// serde_yaml's `parse_f64`: finite floats and the YAML spellings of infinity and NaN.
fn parse_f64(scalar: &str) -> bool {
    let unpositive = if let Some(unpositive) = scalar.strip_prefix('+') {
        if unpositive.starts_with(['+', '-']) {
            return false;
        }
        unpositive
    } else {
        scalar
    };
    if matches!(unpositive, ".inf" | ".Inf" | ".INF")
        || matches!(
            scalar,
            "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN"
        )
    {
        return true;
    }
    unpositive.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Leading zeros and digits: a string in YAML 1.2, which serde_yaml quotes anyway.
fn digits_but_not_number(scalar: &str) -> bool {
    let scalar = scalar.strip_prefix(['-', '+']).unwrap_or(scalar);
    scalar.len() > 1 && scalar.starts_with('0') && scalar[1..].bytes().all(|b| b.is_ascii_digit())
}
