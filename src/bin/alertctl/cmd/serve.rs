use std::net::SocketAddr;
use std::path::PathBuf;

use alertctl::ui;

use crate::cli::Global;
use crate::exit::Exit;

/// The environment variable that gives `serve` its token.
const TOKEN_ENV: &str = "ALERTCTL_SERVE_TOKEN";

pub fn run(
    g: &Global,
    listen: SocketAddr,
    read_only: bool,
    allow_apply: bool,
    token_file: Option<PathBuf>,
) -> miette::Result<Exit> {
    let start = g.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let root = alertctl::source::project::find_root(&start)?;
    let given = match (
        &token_file,
        std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty()),
    ) {
        (Some(f), _) => match std::fs::read_to_string(f) {
            Ok(t) => Some(t.trim().to_string()),
            Err(e) => {
                eprintln!("error: reading the token file {}: {e}", f.display());
                return Ok(Exit::Failure);
            }
        },
        (None, env) => env,
    };
    if let Some(t) = &given {
        if t.len() < 16 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
            eprintln!("error: the token must be at least 16 hexadecimal characters");
            eprintln!("hint: make one with `openssl rand -hex 32`");
            return Ok(Exit::Invalid);
        }
    }
    if !listen.ip().is_loopback() && given.is_none() {
        eprintln!("error: --listen {listen} is reachable from other machines: it needs a token given with --token-file or {TOKEN_ENV}");
        eprintln!("hint: `openssl rand -hex 32 > token && alertctl serve --listen {listen} --token-file token`; then every request needs it");
        return Ok(Exit::Invalid);
    }
    let token = match &given {
        Some(t) => t.clone(),
        None => ui::new_token().map_err(|e| miette::miette!("making a token: {e}"))?,
    };
    eprintln!("loading {} ...", root.display());
    let server = match ui::bind(ui::Config {
        root: root.clone(),
        listen,
        token: token.clone(),
        read_only,
        allow_apply,
    }) {
        Ok(s) => s,
        Err(ui::ServeError::Project(e)) => return Err(e.into()),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failure);
        }
    };
    let url = format!("http://{}/", server.addr);
    if read_only {
        oline!("alertctl serve: {url} (read-only)");
    } else if given.is_some() {
        oline!("alertctl serve: {url} (open it with #token=<your token> to edit)");
    } else {
        // The token goes in the fragment: browsers never send it to a server or in a
        // Referer; the page keeps it for the tab.
        oline!("alertctl serve: {url}#token={token}");
    }
    eprintln!(
        "serving {} until Ctrl-C; writes need the token above",
        root.display()
    );
    match server.run() {
        Ok(()) => Ok(Exit::Ok),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(Exit::Failure)
        }
    }
}
