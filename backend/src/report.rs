//! `report`: merchant visits per merchant and day, over every install,
//! with small cells suppressed: a cell with fewer than `min_installs`
//! distinct installs is left out whole (not rounded, not merged), so no
//! output describes fewer than that many shoppers.

pub mod lift;

use crate::limits::{ReportEligibility, MIN_MIN_INSTALLS};
use crate::storage::{ReportCell, Storage, StorageError};
use serde_json::{json, Value};

/// The aggregate, small cells removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitReport {
    /// The threshold applied.
    pub min_installs: u32,
    /// The cells shown, by day then merchant.
    pub cells: Vec<ReportCell>,
    /// How many cells were left out.
    pub suppressed: usize,
}

/// Why the report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The threshold is too low to protect anyone.
    #[error("--min-installs {0} is below the floor of {MIN_MIN_INSTALLS}")]
    ThresholdTooLow(u32),
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Builds the report from `storage`, counting the installs `eligible`.
pub async fn visit_report(
    storage: &dyn Storage,
    min_installs: u32,
    eligible: ReportEligibility,
) -> Result<VisitReport, ReportError> {
    if min_installs < MIN_MIN_INSTALLS {
        return Err(ReportError::ThresholdTooLow(min_installs));
    }
    Ok(suppress(storage.visit_cells(eligible).await?, min_installs))
}

/// Keeps the cells with at least `min_installs` distinct installs.
pub fn suppress(cells: Vec<ReportCell>, min_installs: u32) -> VisitReport {
    let total = cells.len();
    let cells: Vec<ReportCell> = cells.into_iter().filter(|c| c.installs >= u64::from(min_installs)).collect();
    VisitReport { min_installs, suppressed: total - cells.len(), cells }
}

impl VisitReport {
    /// CSV with a header line: `day,merchant_id,installs,visits,minutes,noised`
    /// (`noised`: how many of the cell's rows were noised on the device).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("day,merchant_id,installs,visits,minutes,noised\n");
        for c in &self.cells {
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                c.day,
                csv_field(&c.merchant_id),
                c.installs,
                c.visits,
                c.minutes,
                c.noised
            ));
        }
        out
    }

    /// One JSON object: `min_installs`, `suppressed` and `cells`.
    pub fn to_json(&self) -> Value {
        json!({
            "min_installs": self.min_installs,
            "suppressed": self.suppressed,
            "cells": self.cells.iter().map(|c| json!({
                "day": c.day.to_string(),
                "merchant_id": c.merchant_id,
                "installs": c.installs,
                "visits": c.visits,
                "minutes": c.minutes,
                "noised": c.noised,
            })).collect::<Vec<_>>(),
        })
    }
}

/// One CSV cell. A text a spreadsheet would run as a formula (it begins
/// with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`
/// (OWASP's advice against CSV injection); then a cell with a comma, a
/// quote or a line break is quoted.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn cell(merchant: &str, installs: u64) -> ReportCell {
        ReportCell {
            day: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            merchant_id: merchant.into(),
            installs,
            visits: installs * 2,
            minutes: installs * 30,
            noised: installs / 2,
        }
    }

    #[test]
    fn cells_below_the_threshold_are_left_out_whole() {
        let report = suppress(vec![cell("a", 4), cell("b", 5), cell("c", 1), cell("d", 12)], 5);
        assert_eq!(report.cells, vec![cell("b", 5), cell("d", 12)]);
        assert_eq!(report.suppressed, 2);
        assert_eq!(
            report.to_csv(),
            "day,merchant_id,installs,visits,minutes,noised\n2026-11-24,b,5,10,150,2\n2026-11-24,d,12,24,360,6\n"
        );
        assert_eq!(report.to_json()["cells"][1]["merchant_id"], "d");
        assert_eq!(report.to_json()["suppressed"], 2);
        assert_eq!(report.to_json()["cells"][0]["noised"], 2);
    }

    #[test]
    fn csv_quotes_awkward_ids() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn csv_defuses_formulas() {
        assert_eq!(csv_field("=1+2"), "'=1+2");
        assert_eq!(csv_field("+33 1 23"), "'+33 1 23");
        assert_eq!(csv_field("-5"), "'-5");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("=HYPERLINK(\"x\",\"y\")"), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
        assert_eq!(csv_field("maison-lumiere"), "maison-lumiere");
    }
}
