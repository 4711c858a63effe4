//! `render::emit::rule_file` writes exactly what `serde_yaml::to_string` writes: on
//! generated rule files full of text libyaml treats specially (indicators, quotes,
//! breaks, control and non-printable characters, numbers, long keys), and on every rule
//! file of the bundled examples.

use std::path::Path;

use alertctl::model::vecmap::VecMap;
use alertctl::render::emit::{rule_file, without_fallback};
use alertctl::render::{PromRule, RuleFile, RuleGroup};
use proptest::prelude::*;

/// Pieces that change libyaml's analysis or serde_yaml's requested style.
const PIECES: &[&str] = &[
    "",
    " ",
    "  ",
    ": ",
    ":",
    " #",
    "#",
    "-",
    "- ",
    "?",
    "? ",
    ",",
    "[",
    "]",
    "{",
    "}",
    "&",
    "*",
    "!",
    "|",
    ">",
    "'",
    "''",
    "\"",
    "%",
    "@",
    "`",
    "\\",
    "\t",
    "\r",
    "\n",
    "\n\n",
    "\r\n",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\0",
    "\x07",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\u{9f}",
    "\u{a0}",
    "\u{feff}",
    "\u{fffe}",
    "\u{ffff}",
    "\u{e000}",
    "\u{d7ff}",
    "😀",
    "é",
    "---",
    "...",
    "a",
    "abc",
    "x y",
    "up == 0",
    "{{ $labels.instance }}",
    "true",
    "Yes",
    "~",
    "null",
    "0x1F",
    "1e3",
    ".inf",
    "-.inf",
    ".nan",
    "+1",
    "0o7",
    "0b1",
    "012",
    "1_000",
    "0",
    "1.5",
    "-0x1",
    "-12",
    "+.5",
    "5m",
    "1.",
    "-",
];

/// Whole values serde_yaml would read back as something other than a string.
const WHOLE: &[&str] = &[
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "true",
    "True",
    "TRUE",
    "false",
    "FALSE",
    "yes",
    "Yes",
    "no",
    "on",
    "off",
    "y",
    "0x1F",
    "0x",
    "0x+1",
    "+0x1",
    "-0x1F",
    "0o7",
    "0o8",
    "-0o7",
    "0b101",
    "-0b1",
    "1e3",
    "1E+3",
    "-1e-3",
    ".5",
    "5.",
    ".",
    "+",
    "-",
    "+-1",
    "++1",
    ".inf",
    "+.inf",
    "-.Inf",
    ".NAN",
    ".NaN",
    "nan",
    "inf",
    "-inf",
    "infinity",
    "+1",
    "-1",
    "0",
    "00",
    "-00",
    "012",
    "+012",
    "-012",
    "09",
    "0.9",
    "1_000",
    "340282366920938463463374607431768211456",
    "18446744073709551616",
    "-9223372036854775809",
    "1e400",
    "0x1_F",
    "1:2",
    "1.2.3",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::collection::vec(proptest::sample::select(PIECES), 0..7)
            .prop_map(|p| p.concat()),
        1 => proptest::sample::select(WHOLE).prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[ -~\n]{0,12}",
        1 => (proptest::sample::select(PIECES), 120usize..140, proptest::sample::select(PIECES))
            .prop_map(|(a, n, b)| format!("{a}{}{b}", "k".repeat(n))),
    ]
}

fn map() -> impl Strategy<Value = VecMap<String, String>> {
    proptest::collection::vec((text(), text()), 0..4).prop_map(|kv| kv.into_iter().collect())
}

fn rule() -> impl Strategy<Value = PromRule> {
    (
        proptest::option::of(text()),
        proptest::option::of(text()),
        text(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        map(),
        map(),
    )
        .prop_map(
            |(alert, record, expr, for_, keep_firing_for, labels, annotations)| PromRule {
                alert,
                record,
                expr,
                for_,
                keep_firing_for,
                labels,
                annotations,
            },
        )
}

fn file() -> impl Strategy<Value = RuleFile> {
    let group = (
        text(),
        proptest::option::of(text()),
        proptest::option::of(any::<u64>()),
        proptest::collection::vec(rule(), 0..4),
    )
        .prop_map(|(name, interval, limit, rules)| RuleGroup {
            name,
            interval,
            limit,
            rules,
        });
    proptest::collection::vec(group, 0..3).prop_map(|groups| RuleFile { groups })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn same_bytes_as_serde_yaml(f in file()) {
        let yaml = serde_yaml::to_string(&f).unwrap();
        prop_assert_eq!(&rule_file(&f), &yaml);
        let mut keys = f.groups.iter().flat_map(|g| &g.rules).flat_map(|r| r.labels.keys().chain(r.annotations.keys()));
        let complex = keys.any(|k| k.len() > 128 || k.contains(['\r', '\n', '\u{85}', '\u{2028}', '\u{2029}']));
        match without_fallback(&f) {
            Some(own) => prop_assert_eq!(own, yaml),
            None => prop_assert!(complex, "fell back without a complex key"),
        }
    }

    /// One value in every position, so a single special string is not drowned out.
    #[test]
    fn one_value_everywhere(v in text()) {
        let labels: VecMap<String, String> = [(v.clone(), v.clone()), ("k".into(), v.clone())]
            .into_iter()
            .collect();
        let f = RuleFile {
            groups: vec![RuleGroup {
                name: v.clone(),
                interval: Some(v.clone()),
                limit: None,
                rules: vec![PromRule {
                    alert: Some(v.clone()),
                    record: None,
                    expr: v.clone(),
                    for_: Some(v.clone()),
                    keep_firing_for: None,
                    labels: labels.clone(),
                    annotations: labels,
                }],
            }],
        };
        let yaml = serde_yaml::to_string(&f).unwrap();
        prop_assert_eq!(&rule_file(&f), &yaml);
        let mut no_keys = f.clone();
        no_keys.groups[0].rules[0].labels = [("k".to_string(), v.clone())].into_iter().collect();
        no_keys.groups[0].rules[0].annotations = VecMap::new();
        prop_assert_eq!(without_fallback(&no_keys), Some(serde_yaml::to_string(&no_keys).unwrap()));
    }
}

#[test]
fn ends_of_literal_blocks_and_empty_sequences() {
    let values = [
        "a\nb",
        "a\n",
        "a\n\n",
        "\n",
        "\n\n",
        "\na",
        " a\nb",
        "a \nb",
        "a\n b",
        "a\u{2028}b\n",
        "a\nb\u{2028}",
        "a\n\u{2029}",
        "'x'\ny",
        "a\n\tb",
        "a\r\nb",
    ];
    for v in values {
        let f = RuleFile {
            groups: vec![
                RuleGroup {
                    name: "g".into(),
                    interval: None,
                    limit: Some(3),
                    rules: vec![],
                },
                RuleGroup {
                    name: "h".into(),
                    interval: None,
                    limit: None,
                    rules: vec![PromRule {
                        alert: Some("A".into()),
                        record: None,
                        expr: v.into(),
                        for_: None,
                        keep_firing_for: None,
                        labels: VecMap::new(),
                        annotations: [("d".to_string(), v.to_string())].into_iter().collect(),
                    }],
                },
            ],
        };
        assert_eq!(
            without_fallback(&f),
            Some(serde_yaml::to_string(&f).unwrap()),
            "{v:?}"
        );
    }
    let empty = RuleFile { groups: vec![] };
    assert_eq!(
        without_fallback(&empty),
        Some(serde_yaml::to_string(&empty).unwrap())
    );
}

/// Every rendered file of the bundled examples: the body after the header is what the
/// emitter writes for the file read back, and what serde_yaml writes for it.
#[test]
fn bundled_examples() {
    let mut checked = 0;
    for example in ["examples/node-estate", "examples/watch-alerts"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(example);
        let (project, _) = alertctl::source::project::load(&root, false).unwrap();
        let mut diags = Default::default();
        let rendered = alertctl::render::render(&project.model, &mut diags);
        for (name, content) in &rendered.files {
            let body_at = content
                .split_inclusive('\n')
                .take_while(|l| l.starts_with('#'))
                .map(str::len)
                .sum::<usize>();
            let body = &content[body_at..];
            let Ok(f) = serde_yaml::from_str::<RuleFile>(body) else {
                continue;
            };
            assert_eq!(
                without_fallback(&f).as_deref(),
                Some(body),
                "{example}: {name}"
            );
            assert_eq!(
                serde_yaml::to_string(&f).unwrap(),
                body,
                "{example}: {name}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} rule files checked");
}
