//! The scenario file as written: TOML read with `serde`. Every table
//! refuses unknown keys, so a typo is an error rather than a silent
//! default. `docs/scenarios.md` documents each field.

use serde::Deserialize;
use std::collections::BTreeMap;

/// A whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Title shown at the top of the timeline and the report.
    pub name: String,
    /// What the scenario proves, in a sentence or two.
    #[serde(default)]
    pub description: String,
    /// The device's IANA zone; local times in the file are in it.
    pub time_zone: String,
    /// When the replay starts (history lies before it).
    pub start: String,
    /// Keep ticking until this time (default: the last input).
    pub until: Option<String>,
    /// The install id (holdout buckets).
    #[serde(default = "default_install_id")]
    pub install_id: String,
    /// Why this scenario can only be replayed with every fix (`--sensing
    /// dense`); `--sensing adaptive` refuses it with this reason.
    pub needs_dense_sensing: Option<String>,
    /// Replay window and tick cadence, in seconds (default 60).
    pub tick_seconds: Option<u32>,
    /// Engine settings overrides.
    #[serde(default)]
    pub settings: SettingsFile,
    /// The shopper's consent choices, recorded before anything else.
    pub consent: Option<ConsentFile>,
    /// When `run --sync URL` syncs (default: the end of the replay).
    pub sync_at: Option<String>,
    /// Syncs during the replay (`[[sync]]`), with whatever backend the
    /// run has (a private embedded one when it has none).
    #[serde(default)]
    pub sync: Vec<SyncFile>,
    /// Friends seeded through an embedded backend before the day.
    pub social: Option<SocialFile>,
    /// The catalog to load, if any.
    pub catalog: Option<CatalogFile>,
    /// Named points used by tracks, history and expectations.
    #[serde(default)]
    pub places: BTreeMap<String, LatLon>,
    /// The shopper's past, replayed before `start`.
    #[serde(default)]
    pub history: HistoryFile,
    /// Location tracks (files or inline segments).
    #[serde(default)]
    pub track: Vec<TrackFile>,
    /// Step samples (files or inline).
    #[serde(default)]
    pub steps: Vec<StepsFile>,
    /// What the app does, and when.
    #[serde(default)]
    pub action: Vec<ActionFile>,
    /// Lines that must appear.
    #[serde(default)]
    pub expect: Vec<ExpectFile>,
    /// Lines that must not appear.
    #[serde(default)]
    pub never: Vec<NeverFile>,
}

fn default_install_id() -> String {
    "kairos-sim".into()
}

/// A point in WGS84 degrees.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatLon {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// A place: a name from `[places]`, a catalog place id, or a point.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PlaceRef {
    /// A `[places]` name or a catalog place id.
    Named(String),
    /// A point.
    Point(LatLon),
}

/// `[settings]`: engine configuration overrides.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsFile {
    pub step_goal: Option<u32>,
    pub sedentary_minutes: Option<i64>,
    pub waking_hours: Option<[u32; 2]>,
    pub stay_radius_m: Option<f64>,
    pub min_dwell_minutes: Option<i64>,
    pub gap_minutes: Option<i64>,
    pub raw_fix_retention_days: Option<i64>,
    pub quiet_hours: Option<[u32; 2]>,
    pub offers_per_day: Option<u32>,
    pub offer_gap_minutes: Option<i64>,
    pub merchant_offers_per_day: Option<u32>,
    pub dismissal_cooldown_days: Option<i64>,
    pub notifications_per_day: Option<u32>,
    pub notification_gap_minutes: Option<i64>,
}

/// `[consent]`: the shopper's choice per purpose.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentFile {
    /// The privacy policy version the shopper saw.
    pub policy_version: String,
    /// When the choices were made (default: before the first input).
    pub at: Option<String>,
    /// Daily steps.
    pub activity: Option<bool>,
    /// Visits per catalog merchant.
    pub visits: Option<bool>,
    /// Offer outcomes.
    pub offers: Option<bool>,
    /// Social proof (friends linked by invitation).
    pub social: Option<bool>,
}

/// `[social]`: friends of the shopper, seeded through an embedded backend
/// before the day, and the shopper's sync that fetches their counts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialFile {
    /// When the shopper accepts the friends' invites and syncs (before `start`).
    pub sync_at: String,
    /// The friends, each an install holding `visits` and `social`.
    #[serde(default)]
    pub friend: Vec<FriendFile>,
}

/// `[[social.friend]]`: one friend install and the catalog merchants it
/// visited (each `{merchant, day}`, uploaded as its `visits` summaries).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FriendFile {
    /// The friend's visits.
    #[serde(default)]
    pub visits: Vec<FriendVisitFile>,
}

/// One day's visit of a friend to a catalog merchant.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FriendVisitFile {
    /// The catalog merchant id.
    pub merchant: String,
    /// The friend's local day, `YYYY-MM-DD`.
    pub day: String,
}

/// `[catalog]`: a document signed at run time, or a signed envelope.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    /// A catalog document (JSON), signed at run time with `signing_key`.
    pub document: Option<String>,
    /// An already signed envelope (JSON), verified with `public_key`.
    pub envelope: Option<String>,
    /// PKCS#8 Ed25519 key for `document` (default: the test key).
    pub signing_key: Option<String>,
    /// Base64 public key for `envelope` (default: the test key's).
    pub public_key: Option<String>,
    /// Key id (default `test-key`).
    pub key_id: Option<String>,
    /// When the app loads it (default: the first input, history included).
    pub load_at: Option<String>,
    /// Serve it as tiles (ADR 0012) through the embedded backend instead
    /// of loading it whole: the phone gets the tiles of its region at each
    /// `[[sync]]`.
    #[serde(default)]
    pub tiles: bool,
}

/// `[[sync]]`: one sync during the replay.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncFile {
    /// When the app syncs.
    pub at: String,
}

/// `[history]`: what happened before the replay.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryFile {
    /// Prior visits.
    #[serde(default)]
    pub visit: Vec<HistoryVisitFile>,
}

/// `[[history.visit]]`: one prior stay.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryVisitFile {
    /// Where.
    pub place: PlaceRef,
    /// Arrival time.
    pub at: String,
    /// Length of the stay in minutes.
    pub minutes: f64,
}

/// `[[track]]`: a track file, or inline segments generated with the
/// synthetic track builder.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackFile {
    /// A `.gpx`, `.geojson`/`.json` or `.csv` file.
    pub file: Option<String>,
    /// With `file`: `"time_order"` (default; a track that goes back in
    /// time is invalid input) or `"as_recorded"` (fixes delivered in the
    /// file's order, late ones late).
    pub delivery: Option<String>,
    /// Inline: where the phone starts.
    pub from: Option<PlaceRef>,
    /// Inline: when it starts.
    pub at: Option<String>,
    /// Inline: random seed (default 1).
    pub seed: Option<u64>,
    /// Inline: `"none"` (default), `"city"`, or a table.
    pub noise: Option<NoiseFile>,
    /// Inline: seconds between fixes (default 10).
    pub interval_seconds: Option<f64>,
    /// Inline: also replay the generated pedometer steps (default true).
    pub steps: Option<bool>,
    /// Inline: the segments, in order.
    #[serde(default)]
    pub segments: Vec<SegmentFile>,
}

/// Noise of an inline track.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum NoiseFile {
    /// `"none"` or `"city"`.
    Named(String),
    /// Explicit figures.
    Custom(NoiseTable),
}

/// Explicit noise figures.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseTable {
    pub jitter_m: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub poor_fraction: Option<f64>,
    pub poor_accuracy_m: Option<f64>,
}

/// One inline segment: exactly one of the movement keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentFile {
    /// Stay still this many minutes.
    pub stay: Option<f64>,
    /// Stay still until this time.
    pub stay_until: Option<String>,
    /// Walk to a place.
    pub walk_to: Option<PlaceRef>,
    /// Drive to a place.
    pub drive_to: Option<PlaceRef>,
    /// Move to a place with no fix at all (GPS silence) for `minutes`.
    pub silent_to: Option<PlaceRef>,
    /// With `silent_to`: how long the silence lasts.
    pub minutes: Option<f64>,
    /// With `walk_to`/`drive_to`: arrive at this time (sets the speed).
    pub arrive: Option<String>,
    /// With `walk_to`/`drive_to`: speed in m/s.
    pub speed_mps: Option<f64>,
}

/// `[[steps]]`: a steps file, an interval, or a counter reading.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepsFile {
    /// CSV `start,end,steps`.
    pub file: Option<String>,
    /// Interval start.
    pub from: Option<String>,
    /// Interval end.
    pub to: Option<String>,
    /// Steps in the interval.
    pub steps: Option<u64>,
    /// Counter reading time.
    pub at: Option<String>,
    /// Counter value (steps since boot).
    pub counter: Option<u64>,
}

/// `[[action]]`: the app acts on the offer triggered for an offer id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionFile {
    /// When.
    pub at: String,
    /// `present`, `redeem` or `dismiss`.
    #[serde(rename = "do")]
    pub act: String,
    /// The catalog offer id; the latest instance triggered for it is used.
    pub offer: String,
    /// The engine must refuse the action with this code (`store_closed`,
    /// `invalid_offer_transition`, `unknown_offer`).
    pub refused: Option<String>,
}

/// `[[expect]]`: a line that must appear.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectFile {
    /// The line's kind (`offer_triggered`, `today`, `place`...).
    pub kind: String,
    /// When, give or take `within_minutes`.
    pub at: Option<String>,
    /// Tolerance around `at`, minutes (default 1).
    pub within_minutes: Option<f64>,
    /// Or a range: from...
    pub from: Option<String>,
    /// ...to (inclusive).
    pub to: Option<String>,
    /// Field matchers.
    #[serde(default)]
    pub fields: toml::Table,
    /// Exactly this many matching lines (default: at least one).
    pub count: Option<u32>,
    /// For `kind = "place"`: which place.
    pub place: Option<PlaceRef>,
    /// Shown with the verdict.
    pub note: Option<String>,
}

/// `[[never]]`: a line that must not appear.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeverFile {
    /// The line's kind.
    pub kind: String,
    /// Range start (default: `start`).
    pub from: Option<String>,
    /// Range end (default: the end of the replay).
    pub to: Option<String>,
    /// Field matchers.
    #[serde(default)]
    pub fields: toml::Table,
    /// Shown with the verdict.
    pub note: Option<String>,
}
