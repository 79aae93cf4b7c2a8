//! The workspace-local `uniffi-bindgen`, pinned to the same uniffi version
//! as the library, so generated bindings always match the scaffolding.
//! `cargo xtask bindings` runs it in library mode.

#![forbid(unsafe_code)]

fn main() {
    uniffi::uniffi_bindgen_main()
}
