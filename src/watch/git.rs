//! `--git-pull BRANCH`: follow a remote branch with the real git, fetch and fast-forward
//! only. A branch that moved in any other way (a force-push, local commits) is never
//! merged or reset: it is refused and reported, and the checkout stays as it is.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A git command that takes longer is killed (a remote that hangs must not stall the
/// daemon's only queue forever).
const TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
pub struct GitPull {
    /// The working copy: the rules directory, or any directory inside the repository.
    pub dir: PathBuf,
    pub remote: String,
    pub branch: String,
}

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{0}")]
    Setup(String),
    #[error("`git {args}` failed: {message}")]
    Command { args: String, message: String },
    #[error("{remote}/{branch} ({theirs}) is not a fast-forward of the checkout ({ours}): refusing to merge or reset; the deployed rules stay. Make the checkout follow the branch by hand (e.g. `git reset --hard {remote}/{branch}` after review)")]
    NotFastForward {
        remote: String,
        branch: String,
        ours: String,
        theirs: String,
    },
}

impl GitError {
    /// A short, stable name for the kind of failure (a metric label).
    pub fn code(&self) -> &'static str {
        match self {
            GitError::Setup(_) => "git-setup",
            GitError::Command { .. } => "git-failed",
            GitError::NotFastForward { .. } => "git-non-fast-forward",
        }
    }

    /// Worth retrying: a network error may pass; a diverged branch needs a person.
    pub fn transient(&self) -> bool {
        matches!(self, GitError::Command { .. })
    }
}

/// What a pull did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "git", rename_all = "kebab-case")]
pub enum Pulled {
    UpToDate { commit: String },
    FastForwarded { from: String, to: String },
}

/// Why a name given for a remote or a branch cannot be one: git reads a leading `-` as
/// an option, and refuses names that `git check-ref-format` refuses.
pub fn name_problem(what: &str, name: &str) -> Option<String> {
    if name.is_empty() || name.starts_with('-') || name.chars().any(char::is_control) {
        return Some(format!(
            "{what} {:?} is not a usable name",
            crate::source::text::escape_unsafe(name)
        ));
    }
    None
}

impl GitPull {
    fn remote_ref(&self) -> String {
        format!("refs/remotes/{}/{}", self.remote, self.branch)
    }

    /// Checks, before the daemon starts, that the directory is a git working copy on
    /// `branch` with `remote` configured.
    pub fn check(&self) -> Result<(), GitError> {
        for (what, name) in [("remote", &self.remote), ("branch", &self.branch)] {
            if let Some(p) = name_problem(what, name) {
                return Err(GitError::Setup(p));
            }
        }
        let setup = |e: GitError| GitError::Setup(e.to_string());
        self.git(&["check-ref-format", "--branch", &self.branch])
            .map_err(|_| {
                GitError::Setup(format!("{:?} is not a valid branch name", self.branch))
            })?;
        self.git(&["rev-parse", "--is-inside-work-tree"])
            .map_err(|e| {
                GitError::Setup(format!(
                    "--git-pull needs the rules directory to be a git working copy: {}",
                    e
                ))
            })?;
        self.git(&["remote", "get-url", "--", &self.remote])
            .map_err(|_| {
                GitError::Setup(format!("the working copy has no remote {:?}", self.remote))
            })?;
        let head = self
            .git(&["symbolic-ref", "--quiet", "--short", "HEAD"])
            .map_err(|_| {
                GitError::Setup(format!(
                    "the working copy is not on a branch (detached HEAD): check out {:?} first",
                    self.branch
                ))
            })?;
        if head != self.branch {
            return Err(GitError::Setup(format!(
                "the working copy is on branch {head:?}, not {:?}: check it out first",
                self.branch
            )));
        }
        self.git(&["rev-parse", "--verify", "HEAD"])
            .map_err(setup)?;
        Ok(())
    }

    /// Fetches the branch and fast-forwards the checkout to it, if it moved forward.
    pub fn pull(&self) -> Result<Pulled, GitError> {
        let refspec = format!("+refs/heads/{}:{}", self.branch, self.remote_ref());
        self.git(&[
            "fetch",
            "--quiet",
            "--no-tags",
            "--",
            &self.remote,
            &refspec,
        ])?;
        let ours = self.git(&["rev-parse", "--verify", "HEAD"])?;
        let theirs = self.git(&["rev-parse", "--verify", &self.remote_ref()])?;
        if ours == theirs {
            return Ok(Pulled::UpToDate { commit: ours });
        }
        if self
            .git(&["merge-base", "--is-ancestor", &ours, &theirs])
            .is_err()
        {
            return Err(GitError::NotFastForward {
                remote: self.remote.clone(),
                branch: self.branch.clone(),
                ours,
                theirs,
            });
        }
        self.git(&["merge", "--ff-only", "--quiet", &theirs])?;
        Ok(Pulled::FastForwarded {
            from: ours,
            to: theirs,
        })
    }

    /// Runs git in the working copy; `Ok` is its trimmed stdout.
    fn git(&self, args: &[&str]) -> Result<String, GitError> {
        let fail = |message: String| GitError::Command {
            args: args.join(" "),
            message,
        };
        let mut cmd = Command::new("git");
        cmd.arg("-C")
            .arg(&self.dir)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C")
            .stdin(Stdio::null());
        let out = run(cmd, TIMEOUT).map_err(|e| fail(e.to_string()))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let msg = err.trim();
            return Err(fail(
                crate::source::text::escape_unsafe(if msg.is_empty() {
                    "exited with an error"
                } else {
                    msg
                })
                .to_string(),
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

/// Runs `cmd` to the end, killing it after `timeout`.
fn run(mut cmd: Command, timeout: Duration) -> std::io::Result<std::process::Output> {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                // At most 1 MiB: a message, not a stream.
                let _ = r.by_ref().take(1 << 20).read_to_end(&mut buf);
                let _ = std::io::copy(&mut r, &mut std::io::sink());
            }
            buf
        })
    };
    let stdout = drain(child.stdout.take().map(|s| Box::new(s) as _));
    let stderr = drain(child.stderr.take().map(|s| Box::new(s) as _));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("killed after {}s", timeout.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}
