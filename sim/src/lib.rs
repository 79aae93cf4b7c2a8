//! `kairos-sim` as a library: the scenario reader and the input files, for
//! the binary and for the fuzz targets (`fuzz/`). The commands live in the
//! binary (`src/main.rs`).

pub mod embedded_backend;
pub mod fix_source;
pub mod inputs;
pub mod profile_dir;
pub mod rejections;
pub mod scenario;
pub mod sensing;
pub mod timeline;
