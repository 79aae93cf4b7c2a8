//! Instants cross the boundary as `SystemTime` (Kotlin `java.time.Instant`,
//! Swift `Date`); the core counts milliseconds since the Unix epoch.
//! Sub-millisecond parts are rounded away on the way in. Local calendar
//! days cross as `LocalDay` (`local_day.rs`), never as text.

use kairos_core::Timestamp;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The core timestamp of `t`, rounded to the nearest millisecond (Swift's
/// `Date` is a `Double`, so a whole millisecond may arrive as 0.999...),
/// saturating at the ends of `i64`.
pub fn to_core(t: SystemTime) -> Timestamp {
    let nanos: i128 = match t.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    };
    let ms = (nanos + 500_000).div_euclid(1_000_000);
    Timestamp::from_millis(i64::try_from(ms).unwrap_or(if ms < 0 { i64::MIN } else { i64::MAX }))
}

/// The `SystemTime` of a core timestamp. Every timestamp the core hands out
/// lies within the years 2000..2100, which every platform can represent;
/// an unrepresentable one (never produced) becomes the epoch.
pub fn from_core(t: Timestamp) -> SystemTime {
    let ms = t.millis();
    let d = Duration::from_millis(ms.unsigned_abs());
    let out = if ms >= 0 { UNIX_EPOCH.checked_add(d) } else { UNIX_EPOCH.checked_sub(d) };
    out.unwrap_or(UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_whole_milliseconds() {
        for ms in [0, 1, 1_780_000_123_456, -1, -86_400_000, 4_102_444_800_000] {
            assert_eq!(to_core(from_core(Timestamp::from_millis(ms))).millis(), ms);
        }
    }

    #[test]
    fn sub_millisecond_parts_round_to_the_nearest_millisecond() {
        let after = |us| to_core(UNIX_EPOCH + Duration::from_micros(us)).millis();
        let before = |us| to_core(UNIX_EPOCH - Duration::from_micros(us)).millis();
        assert_eq!((after(1_499), after(1_500), after(10_249_999)), (1, 2, 10_250));
        assert_eq!((before(1_499), before(1_500), before(1_501)), (-1, -1, -2));
    }
}
