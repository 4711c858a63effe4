//! Go's regular expressions (RE2 syntax as Go's `regexp` reads it), which Prometheus
//! label matchers and Alertmanager routes use: a check that says what Prometheus would
//! say about a pattern, and a translation into the `regex` crate for matching.
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

use regex::Regex;

/// Compiles a Go (RE2) regular expression, as Alertmanager's `regexp.Compile` reads
/// it, into a `regex::Regex` that matches the same strings. Go syntax that the `regex`
/// crate reads differently is rewritten (see the module docs); Go syntax errors that
/// the `regex` crate would accept are reported.
pub fn compile_go_regex(pattern: &str) -> Result<Regex, String> {
    let translated = translate_go_regex(pattern)?;
    regex::RegexBuilder::new(&translated)
        .nest_limit(GO_MAX_NEST)
        .build()
        .map_err(|e| last_line(&e.to_string()))
}

/// Whether Prometheus accepts `pattern` as the value of a `=~`/`!~` matcher, and
/// Go's reason when it does not. Prometheus (2.42's `FastRegexMatcher`) parses both the
/// pattern itself and the pattern anchored as `^(?:PATTERN)$`: `a)(b` fails the first,
/// `\Qab` the second. Parsed only, never compiled: a pattern Go accepts must not fail on
/// the `regex` crate's size limits.
pub fn check(pattern: &str) -> Result<(), String> {
    for p in [pattern.to_string(), format!("^(?:{pattern})$")] {
        let translated = translate_go_regex(&p)?;
        regex_syntax::ParserBuilder::new()
            .nest_limit(GO_MAX_NEST)
            .build()
            .parse(&translated)
            .map_err(|e| last_line(&e.to_string()))?;
    }
    Ok(())
}

/// The message of a `regex` error, without the pattern and caret drawn above it.
fn last_line(e: &str) -> String {
    e.lines()
        .last()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_string()
}

/// Go refuses regexes that nest deeper than 1000 (`maxHeight`); the `regex` crate's
/// default is 250. Go counts the height of its parse tree, the `regex` crate the
/// nesting of groups, classes and repetitions: near 1000 levels they may disagree.
const GO_MAX_NEST: u32 = 1000;

/// The largest count of a repetition, and of nested repetitions multiplied (Go's
/// `maxRepeat`): `(a{100}){100}` is invalid, `(a{1000})*` is not.
const GO_MAX_REPEAT: u32 = 1000;

/// Go's checks that the `regex` crate does not make: nesting depth, and the product
/// of nested counted repetitions (Go's `repeatIsValid`, applied at every `{n,m}` with a
/// count of 2 or more). `translated` is the pattern in `regex` syntax.
fn go_limits(translated: &str) -> Result<(), String> {
    use regex_syntax::ast::{Ast, RepetitionKind, RepetitionRange};
    let ast = regex_syntax::ast::parse::ParserBuilder::new()
        .nest_limit(GO_MAX_NEST)
        .build()
        .parse(translated)
        .map_err(|e| {
            if matches!(e.kind(), regex_syntax::ast::ErrorKind::NestLimitExceeded(_)) {
                "expression nests too deeply".to_string()
            } else {
                last_line(&e.to_string())
            }
        })?;
    fn counts(kind: &RepetitionKind) -> Option<(u32, i64)> {
        match kind {
            RepetitionKind::Range(RepetitionRange::Exactly(n)) => Some((*n, *n as i64)),
            RepetitionKind::Range(RepetitionRange::AtLeast(n)) => Some((*n, -1)),
            RepetitionKind::Range(RepetitionRange::Bounded(a, b)) => Some((*a, *b as i64)),
            _ => None,
        }
    }
    fn valid(ast: &Ast, mut n: u32) -> bool {
        match ast {
            Ast::Repetition(r) => {
                if let Some((min, max)) = counts(&r.op.kind) {
                    if max == 0 {
                        return true;
                    }
                    let m = if max < 0 { min } else { max as u32 };
                    if m > n {
                        return false;
                    }
                    n = n.checked_div(m).unwrap_or(n);
                }
                valid(&r.ast, n)
            }
            Ast::Group(g) => valid(&g.ast, n),
            Ast::Concat(c) => c.asts.iter().all(|a| valid(a, n)),
            Ast::Alternation(a) => a.asts.iter().all(|a| valid(a, n)),
            _ => true,
        }
    }
    let walk_in = |ast: &Ast| -> Result<(), String> { walk(ast, translated) };
    fn walk(ast: &Ast, translated: &str) -> Result<(), String> {
        match ast {
            Ast::Repetition(r) => {
                if let Some((min, max)) = counts(&r.op.kind) {
                    if (min >= 2 || max >= 2) && !valid(ast, GO_MAX_REPEAT) {
                        return Err(format!(
                            "invalid repeat count: `{}` (nested repetitions repeat more than {GO_MAX_REPEAT} times)",
                            &translated[r.op.span.start.offset..r.op.span.end.offset]
                        ));
                    }
                }
                walk(&r.ast, translated)
            }
            Ast::Group(g) => walk(&g.ast, translated),
            Ast::Concat(c) => c.asts.iter().try_for_each(|a| walk(a, translated)),
            Ast::Alternation(a) => a.asts.iter().try_for_each(|a| walk(a, translated)),
            _ => Ok(()),
        }
    }
    walk_in(&ast)
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
                            match char::from_u32(lit) {
                                Some(c) => push_literal(&mut out, c),
                                None => out.push_str(NOTHING),
                            }
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
    go_limits(&out)?;
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
fn go_escape(cs: &[char], i: usize) -> Result<(u32, usize), String> {
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
            r
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
                // Go takes surrogates (\x{D800}) as code points that never match.
                r
            } else {
                let hi = cs.get(j).and_then(|h| h.to_digit(16));
                let lo = cs.get(j + 1).and_then(|h| h.to_digit(16));
                j += 2;
                match (hi, lo) {
                    (Some(hi), Some(lo)) => hi * 16 + lo,
                    _ => return Err(invalid(j)),
                }
            }
        }
        'a' => 0x07,
        'f' => 0x0C,
        'n' => 0x0A,
        'r' => 0x0D,
        't' => 0x09,
        'v' => 0x0B,
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => c as u32,
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
    if !is_go_unicode_class(&name) {
        return Err(format!(
            "invalid character class range: `{}`",
            cs[i..next].iter().collect::<String>()
        ));
    }
    out.push_str(&format!("\\{}{{{name}}}", if negated { 'P' } else { 'p' }));
    Ok(next)
}

/// Go's general categories (`unicode.Categories` up to Go 1.20).
const GO_CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
    "Z", "Zl", "Zp", "Zs",
];

/// Go's scripts (`unicode.Scripts` of Go 1.16 to 1.20: Unicode 13.0), the names
/// exactly as the Unicode data spells them.
const GO_SCRIPTS: &[&str] = &[
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Ugaritic",
    "Vai",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

/// `\p{NAME}` as Go reads it: `Any`, a general category or a script, spelled exactly
/// (Go before 1.21 knows no aliases, no other case and no binary properties; the `regex`
/// crate knows all of those, and the scripts of later Unicode versions).
fn is_go_unicode_class(name: &str) -> bool {
    name == "Any" || GO_CATEGORIES.contains(&name) || GO_SCRIPTS.contains(&name)
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
    let class_start = out.len();
    out.push('[');
    let negated = cs.get(i) == Some(&'^');
    if negated {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    let mut empty = true;
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
                empty = false;
                continue;
            }
        }
        if c == '\\' {
            match cs.get(i + 1) {
                Some('p' | 'P') => {
                    i = translate_unicode_class(cs, i, out)?;
                    empty = false;
                    continue;
                }
                Some(&e) if go_perl_class(e).is_some() => {
                    out.push_str(go_perl_class(e).expect("perl class"));
                    i += 2;
                    empty = false;
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
        empty &= !push_range(out, lo, hi);
    }
    if empty {
        // Only surrogates: no character can match (or, negated, every one can).
        out.truncate(class_start);
        out.push_str(if negated {
            r"[\x{0}-\x{10FFFF}]"
        } else {
            NOTHING
        });
        return Ok(i + 1);
    }
    out.push(']');
    Ok(i + 1)
}

/// One character of a class (a literal or an escape) and the index after it.
fn class_char(cs: &[char], i: usize, missing: impl Fn() -> String) -> Result<(u32, usize), String> {
    match cs.get(i) {
        None => Err(missing()),
        Some('\\') => go_escape(cs, i),
        Some(&c) => Ok((c as u32, i + 1)),
    }
}

/// A class that matches no character (Go's class of surrogates only).
const NOTHING: &str = r"[^\x{0}-\x{10FFFF}]";

/// Appends the range `lo..=hi` of code points to a class; surrogates, which are code
/// points in Go but no `char`, are left out. Returns whether anything was appended.
fn push_range(out: &mut String, lo: u32, hi: u32) -> bool {
    let mut pushed = false;
    for (a, b) in [(lo, hi.min(0xD7FF)), (lo.max(0xE000), hi)] {
        let (Some(a), Some(b)) = (char::from_u32(a), char::from_u32(b)) else {
            continue;
        };
        if a > b {
            continue;
        }
        push_literal(out, a);
        if b != a {
            out.push('-');
            push_literal(out, b);
        }
        pushed = true;
    }
    pushed
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
}
