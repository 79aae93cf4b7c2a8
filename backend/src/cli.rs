//! The `kairos-backend` command line.

use crate::catalog_signing::{keygen, sign_catalog, BackendError};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// The Kairos reference backend.
#[derive(Debug, Parser)]
#[command(name = "kairos-backend", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate an Ed25519 catalog signing key: writes ID.pk8 (private,
    /// keep it secret) and ID.pub (base64 public key, for the apps).
    Keygen {
        /// Directory to write the key files to (created if missing).
        #[arg(long)]
        out_dir: PathBuf,
        /// Id of the key, named in every envelope it signs.
        #[arg(long, default_value = "k1")]
        key_id: String,
    },
    /// Validate a catalog document and sign it into an envelope. An invalid
    /// document is refused with the path of its first problem.
    SignCatalog {
        /// The private key (PKCS#8, as written by `keygen`).
        #[arg(long)]
        key: PathBuf,
        /// The id of that key.
        #[arg(long)]
        key_id: String,
        /// The catalog document (JSON).
        #[arg(long = "in")]
        input: PathBuf,
        /// Where to write the signed envelope (JSON).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs a parsed command line; returns what to print on success.
pub fn run(cli: Cli) -> Result<String, BackendError> {
    match cli.command {
        Command::Keygen { out_dir, key_id } => {
            let out = keygen(&out_dir, &key_id)?;
            Ok(format!(
                "wrote private key {} (keep it secret)\nwrote public key {}\npublic key {key_id}: {}",
                out.private_key_path.display(),
                out.public_key_path.display(),
                out.public_key_base64
            ))
        }
        Command::SignCatalog {
            key,
            key_id,
            input,
            out,
        } => {
            let report = sign_catalog(&key, &key_id, &input, &out)?;
            Ok(format!(
                "signed catalog version {} ({} merchants, {} offers) with key {key_id} into {}",
                report.version,
                report.merchants,
                report.offers,
                report.out.display()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_subcommands() {
        let cli = Cli::try_parse_from(["kairos-backend", "keygen", "--out-dir", "keys"]).unwrap();
        assert!(matches!(cli.command, Command::Keygen { ref key_id, .. } if key_id == "k1"));
        let cli = Cli::try_parse_from([
            "kairos-backend",
            "sign-catalog",
            "--key",
            "k.pk8",
            "--key-id",
            "k2",
            "--in",
            "doc.json",
            "--out",
            "env.json",
        ])
        .unwrap();
        let Command::SignCatalog {
            key,
            key_id,
            input,
            out,
        } = cli.command
        else {
            panic!("not sign-catalog")
        };
        assert_eq!(
            (key, key_id.as_str(), input, out),
            ("k.pk8".into(), "k2", "doc.json".into(), "env.json".into())
        );
        assert!(Cli::try_parse_from(["kairos-backend", "sign-catalog", "--key", "k.pk8"]).is_err());
    }

    #[test]
    fn runs_keygen_then_sign() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let printed = run(Cli {
            command: Command::Keygen {
                out_dir: keys.clone(),
                key_id: "ci".into(),
            },
        })
        .unwrap();
        assert!(
            printed.contains("ci.pk8") && printed.contains("public key ci: "),
            "{printed}"
        );
        let example =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/example.json");
        let out = dir.path().join("signed.json");
        let printed = run(Cli {
            command: Command::SignCatalog {
                key: keys.join("ci.pk8"),
                key_id: "ci".into(),
                input: example,
                out: out.clone(),
            },
        })
        .unwrap();
        assert!(
            printed.starts_with("signed catalog version 1 (3 merchants, 3 offers) with key ci"),
            "{printed}"
        );
        assert!(out.exists());
    }
}
