//! `validate` renders the output files in batches (`render::render_batched`), so that
//! only one batch's rules are alive at a time. Whatever the number of batches, it must
//! give what the full render gives: the same files with the same bytes, the same rule
//! count, and the same diagnostics in the same order (cell errors spread over files of
//! different batches, deduplicated across alerts; lints; an output name collision).

mod support;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use alertctl::diag::Diagnostics;
use alertctl::model::Scope;
use alertctl::render;
use alertctl::source::project;

use support::{copy_dir, write_file};

const GROUPS: usize = 12;

/// The example estate, a namespace of `GROUPS` more groups (two of whose names render
/// to the same file), and alerts whose cells fail in some of those groups only: a query
/// that stops parsing, template logic that divides by zero, a parameter without a
/// default, and a `sum` that warns.
fn estate() -> tempfile::TempDir {
    let tmp = copy_of("examples/node-estate");
    let root = tmp.path();
    let mut inventory = std::fs::read_to_string(root.join("inventory.yaml")).unwrap();
    inventory.push_str("  gen:\n");
    let clash = format!("group_{}", render::safe_stem("x y"));
    let mut groups: Vec<String> = (0..GROUPS).map(|g| format!("g{g:02}")).collect();
    groups.push("x y".into());
    groups.push(clash.trim_start_matches("group_").into());
    for (g, name) in groups.iter().enumerate() {
        inventory.push_str(&format!(
            "    \"{name}\":\n      targets: [gen-{g}-a:9100, gen-{g}-b:9100]\n"
        ));
    }
    write_file(root, "inventory.yaml", &inventory);
    for (name, text) in support::RENDER_TEMPLATES {
        write_file(root, &format!("templates/gen/{name}.yaml"), text);
    }
    for (g, name) in groups.iter().enumerate() {
        // Alternating failing and passing values, so each alert has rules in some
        // batches and errors in others; two alerts per template share its errors.
        let bad = if g % 3 == 1 { 150 } else { g + 1 };
        let mut text = String::new();
        for a in ["A", "B"] {
            text.push_str(&format!(
                "- template: GenBadQuery\n  alert: Gen{a}Query\n  scope: \"group/{name}\"\n  params: {{ threshold: {bad} }}\n\
                 - template: GenLogic\n  alert: Gen{a}Logic\n  scope: \"target/gen-{g}-a:9100\"\n  params: {{ threshold: {bad} }}\n\
                 - template: GenSum\n  alert: Gen{a}Sum\n  scope: \"group/{name}\"\n  params: {{ threshold: {g} }}\n"
            ));
        }
        if g % 4 == 2 {
            text.push_str(&format!(
                "- template: GenNoDefault\n  alert: GenNoDefault\n  scope: \"group/{name}\"\n"
            ));
        } else {
            text.push_str(&format!(
                "- template: GenNoDefault\n  alert: GenNoDefault\n  scope: \"group/{name}\"\n  params: {{ limit: {g} }}\n"
            ));
        }
        if g == 10 {
            // A target cell comes before the group cells in the alert's cell order, but
            // its file (group g10) is in a later batch than group g02's.
            text.push_str(
                "- template: GenNoDefault\n  alert: GenNoDefault\n  scope: \"target/gen-10-b:9100\"\n",
            );
        }
        write_file(root, &format!("rules/gen/{g:02}.yaml"), &text);
    }
    tmp
}

/// A copy of `rel`, a rules directory of this repository, to add files to.
fn copy_of(rel: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(rel), tmp.path());
    tmp
}

/// The directory at `root` loaded (without a cache), with the load's diagnostics, and
/// its full render with the diagnostics after it.
fn full_render(root: &Path) -> (project::Project, Diagnostics, render::Rendered, Diagnostics) {
    let (project, load_diags) = project::load(root, false).unwrap();
    let mut full_diags = load_diags.clone();
    let full = render::render_checked(&project.model, &mut full_diags, &HashSet::new());
    (project, load_diags, full, full_diags)
}

#[test]
fn any_number_of_batches_renders_what_the_full_render_does() {
    let tmp = estate();
    let (project, load_diags, full, full_diags) = full_render(tmp.path());
    let model = &project.model;

    // The comparison means something only with errors of each kind in several files.
    let codes: Vec<String> = full_diags
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect();
    let count = |c: &str| codes.iter().filter(|x| *x == c).count();
    assert!(count("missing-param") >= 3, "{codes:?}");
    assert_eq!(count("promql-syntax"), 1, "{codes:?}");
    assert_eq!(count("bad-template"), 1, "{codes:?}");
    assert_eq!(count("output-collision"), 1, "{codes:?}");
    assert!(count("cross-scope-aggregation") >= 2, "{codes:?}");
    assert!(full.files.len() > 10, "{:?}", full.files.keys());
    batches_render_the_full_render(model, &load_diags, &full, &full_diags);
}

/// In an estate with jobs, a target cell claims the instance of the job its alert
/// watches, and every wider cell of the alert (in files of other batches) excludes that
/// instance: a batch must know the jobs of target cells it does not render. The
/// overrides added to the fixture are on targets of groups late in scope order, below a
/// namespace cell whose file is not in the first batch.
#[test]
fn target_cells_with_jobs_exclude_the_same_instances_in_any_batch() {
    let tmp = copy_of("tests/fixtures/good/jobs");
    write_file(
        tmp.path(),
        "rules/late.yaml",
        "- template: PostgresqlDown\n  scope: namespace/ops\n  for: 3m\n\
         - template: PostgresqlDown\n  scope: target/tools-2:9100\n  for: 7m\n\
         - template: HostHighCpuLoad\n  scope: target/tools-1:9100\n  params: { threshold: 95 }\n\
         - template: TargetDown\n  scope: global\n\
         - template: TargetDown\n  scope: namespace/ops\n\
         - template: TargetDown\n  scope: group/db\n\
         - template: TargetDown\n  scope: target/tools-2:9100\n  params: { job: postgres }\n\
         - template: TargetDown\n  scope: target/db-2:9100\n  params: { job: postgres }\n\
         - template: \"*\"\n  scope: target/tools-1:9100\n  labels: { team: tools }\n",
    );
    // A job that is a parameter: each target cell's job is its own fold's, and the
    // wider cells (in other batches) exclude the instance of that job.
    write_file(
        tmp.path(),
        "templates/late.yaml",
        "template: TargetDown\nseverity: critical\nparams:\n  job: { type: label_value, default: node }\n\
         expr: up{job=${job}} == 0\n",
    );
    let (project, load_diags, full, full_diags) = full_render(tmp.path());
    let model = &project.model;
    assert!(!full_diags.has_errors(), "{full_diags:?}");
    // The claims reach other files: the global rule of HostHighCpuLoad excludes node
    // on tools-1:9100, the namespace rule of PostgresqlDown (a file in a batch of its
    // own when there are several) postgres on tools-2:9187.
    let global = &full.files["global.yml"];
    assert!(global.contains(r#"instance!="tools-1:9100""#), "{global}");
    let ops = &full.files["namespace_ops.yml"];
    assert!(ops.contains(r#"instance!="tools-2:9187""#), "{ops}");
    // TargetDown's db group cell excludes db-2's postgres instance (its parameter's
    // job); its namespace cell (not in the first batch) excludes tools-2's postgres
    // instance and tools-1's node one (a target cell of the many-alert rule).
    let db = &full.files["group_db.yml"];
    assert!(db.contains(r#"instance!="db-2:9187""#), "{db}");
    let tools = &full.files["group_tools.yml"];
    assert!(
        tools.contains(r#"up{instance="tools-2:9187",job="postgres"} == 0"#),
        "{tools}"
    );
    assert!(
        ops.contains(
            r#"up{instance!~"tools-1:9100|tools-2:9187",job="node",namespace="ops"} == 0"#
        ),
        "{ops}"
    );
    assert!(full.files.len() >= 4, "{:?}", full.files.keys());
    batches_render_the_full_render(model, &load_diags, &full, &full_diags);
}

/// `render_batched` with 1, 2, 3, 5 and 64 batches hands over `full`'s files, byte for
/// byte, each once, with its rule count and diagnostics.
fn batches_render_the_full_render(
    model: &alertctl::model::resolve::Model,
    load_diags: &Diagnostics,
    full: &render::Rendered,
    full_diags: &Diagnostics,
) {
    for batches in [1, 2, 3, 5, 64] {
        let mut diags = load_diags.clone();
        let mut files: BTreeMap<String, String> = BTreeMap::new();
        let mut sizes = Vec::new();
        let out = render::render_batched(model, &mut diags, &HashSet::new(), batches, true, |b| {
            sizes.push(b.len());
            for f in b {
                assert!(
                    files.insert(f.name.clone(), f.content).is_none(),
                    "{} handed over twice",
                    f.name
                );
            }
        });
        assert!((1..=batches).contains(&sizes.len()), "{sizes:?}");
        if batches > 1 {
            assert!(sizes.iter().filter(|&&n| n > 0).count() > 1, "{sizes:?}");
        }
        assert!(files == full.files, "{batches} batches: files differ");
        assert_eq!(out.rule_count, full.rule_count, "{batches} batches");
        assert_eq!(
            out.files.keys().collect::<Vec<_>>(),
            full.files.keys().collect::<Vec<_>>()
        );
        assert_eq!(
            format!("{diags:?}"),
            format!("{full_diags:?}"),
            "{batches} batches: diagnostics differ"
        );

        // Without contents, the same files are handed over, empty.
        let mut names = Vec::new();
        let mut d = load_diags.clone();
        render::render_batched(model, &mut d, &HashSet::new(), batches, false, |b| {
            names.extend(b.into_iter().map(|f| (f.name, f.content.is_empty())));
        });
        assert!(names.iter().all(|n| n.1));
        assert_eq!(names.len(), full.files.len());
    }
}

/// promtool's findings are mapped to a provenance by rendering their files again: the
/// cells of those files are the full render's, rule for rule.
#[test]
fn files_rendered_again_have_the_cells_of_the_full_render() {
    let tmp = estate();
    let (project, _) = project::load(tmp.path(), false).unwrap();
    let model = &project.model;
    let full = render::render(model, &mut Diagnostics::default());
    let scopes: BTreeSet<Scope> = [Scope::Global, Scope::Group("g04".into())].into();
    let again = render::render_files(model, &scopes);
    assert_eq!(
        again.files.keys().collect::<Vec<_>>(),
        ["global.yml", "group_g04.yml"]
    );
    for (name, content) in &again.files {
        assert_eq!(content, &full.files[name]);
    }
    let cells = |r: &render::Rendered| -> Vec<String> {
        r.cells
            .iter()
            .filter(|c| again.files.contains_key(&c.file))
            .map(|c| {
                let p = &c.provenance;
                format!(
                    "{} {} {:?} {} {} {} {:?}",
                    c.file, c.group, c.rule, p.alert, p.template, p.cell, p.chain
                )
            })
            .collect()
    };
    let (a, b) = (cells(&full), cells(&again));
    assert!(a.len() > 10);
    assert_eq!(a, b);
    for n in 1..=3 {
        let (x, y) = (
            full.origin("group_g04.yml", "alertctl/group/g04", n),
            again.origin("group_g04.yml", "alertctl/group/g04", n),
        );
        assert_eq!(
            x.map(|p| (&p.alert, &p.cell)),
            y.map(|p| (&p.alert, &p.cell))
        );
    }
}
