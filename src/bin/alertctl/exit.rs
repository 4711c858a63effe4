/// Stable exit codes (docs/exit-codes.md). Scripts and CI depend on them: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Exit {
    /// Everything worked; with `--exit-code`, also: no differences.
    Ok = 0,
    /// `--exit-code` was given and there are differences.
    Differences = 1,
    /// The rules directory (or an argument) is invalid; nothing was written.
    Invalid = 2,
    /// Reserved: a deployment failed and was rolled back (`apply`).
    #[allow(dead_code)]
    RolledBack = 3,
    /// An operational failure: I/O, a missing required tool, an unreachable server.
    Failure = 4,
}
