//! The `import` proof: for every file `x` of the real-world corpus (tests/data/corpus,
//! CC BY 4.0, see its README), `render(import(x))` means the same as `x`: the same
//! alert and record names, the same queries after parsing, the same `for`,
//! `keep_firing_for`, labels, annotations, group names, intervals and limits. Run with
//! and without `--params`, through the library calls the command makes. The rendered
//! corpus is then checked by the real promtool.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use alertctl::diag::{Diagnostics, SourceText};
use alertctl::model::parse_duration;
use alertctl::model::resolve::Model;
use alertctl::render::{self, PromRule, RuleFile, RuleGroup};
use alertctl::source::import::{self, Input, Options};
use alertctl::source::parse::{self, FileKind};

mod support;

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus");
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

fn input(path: &Path, stem: &str) -> Input {
    Input {
        source: SourceText::new(
            path.display().to_string(),
            std::fs::read_to_string(path).unwrap(),
        ),
        stem: stem.into(),
    }
}

/// Imports, builds the rules directory from the imported files alone, renders it.
fn import_and_render(
    inputs: &[Input],
    opts: Options,
) -> (import::Output, BTreeMap<String, String>) {
    let mut diags = Diagnostics::default();
    let out = import::convert(inputs, opts, &mut diags);
    assert!(
        !diags.has_errors(),
        "import: {:?}",
        diags
            .iter()
            .map(|d| (&d.message, d.position()))
            .collect::<Vec<_>>()
    );
    let mut files = Vec::new();
    for (rel, text) in &out.files {
        let src = SourceText::new(rel.as_str(), text.as_str());
        let kind = FileKind::of(rel).unwrap();
        let m = parse::file(kind, &src, &mut diags);
        files.push((src, m));
    }
    let model = Model::build(Default::default(), files, &mut diags);
    let rendered = render::render(&model, &mut diags);
    assert!(
        !diags.has_errors(),
        "render: {:?}",
        diags
            .iter()
            .map(|d| (&d.message, d.position()))
            .collect::<Vec<_>>()
    );
    (out, rendered.files)
}

fn secs(d: Option<&str>) -> u128 {
    d.map(|d| {
        parse_duration(if d == "0" { "0s" } else { d })
            .unwrap_or_else(|| panic!("bad duration {d}"))
            .as_millis()
    })
    .unwrap_or(0)
}

/// One rule's meaning, comparable: (kind, name) -> (query AST, for, keep_firing_for,
/// labels, annotations).
fn same_rule(file: &Path, group: &str, want: &PromRule, got: &PromRule) {
    let ctx = format!("{} group {group} rule {}", file.display(), want.name());
    assert_eq!(want.alert, got.alert, "{ctx}: alert");
    assert_eq!(want.record, got.record, "{ctx}: record");
    // The parser's printer is canonical (matchers sorted, spacing fixed), and
    // promql::parse refuses what it would print with another meaning.
    let (a, b) = (
        alertctl::model::promql::parse(&want.expr).unwrap(),
        alertctl::model::promql::parse(&got.expr).unwrap(),
    );
    assert_eq!(
        a.to_string(),
        b.to_string(),
        "{ctx}: query\n  was {}\n  now {}",
        want.expr,
        got.expr
    );
    assert_eq!(
        secs(want.for_.as_deref()),
        secs(got.for_.as_deref()),
        "{ctx}: for"
    );
    assert_eq!(
        secs(want.keep_firing_for.as_deref()),
        secs(got.keep_firing_for.as_deref()),
        "{ctx}: keep_firing_for"
    );
    assert_eq!(want.labels, got.labels, "{ctx}: labels");
    assert_eq!(want.annotations, got.annotations, "{ctx}: annotations");
}

fn groups(files: &BTreeMap<String, String>) -> BTreeMap<String, RuleGroup> {
    files
        .values()
        .flat_map(|c| serde_yaml::from_str::<RuleFile>(c).unwrap().groups)
        .map(|g| (g.name.clone(), g))
        .collect()
}

fn round_trip(file: &Path, opts: Options) -> usize {
    let (_, rendered) = import_and_render(&[input(file, "x")], opts);
    let got = groups(&rendered);
    let original: RuleFile = serde_yaml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let mut n = 0;
    for g in &original.groups {
        if g.rules.is_empty() {
            // alertctl renders no empty group (import warns about it).
            assert!(
                !got.contains_key(&g.name),
                "{}: empty group rendered",
                file.display()
            );
            continue;
        }
        let r = got.get(&g.name).unwrap_or_else(|| {
            panic!(
                "{}: group {} missing from {:?}",
                file.display(),
                g.name,
                got.keys()
            )
        });
        assert_eq!(
            secs(g.interval.as_deref()),
            secs(r.interval.as_deref()),
            "{}: interval of {}",
            file.display(),
            g.name
        );
        assert_eq!(
            g.limit.unwrap_or(0),
            r.limit.unwrap_or(0),
            "{}: limit of {}",
            file.display(),
            g.name
        );
        assert_eq!(
            g.rules.len(),
            r.rules.len(),
            "{}: rules in {}",
            file.display(),
            g.name
        );
        for (want, have) in g.rules.iter().zip(&r.rules) {
            same_rule(file, &g.name, want, have);
            n += 1;
        }
    }
    assert_eq!(
        got.len(),
        original
            .groups
            .iter()
            .filter(|g| !g.rules.is_empty())
            .count(),
        "{}: groups",
        file.display()
    );
    n
}

#[test]
fn every_corpus_rule_survives_import_and_render() {
    let files = corpus();
    assert_eq!(files.len(), 112, "the corpus has 112 rule files");
    let total: usize = files
        .iter()
        .map(|f| round_trip(f, Options::default()))
        .sum();
    assert_eq!(total, 954, "every one of the 954 corpus rules was compared");
}

#[test]
fn every_corpus_rule_survives_import_with_params() {
    let total: usize = corpus()
        .iter()
        .map(|f| round_trip(f, Options { params: true }))
        .sum();
    assert_eq!(total, 954);
}

/// Hand-written rule files for what the corpus lacks: recording rules, interval and
/// limit, keep_firing_for, `${` and logic delimiters in text, a bare `0` duration, a
/// PrometheusRule manifest, awkward alert names.
#[test]
fn fixtures_survive_import_and_render() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.yml");
    std::fs::write(
        &plain,
        r#"groups:
- name: recording
  interval: 30s
  limit: 5
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
    labels: {source: "${env} {% raw %} {# x #}"}
  - alert: "Job (down) > 50% \"quoted\""
    expr: job:up:sum{job=~"a.*"} < 0.5
    for: "0"
    keep_firing_for: 10m
    labels: {severity: page, team: "{{ $labels.job }}"}
    annotations:
      summary: "below 0.5 for {{ $labels.job }}; ${not_a_param} {%"
- name: second
  rules:
  - alert: Two
    expr: |
      # a comment
      rate(x_total[5m]) > 1e3
"#,
    )
    .unwrap();
    assert_eq!(round_trip(&plain, Options::default()), 3);
    assert_eq!(round_trip(&plain, Options { params: true }), 3);
    let manifest = dir.path().join("manifest.yaml");
    std::fs::write(&manifest, "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec:\n  groups:\n  - name: k8s\n    rules:\n    - alert: PodCrash\n      expr: rate(kube_pod_container_status_restarts_total[5m]) > 0\n").unwrap();
    let (out, rendered) = import_and_render(&[input(&manifest, "m")], Options::default());
    assert_eq!(out.alerts, 1);
    assert!(groups(&rendered).contains_key("k8s"));
}

#[test]
fn params_become_thresholds_in_queries_and_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.yml");
    std::fs::write(&f, "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: (x / y > 80)\n    annotations: {summary: \"above 80% (not 180 or 80.5)\"}\n").unwrap();
    let (out, _) = import_and_render(&[input(&f, "t")], Options { params: true });
    let t = &out.files["templates/imported/t.yaml"];
    assert!(t.contains("expr: (x / y > ${threshold})"), "{t}");
    assert!(t.contains("above ${threshold}% (not 180 or 80.5)"), "{t}");
    assert!(t.contains("default: 80"), "{t}");
    assert_eq!(out.params, 1);
}

/// The whole corpus imported at once renders to files the real promtool accepts.
#[test]
fn imported_corpus_passes_promtool() {
    let inputs: Vec<Input> = corpus()
        .iter()
        .enumerate()
        .map(|(i, f)| input(f, &format!("f{i}")))
        .collect();
    let (out, rendered) = import_and_render(&inputs, Options { params: true });
    assert_eq!(out.alerts, 954);
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in &rendered {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    let promtool = support::tool("promtool");
    let o = std::process::Command::new(promtool)
        .args(["check", "rules", "--lint=none"])
        .args(rendered.keys())
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("SUCCESS: 954 rules found"), "{stdout}");
}
