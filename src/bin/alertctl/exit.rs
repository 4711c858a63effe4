/// Stable exit codes (docs/exit-codes.md). Scripts and CI depend on them: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Exit {
    /// Everything worked; with `--exit-code`, also: no differences.
    Ok = 0,
    /// `--exit-code` was given and there are differences; `test`: a test failed.
    Differences = 1,
    /// The rules directory (or an argument) is invalid; nothing was written.
    Invalid = 2,
    /// A deployment failed after writing; the previous files were restored and every
    /// server verified to run them again.
    RolledBack = 3,
    /// An operational failure before anything was written: I/O, a missing required tool,
    /// an unreachable server, another apply holding the lock.
    Failure = 4,
    /// A deployment failed and the previous files were restored, but a server could not
    /// be verified to run them (e.g. it went down): check it.
    RollbackUnverified = 5,
}
