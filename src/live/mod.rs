//! Questions to a live Prometheus' query API, through the same HTTP client (auth, TLS,
//! retries) that `apply` uses for that server: instant and range queries and whether a
//! metric exists. `impact` reads history through here; `check --live` ([`check()`])
//! asks about the series the inventory's targets and the rendered selectors have.

pub mod check;

pub use check::{check, Summary};

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::deploy::server::{Server, ServerError};
use crate::impact::{RangeSeries, Source};

#[derive(Deserialize)]
struct Answer<T> {
    status: String,
    data: Option<T>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct Vector {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<VectorSample>,
}

#[derive(Deserialize)]
struct VectorSample {
    metric: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Matrix {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<MatrixSeries>,
}

#[derive(Deserialize)]
struct MatrixSeries {
    metric: BTreeMap<String, String>,
    values: Vec<(f64, String)>,
}

/// A Prometheus' query API.
pub struct Prometheus<'a> {
    pub server: &'a Server,
    /// Requests made (for reports and tests of request splitting).
    pub requests: usize,
}

impl<'a> Prometheus<'a> {
    pub fn new(server: &'a Server) -> Self {
        Prometheus {
            server,
            requests: 0,
        }
    }

    /// A query API call: a form POST, or a GET for the endpoints that take no POST.
    fn api<T: for<'de> Deserialize<'de>>(
        &mut self,
        path: &str,
        form: &[(&str, String)],
        get: bool,
    ) -> Result<T, String> {
        self.requests += 1;
        let answer = if get {
            let query: Vec<String> = form
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            self.server.get(&format!("{path}?{}", query.join("&")))
        } else {
            self.server.post_form(path, form)
        };
        let body = answer.map_err(|e| match e {
            // Prometheus explains a bad query in the JSON body of its 400/422.
            ServerError::Status { body, status, .. } => {
                let why = serde_json::from_str::<Answer<serde_json::Value>>(&body)
                    .ok()
                    .and_then(|a| a.error)
                    .unwrap_or(body);
                format!("{}: {path} answered HTTP {status}: {why}", self.server.name)
            }
            other => other.to_string(),
        })?;
        let a: Answer<T> = serde_json::from_str(&body)
            .map_err(|e| format!("{}: unexpected answer from {path}: {e}", self.server.name))?;
        match (a.status.as_str(), a.data) {
            ("success", Some(d)) => Ok(d),
            _ => Err(format!(
                "{}: {path}: {}",
                self.server.name,
                a.error.unwrap_or(a.status)
            )),
        }
    }
}

impl Prometheus<'_> {
    /// An instant query: the label set of every sample of the resulting vector.
    pub fn query(&mut self, expr: &str) -> Result<Vec<BTreeMap<String, String>>, String> {
        let v: Vector = self.api("/api/v1/query", &[("query", expr.to_string())], false)?;
        if v.result_type != "vector" {
            return Err(format!(
                "{}: query answered a {}, not a vector",
                self.server.name, v.result_type
            ));
        }
        Ok(v.result.into_iter().map(|s| s.metric).collect())
    }
}

impl Source for Prometheus<'_> {
    fn query_range(
        &mut self,
        expr: &str,
        start: i64,
        end: i64,
        step: i64,
    ) -> Result<Vec<RangeSeries>, String> {
        let m: Matrix = self.api(
            "/api/v1/query_range",
            &[
                ("query", expr.to_string()),
                ("start", start.to_string()),
                ("end", end.to_string()),
                ("step", step.to_string()),
            ],
            false,
        )?;
        if m.result_type != "matrix" {
            return Err(format!(
                "{}: query_range answered a {}, not a matrix",
                self.server.name, m.result_type
            ));
        }
        Ok(m.result
            .into_iter()
            .map(|s| {
                let samples = s
                    .values
                    .into_iter()
                    .map(|(t, v)| (t.round() as i64, v.parse().unwrap_or(f64::NAN)))
                    .collect();
                (s.metric, samples)
            })
            .collect())
    }

    fn has_metric(&mut self, name: &str) -> Result<bool, String> {
        // Without start and end, Prometheus searches everything it still stores.
        let names: Vec<String> = self.api(
            "/api/v1/label/__name__/values",
            &[(
                "match[]",
                format!("{{__name__={}}}", crate::model::params::promql_string(name)),
            )],
            true,
        )?;
        Ok(names.iter().any(|n| n == name))
    }
}

/// Percent-encodes a query-string component (everything but unreserved characters).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
