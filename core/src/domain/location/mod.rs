//! The location pipeline: what a fix is, how it is validated, and the
//! stateful filter that orders, de-duplicates and sanity-checks fixes
//! before the rest of the engine sees them.

mod filter;
mod fix;
mod motion;

pub use filter::{FilterOutput, FixFilter};
pub use fix::{FixRejection, LocationFix};
pub use motion::{driving, estimate_speed, speed_at};
