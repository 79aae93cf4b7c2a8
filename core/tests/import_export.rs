//! A shopper changes phones: the export (or its sealed backup) of one
//! engine, imported into a fresh engine under another sealing key, behaves
//! as the old engine did, and every refused import changes nothing.

mod offer_common;
mod routine_day;

use kairos_core::privacy::ImportRefusal;
use kairos_core::{Engine, EngineConfig, Event, KairosError, Timestamp};
use offer_common::{at_xy, catalog, key, merchant, offer, signed, t, Key, TZ};
use routine_day::{grocery, thursdays, trip, GROCERY, HOME};
use serde_json::{json, Value};
use std::path::Path;

/// The catalog: the grocery store of the weekly routine, and three shops
/// on a walk (`b` at 1000 m with a 2-day gap cap, `d` at 1100 m, `c` at
/// 1300 m).
fn the_catalog(k: &Key) -> Vec<u8> {
    signed(
        &catalog(
            1,
            vec![
                grocery(vec![]),
                merchant("b", 1000.0, vec![offer("o1", json!({"caps": {"min_gap_minutes": 2880}}))]),
                merchant("d", 1100.0, vec![offer("o2", json!({}))]),
                merchant("c", 1300.0, vec![offer("o3", json!({}))]),
            ],
        ),
        k,
    )
}

/// An engine on `dir` under `sealing_key`, with its own install id, the
/// catalog loaded.
fn phone(dir: &Path, k: &Key, sealing_key: [u8; 32]) -> Engine {
    let mut cfg = EngineConfig::new(dir, TZ);
    cfg.catalog_keys = vec![("k1".into(), k.public.clone())];
    cfg.sealing_key = sealing_key;
    let e = Engine::open(cfg).unwrap();
    e.load_catalog(&the_catalog(k), t("2026-11-01T12:00:00-08:00")).unwrap();
    e
}

fn walk(e: &Engine, start: &str, x0: f64, x1: f64) -> Vec<Event> {
    e.record_locations(&offer_common::walk(t(start), x0, x1, 1.3)).unwrap().events
}

fn night_at_home(e: &Engine, day: u32) {
    let (lat, lon) = at_xy(HOME.0, HOME.1);
    let from = t(&format!("2026-11-{day}T20:30:00-08:00"));
    e.record_visit(lat, lon, from, from.plus_millis(11 * 3_600_000)).unwrap();
}

/// Several days of the old phone: six Thursdays at the grocery store, a
/// week of nights at home, and on Friday 27 November a walk past the shops
/// (o1 shown then dismissed, o2 and o3 held by the global gap), another an
/// hour later (o3 shown), and the night at home. Its clock ends at Saturday
/// 07:30.
fn old_phone(dir: &Path, k: &Key) -> Engine {
    let e = phone(dir, k, [1; 32]);
    let mut visits: Vec<((f64, f64), Timestamp)> = thursdays().into_iter().map(|a| (GROCERY, a)).collect();
    visits.extend((19..27).map(|d| (HOME, t(&format!("2026-11-{d}T20:30:00-08:00")))));
    visits.sort_by_key(|v| v.1);
    for ((x, y), arrived) in visits {
        let (lat, lon) = at_xy(x, y);
        let minutes = if (x, y) == HOME { 11 * 60 } else { 40 };
        e.record_visit(lat, lon, arrived, arrived.plus_millis(minutes * 60_000)).unwrap();
    }
    e.record_step_samples(&[kairos_core::StepSample::Interval {
        start: t("2026-11-27T09:00:00-08:00"),
        end: t("2026-11-27T10:00:00-08:00"),
        steps: 4_321,
    }])
    .unwrap();
    let first = walk(&e, "2026-11-27T12:00:00-08:00", 800.0, 1500.0);
    e.dismissed(offer_common::triggered_id(&first), t("2026-11-27T12:15:00-08:00")).unwrap();
    walk(&e, "2026-11-27T13:00:00-08:00", 1500.0, 800.0);
    night_at_home(&e, 27);
    e
}

/// The same next day, fed to an engine: ticks through the morning, a walk
/// past the shops, the drive home past the overdue grocery store, ticks
/// through the night (the day closes). Every event, as JSON.
fn next_day(e: &Engine) -> Vec<Value> {
    let mut events = Vec::new();
    for h in 8..10 {
        events.extend(e.tick(t(&format!("2026-11-28T{h:02}:00:00-08:00"))).unwrap());
    }
    events.extend(walk(e, "2026-11-28T10:00:00-08:00", 800.0, 1500.0));
    events.extend(e.record_locations(&trip(t("2026-11-28T11:15:00-08:00"), (0.0, 0.0), HOME, 13.0)).unwrap().events);
    for h in [14, 18, 22] {
        events.extend(e.tick(t(&format!("2026-11-28T{h:02}:00:00-08:00"))).unwrap());
    }
    events.extend(e.tick(t("2026-11-29T03:00:00-08:00")).unwrap());
    events.iter().map(|ev| serde_json::to_value(ev).unwrap()).collect()
}

fn doc(e: &Engine) -> Value {
    serde_json::from_str(&e.export_profile().unwrap()).unwrap()
}

fn without_install_id(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("install_id");
    v
}

fn refusal(r: Result<(), KairosError>) -> ImportRefusal {
    match r {
        Err(KairosError::ImportRefused { refusal }) => refusal,
        other => panic!("expected an import refusal, got {other:?}"),
    }
}

#[test]
fn an_imported_profile_under_another_key_behaves_as_the_old_one_the_next_day() {
    let k = key();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let old = old_phone(dir_a.path(), &k);
    let export = old.export_profile().unwrap();
    let new = phone(dir_b.path(), &k, [2; 32]);
    new.import_profile(&export).unwrap();

    // The new install keeps its own pseudonym; the old one is nowhere in
    // the new profile's export, and everything else is the same.
    let (old_doc, new_doc) = (doc(&old), doc(&new));
    let old_id = old_doc["install_id"].as_str().unwrap();
    assert_ne!(new_doc["install_id"], old_doc["install_id"]);
    assert!(!new.export_profile().unwrap().contains(old_id));
    assert_eq!(without_install_id(new_doc), without_install_id(old_doc));

    // Both deliver what they hold back (the new one's catalog load) first.
    for e in [&old, &new] {
        e.tick(t("2026-11-28T07:30:00-08:00")).unwrap();
    }
    let (a, b) = (next_day(&old), next_day(&new));
    assert_eq!(a, b, "the same next day on both phones");
    // The day exercises what was carried over: the routine's history (the
    // reminder), the dismissal cooldown, a shown offer and the global gap.
    let kinds: Vec<String> = a.iter().map(|e| format!("{} {}", e["kind"], e["reason"])).collect();
    for want in [
        "\"on_the_way_reminder\" null",
        "\"offer_suppressed\" \"dismissed_recently\"",
        "\"offer_triggered\" null",
        "\"offer_suppressed\" \"global_min_gap\"",
    ] {
        assert!(kinds.iter().any(|k| k == want), "no {want} in {kinds:#?}");
    }
    assert_eq!(old.outbox().unwrap(), new.outbox().unwrap());
    assert_eq!(
        old.routines(t("2026-11-29T03:00:00-08:00")).unwrap(),
        new.routines(t("2026-11-29T03:00:00-08:00")).unwrap()
    );
    assert_eq!(old.week(t("2026-11-29T03:00:00-08:00")).unwrap(), new.week(t("2026-11-29T03:00:00-08:00")).unwrap());
}

#[test]
fn a_backup_round_trips_under_its_key_and_hides_the_profile() {
    let k = key();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let old = old_phone(dir_a.path(), &k);
    let backup = old.export_backup(&[7; 32]).unwrap();
    assert_eq!(&backup[..9], b"KAIROSBK\x01");
    let (lat, _) = at_xy(HOME.0, HOME.1);
    assert!(!backup.windows(7).any(|w| w == format!("{lat:.4}").as_bytes()), "home is not readable in the backup");
    let new = phone(dir_b.path(), &k, [2; 32]);
    new.import_backup(&backup, &[7; 32]).unwrap();
    assert_eq!(without_install_id(doc(&new)), without_install_id(doc(&old)));
}

/// `attempt` is refused with what `check` accepts, and the target profile
/// is unchanged: its export, byte for byte.
fn refused_unchanged(
    target: &Engine,
    attempt: impl FnOnce() -> Result<(), KairosError>,
    check: impl Fn(&ImportRefusal) -> bool,
) {
    let before = target.export_profile().unwrap();
    let why = refusal(attempt());
    assert!(check(&why), "unexpected refusal: {why:?}");
    assert!(!why.to_string().is_empty());
    assert_eq!(target.export_profile().unwrap(), before, "a refused import changed the profile");
}

#[test]
fn a_newer_damaged_or_inconsistent_export_is_refused_naming_where_and_changes_nothing() {
    let k = key();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let export = doc(&old_phone(dir_a.path(), &k));
    let new = phone(dir_b.path(), &k, [2; 32]);
    let edited = |edit: &dyn Fn(&mut Value)| {
        let mut d = export.clone();
        edit(&mut d);
        d.to_string()
    };

    let newer = edited(&|d| d["format"] = json!("kairos-export/3"));
    refused_unchanged(
        &new,
        || new.import_profile(&newer),
        |r| matches!(r, ImportRefusal::NewerFormat { found, .. } if found == "kairos-export/3"),
    );
    let old_format = edited(&|d| d["format"] = json!("kairos-export/1"));
    refused_unchanged(
        &new,
        || new.import_profile(&old_format),
        |r| matches!(r, ImportRefusal::Damaged { path, .. } if path == "format"),
    );
    let newer_state = edited(&|d| d["engine_state"]["format"] = json!(99));
    refused_unchanged(
        &new,
        || new.import_profile(&newer_state),
        |r| matches!(r, ImportRefusal::NewerFormat { what, found, .. } if what == "engine state" && found == "99"),
    );
    let truncated = export.to_string()[..2000].to_string();
    refused_unchanged(
        &new,
        || new.import_profile(&truncated),
        |r| matches!(r, ImportRefusal::Damaged { path, .. } if path == "$"),
    );
    let bad_time = edited(&|d| d["visits"][1]["arrived_at"] = json!("yesterday"));
    refused_unchanged(
        &new,
        || new.import_profile(&bad_time),
        |r| {
            matches!(r, ImportRefusal::Damaged { path, reason } if path == "visits[1].arrived_at" && reason.contains("yesterday")
            // Read from its bytes, a bad value's reason says where in the text too.
            && reason.contains("line 1 column"))
        },
    );
    let missing = edited(&|d| {
        d["offers"][0].as_object_mut().unwrap().remove("local_day");
    });
    refused_unchanged(
        &new,
        || new.import_profile(&missing),
        |r| matches!(r, ImportRefusal::Damaged { path, .. } if path == "offers[0]"),
    );
    let orphan = edited(&|d| d["visits"][2]["place_id"] = json!(999));
    refused_unchanged(
        &new,
        || new.import_profile(&orphan),
        |r| matches!(r, ImportRefusal::Inconsistent { path, reason } if path == "visits[2].place_id" && reason.contains("999")),
    );
    let unknown_state = edited(&|d| d["offers"][0]["state"] = json!("lost"));
    refused_unchanged(
        &new,
        || new.import_profile(&unknown_state),
        |r| matches!(r, ImportRefusal::Inconsistent { path, .. } if path == "offers[0].state"),
    );
    let duplicate = edited(&|d| {
        let first = d["places"][0].clone();
        d["places"].as_array_mut().unwrap().push(first);
    });
    refused_unchanged(
        &new,
        || new.import_profile(&duplicate),
        |r| matches!(r, ImportRefusal::Inconsistent { path, .. } if path.starts_with("places[") && path.ends_with("].id")),
    );
    let damaged_at =
        |want: &'static str| move |r: &ImportRefusal| matches!(r, ImportRefusal::Damaged { path, .. } if path == want);

    let bad_clock = edited(&|d| d["engine_state"]["state"]["clock"] = json!("soon"));
    refused_unchanged(&new, || new.import_profile(&bad_clock), damaged_at("engine_state.state.clock"));
    let bad_track = edited(&|d| d["routines"][0]["track"]["visits"] = json!("many"));
    refused_unchanged(&new, || new.import_profile(&bad_track), damaged_at("routines[0].track.visits"));
    let no_format = edited(&|d| {
        d.as_object_mut().unwrap().remove("format");
    });
    refused_unchanged(&new, || new.import_profile(&no_format), damaged_at("format"));
    let null_format = edited(&|d| d["format"] = Value::Null);
    refused_unchanged(&new, || new.import_profile(&null_format), damaged_at("format"));
    // A newer format whose parts no longer read as this engine's: newer, not damaged.
    let newer_shape = edited(&|d| {
        d["format"] = json!("kairos-export/3");
        d["visits"] = json!({"renamed": []});
    });
    refused_unchanged(
        &new,
        || new.import_profile(&newer_shape),
        |r| matches!(r, ImportRefusal::NewerFormat { found, .. } if found == "kairos-export/3"),
    );
    let trailing = format!("{} {{}}", export);
    refused_unchanged(&new, || new.import_profile(&trailing), damaged_at("$"));
    // After all that, the real export still imports.
    new.import_profile(&export.to_string()).unwrap();
}

#[test]
fn an_import_into_a_profile_that_holds_data_is_refused_and_changes_nothing() {
    let k = key();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let export = old_phone(dir_a.path(), &k).export_profile().unwrap();
    let used = phone(dir_b.path(), &k, [2; 32]);
    night_at_home(&used, 20);
    refused_unchanged(
        &used,
        || used.import_profile(&export),
        |r| matches!(r, ImportRefusal::ProfileNotEmpty { table } if !table.is_empty()),
    );
    // Erased, it takes the import.
    used.erase_all(t("2026-11-21T09:00:00-08:00")).unwrap();
    let erasure = used.outbox().unwrap();
    assert_eq!(erasure.len(), 1, "the erasure's deletion request is queued");
    used.import_profile(&export).unwrap();
    assert_eq!(used.outbox().unwrap()[0].payload, erasure[0].payload, "and still goes out first");
    assert!(!used.places().unwrap().is_empty());
}

#[test]
fn a_wrong_backup_key_tampered_or_foreign_bytes_are_refused_and_change_nothing() {
    let k = key();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let backup = old_phone(dir_a.path(), &k).export_backup(&[7; 32]).unwrap();
    let new = phone(dir_b.path(), &k, [2; 32]);
    refused_unchanged(&new, || new.import_backup(&backup, &[8; 32]), |r| *r == ImportRefusal::BackupUnreadable);
    let mut tampered = backup.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0x20;
    refused_unchanged(&new, || new.import_backup(&tampered, &[7; 32]), |r| *r == ImportRefusal::BackupUnreadable);
    let export = new.export_profile().unwrap();
    refused_unchanged(&new, || new.import_backup(export.as_bytes(), &[7; 32]), |r| *r == ImportRefusal::NotABackup);
    let mut newer = backup.clone();
    newer[8] = 2;
    refused_unchanged(
        &new,
        || new.import_backup(&newer, &[7; 32]),
        |r| matches!(r, ImportRefusal::NewerFormat { what, .. } if what == "backup"),
    );
    new.import_backup(&backup, &[7; 32]).unwrap();
}

#[test]
fn an_imported_profile_keeps_its_reminder_only_through_the_import() {
    // Guard for the must-show test: a fresh engine without the import sees
    // none of the old phone's reminders or suppressions on the same day.
    let k = key();
    let dir = tempfile::tempdir().unwrap();
    let fresh = phone(dir.path(), &k, [2; 32]);
    let day = next_day(&fresh);
    assert!(day.iter().all(|e| e["kind"] != "on_the_way_reminder" && e["reason"] != "dismissed_recently"), "{day:#?}");
}
