//! What every request passes before a handler sees it, and the checks handlers share.

use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api::ApiError;
use super::App;

/// The header that carries the write token. Another site's page cannot set it on a
/// request to this server (a cross-origin request with it needs a CORS preflight, which
/// this server never grants), so a write that has it comes from `serve`'s own pages or
/// from a client that was given the token.
pub const TOKEN_HEADER: &str = "x-alertctl-token";

/// The cookie `serve`'s pages keep the token in (off loopback, reads need it too).
const TOKEN_COOKIE: &str = "alertctl_token";

/// Largest request body: a source file is at most 8 MiB, sent as JSON.
pub const MAX_BODY: usize = 20 << 20;

/// A fresh token: 32 random bytes from the kernel, hex.
pub fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Equal without a timing that tells how much of a guess was right.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn header_token(h: &HeaderMap) -> Option<&str> {
    h.get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            h.get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
        })
}

fn cookie_token(h: &HeaderMap) -> Option<&str> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == TOKEN_COOKIE)
        .map(|(_, v)| v)
}

/// Whether the Host header names this server by a loopback name: a page of another
/// site that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own name.
fn loopback_host(h: &HeaderMap) -> bool {
    let Some(host) = h.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    matches!(name, "localhost" | "::1")
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether an `Origin` header, when present, is this server's own (browsers send it on
/// every cross-origin request and on same-origin POSTs).
fn own_origin(h: &HeaderMap) -> bool {
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .strip_prefix("http://")
        .is_some_and(|o| o.eq_ignore_ascii_case(host))
}

/// The middleware: host and origin checks, the token, read-only mode, response headers
/// and secret masking.
pub async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let loopback = app.cfg.listen.ip().is_loopback();
    let h = req.headers();
    let path = req.uri().path().to_string();
    let asset = path.starts_with("/assets/");
    if loopback && !loopback_host(h) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "this server answers requests for 127.0.0.1 or localhost only",
        )
        .into_response();
    }
    if !own_origin(h) {
        return ApiError::new(StatusCode::FORBIDDEN, "cross-origin requests are refused")
            .into_response();
    }
    let write = !matches!(*req.method(), Method::GET | Method::HEAD);
    let token = &app.cfg.token;
    let by_header = header_token(h).is_some_and(|t| same(t, token));
    let by_cookie = cookie_token(h).is_some_and(|t| same(t, token));
    if write {
        if app.cfg.read_only {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "serve runs --read-only: nothing can be changed",
            )
            .into_response();
        }
        if !by_header {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "a write needs the token `alertctl serve` printed at start (header X-Alertctl-Token)",
            )
            .with_hint("open the URL serve printed, with its #token=...; other pages cannot write")
            .into_response();
        }
    } else if !(loopback || asset || by_header || by_cookie) {
        return super::pages::token_needed();
    }
    let res = next.run(req).await;
    mask_and_harden(&app, res).await
}

/// Masks known secrets in the body and adds the security headers.
async fn mask_and_harden(app: &App, res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::internal("the response could not be read".into()).into_response()
        }
    };
    let body = match std::str::from_utf8(&bytes) {
        Ok(text) => {
            let masked = app.mask(text);
            if masked != text {
                parts.headers.remove(header::CONTENT_LENGTH);
                Body::from(masked)
            } else {
                Body::from(bytes)
            }
        }
        Err(_) => Body::from(bytes),
    };
    let hs = &mut parts.headers;
    let set = |hs: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        hs.insert(k, HeaderValue::from_static(v));
    };
    set(
        hs,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(hs, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(hs, header::X_FRAME_OPTIONS, "DENY");
    set(hs, header::REFERRER_POLICY, "no-referrer");
    if !hs.contains_key(header::CACHE_CONTROL) {
        set(hs, header::CACHE_CONTROL, "no-store");
    }
    Response::from_parts(parts, body)
}

/// Refuses a route or query parameter that looks like a path out of where it is used:
/// `..` as a part, an absolute path, a backslash, a NUL or another control character.
/// Names never need them; a parameter that has them is an attack or a mistake.
pub fn param(name: &str, value: &str) -> Result<(), ApiError> {
    let bad = value.starts_with('/')
        || value.split('/').any(|p| p == ".." || p == ".")
        || value.contains('\\')
        || value.chars().any(crate::source::text::is_unsafe_char)
        || value.len() > 1024;
    if bad {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "parameter `{name}` is refused: `{}` looks like a path (`..`, `/...`, `\\`) or holds control characters",
                crate::source::text::escape_unsafe(value)
            ),
        ));
    }
    Ok(())
}

/// An optional filter parameter: an empty value means no filter, as an omitted one
/// does; a value must pass [`param`].
pub fn filter(name: &str, v: &Option<String>) -> Result<Option<String>, ApiError> {
    match v.as_deref() {
        None | Some("") => Ok(None),
        Some(s) => param(name, s).map(|_| Some(s.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_like_parameters_are_refused() {
        for bad in [
            "../etc/passwd",
            "..",
            "a/../b",
            "/etc/passwd",
            "a\\b",
            "x\ny",
            "./x",
            "a\u{202e}b",
        ] {
            assert!(param("id", bad).is_err(), "{bad:?}");
        }
        for ok in [
            "web-1:9100",
            "db-1.example.com:9100",
            "group/web",
            "HighCPU",
            "a..b",
        ] {
            assert!(param("id", ok).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn hosts_and_tokens() {
        let mut h = HeaderMap::new();
        for (host, ok) in [
            ("127.0.0.1:8080", true),
            ("localhost:1", true),
            ("[::1]:8080", true),
            ("127.1.2.3", true),
            ("evil.example:8080", false),
            ("127.0.0.1.evil.example", false),
        ] {
            h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
            assert_eq!(loopback_host(&h), ok, "{host}");
        }
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
        let t = new_token().unwrap();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token().unwrap());
    }
}
