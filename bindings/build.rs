//! Link settings of the app library (`libkairos_ffi`).
//!
//! Its static data (mostly chrono-tz's tables of time-zone abbreviations)
//! holds tens of thousands of pointers, each a relative relocation in a
//! shared library: 24 bytes apiece in the classic format, about 1 MB in
//! all. Packed relocations shrink that to a few KB and make loading faster:
//! * Linux (glibc 2.36 or later, which the host tests use): `DT_RELR`;
//! * Android: Android's packed format, which every version since 6.0
//!   (API 23) loads.
//!
//! Android 15 and later may run on devices with 16 KB memory pages, and
//! Google Play requires native libraries whose `LOAD` segments are aligned
//! to 16 KB (a 4 KB-aligned library fails to load there): Android builds
//! link with `-z max-page-size=16384` (`cargo xtask package` checks the
//! alignment with `readelf -l` when it has an Android library to check).
//!
//! Apple platforms get a static library, linked into the app by Xcode:
//! nothing to do here.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    match (os.as_str(), env.as_str()) {
        ("linux", "gnu") => println!("cargo:rustc-cdylib-link-arg=-Wl,-z,pack-relative-relocs"),
        ("android", _) => {
            println!("cargo:rustc-cdylib-link-arg=-Wl,--pack-dyn-relocs=android");
            println!("cargo:rustc-cdylib-link-arg=-Wl,-z,max-page-size=16384");
        }
        _ => {}
    }
}
