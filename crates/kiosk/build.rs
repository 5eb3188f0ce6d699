//! Compiles the Slint UI in `ui/` and bundles its translations.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("../../ui/translations")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        // Debug builds carry element info for the UI tests (i-slint-backend-testing
        // finds texts by their accessible labels); release builds stay lean.
        .with_debug_info(std::env::var("PROFILE").as_deref() == Ok("debug"));
    if let Err(error) = slint_build::compile_with_config("../../ui/kiosk.slint", config) {
        eprintln!("../../ui/kiosk.slint: {error}");
        std::process::exit(1);
    }
}
