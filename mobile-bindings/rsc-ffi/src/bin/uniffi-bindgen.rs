//! The uniffi binding generator, built against the exact uniffi this crate links, so the
//! generated Kotlin and Swift always match the library.

fn main() {
    uniffi::uniffi_bindgen_main()
}
