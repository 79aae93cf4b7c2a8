//! `report lift`: on a generated population written through the storage
//! API, a known injected lift is recovered within its 95% interval, no
//! effect gives an interval covering 0, and an offer with a small arm is
//! left out; through the library on both storages and the command line.

mod common;

use chrono::NaiveDate;
use common::backends;
use kairos_backend::cli::{run, Cli, Command, ReportKind, StorageArgs};
use kairos_backend::limits::ReportEligibility;
use kairos_backend::report::lift::{lift_report, LiftReport};
use kairos_backend::storage::{Ingest, IngestOutcome, SqliteStorage, Storage};
use kairos_backend::summaries::{Batch, OfferOutcome, SummaryData, SummaryItem};
use std::sync::Arc;

/// Installs per arm of the two measured offers.
const ARM: u64 = 1500;
/// `o-effect`: exposed installs redeem with 0.30, held-out ones with 0.20.
const EFFECT: (f64, f64) = (0.30, 0.20);
/// `o-null`: both arms redeem with 0.25.
const NULL: (f64, f64) = (0.25, 0.25);

/// SplitMix64: a seeded stream, so the population is the same every run.
struct Stream(u64);

impl Stream {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn outcome(offer: &str, held_out: bool, redeemed: bool) -> OfferOutcome {
    OfferOutcome {
        offer_id: offer.into(),
        triggered: u32::from(!held_out),
        presented: u32::from(!held_out),
        redeemed: u32::from(redeemed),
        dismissed: 0,
        held_out: u32::from(held_out),
    }
}

/// `2 × ARM` installs: each is in one arm of `o-effect` and, independently,
/// one arm of `o-null`, redeeming each with its arm's chance; 4 of them are
/// held out of `o-small` (whose exposed arm is large).
async fn populate(storage: &dyn Storage) {
    let mut stream = Stream(7);
    let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    for i in 0..2 * ARM {
        let effect_held = i % 2 == 1;
        let null_held = (i / 2) % 2 == 1;
        let mut offers = vec![
            outcome("o-effect", effect_held, stream.uniform() < if effect_held { EFFECT.1 } else { EFFECT.0 }),
            outcome("o-null", null_held, stream.uniform() < if null_held { NULL.1 } else { NULL.0 }),
        ];
        offers.push(outcome("o-small", i < 4, false));
        let batch = Batch { items: vec![SummaryItem { day, data: SummaryData::Offers(offers), noise: None }] };
        let ingest =
            Ingest { install_id: format!("{i:032x}"), key: "night".into(), fingerprint: [0; 32], batch, today: day };
        assert_eq!(storage.ingest(ingest).await.unwrap(), IngestOutcome::Stored(1));
    }
}

fn check(report: &LiftReport, name: &str) {
    assert_eq!(report.suppressed, 1, "{name}: o-small has 4 held-out installs");
    let [effect, null] = &report.lines[..] else { panic!("{name}: {report:?}") };
    assert_eq!((effect.cell.offer_id.as_str(), null.cell.offer_id.as_str()), ("o-effect", "o-null"));
    assert_eq!((effect.cell.exposed, effect.cell.held_out), (ARM, ARM), "{name}");
    let injected = EFFECT.0 - EFFECT.1;
    assert!(effect.lift.covers(injected), "{name}: {:?} misses {injected}", effect.lift);
    assert!(effect.lift.low > 0.0, "{name}: the effect is detected: {:?}", effect.lift);
    assert!(effect.lift.high - effect.lift.low < 0.07, "{name}: {:?} is informative", effect.lift);
    assert!(null.lift.covers(0.0), "{name}: no effect covers 0: {:?}", null.lift);
}

#[tokio::test]
async fn an_injected_lift_is_recovered_within_its_interval_and_no_effect_covers_zero() {
    for b in backends().await {
        populate(b.storage.as_ref()).await;
        let report = lift_report(b.storage.as_ref(), 5, ReportEligibility::EVERY_INSTALL).await.unwrap();
        check(&report, b.name);
    }
}

#[tokio::test]
async fn the_lift_command_reads_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kairos-backend.db");
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&db).unwrap());
    populate(storage.as_ref()).await;
    drop(storage);
    let report = |json| {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            let storage = StorageArgs { db, postgres: None, postgres_ca: None };
            let (min_install_age_days, min_upload_days) = (0, 0);
            run(Cli {
                command: Command::Report {
                    kind: ReportKind::Lift,
                    storage,
                    min_installs: 5,
                    min_install_age_days,
                    min_upload_days,
                    json,
                },
            })
        })
    };
    let csv = report(false).await.unwrap().unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("offer_id,exposed,exposed_redeemed,exposed_rate,held_out,"), "{csv}");
    assert!(lines[1].starts_with("o-effect,1500,"), "{csv}");
    let value: serde_json::Value = serde_json::from_str(&report(true).await.unwrap().unwrap()).unwrap();
    assert_eq!(value["suppressed"], 1);
    assert_eq!(value["offers"][1]["offer_id"], "o-null");
    assert!(value["offers"][0]["lift"]["low"].as_f64().unwrap() > 0.0);
}
