//! The per-user key that authenticates the cache. `.alertctl/cache.sqlite` lives in the
//! rules directory, so it can arrive in a pull request: a crafted one could hold parsed
//! models, rendered files or promtool verdicts that do not match the sources. Every cache
//! alertctl trusts carries a MAC made with a secret kept outside the rules directory
//! (`$ALERTCTL_STATE_DIR`, else `$XDG_STATE_HOME/alertctl`, else
//! `~/.local/state/alertctl`, file `cache.key`, mode 0600); a cache without a valid one
//! is rebuilt, never read.

use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::PathBuf;
use std::sync::OnceLock;

const KEY_FILE: &str = "cache.key";

/// A 256-bit secret for keyed BLAKE3.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

/// Where the key is kept, from the environment.
pub fn state_dir() -> Option<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    var("ALERTCTL_STATE_DIR")
        .map(PathBuf::from)
        .or_else(|| var("XDG_STATE_HOME").map(|d| PathBuf::from(d).join("alertctl")))
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".local/state/alertctl")))
}

impl Key {
    /// This user's key, created on first use; read once per process.
    pub fn user() -> Result<Key, String> {
        static USER: OnceLock<Result<Key, String>> = OnceLock::new();
        USER.get_or_init(|| {
            let dir = state_dir().ok_or("no state directory: set HOME or XDG_STATE_HOME")?;
            load_or_create(&dir).map_err(|e| format!("cache key in {}: {e}", dir.display()))
        })
        .clone()
    }

    /// A key for this process only (an in-memory cache needs no authentication, but
    /// the code paths stay the same).
    pub fn ephemeral() -> Key {
        random().map_or_else(|_| Key([0; 32]), Key)
    }

    /// A MAC of `parts` under `domain`, length-prefixed so that no two part lists collide.
    pub fn mac(&self, domain: &str, parts: &[&[u8]]) -> String {
        self.hash(domain, parts).to_hex().to_string()
    }

    fn hash(&self, domain: &str, parts: &[&[u8]]) -> blake3::Hash {
        let mut h = blake3::Hasher::new_keyed(&self.0);
        for p in std::iter::once(domain.as_bytes()).chain(parts.iter().copied()) {
            h.update(&(p.len() as u64).to_le_bytes());
            h.update(p);
        }
        h.finalize()
    }

    /// Whether `mac` is the MAC of `parts` (compared in constant time, as
    /// `blake3::Hash`'s equality is).
    pub fn verify(&self, mac: &str, domain: &str, parts: &[&[u8]]) -> bool {
        blake3::Hash::from_hex(mac).is_ok_and(|given| given == self.hash(domain, parts))
    }
}

fn random() -> std::io::Result<[u8; 32]> {
    let mut k = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut k)?;
    Ok(k)
}

fn load_or_create(dir: &std::path::Path) -> std::io::Result<Key> {
    let path = dir.join(KEY_FILE);
    if let Some(k) = read_key(&path)? {
        return Ok(k);
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    // Written aside and linked into place, so a concurrent first run never reads half a
    // key, and whichever process links first wins.
    let tmp = dir.join(format!("{KEY_FILE}.{}.tmp", std::process::id()));
    let key = random()?;
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(blake3::Hash::from_bytes(key).to_hex().as_bytes())?;
        f.sync_all()?;
    }
    let linked = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(Key(key)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read_key(&path)?.ok_or_else(|| std::io::Error::other("vanished while being created"))
        }
        Err(e) => Err(e),
    }
}

/// `None` when there is no key yet. A key others can read, or that is not a plain
/// file, is refused rather than used: it authenticates nothing.
fn read_key(path: &std::path::Path) -> std::io::Result<Option<Key>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_file() {
        return Err(std::io::Error::other(format!(
            "{} is not a plain file",
            path.display()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(std::io::Error::other(format!(
            "{} is readable by others (mode {:o}); it must be 0600",
            path.display(),
            meta.mode() & 0o777
        )));
    }
    let text = std::fs::read_to_string(path)?;
    blake3::Hash::from_hex(text.trim())
        .map(|h| Some(Key(*h.as_bytes())))
        .map_err(|_| std::io::Error::other(format!("{} is not a key", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_private_reused_and_refused_when_exposed() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let k = load_or_create(&state).unwrap();
        let path = state.join(KEY_FILE);
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        let again = load_or_create(&state).unwrap();
        assert_eq!(k.mac("d", &[b"x"]), again.mac("d", &[b"x"]));
        assert!(k.verify(&k.mac("d", &[b"a", b"b"]), "d", &[b"a", b"b"]));
        // Length prefixes: moving a byte between parts changes the MAC.
        assert!(!k.verify(&k.mac("d", &[b"a", b"b"]), "d", &[b"ab", b""]));
        assert!(!k.verify(&k.mac("d", &[b"x"]), "e", &[b"x"]));
        assert!(!Key::ephemeral().verify(&k.mac("d", &[b"x"]), "d", &[b"x"]));
        assert!(!k.verify("not hex", "d", &[b"x"]));

        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = load_or_create(&state).unwrap_err().to_string();
        assert!(err.contains("readable by others"), "{err}");

        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), &path).unwrap();
        let err = load_or_create(&state).unwrap_err().to_string();
        assert!(err.contains("not a plain file"), "{err}");
    }
}
