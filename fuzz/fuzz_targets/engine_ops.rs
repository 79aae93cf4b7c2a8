//! A sequence of engine calls with arbitrary arguments, against a fresh
//! engine in a temporary directory (on `/dev/shm` when there is one; see
//! `kairos_fuzz::fresh_profile`): fixes
//! with any `f64` (NaN, infinities, out of range) or realistic ones near the
//! fixture catalogs' places, stays, step counter readings (resets
//! included) and intervals, ticks and queries at any instant (near the
//! canonical day, or any `i64`), catalogs (the fixtures, arbitrary
//! documents signed with the TEST-ONLY key, raw bytes), offers and their
//! lifecycle with real or arbitrary ids, wake regions, consent, export,
//! erase, key rotation, closing and reopening. The engine must answer every
//! call with a value or a typed error, never a panic; a few invariants are
//! checked on the way (export is JSON; erase leaves no places or visits).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use kairos_core::catalog::sign;
use kairos_core::privacy::Purpose;
use kairos_core::{Engine, LocationFix, StepSample, Timestamp};
use kairos_fuzz::{config, fixtures, fresh_profile, test_key, FIXTURE_NOW, TEST_KEY_ID};
use libfuzzer_sys::fuzz_target;

/// At most this many operations per input (keeps an execution short).
const MAX_OPS: usize = 24;
/// At most this many fixes or samples in one batch.
const MAX_BATCH: usize = 16;

/// Places of the fixture catalogs (fences, home), for realistic fixes.
const PLACES: [(f64, f64); 8] = [
    (37.3257, -121.9458), // the boutique (polygon)
    (37.3256, -121.9448), // the food court (polygon, opening hours)
    (37.332, -121.938),   // the grocery (circle)
    (37.3400, -121.9410), // home
    (37.33, -121.9),      // shop street: the corner cafe
    (37.33, -121.896),    // shop street: the drive-thru
    (40.752, -73.99),     // New York: the deli
    (-89.9999, 179.9999), // near a pole and the antimeridian
];

const ZONES: [&str; 6] =
    ["America/Los_Angeles", "Europe/London", "Australia/Lord_Howe", "Pacific/Kiritimati", "UTC", "Asia/Kathmandu"];

#[derive(Debug, Arbitrary)]
struct Input {
    zone: u8,
    ops: Vec<Op>,
}

/// An instant: seconds from the running clock (which it moves to), or any
/// `i64` (left for the engine to judge; the clock stays).
#[derive(Debug, Clone, Copy, Arbitrary)]
enum When {
    After(u16),
    Before(u16),
    Hours(i8),
    Abs(i64),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Pos {
    /// Metres east and north of one of [`PLACES`].
    Near { place: u8, east: i16, north: i16 },
    /// Anything (NaN, infinities, out of range).
    Raw { lat: f64, lon: f64 },
}

#[derive(Debug, Clone, Copy, Arbitrary)]
struct FixIn {
    when: When,
    pos: Pos,
    accuracy: Accuracy,
    speed: Option<f64>,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Accuracy {
    Good(u8),
    Raw(f64),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum StepIn {
    /// A counter reading; small values after large ones are resets (reboots).
    Counter { when: When, count: u32 },
    /// A counter reading with any `u64`.
    CounterRaw { when: When, count: u64 },
    /// Steps over `[when, when + seconds]` (negative: a reversed interval).
    Interval { when: When, seconds: i32, steps: u64 },
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Id {
    /// The n-th offer instance the engine last returned.
    Known(u8),
    Raw(i64),
}

#[derive(Debug, Arbitrary)]
enum Op {
    Fix(FixIn),
    Fixes(Vec<FixIn>),
    /// A stay of `minutes` at a place, one good fix every 30 s.
    Stay {
        place: u8,
        minutes: u8,
    },
    Steps(Vec<StepIn>),
    Step(StepIn),
    Tick(When),
    Today(When),
    Week(When),
    Visits(When, When),
    RawFixes(When, When),
    Places,
    Routines(When),
    RecordVisit {
        pos: Pos,
        arrived: When,
        departed: When,
    },
    /// One of the fixture catalogs, signed.
    LoadFixture {
        which: u8,
        at: When,
    },
    /// Any bytes as a document, signed with the test key.
    LoadSigned {
        document: Vec<u8>,
        at: When,
    },
    /// Any bytes as an envelope.
    LoadRaw {
        envelope: Vec<u8>,
        at: When,
    },
    CatalogInfo,
    Offers(When),
    OfferHistory(When, When),
    Presented(Id, When),
    Dismissed(Id, When),
    Redeemed(Id, When),
    WakeRegions {
        pos: Pos,
        n: u32,
    },
    Consent {
        purpose: u8,
        granted: bool,
        version: String,
        at: When,
    },
    Consents,
    Outbox,
    Export,
    Erase(When),
    RotateKey([u8; 32]),
    TakePending,
    Reopen,
}

struct Run {
    clock: Timestamp,
    last_offers: Vec<i64>,
    last_count: u64,
}

impl Run {
    fn at(&mut self, w: When) -> Timestamp {
        match w {
            When::After(s) => self.clock = self.clock.plus_millis(i64::from(s) * 1000),
            When::Before(s) => return self.clock.plus_millis(-i64::from(s) * 1000),
            When::Hours(h) => self.clock = self.clock.plus_millis(i64::from(h) * 3_600_000),
            When::Abs(t) => return Timestamp(t),
        }
        self.clock
    }

    fn fix(&mut self, f: FixIn) -> LocationFix {
        let (lat, lon) = pos(f.pos);
        let accuracy_m = match f.accuracy {
            Accuracy::Good(a) => 3.0 + f64::from(a % 60),
            Accuracy::Raw(a) => a,
        };
        LocationFix { at: self.at(f.when), lat, lon, accuracy_m, speed_mps: f.speed }
    }

    fn step(&mut self, s: StepIn) -> StepSample {
        match s {
            StepIn::Counter { when, count } => {
                self.last_count = u64::from(count);
                StepSample::Counter { at: self.at(when), count_since_boot: self.last_count }
            }
            StepIn::CounterRaw { when, count } => StepSample::Counter { at: self.at(when), count_since_boot: count },
            StepIn::Interval { when, seconds, steps } => {
                let start = self.at(when);
                StepSample::Interval { start, end: start.plus_millis(i64::from(seconds) * 1000), steps }
            }
        }
    }

    fn id(&self, id: Id) -> i64 {
        match id {
            Id::Known(i) if !self.last_offers.is_empty() => self.last_offers[usize::from(i) % self.last_offers.len()],
            Id::Known(i) => i64::from(i),
            Id::Raw(i) => i,
        }
    }
}

fn pos(p: Pos) -> (f64, f64) {
    match p {
        Pos::Near { place, east, north } => {
            let (lat, lon) = PLACES[usize::from(place) % PLACES.len()];
            let lat = lat + f64::from(north) / 111_320.0;
            (lat, lon + f64::from(east) / (111_320.0 * lat.to_radians().cos().max(0.01)))
        }
        Pos::Raw { lat, lon } => (lat, lon),
    }
}

fn run(input: Input) {
    let zone = ZONES[usize::from(input.zone) % ZONES.len()];
    let dir = fresh_profile(zone);
    let mut cfg = config(dir.path(), zone);
    let mut engine = Some(Engine::open(cfg.clone()).expect("a fresh engine opens"));
    let mut r = Run { clock: FIXTURE_NOW, last_offers: Vec::new(), last_count: 0 };
    let trace = std::env::var_os("KAIROS_FUZZ_TRACE").is_some();
    for op in input.ops.into_iter().take(MAX_OPS) {
        let e = engine.as_ref().expect("open");
        let started = std::time::Instant::now();
        if trace {
            eprintln!("op: {op:?}");
        }
        match op {
            Op::Fix(f) => drop(e.record_location(r.fix(f))),
            Op::Fixes(fs) => {
                let fixes: Vec<_> = fs.into_iter().take(MAX_BATCH).map(|f| r.fix(f)).collect();
                drop(e.record_locations(&fixes));
            }
            Op::Stay { place, minutes } => {
                let fixes: Vec<_> = (0..u32::from(minutes) * 2)
                    .map(|i| {
                        let n = ((i * 7) % 11) as i16 - 5;
                        r.fix(FixIn {
                            when: When::After(30),
                            pos: Pos::Near { place, east: n, north: -n },
                            accuracy: Accuracy::Good(10),
                            speed: Some(0.0),
                        })
                    })
                    .collect();
                drop(e.record_locations(&fixes));
            }
            Op::Steps(ss) => {
                let samples: Vec<_> = ss.into_iter().take(MAX_BATCH).map(|s| r.step(s)).collect();
                drop(e.record_step_samples(&samples));
            }
            Op::Step(s) => drop(e.record_steps(r.step(s))),
            Op::Tick(w) => drop(e.tick(r.at(w))),
            Op::Today(w) => drop(e.today(r.at(w))),
            Op::Week(w) => drop(e.week(r.at(w))),
            Op::Visits(a, b) => drop(e.visits(r.at(a), r.at(b))),
            Op::RawFixes(a, b) => drop(e.raw_fixes(r.at(a), r.at(b))),
            Op::Places => drop(e.places()),
            Op::Routines(w) => drop(e.routines(r.at(w))),
            Op::RecordVisit { pos: p, arrived, departed } => {
                let (lat, lon) = pos(p);
                drop(e.record_visit(lat, lon, r.at(arrived), r.at(departed)));
            }
            Op::LoadFixture { which, at } => {
                let f = fixtures();
                drop(e.load_catalog(&f[usize::from(which) % f.len()], r.at(at)));
            }
            Op::LoadSigned { document, at } => {
                drop(e.load_catalog(&sign(&document, TEST_KEY_ID, test_key()), r.at(at)))
            }
            Op::LoadRaw { envelope, at } => drop(e.load_catalog(&envelope, r.at(at))),
            Op::CatalogInfo => drop(e.catalog_info()),
            Op::Offers(w) => {
                if let Ok(offers) = e.offers(r.at(w)) {
                    r.last_offers = offers.iter().map(|o| o.id).collect();
                }
            }
            Op::OfferHistory(a, b) => {
                if let Ok(offers) = e.offer_history(r.at(a), r.at(b)) {
                    r.last_offers = offers.iter().map(|o| o.id).collect();
                }
            }
            Op::Presented(id, w) => drop(e.presented(r.id(id), r.at(w))),
            Op::Dismissed(id, w) => drop(e.dismissed(r.id(id), r.at(w))),
            Op::Redeemed(id, w) => drop(e.redeemed(r.id(id), r.at(w))),
            Op::WakeRegions { pos: p, n } => {
                let (lat, lon) = pos(p);
                drop(e.wake_regions(lat, lon, n));
            }
            Op::Consent { purpose, granted, version, at } => {
                let purpose = [Purpose::Activity, Purpose::Visits, Purpose::Offers][usize::from(purpose) % 3];
                drop(e.set_consent(purpose, granted, &version, r.at(at)));
            }
            Op::Consents => drop(e.consents()),
            Op::Outbox => drop(e.outbox()),
            Op::Export => {
                if let Ok(json) = e.export_profile() {
                    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "export is not JSON: {json}");
                }
            }
            Op::Erase(w) => {
                if e.erase_all(r.at(w)).is_ok() {
                    assert_eq!(e.places().map(|p| p.len()).ok(), Some(0), "places left after erase_all");
                    let visits = e.visits(Timestamp(i64::MIN), Timestamp(i64::MAX));
                    assert_eq!(visits.map(|v| v.len()).ok(), Some(0), "visits left after erase_all");
                }
            }
            Op::RotateKey(key) => {
                if e.rotate_key(&key).is_ok() {
                    cfg.sealing_key = key;
                }
            }
            Op::TakePending => drop(e.take_pending_events()),
            Op::Reopen => {
                drop(engine.take());
                engine = Some(Engine::open(cfg.clone()).expect("a closed engine reopens"));
            }
        }
        if trace {
            eprintln!("    took {:?} (clock {})", started.elapsed(), r.clock);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) {
        run(input);
    }
});
