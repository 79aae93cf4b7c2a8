use super::*;

fn parse(args: &[&str]) -> Result<Command, clap::Error> {
    Cli::try_parse_from(std::iter::once("kairos-backend").chain(args.iter().copied())).map(|c| c.command)
}

#[test]
fn parses_both_catalog_subcommands() {
    assert!(
        matches!(parse(&["keygen", "--out-dir", "keys"]).unwrap(), Command::Keygen { ref key_id, .. } if key_id == "k1")
    );
    let Command::SignCatalog { key, key_id, input, out } =
        parse(&["sign-catalog", "--key", "k.pk8", "--key-id", "k2", "--in", "doc.json", "--out", "env.json"]).unwrap()
    else {
        panic!("not sign-catalog")
    };
    assert_eq!((key, key_id.as_str(), input, out), ("k.pk8".into(), "k2", "doc.json".into(), "env.json".into()));
    assert!(parse(&["sign-catalog", "--key", "k.pk8"]).is_err());
}

#[test]
fn serve_defaults_match_the_product_commands() {
    let Command::Serve { storage, addr, catalog, faults, .. } = parse(&["serve"]).unwrap() else { panic!("not serve") };
    assert_eq!(storage.db, PathBuf::from("kairos-backend.db"));
    assert_eq!(addr, "127.0.0.1:8787");
    assert_eq!(catalog, None);
    assert!(faults.config().unwrap().is_none(), "faults must be off by default");
}

#[test]
fn serve_takes_every_option() {
    let Command::Serve { storage, addr, catalog, faults, .. } = parse(&[
        "serve",
        "--db",
        "x.db",
        "--addr",
        "127.0.0.1:0",
        "--catalog",
        "c.signed.json",
        "--fault-mode",
        "throttle,drop",
        "--fault-rate",
        "0.5",
        "--fault-seed",
        "9",
        "--fault-max",
        "3",
    ])
    .unwrap() else {
        panic!("not serve")
    };
    assert_eq!((storage.db, addr, catalog), ("x.db".into(), "127.0.0.1:0".into(), Some("c.signed.json".into())));
    let config = faults.config().unwrap().unwrap();
    assert_eq!(config.kinds, vec![crate::faults::FaultKind::Throttle, crate::faults::FaultKind::Drop]);
    assert_eq!((config.rate, config.seed, config.max_faults), (0.5, 9, 3));
    let Command::Serve { storage, .. } = parse(&["serve", "--postgres", "postgres://u@127.0.0.1:5/db"]).unwrap() else {
        panic!("not serve")
    };
    assert_eq!(storage.postgres.as_deref(), Some("postgres://u@127.0.0.1:5/db"));
    assert!(
        parse(&["serve", "--db", "x.db", "--postgres", "postgres://u@h/db"]).is_err(),
        "--db and --postgres conflict"
    );
    let Command::Serve { faults, .. } = parse(&["serve", "--fault-mode", "chaos"]).unwrap() else { panic!() };
    assert!(matches!(faults.config(), Err(CliError::Usage(m)) if m.contains("chaos")));
    let Command::Serve { faults, .. } = parse(&["serve", "--fault-mode", "flaky", "--fault-rate", "2"]).unwrap() else {
        panic!()
    };
    assert!(faults.config().is_err());
}

#[test]
fn admin_commands_parse() {
    let Command::Report { kind, storage, min_installs, min_install_age_days, min_upload_days, json } =
        parse(&["report", "--db", "k.db"]).unwrap()
    else {
        panic!()
    };
    assert_eq!((kind, storage.db, min_installs, json), (ReportKind::Visits, "k.db".into(), 5, false));
    let Command::Report { kind, .. } = parse(&["report", "lift", "--db", "k.db"]).unwrap() else { panic!() };
    assert_eq!(kind, ReportKind::Lift);
    assert_eq!((min_install_age_days, min_upload_days), (7, 3));
    let Command::Report { min_installs, .. } = parse(&["report", "--min-installs", "10"]).unwrap() else { panic!() };
    assert_eq!(min_installs, 10);
    let Command::SetCatalog { file, public_key, .. } = parse(&["set-catalog", "--db", "k.db", "c.json"]).unwrap()
    else {
        panic!()
    };
    assert_eq!((file, public_key), ("c.json".into(), None));
    assert!(parse(&["set-catalog", "--db", "k.db"]).is_err(), "the file is required");
    let Command::Load { batches, concurrency, no_gzip, db, .. } = parse(&["load", "--batches", "10"]).unwrap() else {
        panic!()
    };
    assert_eq!((batches, concurrency, no_gzip, db), (10, 32, false, None));
}

#[test]
fn runs_keygen_then_sign() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let printed = run(Cli { command: Command::Keygen { out_dir: keys.clone(), key_id: "ci".into() } }).unwrap();
    assert!(printed.contains("ci.pk8") && printed.contains("public key ci: "), "{printed}");
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/example.json");
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
    assert!(printed.starts_with("signed catalog version 1 (3 merchants, 3 offers) with key ci"), "{printed}");
    assert!(out.exists());
}

#[test]
fn set_catalog_then_report_on_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let signed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/example.signed.json");
    let storage = StorageArgs { db: db.clone(), postgres: None, postgres_ca: None };
    let printed =
        run(Cli { command: Command::SetCatalog { storage: storage.clone(), public_key: None, file: signed.clone() } })
            .unwrap();
    assert!(printed.starts_with("published catalog version 1 ("), "{printed}");
    let again =
        run(Cli { command: Command::SetCatalog { storage: storage.clone(), public_key: None, file: signed } }).unwrap();
    assert!(again.starts_with("catalog version 1 is already published"), "{again}");
    let not_envelope = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/example.json");
    let e =
        run(Cli { command: Command::SetCatalog { storage: storage.clone(), public_key: None, file: not_envelope } })
            .unwrap_err();
    assert!(e.to_string().starts_with("not a signed catalog envelope"), "{e}");
    let csv = run(Cli {
        command: Command::Report {
            kind: ReportKind::Visits,
            storage: storage.clone(),
            min_installs: 5,
            min_install_age_days: 7,
            min_upload_days: 3,
            json: false,
        },
    })
    .unwrap();
    assert_eq!(csv, "day,merchant_id,installs,visits,minutes,noised");
    let e = run(Cli {
        command: Command::Report {
            kind: ReportKind::Lift,
            storage,
            min_installs: 1,
            min_install_age_days: 7,
            min_upload_days: 3,
            json: false,
        },
    })
    .unwrap_err();
    assert!(e.to_string().contains("below the floor of 2"), "{e}");
}

#[test]
fn load_runs_a_small_bounded_batch() {
    let printed = run(Cli {
        command: Command::Load {
            db: None,
            postgres: None,
            batches: 40,
            concurrency: 4,
            installs: 5,
            no_gzip: false,
            max_seconds: 60,
            json: true,
        },
    })
    .unwrap();
    let figures: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(figures["batches"], 40, "{printed}");
    assert_eq!(figures["errors"], 0, "{printed}");
    assert_eq!(figures["storage"], "sqlite");
    assert!(figures["batches_per_sec"].as_f64().unwrap() > 0.0);
}

#[test]
fn serve_refuses_plain_http_off_loopback_without_insecure_http() {
    let Command::Serve { tls, addr, .. } = parse(&["serve", "--addr", "0.0.0.0:8787"]).unwrap() else { panic!() };
    let e = super::tls_config(&tls, &addr).unwrap_err();
    assert!(e.to_string().contains("--insecure-http"), "{e}");
    let Command::Serve { tls, addr, .. } = parse(&["serve", "--addr", "0.0.0.0:8787", "--insecure-http"]).unwrap()
    else {
        panic!()
    };
    assert!(super::tls_config(&tls, &addr).unwrap().is_none());
    for loopback in ["127.0.0.1:8787", "[::1]:8787", "localhost:8787"] {
        assert!(super::is_loopback(loopback), "{loopback}");
    }
    assert!(!super::is_loopback("0.0.0.0:8787") && !super::is_loopback("192.0.2.1:80"));
    assert!(parse(&["serve", "--tls-cert", "c.pem"]).is_err(), "--tls-cert needs --tls-key");
    let Command::Serve { limits, .. } = parse(&["serve", "--header-timeout-secs", "2"]).unwrap() else { panic!() };
    let limits = limits.limits().unwrap();
    assert_eq!(limits.header_timeout, std::time::Duration::from_secs(2));
    assert_eq!(limits.registrations, kairos_backend_default().registrations);
}

fn kairos_backend_default() -> crate::limits::ServerLimits {
    crate::limits::ServerLimits::default()
}
