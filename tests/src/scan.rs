//! A scanner for coordinates at rest: does any file under a directory hold
//! something near a place the shopper went, in any rendering a program
//! might have written it in?
//!
//! Text renderings are found one number at a time (a run of digits in
//! random bytes is rare): decimal degrees with three or more decimals
//! (`34.052`), fixed-point degrees ×1e6 and ×1e7 as decimal integers, and
//! the bit pattern of an `f64` degree printed as a decimal integer (how
//! serde writes `f64::to_bits`). Binary renderings are found as a latitude
//! and a longitude of the same place, in the same rendering, within
//! [`PAIR_WINDOW`] bytes of each other: `f64` and `f32` degrees, `f64`
//! radians, fixed point ×1e6 and ×1e7 as `i32` and `i64`, each in both byte
//! orders. (A lone 4-byte value near a coordinate turns up by chance in a
//! few megabytes of ciphertext; a pair does not, and every store of a
//! position writes its latitude beside its longitude.) Signs are ignored, so
//! a coordinate stored without its sign is found too.

use std::path::{Path, PathBuf};

/// How far apart (in bytes) a binary latitude and longitude may lie to be
/// counted as one coordinate.
pub const PAIR_WINDOW: usize = 32;

/// One way of writing a number down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    /// Decimal degrees with three or more decimals.
    DecimalText,
    /// Degrees ×1e6 as a decimal integer.
    MicroDegreesText,
    /// Degrees ×1e7 as a decimal integer.
    E7DegreesText,
    /// The bits of an `f64` degree as a decimal integer.
    F64BitsText,
    /// `f64` degrees, little-endian.
    F64Le,
    /// `f64` degrees, big-endian.
    F64Be,
    /// `f32` degrees, little-endian.
    F32Le,
    /// `f32` degrees, big-endian.
    F32Be,
    /// `f64` radians, little-endian.
    RadiansF64Le,
    /// `f64` radians, big-endian.
    RadiansF64Be,
    /// Degrees ×1e6 as `i32`, little-endian.
    MicroI32Le,
    /// Degrees ×1e6 as `i32`, big-endian.
    MicroI32Be,
    /// Degrees ×1e7 as `i32`, little-endian.
    E7I32Le,
    /// Degrees ×1e7 as `i32`, big-endian.
    E7I32Be,
    /// Degrees ×1e6 as `i64`, little-endian.
    MicroI64Le,
    /// Degrees ×1e6 as `i64`, big-endian.
    MicroI64Be,
    /// Degrees ×1e7 as `i64`, little-endian.
    E7I64Le,
    /// Degrees ×1e7 as `i64`, big-endian.
    E7I64Be,
}

impl Rendering {
    /// Every binary rendering.
    pub const BINARY: [Rendering; 14] = [
        Rendering::F64Le,
        Rendering::F64Be,
        Rendering::F32Le,
        Rendering::F32Be,
        Rendering::RadiansF64Le,
        Rendering::RadiansF64Be,
        Rendering::MicroI32Le,
        Rendering::MicroI32Be,
        Rendering::E7I32Le,
        Rendering::E7I32Be,
        Rendering::MicroI64Le,
        Rendering::MicroI64Be,
        Rendering::E7I64Le,
        Rendering::E7I64Be,
    ];

    /// The width of a binary rendering, in bytes.
    fn width(self) -> usize {
        match self {
            Rendering::F32Le
            | Rendering::F32Be
            | Rendering::MicroI32Le
            | Rendering::MicroI32Be
            | Rendering::E7I32Le
            | Rendering::E7I32Be => 4,
            _ => 8,
        }
    }

    /// The degrees the bytes at the start of `b` stand for in this binary
    /// rendering (`None` for a text rendering or too few bytes).
    pub fn decode(self, b: &[u8]) -> Option<f64> {
        let b4 = || -> Option<[u8; 4]> { b.get(..4)?.try_into().ok() };
        let b8 = || -> Option<[u8; 8]> { b.get(..8)?.try_into().ok() };
        Some(match self {
            Rendering::F64Le => f64::from_le_bytes(b8()?),
            Rendering::F64Be => f64::from_be_bytes(b8()?),
            Rendering::F32Le => f64::from(f32::from_le_bytes(b4()?)),
            Rendering::F32Be => f64::from(f32::from_be_bytes(b4()?)),
            Rendering::RadiansF64Le => f64::from_le_bytes(b8()?).to_degrees(),
            Rendering::RadiansF64Be => f64::from_be_bytes(b8()?).to_degrees(),
            Rendering::MicroI32Le => f64::from(i32::from_le_bytes(b4()?)) / 1e6,
            Rendering::MicroI32Be => f64::from(i32::from_be_bytes(b4()?)) / 1e6,
            Rendering::E7I32Le => f64::from(i32::from_le_bytes(b4()?)) / 1e7,
            Rendering::E7I32Be => f64::from(i32::from_be_bytes(b4()?)) / 1e7,
            Rendering::MicroI64Le => i64::from_le_bytes(b8()?) as f64 / 1e6,
            Rendering::MicroI64Be => i64::from_be_bytes(b8()?) as f64 / 1e6,
            Rendering::E7I64Le => i64::from_le_bytes(b8()?) as f64 / 1e7,
            Rendering::E7I64Be => i64::from_be_bytes(b8()?) as f64 / 1e7,
            Rendering::DecimalText
            | Rendering::MicroDegreesText
            | Rendering::E7DegreesText
            | Rendering::F64BitsText => return None,
        })
    }
}

/// A place to look for: its latitude and longitude, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// Something found near a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The file it is in.
    pub file: PathBuf,
    /// Its byte offset in the file.
    pub offset: usize,
    /// How it is written.
    pub rendering: Rendering,
    /// The value found, in degrees.
    pub value: f64,
}

/// What to look for and how near counts.
#[derive(Debug, Clone)]
pub struct Scanner {
    targets: Vec<Target>,
    tolerance_deg: f64,
}

impl Scanner {
    /// A scanner for values within `tolerance_deg` of any target's
    /// latitude or longitude.
    pub fn new(targets: Vec<Target>, tolerance_deg: f64) -> Scanner {
        Scanner { targets, tolerance_deg }
    }

    fn near(&self, v: f64, axis: impl Fn(&Target) -> f64) -> Option<usize> {
        let v = v.abs();
        self.targets.iter().position(|t| (axis(t).abs() - v).abs() <= self.tolerance_deg)
    }

    fn near_any(&self, v: f64) -> bool {
        self.near(v, |t| t.lat).is_some() || self.near(v, |t| t.lon).is_some()
    }

    /// Every hit in `bytes` (of `file`, for the report).
    pub fn scan_bytes(&self, file: &Path, bytes: &[u8]) -> Vec<Hit> {
        let mut hits = self.scan_text(file, bytes);
        for rendering in Rendering::BINARY {
            hits.extend(self.scan_binary(file, bytes, rendering));
        }
        hits
    }

    fn scan_text(&self, file: &Path, bytes: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let token = std::str::from_utf8(&bytes[start..i]).expect("ASCII digits and dots");
            let mut found =
                |rendering, value| hits.push(Hit { file: file.to_path_buf(), offset: start, rendering, value });
            // A second dot ends the number (`1.2.3` is not one).
            let number = token.match_indices('.').nth(1).map_or(token, |(k, _)| &token[..k]);
            match number.split_once('.') {
                Some((_, decimals)) => {
                    if decimals.len() >= 3 {
                        if let Ok(v) = number.parse::<f64>() {
                            if self.near_any(v) {
                                found(Rendering::DecimalText, v);
                            }
                        }
                    }
                }
                None => {
                    if let Ok(n) = number.parse::<u64>() {
                        let micro = n as f64 / 1e6;
                        let e7 = n as f64 / 1e7;
                        let bits = f64::from_bits(n);
                        if self.near_any(micro) {
                            found(Rendering::MicroDegreesText, micro);
                        } else if self.near_any(e7) {
                            found(Rendering::E7DegreesText, e7);
                        } else if bits.is_finite() && self.near_any(bits) {
                            found(Rendering::F64BitsText, bits);
                        }
                    }
                }
            }
        }
        hits
    }

    fn scan_binary(&self, file: &Path, bytes: &[u8], rendering: Rendering) -> Vec<Hit> {
        let width = rendering.width();
        let mut hits = Vec::new();
        if bytes.len() < width {
            return hits;
        }
        for i in 0..=bytes.len() - width {
            let Some(lat) = rendering.decode(&bytes[i..]) else { continue };
            if !lat.is_finite() {
                continue;
            }
            let Some(target) = self.near(lat, |t| t.lat) else { continue };
            let lon_target = self.targets[target].lon.abs();
            let lo = i.saturating_sub(PAIR_WINDOW);
            let hi = (i + width + PAIR_WINDOW).min(bytes.len() - width);
            let paired = (lo..=hi).filter(|&j| j + width <= i || j >= i + width).any(|j| {
                rendering.decode(&bytes[j..]).is_some_and(|lon| (lon.abs() - lon_target).abs() <= self.tolerance_deg)
            });
            if paired {
                hits.push(Hit { file: file.to_path_buf(), offset: i, rendering, value: lat });
            }
        }
        hits
    }

    /// Every hit in every file under `dir` (recursively).
    pub fn scan_dir(&self, dir: &Path) -> std::io::Result<Vec<Hit>> {
        let mut hits = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                hits.extend(self.scan_dir(&path)?);
            } else {
                hits.extend(self.scan_bytes(&path, &std::fs::read(&path)?));
            }
        }
        Ok(hits)
    }
}
