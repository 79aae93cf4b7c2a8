//! Instants cross the boundary as `SystemTime` (Kotlin `java.time.Instant`,
//! Swift `Date`); the core counts milliseconds since the Unix epoch.
//! Sub-millisecond parts are dropped on the way in.

use kairos_core::Timestamp;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The core timestamp of `t`, in whole milliseconds (towards the past for
/// instants before 1970), saturating at the ends of `i64`.
pub fn to_core(t: SystemTime) -> Timestamp {
    let ms = match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => {
            let d = before.duration();
            let whole = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
            // Round towards the past so that ordering is kept.
            if d.subsec_nanos() % 1_000_000 == 0 {
                -whole
            } else {
                -whole.saturating_add(1)
            }
        }
    };
    Timestamp::from_millis(ms)
}

/// The `SystemTime` of a core timestamp. Every timestamp the core hands out
/// lies within the years 2000..2100, which every platform can represent;
/// an unrepresentable one (never produced) becomes the epoch.
pub fn from_core(t: Timestamp) -> SystemTime {
    let ms = t.millis();
    let d = Duration::from_millis(ms.unsigned_abs());
    let out = if ms >= 0 {
        UNIX_EPOCH.checked_add(d)
    } else {
        UNIX_EPOCH.checked_sub(d)
    };
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
    fn sub_millisecond_parts_are_dropped_towards_the_past() {
        let t = UNIX_EPOCH + Duration::from_micros(1_500);
        assert_eq!(to_core(t).millis(), 1);
        let t = UNIX_EPOCH - Duration::from_micros(1_500);
        assert_eq!(to_core(t).millis(), -2);
    }
}
