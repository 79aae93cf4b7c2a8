use super::*;

const HEAD: &str = "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" creator=\"test\">\n";

fn doc(body: &str) -> String {
    format!("{HEAD}{body}</gpx>\n")
}

fn err(text: &str) -> TrackError {
    read_gpx(text).expect_err("input should be refused")
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

#[test]
fn a_timed_track_is_read_though_a_named_waypoint_has_no_time() {
    let text = doc(concat!(
        "<wpt lat=\"37.1\" lon=\"-121.9\"><name>Home</name></wpt>\n",
        "<trk><trkseg>\n",
        "<trkpt lat=\"37.3\" lon=\"-121.7\"><time>2026-11-24T18:30:00Z</time></trkpt>\n",
        "</trkseg></trk>\n"
    ));
    let track = read_gpx(&text).unwrap();
    assert_eq!(track.fixes.len(), 1);
    assert_eq!((track.skipped.len(), track.ignored), (0, 1));
}

#[test]
fn magvar_and_gpx_1_0_course_are_accepted_in_every_point() {
    let text = "<gpx version=\"1.0\" xmlns=\"http://www.topografix.com/GPX/1/0\"><wpt lat=\"1\" lon=\"2\">\
        <time>2026-11-24T18:30:00Z</time><magvar>3.5</magvar></wpt><trk><trkseg><trkpt lat=\"1\" lon=\"2\">\
        <time>2026-11-24T18:30:00Z</time><course>12</course><speed>1.5</speed><magvar>3.5</magvar></trkpt>\
        </trkseg></trk></gpx>";
    let f = parse_gpx(text).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].speed_mps, Some(1.5));
}

#[test]
fn reads_gpx_1_0_speed_and_naive_times_as_utc() {
    let text = "<?xml version=\"1.0\"?>\n<gpx version=\"1.0\" creator=\"t\"><trk><trkseg>\
        <trkpt lat=\"1\" lon=\"2\"><time>2026-11-24T18:30:00</time><speed>1.5</speed></trkpt>\
        </trkseg></trk></gpx>";
    let f = parse_gpx(text).unwrap()[0];
    assert_eq!(f.at, t("2026-11-24T18:30:00Z"));
    assert_eq!(f.speed_mps, Some(1.5));
}

#[test]
fn parse_gpx_returns_time_order_and_read_gpx_the_file_order() {
    let text = doc(concat!(
        "<trk><trkseg>\n",
        "<trkpt lat=\"1\" lon=\"2\"><time>2026-11-24T18:30:10Z</time></trkpt>\n",
        "<trkpt lat=\"1\" lon=\"2\"><time>2026-11-24T18:30:00Z</time></trkpt>\n",
        "</trkseg></trk>\n"
    ));
    let lines: Vec<_> = read_gpx(&text).unwrap().fixes.iter().map(|f| f.origin.line).collect();
    assert_eq!(lines, [Some(4), Some(5)]);
    let times: Vec<_> = parse_gpx(&text).unwrap().iter().map(|f| f.at).collect();
    assert_eq!(times, [t("2026-11-24T18:30:00Z"), t("2026-11-24T18:30:10Z")]);
}

#[test]
fn both_layouts_read_back_as_written() {
    let mut a = LocationFix::new(Timestamp(1_795_545_000_123), 37.325_67, -121.945_8, 8.0);
    a.speed_mps = Some(1.3);
    let b = LocationFix::new(Timestamp(1_795_545_010_000), 37.325_7, -121.945_7, 100.0);
    for (layout, speed) in [(GpxLayout::Track, Some(1.3)), (GpxLayout::Waypoints, None)] {
        let back = parse_gpx(&write_gpx(&[a, b], layout)).unwrap();
        assert_eq!(back.len(), 2);
        for (x, y) in back.iter().zip([a, b]) {
            assert_eq!((x.at, x.lat, x.lon), (y.at, y.lat, y.lon));
            assert!((x.accuracy_m - y.accuracy_m).abs() < 1e-9);
        }
        assert_eq!((back[0].speed_mps, back[1].speed_mps), (speed, None), "{layout:?}");
    }
}

#[test]
fn a_point_without_time_is_refused_alone_with_its_line() {
    let text = doc(concat!(
        "<trk><trkseg>\n",
        "<trkpt lat=\"37.3\" lon=\"-121.7\"><time>2026-11-24T18:30:00Z</time></trkpt>\n",
        "</trkseg><trkseg>\n",
        "<trkpt lat=\"37.3\" lon=\"-121.7\"><time>2026-11-24T18:30:05Z</time></trkpt>\n",
        "<trkpt lat=\"37.3\" lon=\"-121.7\"></trkpt>\n",
        "</trkseg></trk>\n"
    ));
    let track = read_gpx(&text).unwrap();
    assert_eq!(track.fixes.len(), 2);
    let s = &track.skipped[0];
    assert_eq!((s.origin.line, s.origin.element.as_deref()), (Some(7), Some("trk[1]/trkseg[2]/trkpt[2]")));
    assert_eq!(s.reason, PointRejection::NoTime);
    assert_eq!(s.origin.to_string(), "line 7 (trk[1]/trkseg[2]/trkpt[2])");
}

#[test]
fn bad_values_refuse_their_point_alone() {
    let text = doc(concat!(
        "<wpt lat=\"1\" lon=\"2\"><time>2026-11-24T18:30:00Z</time></wpt>\n",
        "<wpt lat=\"north\" lon=\"2\"><time>2026-11-24T18:30:01Z</time></wpt>\n",
        "<wpt lat=\"1\" lon=\"2\"><time>2026-11-24T18:30:02Z</time><hdop>good</hdop></wpt>\n",
        "<wpt lat=\"95\" lon=\"2\"><time>2026-11-24T18:30:03Z</time></wpt>\n",
    ));
    let track = read_gpx(&text).unwrap();
    let reasons: Vec<_> = track.skipped.iter().map(|s| (s.origin.line, s.reason.to_string())).collect();
    assert_eq!(
        reasons,
        [
            (Some(4), "lat \"north\" is not a number".to_string()),
            (Some(5), "hdop \"good\" is not a number".to_string())
        ]
    );
    // Out of range is the engine's to refuse, with its own typed reason.
    assert_eq!(track.fixes.len(), 2);
    assert!(track.fixes[1].fix.validate().is_err());
}

#[test]
fn broken_xml_names_its_line() {
    let e = err(&format!("{HEAD}<trk><trkseg>\n<trkpt lat=\"1\" lon=\"2\">\n</trk></gpx>"));
    assert_eq!(e.line, Some(5), "{e}");
    assert!(e.message.starts_with("not well-formed XML"), "{e}");
    let e =
        err(&format!("{HEAD}<trk><trkseg>\n<trkpt lat=\"1\" lon=\"2\"><time>2026-11-24T18:30:00Z</time></trkpt>\n"));
    assert!(e.message.contains("ends before the element opened on line 3"), "{e}");
}

#[test]
fn an_empty_or_foreign_document_is_refused() {
    assert!(err(&doc("")).message.contains("nothing to replay"), "{}", err(&doc("")));
    assert_eq!(err("<kml></kml>").to_string(), "line 1: not a GPX document: the root element is <kml>, not <gpx>");
    assert!(err("").message.contains("XML"), "{}", err(""));
    let all_bad = doc("<trk><trkseg>\n<trkpt lat=\"1\" lon=\"2\"/>\n</trkseg></trk>\n");
    assert_eq!(
        err(&all_bad).to_string(),
        "line 4: no usable point: 1 refused, the first on line 4 (trk[1]/trkseg[1]/trkpt[1]): the point has no time"
    );
}

#[test]
fn gpx_elements_inside_extensions_or_other_namespaces_are_not_points() {
    let text = doc(concat!(
        "<trk><extensions><trkseg><trkpt lat=\"9\" lon=\"9\"><time>2026-11-24T18:00:00Z</time></trkpt></trkseg></extensions>\n",
        "<trkseg><trkpt lat=\"1\" lon=\"2\"><time>2026-11-24T18:30:00Z</time>\n",
        "<o:time xmlns:o=\"urn:other\">2000-01-01T00:00:00Z</o:time></trkpt></trkseg></trk>\n",
    ));
    let track = read_gpx(&text).unwrap();
    assert_eq!(points(&track), [(t("2026-11-24T18:30:00Z"), 1.0, 2.0)]);
}

fn points(track: &Track) -> Vec<(Timestamp, f64, f64)> {
    track.fixes.iter().map(|f| (f.fix.at, f.fix.lat, f.fix.lon)).collect()
}

#[test]
fn a_root_in_an_unusual_namespace_makes_its_elements_gpx() {
    for ns in ["http://www.topografix.com/GPX/1/1/gpx.xsd", "https://www.topografix.com/GPX/1/1/"] {
        let text = format!(
            "<gpx xmlns=\"{ns}\" version=\"1.1\"><trk><trkseg><trkpt lat=\"1\" lon=\"2\">\
             <time>2026-11-24T18:30:00Z</time></trkpt></trkseg></trk></gpx>"
        );
        assert_eq!(read_gpx(&text).unwrap().fixes.len(), 1, "{ns}");
    }
}
