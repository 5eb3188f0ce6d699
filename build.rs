//! Compiles the Slint UI in `ui/` and bundles its translations.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("ui/translations")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None);
    if let Err(error) = slint_build::compile_with_config("ui/kiosk.slint", config) {
        eprintln!("ui/kiosk.slint: {error}");
        std::process::exit(1);
    }
}
