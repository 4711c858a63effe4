//! Secret values, and every form they take in text around them.
//!
//! A secret rarely reaches an output raw: Alertmanager and amtool quote it Go-style
//! (`parse "http://h/a\"b\tc": ...`), the rendered YAML escapes it, JSON escapes it
//! again, a URL percent-encodes it. Masking only the raw value lets those through, so
//! [`Secrets::mask`] replaces each escaped form too. Operations apply it where text
//! leaves them (the report, the error, the history), not piecemeal.

pub const MASK: &str = "<secret>";

/// Values shorter than this are not masked: masking `ab` would garble every output.
pub const MIN_LEN: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// Every form of every value, longest first (so no form is cut by a shorter one).
    forms: Vec<String>,
}

impl Secrets {
    pub fn new<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Secrets {
        let mut s = Secrets::default();
        for v in values {
            s.add(v.as_ref());
        }
        s
    }

    pub fn add(&mut self, value: &str) {
        if value.chars().count() < MIN_LEN {
            return;
        }
        for f in forms(value) {
            if f.len() >= MIN_LEN && !self.forms.contains(&f) {
                self.forms.push(f);
            }
        }
        self.forms
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    }

    pub fn extend(&mut self, other: &Secrets) {
        for f in &other.forms {
            if !self.forms.contains(f) {
                self.forms.push(f.clone());
            }
        }
        self.forms
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// `text` with every form of every secret replaced by `<secret>`.
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for f in &self.forms {
            if out.contains(f.as_str()) {
                out = out.replace(f.as_str(), MASK);
            }
        }
        out
    }
}

/// The raw value and its escaped forms: JSON, Go `%q` and `%+q` (strconv.Quote and
/// QuoteToASCII), YAML double-quoted (libyaml and go-yaml spell hex escapes in
/// upper case, Go in lower case), YAML single-quoted, and percent-encoded (every
/// reserved byte, as a query value with `+` for space, as a Go path segment).
fn forms(v: &str) -> Vec<String> {
    let go = go_quote(v, false);
    let mut out = vec![
        v.to_string(),
        json_inner(v),
        go.clone(),
        go_quote(v, true),
        yaml_double(v, true),
        yaml_double(v, false),
        v.replace('\'', "''"),
        percent(v, |_| false, false, true),
        percent(v, |_| false, false, false),
        percent(v, |_| false, true, true),
        percent(v, |c| "$&+,:;=@".contains(c), false, true),
    ];
    // Go-quoted text inside JSON (a server's error message in a JSON document).
    out.push(json_inner(&go));
    out
}

/// A JSON string's content, without the quotes.
fn json_inner(v: &str) -> String {
    let quoted = serde_json::to_string(v).unwrap_or_default();
    quoted[1..quoted.len() - 1].to_string()
}

fn hex(n: u32, width: usize, upper: bool) -> String {
    if upper {
        format!("{n:0width$X}")
    } else {
        format!("{n:0width$x}")
    }
}

/// Go's strconv.Quote (`ascii`: QuoteToASCII) without the surrounding quotes.
fn go_quote(v: &str, ascii: bool) -> String {
    let mut s = String::new();
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\x07' => s.push_str("\\a"),
            '\x08' => s.push_str("\\b"),
            '\x0c' => s.push_str("\\f"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '\x0b' => s.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                s.push_str(&format!("\\x{}", hex(c as u32, 2, false)))
            }
            c if ascii && !c.is_ascii() => {
                let n = c as u32;
                if n < 0x10000 {
                    s.push_str(&format!("\\u{}", hex(n, 4, false)));
                } else {
                    s.push_str(&format!("\\U{}", hex(n, 8, false)));
                }
            }
            c => s.push(c),
        }
    }
    s
}

/// A YAML double-quoted scalar's content, as libyaml (serde_yaml) and go-yaml write it.
fn yaml_double(v: &str, upper: bool) -> String {
    let mut s = String::new();
    for c in v.chars() {
        let esc = match c {
            '\0' => "0",
            '\x07' => "a",
            '\x08' => "b",
            '\t' => "t",
            '\n' => "n",
            '\x0b' => "v",
            '\x0c' => "f",
            '\r' => "r",
            '\x1b' => "e",
            '"' => "\"",
            '\\' => "\\",
            '\u{85}' => "N",
            '\u{a0}' => "_",
            '\u{2028}' => "L",
            '\u{2029}' => "P",
            c if (c as u32) < 0x20 || c == '\x7f' => {
                s.push_str(&format!("\\x{}", hex(c as u32, 2, upper)));
                continue;
            }
            c => {
                s.push(c);
                continue;
            }
        };
        s.push('\\');
        s.push_str(esc);
    }
    s
}

/// Percent-encoding of every byte outside `A-Za-z0-9-._~` and `keep`; `plus`: a space
/// as `+` (form and query encoding).
fn percent(v: &str, keep: impl Fn(char) -> bool, plus: bool, upper: bool) -> String {
    let mut s = String::new();
    for c in v.chars() {
        if c.is_ascii_alphanumeric() || "-._~".contains(c) || (c.is_ascii() && keep(c)) {
            s.push(c);
        } else if c == ' ' && plus {
            s.push('+');
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                s.push('%');
                s.push_str(&hex(u32::from(b), 2, upper));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const NASTY: &str = "s3c\"r\\t\tx'y z%ü";

    #[test]
    fn every_escaping_is_masked() {
        let s = Secrets::new([NASTY]);
        let yaml = serde_yaml::to_string(&serde_yaml::Value::String(NASTY.into())).unwrap();
        let cases = [
            NASTY.to_string(),
            serde_json::to_string(NASTY).unwrap(),
            // Go's %q and %+q, as Alertmanager and amtool print them.
            r#""s3c\"r\\t\tx'y z%ü""#.to_string(),
            r#""s3c\"r\\t\tx'y z%\u00fc""#.to_string(),
            yaml,
            format!("'{}'", NASTY.replace('\'', "''")),
            "s3c%22r%5Ct%09x%27y%20z%25%C3%BC".to_string(),
            "s3c%22r%5Ct%09x%27y+z%25%C3%BC".to_string(),
            "s3c%22r%5ct%09x%27y%20z%25%c3%bc".to_string(),
            serde_json::to_string(r#"parse "http://h/s3c\"r\\t\tx'y z%ü": bad"#).unwrap(),
        ];
        for text in cases {
            let m = s.mask(&format!("before {text} after"));
            assert!(m.contains(MASK), "not masked: {text} -> {m}");
            for probe in ["s3c", "x'y"] {
                assert!(!m.contains(probe), "{probe} left in {m} (from {text})");
            }
        }
    }

    #[test]
    fn short_values_and_other_text_are_left_alone() {
        let s = Secrets::new(["ab", "token-1"]);
        assert_eq!(s.mask("ab cd token-2"), "ab cd token-2");
        assert_eq!(s.mask("x token-1 y"), "x <secret> y");
        assert!(Secrets::new(["abc"]).is_empty());
    }
}
