//! The workload: a deterministic, endless script of engine calls, one
//! shopper day after another, that the child replays and the parent reads
//! back to know what every acknowledged call carried.
//!
//! Day `d` (from Monday 2026-11-23, Los Angeles) is: a catalog refresh at
//! 07:00 (version `d + 2`, re-signed with the test key; day 0 first grants
//! consent to every purpose), then a synthetic day of four visits from
//! 11:00 (a little later each day) around Valley Mall's food court (noisy fixes every 10 s, in
//! batches of [`FIXES_PER_BATCH`], each followed by the pedometer's samples
//! of the same stretch, with offers acted on and ticks now and then), then
//! the tick at 06:00 the next day that closes the day, and a sync at 06:05.

use chrono::NaiveDate;
use chrono_tz::Tz;
use kairos_core::time::{start_of_local_day, HOUR_MS, MINUTE_MS};
use kairos_core::track::synth::{random_day, NoiseModel};
use kairos_core::LocationFix;
use kairos_core::StepSample;
use kairos_core::Timestamp;

/// Fixes per `record_locations` call: under the filter's duplicate memory
/// (32), so a batch delivered again after a kill is recognised whole.
pub const FIXES_PER_BATCH: usize = 24;
/// The first day's date.
pub const FIRST_DAY: (i32, u32, u32) = (2026, 11, 23);
/// Where each day starts: inside the food court's fence.
pub const ORIGIN: (f64, f64) = (37.32578, -121.94505);
/// The device's zone.
pub const ZONE: &str = "America/Los_Angeles";

/// One engine call of the script.
#[derive(Debug, Clone)]
pub enum Op {
    /// `set_consent(p, true, ..)` for every purpose.
    Consent(Timestamp),
    /// `load_catalog` of the example catalog at this version.
    Catalog { version: u64, at: Timestamp },
    /// `record_locations`.
    Fixes(Vec<LocationFix>),
    /// `record_step_samples`.
    Steps(Vec<StepSample>),
    /// `offers(at)`, then `presented` for each, and `dismissed` or
    /// `redeemed` for some (see the child).
    Offers(Timestamp),
    /// `tick`.
    Tick(Timestamp),
    /// `sync` to the backend.
    Sync(Timestamp),
}

impl Op {
    /// The latest instant the call carries.
    pub fn time(&self) -> Timestamp {
        match self {
            Op::Consent(t) | Op::Offers(t) | Op::Tick(t) | Op::Sync(t) | Op::Catalog { at: t, .. } => *t,
            Op::Fixes(f) => f.iter().map(|f| f.at).max().unwrap_or_default(),
            Op::Steps(s) => s.iter().map(StepSample::end).max().unwrap_or_default(),
        }
    }
}

/// The device's zone, parsed.
pub fn zone() -> Tz {
    ZONE.parse().expect("a valid zone")
}

/// The local date of day `day`.
pub fn date(day: u32) -> NaiveDate {
    let (y, m, d) = FIRST_DAY;
    NaiveDate::from_ymd_opt(y, m, d).expect("a date") + chrono::Duration::days(i64::from(day))
}

/// Local midnight starting day `day`.
pub fn midnight(day: u32) -> Timestamp {
    start_of_local_day(date(day), zone())
}

/// Every call of day `day`, in order.
pub fn day_ops(seed: u64, day: u32) -> Vec<Op> {
    let m = midnight(day);
    let next = midnight(day + 1);
    let mut ops = Vec::new();
    if day == 0 {
        ops.push(Op::Consent(m.plus_millis(7 * HOUR_MS - MINUTE_MS)));
    }
    ops.push(Op::Catalog { version: u64::from(day) + 2, at: m.plus_millis(7 * HOUR_MS) });
    let track = random_day(
        seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(day),
        // Five minutes later each day of a fortnight, so the food court's
        // once-a-day offer (24 hours apart at least) can fire again.
        m.plus_millis(11 * HOUR_MS + i64::from(day % 14) * 5 * MINUTE_MS),
        ORIGIN.0,
        ORIGIN.1,
        4,
        NoiseModel::noisy(),
    );
    let chunks: Vec<&[LocationFix]> = track.fixes.chunks(FIXES_PER_BATCH).collect();
    let mut steps = track.steps.iter().peekable();
    for (i, chunk) in chunks.iter().enumerate() {
        ops.push(Op::Fixes(chunk.to_vec()));
        let until = chunks.get(i + 1).map_or(next, |c| c[0].at);
        let mut burst = Vec::new();
        while let Some(s) = steps.next_if(|s| s.end() <= until) {
            burst.push(*s);
        }
        if !burst.is_empty() {
            ops.push(Op::Steps(burst));
        }
        let last = chunk[chunk.len() - 1].at;
        if i % 6 == 5 {
            ops.push(Op::Offers(last.plus_millis(1_000)));
        }
        if i % 10 == 9 {
            ops.push(Op::Tick(last.plus_millis(2_000)));
        }
    }
    let rest: Vec<StepSample> = steps.copied().collect();
    if !rest.is_empty() {
        ops.push(Op::Steps(rest));
    }
    ops.push(Op::Tick(next.plus_millis(6 * HOUR_MS)));
    ops.push(Op::Sync(next.plus_millis(6 * HOUR_MS + 5 * MINUTE_MS)));
    ops
}

/// A position in the script: day and call within the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// The day.
    pub day: u32,
    /// The call within the day.
    pub op: usize,
}

/// Days of the script, generated once each.
#[derive(Default)]
pub struct Script {
    seed: u64,
    days: std::collections::BTreeMap<u32, Vec<Op>>,
}

impl Script {
    /// The script of `seed`.
    pub fn new(seed: u64) -> Self {
        Script { seed, days: Default::default() }
    }

    /// The call at `pos`.
    pub fn op(&mut self, pos: Pos) -> &Op {
        let seed = self.seed;
        &self.days.entry(pos.day).or_insert_with(|| day_ops(seed, pos.day))[pos.op]
    }

    /// The position after `pos`.
    pub fn next(&mut self, pos: Pos) -> Pos {
        let seed = self.seed;
        let len = self.days.entry(pos.day).or_insert_with(|| day_ops(seed, pos.day)).len();
        // Forget days long past (the parent walks hundreds of them).
        self.days.retain(|d, _| *d + 2 >= pos.day);
        if pos.op + 1 < len {
            Pos { day: pos.day, op: pos.op + 1 }
        } else {
            Pos { day: pos.day + 1, op: 0 }
        }
    }
}
