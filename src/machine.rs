//! Machine-readable documents: what every `--format json|yaml` prints and what the read
//! API of `serve` answers, built in one place so both are the same bytes.

use serde::Serialize;

/// The version of every machine-readable document: the top-level `"schema"` key. Within
/// one version fields are only ever added; removing, renaming or changing the meaning of
/// one raises it (docs/commands.md, "Machine-readable output").
pub const SCHEMA: u32 = 1;

/// `doc`, an object, with `"schema"` added.
pub fn document(doc: impl Serialize) -> serde_json::Value {
    let mut v = serde_json::to_value(doc).unwrap_or_default();
    match &mut v {
        serde_json::Value::Object(m) => {
            m.insert("schema".into(), SCHEMA.into());
        }
        other => panic!("a machine-readable document is an object, not {other}"),
    }
    v
}

/// `document(doc)` as pretty JSON, keys sorted, with a final newline.
pub fn json_text(doc: impl Serialize) -> String {
    let mut s = serde_json::to_string_pretty(&document(doc)).unwrap_or_default();
    s.push('\n');
    s
}

/// `document(doc)` as YAML.
pub fn yaml_text(doc: impl Serialize) -> String {
    serde_yaml::to_string(&document(doc)).unwrap_or_default()
}
