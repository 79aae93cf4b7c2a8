//! The GPX conformance set (`tests/tracks/gpx-conformance/`): files written
//! from the GPX 1.0 and 1.1 schemas, each read whole, with the fixes (and
//! refusals) each must give.

use super::csv::DEFAULT_ACCURACY_M;
use super::gpx::{read_gpx, HDOP_METRES};
use super::{decode_text, PointRejection, Track};
use crate::domain::location::FixRejection;
use crate::domain::time::Timestamp;

macro_rules! conformance {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/tracks/gpx-conformance/", $name)).as_slice(),
        )
    };
}

/// Every file of the set, as bytes (one is ISO-8859-1).
const SET: [(&str, &[u8]); 9] = [
    conformance!("gpx11-every-element.gpx"),
    conformance!("gpx10-every-element.gpx"),
    conformance!("gpx11-timed-waypoints.gpx"),
    conformance!("gpx11-timed-route.gpx"),
    conformance!("gpx11-garmin-extensions.gpx"),
    conformance!("gpx11-prefixed-cdata-crlf.gpx"),
    conformance!("gpx11-times-and-refusals.gpx"),
    conformance!("gpx10-bare-dilutions.gpx"),
    conformance!("gpx10-latin1.gpx"),
];

fn read(name: &str) -> Track {
    let (_, bytes) = SET.iter().find(|(n, _)| *n == name).expect("a file of the set");
    let text = decode_text(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    read_gpx(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// `(time, lat, lon)` of each fix, in the file's order.
fn points(track: &Track) -> Vec<(Timestamp, f64, f64)> {
    track.fixes.iter().map(|f| (f.fix.at, f.fix.lat, f.fix.lon)).collect()
}

#[test]
fn every_file_of_the_set_is_read_and_the_set_is_complete() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/tracks/gpx-conformance");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".gpx"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = SET.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every file of the set is tested here");
    for (name, _) in SET {
        let track = read(name);
        assert!(!track.fixes.is_empty(), "{name}");
        for f in &track.fixes {
            assert!(f.origin.line.is_some() && f.origin.element.is_some(), "{name}: {f:?}");
        }
    }
}

#[test]
fn gpx_1_1_with_every_element_gives_its_track_points_only() {
    let track = read("gpx11-every-element.gpx");
    assert_eq!(
        points(&track),
        [
            (t("2026-11-24T18:30:00Z"), 37.3250, -121.9460),
            (t("2026-11-24T18:30:10Z"), 37.3251, -121.9459),
            (t("2026-11-24T18:30:20Z"), 37.3252, -121.9458),
            (t("2026-11-24T18:35:00Z"), 37.3256, -121.9454),
            (t("2026-11-24T18:35:10Z"), 37.3257, -121.9453),
        ]
    );
    let acc: Vec<f64> = track.fixes.iter().map(|f| f.fix.accuracy_m).collect();
    // hdop 1.2; hdop 3; pdop 4 (no hdop); no dilution; vdop only.
    let expected = [1.2 * HDOP_METRES, 3.0 * HDOP_METRES, 4.0 * HDOP_METRES, DEFAULT_ACCURACY_M, DEFAULT_ACCURACY_M];
    for (a, e) in acc.iter().zip(expected) {
        assert!((a - e).abs() < 1e-9, "{acc:?}");
    }
    assert!(track.fixes.iter().all(|f| f.fix.speed_mps.is_none()));
    assert_eq!(track.fixes[0].origin.element.as_deref(), Some("trk[1]/trkseg[1]/trkpt[1]"));
    assert_eq!(track.fixes[0].origin.line, Some(62));
    assert_eq!(track.fixes[3].origin.element.as_deref(), Some("trk[1]/trkseg[2]/trkpt[1]"));
    assert_eq!(track.skipped, []);
    assert_eq!(track.ignored, 3, "one waypoint and two route points");
}

#[test]
fn gpx_1_0_with_every_element_reads_speed_across_two_tracks() {
    let track = read("gpx10-every-element.gpx");
    assert_eq!(
        points(&track),
        [
            (t("2026-11-24T18:30:00Z"), 37.3250, -121.9460),
            (t("2026-11-24T18:30:10Z"), 37.3251, -121.9459),
            (t("2026-11-24T19:05:00Z"), 37.3256, -121.9454),
            (t("2026-11-24T19:05:10Z"), 37.3257, -121.9453),
        ]
    );
    let speeds: Vec<Option<f64>> = track.fixes.iter().map(|f| f.fix.speed_mps).collect();
    assert_eq!(speeds, [Some(1.4), Some(1.3), Some(0.0), None]);
    assert!((track.fixes[0].fix.accuracy_m - 0.8 * HDOP_METRES).abs() < 1e-9);
    assert_eq!(track.fixes[2].origin.element.as_deref(), Some("trk[2]/trkseg[1]/trkpt[1]"));
    assert_eq!(track.ignored, 2, "the timed waypoint and the route point are not fixes beside a track");
}

#[test]
fn timed_waypoints_alone_are_the_fixes_as_xcode_writes_them() {
    let track = read("gpx11-timed-waypoints.gpx");
    assert_eq!(
        points(&track),
        [
            (t("2026-11-24T18:30:00Z"), 37.331705, -122.030237),
            (t("2026-11-24T18:30:05Z"), 37.3318, -122.0304),
            (t("2026-11-24T18:30:10Z"), 37.3319, -122.0305),
        ]
    );
    assert_eq!(track.fixes[1].origin.element.as_deref(), Some("wpt[2]"));
    assert_eq!(track.fixes[1].origin.line, Some(8));
}

#[test]
fn timed_route_points_are_the_fixes_of_a_file_without_track() {
    let track = read("gpx11-timed-route.gpx");
    assert_eq!(
        points(&track),
        [
            (t("2026-11-24T18:30:00Z"), 37.3250, -121.9460),
            (t("2026-11-24T18:30:30Z"), 37.3251, -121.9459),
            (t("2026-11-24T18:31:00Z"), 37.3253, -121.9457),
        ]
    );
    assert_eq!(track.skipped.len(), 1);
    assert_eq!(track.skipped[0].reason, PointRejection::NoTime);
    assert_eq!(track.skipped[0].origin.element.as_deref(), Some("rte[2]/rtept[1]"));
    assert_eq!(track.skipped[0].origin.line, Some(12));
}

#[test]
fn garmin_track_point_extension_gives_speed() {
    let track = read("gpx11-garmin-extensions.gpx");
    assert_eq!(points(&track).len(), 3);
    let speeds: Vec<Option<f64>> = track.fixes.iter().map(|f| f.fix.speed_mps).collect();
    assert_eq!(speeds, [Some(1.35), Some(1.4), None]);
}

#[test]
fn prefixes_cdata_comments_bom_and_crlf_are_read() {
    let track = read("gpx11-prefixed-cdata-crlf.gpx");
    assert_eq!(
        points(&track),
        [(t("2026-11-24T18:30:00Z"), 37.3250, -121.9460), (t("2026-11-24T18:30:10Z"), 37.3251, -121.9459)]
    );
    assert!((track.fixes[0].fix.accuracy_m - 2.0 * HDOP_METRES).abs() < 1e-9, "a comment inside <hdop>");
    assert_eq!(track.fixes[1].origin.line, Some(13));
}

#[test]
fn every_time_form_is_read_and_bad_points_are_refused_alone() {
    let track = read("gpx11-times-and-refusals.gpx");
    let times: Vec<Timestamp> = track.fixes.iter().map(|f| f.fix.at).collect();
    assert_eq!(
        times,
        [
            t("2026-11-24T18:30:00Z"),
            t("2026-11-24T18:30:10.250Z"),
            t("2026-11-24T18:30:20.500Z"),
            t("2026-11-24T18:30:30Z"),
            t("2026-11-24T18:30:40Z"),
            t("1901-12-13T20:45:52Z"),
        ]
    );
    // Read, then refused alone by the engine's check.
    assert_eq!(track.fixes[5].origin.line, Some(14));
    assert_eq!(
        track.fixes[5].fix.validate(),
        Err(FixRejection::TimestampOutOfRange { at_ms: t("1901-12-13T20:45:52Z").0 })
    );
    let skipped: Vec<(Option<usize>, PointRejection)> =
        track.skipped.iter().map(|s| (s.origin.line, s.reason.clone())).collect();
    assert_eq!(
        skipped,
        [
            (Some(15), PointRejection::NoTime),
            (Some(16), PointRejection::BadTime { value: "yesterday".into() }),
            (Some(17), PointRejection::NoSatelliteFix),
            (Some(18), PointRejection::MissingCoordinate { attribute: "lon".into() }),
        ]
    );
    assert_eq!(track.ignored, 1, "the untimed waypoint does not sink the track");
}

#[test]
fn gpx_1_0_without_namespace_reads_dilutions_and_unknown_speed() {
    let track = read("gpx10-bare-dilutions.gpx");
    let got: Vec<(f64, Option<f64>)> = track.fixes.iter().map(|f| (f.fix.accuracy_m, f.fix.speed_mps)).collect();
    assert_eq!(
        got,
        [(DEFAULT_ACCURACY_M, None), (4.0 * HDOP_METRES, None), (1.5 * HDOP_METRES, None), (DEFAULT_ACCURACY_M, None)]
    );
}

#[test]
fn an_iso_8859_1_file_is_decoded_and_read() {
    let track = read("gpx10-latin1.gpx");
    assert_eq!(
        points(&track),
        [(t("2026-11-24T18:30:00Z"), 37.3250, -121.9460), (t("2026-11-24T18:30:05Z"), 37.3251, -121.9459)]
    );
}
