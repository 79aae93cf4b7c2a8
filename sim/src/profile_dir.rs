//! Where a run keeps the engine's data directory: a temporary directory
//! removed at the end (the default), or `--profile-dir DIR`, kept after the
//! run so that anyone can open and inspect what the phone would hold
//! (database, WAL, SHM and anything else the engine writes).

use std::path::{Path, PathBuf};

/// The engine's data directory for one run.
pub enum ProfileDir {
    /// Removed when dropped.
    Temporary(tempfile::TempDir),
    /// Kept after the run.
    Kept(PathBuf),
}

impl ProfileDir {
    /// A temporary directory, or `dir` when given: created if missing, and
    /// refused when it already holds files (a profile is never mixed with
    /// another run's; remove it or name a new one).
    pub fn new(dir: Option<&Path>) -> Result<ProfileDir, String> {
        let Some(dir) = dir else {
            let tmp = tempfile::tempdir().map_err(|e| format!("cannot create a temporary profile: {e}"))?;
            return Ok(ProfileDir::Temporary(tmp));
        };
        let shown = dir.display();
        std::fs::create_dir_all(dir).map_err(|e| format!("--profile-dir {shown}: {e}"))?;
        let mut entries = std::fs::read_dir(dir).map_err(|e| format!("--profile-dir {shown}: {e}"))?;
        if entries.next().is_some() {
            return Err(format!(
                "--profile-dir {shown} is not empty: name a new or empty directory (a profile is never mixed with another run's)"
            ));
        }
        Ok(ProfileDir::Kept(dir.to_path_buf()))
    }

    /// The directory to give the engine.
    pub fn path(&self) -> &Path {
        match self {
            ProfileDir::Temporary(t) => t.path(),
            ProfileDir::Kept(p) => p,
        }
    }

    /// Says on stderr where a kept profile is (nothing for a temporary one).
    pub fn announce(&self) {
        if let ProfileDir::Kept(p) = self {
            eprintln!("kairos-sim: the engine's data directory is kept in {}", p.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_directory_is_created_and_kept() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("profile");
        let p = ProfileDir::new(Some(&dir)).unwrap();
        std::fs::write(p.path().join("x"), b"1").unwrap();
        drop(p);
        assert!(dir.join("x").exists(), "a kept profile outlives the run");
    }

    #[test]
    fn a_directory_with_files_is_refused_and_left_alone() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("kairos.db"), b"old").unwrap();
        let err = ProfileDir::new(Some(root.path())).err().expect("refused");
        assert!(err.contains("is not empty"), "{err}");
        assert_eq!(std::fs::read(root.path().join("kairos.db")).unwrap(), b"old");
    }

    #[test]
    fn without_a_directory_the_profile_is_temporary() {
        let p = ProfileDir::new(None).unwrap();
        let path = p.path().to_path_buf();
        assert!(path.exists());
        drop(p);
        assert!(!path.exists(), "a temporary profile is removed");
    }
}
