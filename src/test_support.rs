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
