use super::*;
use serde_json::json;

fn canonical() -> Value {
    json!({"batch": [
        {"purpose": "activity", "day": "2026-11-24", "data": {"steps": 1400, "goal_met": false}},
        {"purpose": "visits", "day": "2026-11-24", "data": {"merchants": [
            {"merchant_id": "maison-lumiere", "visits": 1, "minutes": 30}]}},
        {"purpose": "offers", "day": "2026-11-24", "data": {"offers": [
            {"offer_id": "o1", "triggered": 1, "presented": 1, "redeemed": 1, "dismissed": 0, "held_out": 0}]}}
    ]})
}

fn parse(value: &Value) -> Result<Batch, Rejection> {
    parse_batch(&serde_json::to_vec(value).unwrap())
}

/// Applies `edit` to the canonical batch and expects `code` with `status`
/// and a message containing `needle`.
fn rejects(edit: impl FnOnce(&mut Value), status: u16, code: &str, needle: &str) {
    let mut v = canonical();
    edit(&mut v);
    let e = parse(&v).expect_err(&format!("accepted {v}"));
    assert_eq!((e.status, e.code), (status, code), "{}", e.message);
    assert!(e.message.contains(needle), "{:?} does not contain {needle:?}", e.message);
}

#[test]
fn the_canonical_batch_parses() {
    let batch = parse(&canonical()).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    assert_eq!(
        batch.items,
        vec![
            SummaryItem {
                day,
                data: SummaryData::Activity(ActivitySummary { steps: 1400, goal_met: false }),
                noise: None
            },
            SummaryItem {
                day,
                data: SummaryData::Visits(vec![MerchantVisits {
                    merchant_id: "maison-lumiere".into(),
                    visits: 1,
                    minutes: 30
                }]),
                noise: None
            },
            SummaryItem {
                day,
                data: SummaryData::Offers(vec![OfferOutcome {
                    offer_id: "o1".into(),
                    triggered: 1,
                    presented: 1,
                    redeemed: 1,
                    dismissed: 0,
                    held_out: 0
                }]),
                noise: None
            },
        ]
    );
}

#[test]
fn empty_row_lists_and_limits_at_the_edge_are_accepted() {
    let mut v = canonical();
    v["batch"][1]["data"]["merchants"] = json!([]);
    v["batch"][0]["data"]["steps"] = json!(MAX_STEPS);
    v["batch"][2]["data"]["offers"][0]["triggered"] = json!(MAX_COUNT);
    assert!(parse(&v).is_ok());
    let entries: Vec<Value> = (0..MAX_BATCH_ITEMS)
        .map(|i| {
            let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(i as u64);
            json!({"purpose": "activity", "day": day.to_string(), "data": {"steps": 0, "goal_met": true}})
        })
        .collect();
    assert_eq!(parse(&json!({ "batch": entries })).unwrap().items.len(), MAX_BATCH_ITEMS);
}

#[test]
fn syntax_and_shape() {
    for body in [&b"not json"[..], b"", b"{\"batch\": [}", b"{\"batch\": [], \"batch\": []}"] {
        assert_eq!(parse_batch(body).unwrap_err().code, "invalid_json", "{}", String::from_utf8_lossy(body));
    }
    assert_eq!(parse_batch(b"[]").unwrap_err().code, "invalid_batch");
    rejects(|v| *v = json!({}), 400, "invalid_batch", "batch: is missing");
    rejects(|v| v["batch"] = json!({}), 400, "invalid_batch", "batch: must be an array");
    rejects(|v| v["batch"] = json!([]), 400, "invalid_batch", "at least one entry");
    rejects(|v| v["batch"][0] = json!(7), 400, "invalid_batch", "batch[0]: must be an object");
    rejects(|v| v["batch"][0]["data"] = json!([]), 400, "invalid_batch", "batch[0].data: must be an object");
    rejects(|v| drop(v["batch"][1].as_object_mut().unwrap().remove("data")), 400, "invalid_batch", "batch[1].data");
    rejects(|v| v["batch"][0]["purpose"] = json!(1), 400, "invalid_batch", "batch[0].purpose: must be a string");
}

#[test]
fn purposes_are_a_closed_set() {
    rejects(|v| v["batch"][0]["purpose"] = json!("location"), 400, "invalid_purpose", "\"location\"");
    rejects(|v| v["batch"][0]["purpose"] = json!("Activity"), 400, "invalid_purpose", "batch[0].purpose");
    // The data must be the purpose's own.
    rejects(|v| v["batch"][0]["purpose"] = json!("visits"), 400, "unknown_field", "batch[0].data.goal_met");
}

#[test]
fn days_are_dates_and_nothing_finer() {
    for (day, needle) in [
        (json!("2026-11-24T10:32:00-08:00"), "is a timestamp"),
        (json!("2026-11-24 10:32"), "is a timestamp"),
        (json!("2026-02-30"), "is not a date"),
        (json!("2026-2-3"), "is not a date"),
        (json!("20261124"), "is not a date"),
        (json!("+2026-11-24"), "is not a date"),
        (json!(20261124), "must be a date string"),
        (json!("2019-12-31"), "is not between"),
        (json!("2101-01-01"), "is not between"),
    ] {
        rejects(|v| v["batch"][1]["day"] = day, 400, "invalid_day", needle);
    }
}

#[test]
fn values_are_rounded_bounded_non_negative_integers() {
    rejects(|v| v["batch"][0]["data"]["steps"] = json!(1430), 400, "invalid_value", "not a multiple of 100");
    rejects(|v| v["batch"][0]["data"]["steps"] = json!(-100), 400, "invalid_value", "non-negative integer");
    rejects(|v| v["batch"][0]["data"]["steps"] = json!(1400.0), 400, "invalid_value", "non-negative integer");
    rejects(|v| v["batch"][0]["data"]["steps"] = json!("1400"), 400, "invalid_value", "non-negative integer");
    rejects(|v| v["batch"][0]["data"]["steps"] = json!(MAX_STEPS + 100), 400, "invalid_value", "limit");
    rejects(|v| v["batch"][0]["data"]["goal_met"] = json!(1), 400, "invalid_batch", "true or false");
    let merchant = |v: &mut Value| v["batch"][1]["data"]["merchants"][0].take();
    rejects(
        |v| v["batch"][1]["data"]["merchants"][0]["minutes"] = json!(20),
        400,
        "invalid_value",
        "batch[1].data.merchants[0].minutes: 20 is not a multiple of 15",
    );
    rejects(|v| v["batch"][1]["data"]["merchants"][0]["minutes"] = json!(1455), 400, "invalid_value", "limit");
    rejects(|v| v["batch"][1]["data"]["merchants"][0]["visits"] = json!(-1), 400, "invalid_value", "non-negative");
    rejects(|v| v["batch"][1]["data"]["merchants"][0]["merchant_id"] = json!(""), 400, "invalid_value", "printable");
    rejects(|v| v["batch"][1]["data"]["merchants"][0]["merchant_id"] = json!("a\nb"), 400, "invalid_value", "");
    rejects(
        |v| v["batch"][1]["data"]["merchants"][0]["merchant_id"] = json!("m".repeat(129)),
        400,
        "invalid_value",
        "",
    );
    rejects(|v| v["batch"][1]["data"]["merchants"][0]["merchant_id"] = json!(3), 400, "invalid_value", "string");
    rejects(|v| drop(merchant(v)), 400, "invalid_batch", "must be an object");
    for field in ["triggered", "presented", "redeemed", "dismissed", "held_out"] {
        rejects(|v| v["batch"][2]["data"]["offers"][0][field] = json!(-1), 400, "invalid_value", field);
        rejects(
            |v| drop(v["batch"][2]["data"]["offers"][0].as_object_mut().unwrap().remove(field)),
            400,
            "invalid_batch",
            &format!("{field}: is missing"),
        );
    }
}

#[test]
fn a_missing_count_is_refused() {
    let mut v = canonical();
    v["batch"][2]["data"]["offers"][0].as_object_mut().unwrap().remove("held_out");
    let e = parse(&v).unwrap_err();
    assert_eq!(e.code, "invalid_batch");
    assert!(e.message.contains("batch[2].data.offers[0].held_out: is missing"), "{}", e.message);
}

#[test]
fn unknown_and_forbidden_fields() {
    rejects(|v| v["extra"] = json!(1), 400, "unknown_field", "extra: unknown field");
    rejects(|v| v["batch"][0]["note"] = json!("x"), 400, "unknown_field", "batch[0].note");
    rejects(|v| v["batch"][0]["data"]["floors"] = json!(3), 400, "unknown_field", "batch[0].data.floors");
    rejects(|v| v["batch"][0]["timestamp"] = json!(1), 400, "forbidden_field", "batch[0].timestamp");
    rejects(|v| v["batch"][0]["data"]["start_time"] = json!("10:30"), 400, "forbidden_field", "");
    rejects(|v| v["batch"][1]["data"]["merchants"][0]["lat"] = json!(34.0), 400, "forbidden_field", "lat");
    rejects(|v| v["batch"][1]["data"]["merchants"][0]["lng"] = json!(-118.0), 400, "forbidden_field", "lng");
    rejects(|v| v["batch"][1]["data"]["location"] = json!({}), 400, "forbidden_field", "batch[1].data.location");
    rejects(|v| v["batch"][2]["data"]["offers"][0]["redeemedAt"] = json!(1), 400, "forbidden_field", "redeemedAt");
    rejects(|v| v["coordinates"] = json!([1, 2]), 400, "forbidden_field", "coordinates");
    // A forbidden name is reported before a merely unknown one.
    rejects(
        |v| {
            v["batch"][0]["data"]["aaa"] = json!(1);
            v["batch"][0]["data"]["zlat"] = json!(1);
            v["batch"][0]["data"]["lat"] = json!(1);
        },
        400,
        "forbidden_field",
        "batch[0].data.lat:",
    );
}

#[test]
fn duplicates_are_refused() {
    rejects(
        |v| {
            let again = v["batch"][0].clone();
            v["batch"].as_array_mut().unwrap().push(again)
        },
        400,
        "duplicate_entry",
        "batch[3]: a second activity entry for 2026-11-24",
    );
    rejects(
        |v| {
            let again = v["batch"][1]["data"]["merchants"][0].clone();
            v["batch"][1]["data"]["merchants"].as_array_mut().unwrap().push(again)
        },
        400,
        "duplicate_entry",
        "merchant \"maison-lumiere\" twice",
    );
    rejects(
        |v| {
            let again = v["batch"][2]["data"]["offers"][0].clone();
            v["batch"][2]["data"]["offers"].as_array_mut().unwrap().push(again)
        },
        400,
        "duplicate_entry",
        "offer \"o1\" twice",
    );
    // The same purpose on another day is fine.
    let mut v = canonical();
    let mut other = v["batch"][0].clone();
    other["day"] = json!("2026-11-25");
    v["batch"].as_array_mut().unwrap().push(other);
    assert_eq!(parse(&v).unwrap().items.len(), 4);
}

#[test]
fn size_limits_answer_413() {
    rejects(
        |v| {
            let entry = v["batch"][0].clone();
            v["batch"] = Value::Array(vec![entry; MAX_BATCH_ITEMS + 1]);
        },
        413,
        "too_many_items",
        "101 entries",
    );
    rejects(
        |v| {
            let rows: Vec<Value> = (0..=MAX_ROWS_PER_ITEM)
                .map(|i| json!({"merchant_id": format!("m{i}"), "visits": 1, "minutes": 15}))
                .collect();
            v["batch"][1]["data"]["merchants"] = Value::Array(rows);
        },
        413,
        "too_many_items",
        "batch[1].data.merchants: 501 rows",
    );
}

fn noised() -> Value {
    let mut v = canonical();
    for (i, epsilon) in [json!(1.0), json!(0.25), json!(10)].into_iter().enumerate() {
        v["batch"][i]["data"]["noise"] = json!({"mechanism": "geometric", "epsilon": epsilon});
    }
    v
}

#[test]
fn a_noise_object_is_accepted_on_every_purpose() {
    let batch = parse(&noised()).unwrap();
    let epsilons: Vec<_> = batch.items.iter().map(|i| i.noise.map(|n| n.epsilon)).collect();
    assert_eq!(epsilons, vec![Some(1.0), Some(0.25), Some(MAX_EPSILON)]);
    // The data is read as without noise.
    let plain = parse(&canonical()).unwrap();
    for (a, b) in batch.items.iter().zip(&plain.items) {
        assert_eq!((a.day, &a.data), (b.day, &b.data));
    }
    // The smallest positive epsilon is accepted too.
    let mut v = canonical();
    v["batch"][0]["data"]["noise"] = json!({"mechanism": "geometric", "epsilon": f64::MIN_POSITIVE});
    assert_eq!(parse(&v).unwrap().items[0].noise, Some(Noise { epsilon: f64::MIN_POSITIVE }));
}

#[test]
fn a_noise_object_is_strict() {
    let noise = |edit: fn(&mut Value), code: &str, needle: &str| {
        let mut v = noised();
        edit(&mut v["batch"][1]["data"]["noise"]);
        let e = parse(&v).expect_err(&format!("accepted {v}"));
        assert_eq!((e.status, e.code), (400, code), "{}", e.message);
        assert!(e.message.contains(needle), "{:?} does not contain {needle:?}", e.message);
    };
    noise(|n| n["mechanism"] = json!("laplace"), "invalid_value", "batch[1].data.noise.mechanism: \"laplace\" is not");
    noise(|n| n["mechanism"] = json!("Geometric"), "invalid_value", "expected \"geometric\"");
    noise(|n| n["mechanism"] = json!(1), "invalid_value", "noise.mechanism: must be a string");
    noise(|n| n["epsilon"] = json!(0), "invalid_value", "batch[1].data.noise.epsilon: 0 is not above 0");
    noise(|n| n["epsilon"] = json!(0.0), "invalid_value", "noise.epsilon: 0 is not above 0");
    noise(|n| n["epsilon"] = json!(-1.5), "invalid_value", "noise.epsilon: -1.5 is not above 0");
    noise(|n| n["epsilon"] = json!(10.000001), "invalid_value", "10.000001 is more than the limit of 10");
    noise(|n| n["epsilon"] = json!(11), "invalid_value", "11 is more than the limit of 10");
    noise(|n| n["epsilon"] = json!("NaN"), "invalid_value", "noise.epsilon: must be a finite number");
    noise(|n| n["epsilon"] = json!("1.0"), "invalid_value", "noise.epsilon: must be a finite number");
    noise(|n| n["epsilon"] = json!(null), "invalid_value", "noise.epsilon: must be a finite number");
    noise(|n| n["epsilon"] = json!(true), "invalid_value", "noise.epsilon: must be a finite number");
    noise(|n| n["epsilon"] = json!([1.0]), "invalid_value", "noise.epsilon: must be a finite number");
    noise(|n| n["delta"] = json!(1e-6), "unknown_field", "batch[1].data.noise.delta: unknown field");
    noise(|n| n["seed"] = json!(7), "unknown_field", "noise.seed: unknown field");
    noise(|n| n["timestamp"] = json!(7), "forbidden_field", "noise.timestamp");
    noise(|n| drop(n.as_object_mut().unwrap().remove("epsilon")), "invalid_batch", "noise.epsilon: is missing");
    noise(|n| drop(n.as_object_mut().unwrap().remove("mechanism")), "invalid_batch", "noise.mechanism: is missing");
    noise(|n| *n = json!(null), "invalid_batch", "batch[1].data.noise: must be an object");
    noise(|n| *n = json!(1.0), "invalid_batch", "batch[1].data.noise: must be an object");
    noise(|n| *n = json!({}), "invalid_batch", "is missing");
    // Non-finite epsilons cannot even be written in JSON.
    let body = noised().to_string().replace("0.25", "NaN");
    assert_eq!(parse_batch(body.as_bytes()).unwrap_err().code, "invalid_json");
    let body = noised().to_string().replace("0.25", "1e400");
    assert_eq!(parse_batch(body.as_bytes()).unwrap_err().code, "invalid_json");
}

#[test]
fn noised_values_stay_on_their_grids_and_within_the_limits() {
    let mut v = noised();
    v["batch"][0]["data"]["steps"] = json!(1_450);
    assert_eq!(parse(&v).unwrap_err().code, "invalid_value");
    let mut v = noised();
    v["batch"][1]["data"]["merchants"][0]["minutes"] = json!(20);
    assert_eq!(parse(&v).unwrap_err().code, "invalid_value");
    let mut v = noised();
    v["batch"][2]["data"]["offers"][0]["redeemed"] = json!(MAX_COUNT + 1);
    assert_eq!(parse(&v).unwrap_err().code, "invalid_value");
    let mut v = noised();
    v["batch"][0]["data"]["steps"] = json!(MAX_STEPS + 100);
    assert_eq!(parse(&v).unwrap_err().code, "invalid_value");
    // A noise object in a row, rather than in the data, is unknown there.
    let mut v = noised();
    v["batch"][1]["data"]["merchants"][0]["noise"] = json!({"mechanism": "geometric", "epsilon": 1});
    assert_eq!(parse(&v).unwrap_err().code, "unknown_field");
}
