//! `alertctl serve` in a real browser: headless Chromium (Debian's chromium and
//! chromium-driver) driven over WebDriver against `serve` on a copy of the bundled
//! example. The path end to end: open a target and see its effective alerts;
//! change a group's threshold in the rule form; see the located error for a bad value;
//! fix it; see the diff; save with the keyboard; the file on disk changed exactly there
//! and `alertctl diff` agrees. Then a save over a file changed on disk meanwhile is
//! refused. Screenshots of the main pages are taken on the way (into
//! `$ALERTCTL_SCREENSHOTS` when set: scripts/screenshots.sh refreshes docs/screenshots/).

mod support;

use std::path::{Path, PathBuf};

use serde_json::json;
use support::serve::{cli, example_copy, Serve};
use support::webdriver::Browser;

/// Where screenshots go: `$ALERTCTL_SCREENSHOTS`, or a temp dir (still taken and checked).
fn shots_dir(tmp: &Path) -> PathBuf {
    match std::env::var_os("ALERTCTL_SCREENSHOTS") {
        Some(d) => {
            let d = PathBuf::from(d);
            std::fs::create_dir_all(&d).unwrap();
            d
        }
        None => tmp.join("shots"),
    }
}

/// A PNG of the whole page (the window grown to the page's height, at most 2400 px).
fn shot(b: &Browser, dir: &Path, name: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let h = b
        .execute("return document.documentElement.scrollHeight", vec![])
        .as_u64()
        .unwrap_or(900)
        .clamp(700, 2400) as u32;
    b.set_size(1366, h);
    let path = dir.join(format!("{name}.png"));
    b.screenshot(&path);
    b.set_size(1366, 900);
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000,
        "{name}: not a real screenshot ({} bytes)",
        bytes.len()
    );
}

/// The unified diffs the preview shows for the output directory, as the CLI prints them.
fn shown_output_diff(b: &Browser) -> String {
    b.execute(
        "return [...document.querySelectorAll('#output-diff .diff')].map(d => [...d.children].map(c => c.textContent).join('\\n') + '\\n').join('')",
        vec![],
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

fn status(b: &Browser) -> String {
    b.text(&b.find("#status"))
}

#[test]
fn edit_a_group_threshold_in_the_browser() {
    let (tmp, dir) = example_copy();
    let shots = shots_dir(tmp.path());
    let web = dir.join("rules/teams/web.yaml");
    let original = std::fs::read_to_string(&web).unwrap();
    assert!(original.contains("params: { threshold: 90 }"));

    let serve = Serve::start(&dir, &[], &[]);
    let token = serve.token.clone().expect("a token is printed");
    let b = Browser::start();

    // The URL serve printed: the page keeps the token and drops it from the address bar.
    b.goto(&format!("{}#token={token}", serve.url));
    b.wait_text("h1", "Overview");
    assert!(!b.url().contains("token"), "{}", b.url());
    assert_eq!(b.text(&b.find("#mode")), "editing");
    // Keyboard: the first Tab reaches the skip link.
    b.keys("\u{E004}");
    let focused = b.execute("return document.activeElement.textContent", vec![]);
    assert_eq!(focused, json!("Skip to content"));
    shot(&b, &shots, "overview");

    // Open a target: its effective alerts.
    b.click(&b.find("nav a[href='/targets']"));
    b.wait_text("h1", "Targets");
    shot(&b, &shots, "targets");
    b.click(&b.find("a[href='/effective?target=web-1%3A9100']"));
    b.wait_text("h1", "Effective alerts: web-1:9100");
    let card = b.text(&b.find("#alert-HighCPU"));
    assert!(card.contains("> 90"), "{card}");
    assert!(card.contains("params.threshold"), "{card}");

    // Who set the threshold: the group/web rule; its form.
    b.click(&b.find("#alert-HighCPU a[href^='/rules/edit?file=rules/teams/web.yaml&line=3']"));
    b.wait_text("h1", "HighCPU");
    let input = b.find("#p-threshold");
    assert_eq!(b.property(&input, "value"), json!("90"));

    // A bad value: the error is located in the file, on the value, and on the input.
    b.clear(&input);
    b.type_into(&input, "9o");
    b.wait("the invalid status", |b| status(b).starts_with("Invalid"));
    let problems = b.text(&b.find("#problems"));
    assert!(problems.contains("`9o` is not a number"), "{problems}");
    assert!(problems.contains("rules/teams/web.yaml:5:"), "{problems}");
    assert_eq!(b.text(&b.find("#problems mark")), "9o");
    assert!(b
        .property(&input, "className")
        .as_str()
        .unwrap()
        .contains("invalid"));
    assert_eq!(
        b.text(&b.find("#err-threshold")),
        "parameter `threshold`: `9o` is not a number"
    );
    assert_eq!(b.property(&b.find("#save"), "disabled"), json!(true));
    shot(&b, &shots, "rule-form-error");
    assert_eq!(
        std::fs::read_to_string(&web).unwrap(),
        original,
        "nothing is written while editing"
    );

    // Fixed: valid, the file's diff and the rendered output's diff.
    b.clear(&input);
    b.type_into(&input, "95");
    // (Clearing the input previews too: wait for the preview of this value.)
    b.wait("the preview of 95", |b| {
        status(b).starts_with("Valid") && b.text(&b.find("#source-diff")).contains("threshold: 95")
    });
    let src = b.text(&b.find("#source-diff"));
    assert!(
        src.contains("-  params: { threshold: 90 }")
            && src.contains("+  params: { threshold: 95 }"),
        "{src}"
    );
    let shown = shown_output_diff(&b);
    assert!(shown.contains("> 95"), "{shown}");
    assert!(shown.contains("group_web.yml"), "{shown}");
    assert!(b.text(&b.find("#rendered")).contains("> 95"));
    assert_eq!(b.property(&b.find("#save"), "disabled"), json!(false));
    shot(&b, &shots, "rule-form-diff");

    // Save with the keyboard (Ctrl+S in the input).
    b.click(&input);
    b.keys("\u{E009}s");
    b.wait_text("#flash", "Saved rules/teams/web.yaml");
    let now = std::fs::read_to_string(&web).unwrap();
    assert_eq!(now, original.replace("threshold: 90 }", "threshold: 95 }"));
    let changed: Vec<(&str, &str)> = original
        .lines()
        .zip(now.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [("  params: { threshold: 90 }", "  params: { threshold: 95 }")]
    );
    // `alertctl diff` agrees with what the page showed.
    let (code, stdout, stderr) = cli(&dir, &["diff", "--color", "never"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, shown, "alertctl diff and the page's diff differ");
    let (_, eff, _) = cli(&dir, &["effective", "web-1:9100", "--format", "json"]);
    assert!(eff.contains("> 95"), "{eff}");

    // The effective page follows the files.
    b.goto(&format!("{}effective?target=web-1%3A9100", serve.url));
    assert!(b.text(&b.find("#alert-HighCPU")).contains("> 95"));
    shot(&b, &shots, "effective");

    // A file changed on disk after the page opened is never overwritten: the save is
    // refused (or, if the page previews once more first, the preview says so).
    b.goto(&format!(
        "{}rules/edit?file=rules/teams/web.yaml&line=3",
        serve.url
    ));
    let input = b.find("#p-threshold");
    b.clear(&input);
    b.type_into(&input, "96");
    b.wait("the preview of 96", |b| {
        status(b).starts_with("Valid") && b.text(&b.find("#source-diff")).contains("threshold: 96")
    });
    let external = format!("{now}# edited by someone else\n");
    std::fs::write(&web, &external).unwrap();
    b.click(&b.find("#save"));
    let banner = b.wait_text("#saved", "changed on disk since it was opened");
    assert!(b.text(&banner).contains("nothing was written"));
    assert_eq!(std::fs::read_to_string(&web).unwrap(), external);

    // The template editor: a YAML mistake located as you type.
    b.goto(&format!(
        "{}files/edit?path=templates/node/high-cpu.yaml",
        serve.url
    ));
    let editor = b.find("#editor");
    b.type_into(&editor, "\nfor: soon\n");
    b.wait("the invalid status", |b| status(b).starts_with("Invalid"));
    let problems = b.text(&b.find("#problems"));
    assert!(
        problems.contains("templates/node/high-cpu.yaml:"),
        "{problems}"
    );
    shot(&b, &shots, "template-editor");

    // The deploy page: the dry-run plan (apply is off without --allow-apply).
    b.goto(&format!("{}deploy", serve.url));
    b.click(&b.find("#plan"));
    b.wait("the plan", |b| {
        b.text(&b.find("#plan-status")).starts_with("Plan:")
    });
    assert!(b.text(&b.find("#plan-status")).contains("would change"));
    assert!(b.try_find("#apply").is_none());
    shot(&b, &shots, "deploy");

    b.goto(&format!("{}rules", serve.url));
    b.wait_text("h1", "Rules");
    shot(&b, &shots, "rules");

    // The templates list, with the job each template watches (none in this example).
    b.goto(&format!("{}templates", serve.url));
    b.wait_text("h1", "Templates");
    let table = b.text(&b.find("table"));
    assert!(table.contains("Job"), "{table}");
    assert!(table.contains("HighCPU"), "{table}");
    shot(&b, &shots, "templates");
}
