//! User text that reaches places where it could change meaning: a rendered file's
//! comments, a terminal, a file name. One definition of which characters are unsafe
//! there, how to escape them, and which names cannot be rendered safely at all.

use std::borrow::Cow;

/// Characters that must never reach a generated file's comment or a terminal as they
/// are: control characters (C0, DEL, C1: they include `\n`, `\r` and NEL), the Unicode
/// line and paragraph separators (YAML 1.1 and go-yaml treat NEL, LS and PS as line
/// breaks, so they end a comment for Prometheus), and the bidirectional formatting
/// characters that make text display in another order than it is read ("Trojan Source").
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// A human name for an unsafe character, for error messages.
pub fn describe_char(c: char) -> String {
    let what = match c {
        '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => "a line break",
        '\t' => "a tab",
        '\0' => "a NUL byte",
        '\u{1b}' => "an escape character",
        '\u{200e}'
        | '\u{200f}'
        | '\u{061c}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => "a bidirectional-text control",
        '\u{feff}' => "a byte order mark",
        _ => "a control character",
    };
    format!("{what} (U+{:04X})", c as u32)
}

/// `s` with every unsafe character written as an escape (`\n`, `\t`, `\u{202e}`), so it
/// stays on one line and reads in order. Safe text is returned as it is.
pub fn escape_unsafe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A double-quoted string holding exactly `s`, in the escapes that PromQL, Go and YAML
/// share (`\\`, `\"`, `\n`, `\r`, `\t`, `\uXXXX`): every unsafe character is escaped,
/// so the literal is one line, reads in order, and no YAML reader (YAML 1.1 line breaks
/// included) can read anything else into it.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Every unsafe character is in the Basic Multilingual Plane: four digits.
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Why a namespace, group or target name cannot be used, if it cannot. Such names end
/// up in rendered comments, label matchers, file names and terminals; an empty or
/// blank name, blanks at either end, and unsafe characters are refused rather than
/// rendered in some escaped form nobody can match against.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    if let Some(c) = name.chars().find(|c| is_unsafe_char(*c)) {
        return Some(format!("contains {}", describe_char(c)));
    }
    if name.trim().is_empty() {
        return Some("is only blanks".into());
    }
    if name.trim() != name {
        return Some("starts or ends with a blank".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters() {
        for c in [
            '\n', '\r', '\0', '\u{1b}', '\u{7f}', '\u{85}', '\u{2028}', '\u{202e}', '\u{2066}',
        ] {
            assert!(is_unsafe_char(c), "{c:?}");
        }
        for c in ['a', ' ', 'é', '/', '"', '\\', '{', '日'] {
            assert!(!is_unsafe_char(c), "{c:?}");
        }
    }

    #[test]
    fn escaping_keeps_one_line() {
        assert!(matches!(escape_unsafe("rules/web.yaml"), Cow::Borrowed(_)));
        let e = escape_unsafe("a\nb\u{2028}c\u{202e}d\te");
        assert_eq!(e, "a\\nb\\u{2028}c\\u{202e}d\\te");
        assert!(!e.chars().any(is_unsafe_char));
    }

    #[test]
    fn double_quoting_round_trips_through_yaml() {
        for s in [
            "plain",
            "a\"b\\c",
            "x\ny\u{2028}z\u{85}\u{202e}\0",
            "\u{7f}\u{9b}tab\t",
        ] {
            let q = double_quoted(s);
            assert!(!q.chars().any(is_unsafe_char), "{q}");
            let back: String = serde_yaml::from_str(&q).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn names() {
        assert_eq!(name_problem("web"), None);
        assert_eq!(name_problem("team a/prod"), None);
        assert_eq!(name_problem("h.(x)|y:9100"), None);
        assert_eq!(name_problem("").as_deref(), Some("is empty"));
        assert_eq!(name_problem("  ").as_deref(), Some("is only blanks"));
        assert_eq!(
            name_problem(" web").as_deref(),
            Some("starts or ends with a blank")
        );
        assert_eq!(
            name_problem("web\ngroups:").as_deref(),
            Some("contains a line break (U+000A)")
        );
        assert!(name_problem("web\u{202e}")
            .unwrap()
            .contains("bidirectional"));
    }
}
