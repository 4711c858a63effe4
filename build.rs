//! `ALERTCTL_BUILD_ID`: a hash of everything that decides what this build renders (the
//! sources, the manifest and lock file, the compiler), so the renders a build keeps in
//! its cache are read back only by a build of the same code (`src/render/memo.rs`).
//! Not the executable's size or time: both can stay the same across builds that render
//! differently (reproducible builds clamp times; padding hides small changes).

use std::hash::Hasher;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut paths = Vec::new();
    files(&root.join("src"), &mut paths);
    paths.extend(["Cargo.toml", "Cargo.lock", "build.rs"].map(|f| root.join(f)));
    paths.sort();
    // SipHash with fixed keys: the same inputs give the same id on every machine.
    let mut h = std::hash::DefaultHasher::new();
    for p in &paths {
        h.write(
            p.strip_prefix(&root)
                .unwrap_or(p)
                .to_string_lossy()
                .as_bytes(),
        );
        h.write(&std::fs::read(p).unwrap_or_default());
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    if let Ok(v) = std::process::Command::new(rustc).arg("-vV").output() {
        h.write(&v.stdout);
    }
    println!("cargo:rustc-env=ALERTCTL_BUILD_ID={:016x}", h.finish());
    for f in ["src", "Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={f}");
    }
}
