//! The per-fix energy model of `run --sensing adaptive` (docs/PERFORMANCE.md,
//! "Energy"). An estimate to compare two sensing strategies on the same
//! track, not a battery forecast: only the location work is counted (no
//! screen, no CPU wake-ups, no upload), and every number is one phone's.
//!
//! Power draws are the Nexus 5's component profile
//! (`frameworks/base/core/res/res/xml/power_profile.xml` overlay of
//! `device/lge/hammerhead`, AOSP commit 15ecd6c "Update power profile
//! numbers to be more accurate", currents measured at 4.0 V): `gps.on`
//! 76.23 mA, `wifi.scan` 75.48 mA, `radio.active` 185.19 mA. The durations
//! are our modelling choices, each stated beside its constant.

use kairos_core::sensing::Accuracy;

/// Supply voltage the profile's currents were measured at, volts.
const VOLTS: f64 = 4.0;
/// GNSS receiver on (`gps.on`, 76.23 mA at 4.0 V), milliwatts.
pub const GNSS_MW: f64 = 76.23 * VOLTS;
/// Wi-Fi scanning (`wifi.scan`, 75.48 mA at 4.0 V), milliwatts.
pub const WIFI_SCAN_MW: f64 = 75.48 * VOLTS;
/// Cellular radio exchanging data (`radio.active`, 185.19 mA at 4.0 V),
/// milliwatts.
pub const RADIO_ACTIVE_MW: f64 = 185.19 * VOLTS;
/// How long a duty-cycled GNSS fix keeps the receiver on, seconds: a hot
/// start (about a second on an assisted receiver) and the few seconds the
/// position takes to settle to its reported accuracy. A fix asked for
/// sooner than this after the previous one finds the receiver still on and
/// costs only the time between them; at 1 Hz the receiver never sleeps.
pub const GNSS_ON_PER_FIX_S: f64 = 5.0;
/// One Wi-Fi scan for a balanced fix, seconds: an active scan of the
/// 2.4 GHz and 5 GHz channels (the position itself is looked up in the
/// platform's cached database).
pub const WIFI_SCAN_S: f64 = 2.0;
/// One cell-based low fix, seconds of active radio: a short exchange to
/// resolve the serving cell (the modem knows the cell anyway).
pub const CELL_LOOKUP_S: f64 = 0.1;

/// Energy of one fix of `accuracy`, millijoules, `since_previous_high_s`
/// after the previous high-accuracy fix (`None`: none before).
pub fn fix_mj(accuracy: Accuracy, since_previous_high_s: Option<f64>) -> f64 {
    match accuracy {
        Accuracy::High => GNSS_MW * since_previous_high_s.map_or(GNSS_ON_PER_FIX_S, |s| s.min(GNSS_ON_PER_FIX_S)),
        Accuracy::Balanced => WIFI_SCAN_MW * WIFI_SCAN_S,
        Accuracy::Low => RADIO_ACTIVE_MW * CELL_LOOKUP_S,
        Accuracy::Passive => 0.0,
    }
}

/// Energy of continuous 1 Hz GNSS over `seconds`, millijoules: the
/// receiver never sleeps.
pub fn continuous_mj(seconds: u64) -> f64 {
    GNSS_MW * seconds as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparse_gnss_fix_costs_a_hot_start_and_a_fix_at_one_hertz_one_second() {
        assert!((fix_mj(Accuracy::High, Some(1.0)) - continuous_mj(1)).abs() < 1e-9);
        assert!((fix_mj(Accuracy::High, Some(60.0)) - GNSS_MW * GNSS_ON_PER_FIX_S).abs() < 1e-9);
        assert!((fix_mj(Accuracy::High, None) - GNSS_MW * GNSS_ON_PER_FIX_S).abs() < 1e-9);
    }

    #[test]
    fn the_classes_cost_less_as_they_get_coarser_and_passive_costs_nothing() {
        let costs: Vec<f64> = Accuracy::ALL.iter().map(|a| fix_mj(*a, None)).collect();
        assert!(costs.windows(2).all(|w| w[0] > w[1]), "{costs:?}");
        assert_eq!(fix_mj(Accuracy::Passive, None), 0.0);
    }
}
