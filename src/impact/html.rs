//! The `impact --report` page: one self-contained XHTML file (inline CSS and SVG, no
//! script, nothing fetched) with, per changed alert, the old and new firing timelines
//! and a row per series showing when each rule version would have fired.

use std::fmt::Write;

use super::{AlertImpact, Episode, Side, Window};
use crate::unittest::junit::escape;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 220.0;
const ROW: f64 = 14.0;
/// Series rows drawn per alert; the rest are counted.
const MAX_ROWS: usize = 60;

/// `YYYY-MM-DD HH:MM` UTC.
pub fn utc(t: i64) -> String {
    crate::deploy::history::rfc3339(t)[..16].replace('T', " ")
}

/// `1h05m`, `30s`.
pub fn span(secs: i64) -> String {
    crate::unittest::human_duration(std::time::Duration::from_secs(secs.max(0) as u64))
}

fn x(w: &Window, t: i64) -> f64 {
    LEFT + (WIDTH - LEFT - 10.0) * (t - w.start) as f64 / ((w.end - w.start).max(1) as f64)
}

fn timeline(out: &mut String, w: &Window, side: &Side, y: f64, h: f64, max: u32, class: &str) {
    let step_w = ((WIDTH - LEFT - 10.0) / side.timeline.len().max(1) as f64).max(0.5);
    for (i, v) in side.timeline.iter().enumerate().filter(|(_, v)| **v > 0) {
        let bh = h * f64::from(*v) / f64::from(max.max(1));
        let _ = write!(
            out,
            r#"<rect class="{class}" x="{:.2}" y="{:.2}" width="{step_w:.2}" height="{bh:.2}"/>"#,
            x(w, w.start + i as i64 * w.step),
            y + h - bh
        );
    }
}

fn episodes(out: &mut String, w: &Window, eps: &[Episode], y: f64, class: &str) {
    for e in eps {
        let (a, b) = (x(w, e.start), x(w, e.end + w.step));
        let _ = write!(
            out,
            r#"<rect class="{class}" x="{a:.2}" y="{y:.2}" width="{:.2}" height="{:.2}"><title>{} – {}</title></rect>"#,
            (b - a).max(1.0),
            ROW / 2.0 - 1.0,
            utc(e.start),
            utc(e.end + w.step)
        );
    }
}

const SVG_STYLE: &str = "text{font:11px monospace;fill:#222}rect.frame{fill:#fafafa;stroke:#ccc}rect.old{fill:#d9534f}rect.new{fill:#337ab7}";

/// The SVG of one alert: old and new timelines, then one row per series (named by its
/// `target_label` first). Styled inside, so it also stands alone.
pub fn svg(w: &Window, a: &AlertImpact, target_label: &str) -> String {
    let mut rows: Vec<&std::collections::BTreeMap<String, String>> = a
        .old
        .series
        .iter()
        .chain(&a.new.series)
        .map(|s| &s.labels)
        .collect();
    rows.sort();
    rows.dedup();
    let shown = rows.len().min(MAX_ROWS);
    let height = 110.0 + ROW * shown as f64 + 20.0;
    let max = a.peak();
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img"><title>{}</title><style>{SVG_STYLE}</style>"#,
        escape(&a.alert)
    );
    let _ = write!(
        out,
        r#"<text x="4" y="30">old: {} series</text><text x="4" y="80">new: {} series</text>"#,
        a.old.series_fired, a.new.series_fired
    );
    let _ = write!(
        out,
        r#"<rect class="frame" x="{LEFT}" y="10" width="{:.2}" height="40"/><rect class="frame" x="{LEFT}" y="60" width="{:.2}" height="40"/>"#,
        WIDTH - LEFT - 10.0,
        WIDTH - LEFT - 10.0
    );
    timeline(&mut out, w, &a.old, 10.0, 40.0, max, "old");
    timeline(&mut out, w, &a.new, 60.0, 40.0, max, "new");
    for (i, labels) in rows.iter().take(shown).enumerate() {
        let y = 110.0 + ROW * i as f64;
        let mut name: Vec<String> = labels.get(target_label).into_iter().cloned().collect();
        name.extend(
            labels
                .iter()
                .filter(|(k, _)| *k != target_label)
                .map(|(k, v)| format!("{k}={v}")),
        );
        let name = name.join(" ");
        let short: String = name.chars().take(34).collect();
        let _ = write!(
            out,
            r#"<text class="row" x="4" y="{:.2}">{}<title>{}</title></text>"#,
            y + ROW - 3.0,
            escape(&short),
            escape(&name)
        );
        let find = |s: &Side| {
            s.series
                .iter()
                .find(|r| &&r.labels == labels)
                .map(|r| r.episodes.clone())
                .unwrap_or_default()
        };
        episodes(&mut out, w, &find(&a.old), y, "old");
        episodes(&mut out, w, &find(&a.new), y + ROW / 2.0, "new");
    }
    let axis = 110.0 + ROW * shown as f64 + 14.0;
    for (k, anchor) in ["start", "middle", "middle", "middle", "end"]
        .iter()
        .enumerate()
    {
        let t = w.start + (w.end - w.start) * k as i64 / 4;
        let _ = write!(
            out,
            r#"<text class="axis" x="{:.2}" y="{axis:.2}" text-anchor="{anchor}">{}</text>"#,
            x(w, t),
            utc(t)
        );
    }
    if rows.len() > shown {
        let _ = write!(
            out,
            r#"<text class="axis" x="4" y="{axis:.2}">+{} more series</text>"#,
            rows.len() - shown
        );
    }
    out.push_str("</svg>");
    out
}

/// The whole report page.
pub fn render(
    w: &Window,
    server: &str,
    target_label: &str,
    impacts: &[AlertImpact],
    records: &[String],
) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/><title>alertctl impact</title><style>");
    out.push_str("body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right;border-bottom:1px solid #ddd}th:first-child,td:first-child{text-align:left}.missing{color:#b00}");
    out.push_str("</style></head><body>");
    let _ = write!(out, "<h1>alertctl impact</h1><p>{} to {} UTC, step {}, on {}. Red: the deployed rules; blue: the rendered ones.</p>", utc(w.start), utc(w.end), span(w.step), escape(server));
    if impacts.is_empty() {
        out.push_str("<p>No alerting rule changes.</p>");
    }
    for a in impacts {
        let _ = write!(
            out,
            "<h2>{} <small>({})</small></h2><p>{}</p>",
            escape(&a.alert),
            escape(&format!("{:?}", a.change).to_lowercase()),
            escape(&a.files.join(", "))
        );
        let _ = write!(out, "<table><tr><th></th><th>series fired</th><th>episodes</th><th>firing time</th></tr><tr><td>old</td><td>{}</td><td>{}</td><td>{}</td></tr><tr><td>new</td><td>{}</td><td>{}</td><td>{}</td></tr></table>", a.old.series_fired, a.old.episodes, span(a.old.firing_seconds), a.new.series_fired, a.new.episodes, span(a.new.firing_seconds));
        for m in &a.missing_metrics {
            let _ = write!(out, "<p class=\"missing\">The server has never had <code>{}</code>: the new rules cannot fire.</p>", escape(m));
        }
        out.push_str(&svg(w, a, target_label));
    }
    if !records.is_empty() {
        let _ = write!(
            out,
            "<p>Recording rules changed (not evaluated): {}</p>",
            escape(&records.join(", "))
        );
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00");
        assert_eq!(utc(1_796_171_820), "2026-12-02 00:37");
    }
}
