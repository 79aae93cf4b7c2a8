//! Inputs the fuzz targets (`fuzz/`, docs/FUZZING.md) found to crash, hang
//! or exhaust memory, fed through the public API. Each test names the
//! target and the artifact (kept in `fuzz/regressions/<target>/`, which
//! `cargo +nightly fuzz run <target> <file>` replays).

mod common;

use common::{engine, t};
use kairos_core::policy::MAX_STEP_SPAN_MS;
use kairos_core::time::DAY_MS;
use kairos_core::{KairosError, StepSample, Timestamp};

/// engine_ops, `interval-spanning-decades`: an interval sample of 55 years
/// (both ends inside the accepted 2000..2100) was spread over its 29 million
/// minutes, one bucket each: the engine hung and grew without bound. Such
/// an interval is now refused, with the reason, and nothing is recorded.
#[test]
fn an_interval_spanning_decades_is_refused_not_spread() {
    let (e, _d) = engine();
    // The artifact's samples, as the harness built them.
    let now = Timestamp(1_795_881_600_000);
    let counter =
        StepSample::Counter { at: now.plus_millis(-125 * 3_600_000), count_since_boot: 14_504_474_461_134_008_364 };
    let start = now.plus_millis(-125 * 3_600_000 - 48_397_000);
    let interval =
        StepSample::Interval { start, end: start.plus_millis(1_757_266_369_000), steps: 9_712_585_932_771_167_134 };
    let err = e.record_step_samples(&[counter, interval]).unwrap_err();
    assert!(matches!(&err, KairosError::InvalidInput { .. }), "{err:?}");
    assert!(err.to_string().contains("longer than 35 days"), "{err}");
    assert_eq!(e.today(now).unwrap().steps, 0, "a refused batch records nothing");

    // The longest accepted interval still counts, clamped to the cadence.
    let start = t("2026-11-01T00:00:00Z");
    let longest = StepSample::Interval { start, end: start.plus_millis(MAX_STEP_SPAN_MS), steps: 35_000 };
    e.record_step_samples(&[longest]).unwrap();
    assert!(e.today(start.plus_millis(DAY_MS / 2)).unwrap().steps > 0);
}

/// The counter form of the same hang: a reading decades after the previous
/// one spread its delta over every minute between. After a silence longer
/// than `MAX_STEP_SPAN_MS` a reading now only sets a new baseline; the next
/// one counts as usual.
#[test]
fn a_counter_reading_after_decades_is_a_new_baseline() {
    let (e, _d) = engine();
    let first = t("2001-01-01T12:00:00Z");
    let later = t("2080-06-01T12:00:00Z");
    let counter = |at: Timestamp, n: u64| StepSample::Counter { at, count_since_boot: n };
    e.record_step_samples(&[counter(first, 1_000), counter(later, u64::MAX / 2)]).unwrap();
    assert_eq!(e.today(later).unwrap().steps, 0);
    e.record_step_samples(&[counter(later.plus_millis(600_000), u64::MAX / 2 + 700)]).unwrap();
    assert_eq!(e.today(later.plus_millis(600_000)).unwrap().steps, 700);

    // Just within the span, a delta is still counted (clamped to the cadence).
    let (e, _d) = engine();
    let start = t("2026-10-01T00:00:00Z");
    e.record_step_samples(&[counter(start, 0), counter(start.plus_millis(MAX_STEP_SPAN_MS), 50_400)]).unwrap();
    assert!(e.week(start.plus_millis(MAX_STEP_SPAN_MS)).unwrap().total > 0);
    assert_eq!(MAX_STEP_SPAN_MS, 35 * DAY_MS);
}

/// track_csv, `negative-year-round-trip.csv`: the reader takes any epoch
/// milliseconds, but `write_csv` wrote every instant as RFC 3339, which has
/// no year -34: the written track did not read back. Instants outside the
/// years 0000..=9999 are now written as epoch milliseconds.
#[test]
fn a_csv_track_with_any_instant_reads_back_as_written() {
    use kairos_core::track::csv::{parse_csv, write_csv};
    let artifact = include_str!("../../fuzz/regressions/track_csv/negative-year-round-trip.csv");
    let fixes = parse_csv(artifact).unwrap();
    assert_eq!(fixes[1].at, Timestamp(-63_215_596_800_000));
    assert_eq!(parse_csv(&write_csv(&fixes)).unwrap(), fixes);
    let extremes: Vec<_> = [i64::MIN, -1, 0, 253_402_300_800_000, i64::MAX]
        .map(|ms| kairos_core::LocationFix::new(Timestamp(ms), 1.0, 2.0, 3.0))
        .into();
    assert_eq!(parse_csv(&write_csv(&extremes)).unwrap(), extremes);
    assert!(write_csv(&fixes).contains("\n1970-01-01T00:29:55.540Z,"), "ordinary instants stay RFC 3339");
}

/// engine_ops, `week-at-a-far-instant`: `week(Timestamp(3834251991076736111))`
/// panicked in chrono ("Local time out of range"): the instant is beyond
/// chrono's range, was clamped to its very edge, and had no local time in
/// the device's zone. Instants are now clamped with a margin; every query
/// answers at any instant, in any zone.
#[test]
fn queries_at_any_instant_answer_in_any_zone() {
    use kairos_core::{Engine, EngineConfig};
    for zone in ["America/Los_Angeles", "Pacific/Kiritimati", "UTC", "Pacific/Pago_Pago"] {
        let dir = tempfile::tempdir().unwrap();
        let e = Engine::open(EngineConfig::new(dir.path(), zone)).unwrap();
        for ms in [3_834_251_991_076_736_111, i64::MAX, i64::MIN, -8_210_266_876_800_000, 8_210_266_876_799_999] {
            let at = Timestamp(ms);
            e.week(at).unwrap();
            e.today(at).unwrap();
            let _ = e.tick(at);
            let _ = e.routines(at);
            let _ = e.offers(at);
            assert!(!at.to_rfc3339().is_empty());
        }
    }
}
