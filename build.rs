//! Build script: napi-rs's linker setup for the addon.
fn main() {
    napi_build::setup();
}
