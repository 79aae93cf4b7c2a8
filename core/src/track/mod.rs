//! Tracks: synthetic ones with known ground truth, and recorded ones read
//! from files.

pub mod csv;
pub mod synth;
