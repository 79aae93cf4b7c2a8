//! Where a replayed fix came from (file, line, element), in words: shared
//! by the rejection lines (`rejections`) and the timeline's text of them
//! (`timeline`), which both read it.

use serde_json::{Map, Value};
use std::fmt;

/// Where a replayed fix came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixSource {
    /// The track file, as shown (none for an inline track).
    pub file: Option<String>,
    /// Its line in the file, when the format has lines.
    pub line: Option<usize>,
    /// The element (`trk[1]/trkseg[1]/trkpt[5]`), or the inline track and
    /// fix (`[[track]] 2, fix 14`).
    pub element: Option<String>,
}

impl FixSource {
    /// The source of a fix read from `file`.
    pub fn in_file(file: &str, origin: &kairos_core::track::Origin) -> FixSource {
        FixSource { file: Some(file.to_string()), line: origin.line, element: origin.element.clone() }
    }
}

impl fmt::Display for FixSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(file) = &self.file {
            parts.push(file.clone());
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(e) = &self.element {
            parts.push(if self.file.is_some() || self.line.is_some() { format!("({e})") } else { e.clone() });
        }
        f.write_str(&parts.join(" "))
    }
}

impl FixSource {
    /// The source a `fix_rejected` line's fields name (`file`, `line`,
    /// `element`; each absent when the line has none).
    pub fn from_fields(fields: &Map<String, Value>) -> FixSource {
        FixSource {
            file: fields.get("file").and_then(Value::as_str).map(str::to_string),
            line: fields.get("line").and_then(Value::as_u64).map(|l| l as usize),
            element: fields.get("element").and_then(Value::as_str).map(str::to_string),
        }
    }
}
