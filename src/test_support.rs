//! Helpers shared by the library's unit tests.

use std::path::Path;

/// A copy of the directory tree `from` at `to` (created), for a test that edits a
/// fixture.
pub fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(dest).unwrap();
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// [`copy_dir`], every file an hour old (older than git's racy window): the fast path
/// trusts their stats.
pub fn copy_dir_aged(from: &Path, to: &Path) {
    copy_dir(from, to);
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for e in walkdir::WalkDir::new(to).into_iter().flatten() {
        if e.file_type().is_file() {
            let f = std::fs::File::options().write(true).open(e.path()).unwrap();
            f.set_modified(old).unwrap();
        }
    }
}
