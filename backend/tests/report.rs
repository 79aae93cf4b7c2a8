//! `report`: the visits aggregate with cells under five installs
//! suppressed, through the API, the library and the command line.

mod common;

use common::{backends, start, Api};
use kairos_backend::cli::{run, Cli, Command, ReportKind, StorageArgs};
use kairos_backend::limits::ReportEligibility;
use kairos_backend::report::visit_report;
use serde_json::json;

/// The sybil rule off: these installs are all registered today, for days
/// before (`storage_conformance.rs` and `abuse.rs` check the rule).
const EVERY: ReportEligibility = ReportEligibility::EVERY_INSTALL;

fn visit(day: &str, merchant: &str) -> serde_json::Value {
    json!({"batch": [{"purpose": "visits", "day": day, "data": {"merchants": [
        {"merchant_id": merchant, "visits": 1, "minutes": 30}]}}]})
}

/// Five installs visit the boutique on the 24th, four the food court, and
/// one install visits the boutique twice over two uploads on the 25th.
async fn populate(addr: std::net::SocketAddr) {
    for i in 0..5 {
        let api = Api::register(addr).await;
        let mut merchants = vec![json!({"merchant_id": "maison-lumiere", "visits": 1, "minutes": 30})];
        if i < 4 {
            merchants.push(json!({"merchant_id": "valley-food-court", "visits": 2, "minutes": 15}));
        }
        let batch = json!({"batch": [{"purpose": "visits", "day": "2026-11-24", "data": {"merchants": merchants}}]});
        assert_eq!(api.upload("night", &batch).await.status, 200);
        if i == 0 {
            assert_eq!(api.upload("n2", &visit("2026-11-25", "maison-lumiere")).await.status, 200);
        }
    }
}

#[tokio::test]
async fn cells_under_five_installs_are_suppressed() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        populate(server.addr()).await;
        let report = visit_report(b.storage.as_ref(), 5, EVERY).await.unwrap();
        assert_eq!(report.suppressed, 2, "{}: the food court (4) and the 25th (1)", b.name);
        assert_eq!(
            report.to_csv(),
            "day,merchant_id,installs,visits,minutes,noised\n2026-11-24,maison-lumiere,5,5,150,0\n"
        );
        let lower = visit_report(b.storage.as_ref(), 4, EVERY).await.unwrap();
        assert_eq!(lower.cells.len(), 2);
        assert_eq!(lower.cells[1].merchant_id, "valley-food-court");
        assert_eq!((lower.cells[1].installs, lower.cells[1].visits), (4, 8));
        assert!(visit_report(b.storage.as_ref(), 1, EVERY).await.is_err());
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn the_report_command_reads_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kairos-backend.db");
    let storage: std::sync::Arc<dyn kairos_backend::storage::Storage> =
        std::sync::Arc::new(kairos_backend::storage::SqliteStorage::open(&db).unwrap());
    let server = start(&storage, None).await;
    populate(server.addr()).await;
    server.shutdown().await.unwrap();
    let report = |min_installs, json| {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            let storage = StorageArgs { db, postgres: None, postgres_ca: None };
            let (min_install_age_days, min_upload_days) = (0, 0);
            run(Cli {
                command: Command::Report {
                    kind: ReportKind::Visits,
                    storage,
                    min_installs,
                    min_install_age_days,
                    min_upload_days,
                    json,
                },
            })
        })
    };
    let csv = report(5, false).await.unwrap().unwrap();
    assert_eq!(csv, "day,merchant_id,installs,visits,minutes,noised\n2026-11-24,maison-lumiere,5,5,150,0");
    let value: serde_json::Value = serde_json::from_str(&report(5, true).await.unwrap().unwrap()).unwrap();
    assert_eq!(value["suppressed"], 2);
    assert_eq!(value["min_installs"], 5);
    assert_eq!(value["cells"].as_array().unwrap().len(), 1);
    let e = report(1, false).await.unwrap().unwrap_err();
    assert!(e.to_string().contains("below the floor"), "{e}");
}
