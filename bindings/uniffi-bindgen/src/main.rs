//! `uniffi-bindgen` at exactly the UniFFI version the bindings are built
//! with (generator and scaffolding must match). Used by `make bindings`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
