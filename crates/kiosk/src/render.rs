//! Draws the kiosk screen without a display, with Slint's software
//! renderer, into an RGB image or a PNG file (`motesskylt render`, the
//! screenshots in `docs/`, the render tests).

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use slint::Rgb8Pixel;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, PlatformError};
use thiserror::Error;

use motesskylt_core::model::time::Lang;

use super::view::View;
use super::{adapters, select_language, ui};

/// Why a screen could not be drawn or saved.
#[derive(Debug, Error)]
pub enum RenderError {
    /// The size is not usable.
    #[error(
        "storleken {0}x{1} går inte att rita; ange t.ex. 800x480 (minst 320x320, högst 7680x4320)"
    )]
    Size(u32, u32),
    /// Slint could not set up the headless window.
    #[error("skärmen kunde inte ritas: {0}")]
    Platform(#[from] PlatformError),
    /// Another Slint platform (a window) already runs on this thread.
    #[error("skärmen kunde inte ritas: ett fönster är redan öppet i programmet")]
    PlatformTaken,
    /// The image could not be encoded.
    #[error("bilden kunde inte kodas som PNG: {0}")]
    Encode(#[from] png::EncodingError),
    /// The PNG could not be written.
    #[error("{path}: bilden kunde inte sparas ({source})")]
    Write {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// An image in 8-bit RGB, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height` pixels as R, G, B bytes.
    pub rgb: Vec<u8>,
}

impl Image {
    /// The colour at (x, y). Panics when (x, y) lies outside the image.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 3) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Encodes the image as PNG.
    pub fn to_png(&self) -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.rgb)?;
        writer.finish()?;
        Ok(out)
    }

    /// Writes the image as a PNG file, all at once (a temporary file is
    /// renamed into place, so a reader never sees half a picture).
    pub fn save_png(&self, path: &Path) -> Result<(), RenderError> {
        let write_error = |source| RenderError::Write {
            path: path.display().to_string(),
            source,
        };
        let tmp = path.with_extension("png.tmp");
        std::fs::write(&tmp, self.to_png()?).map_err(write_error)?;
        std::fs::rename(&tmp, path).map_err(write_error)
    }
}

struct Headless {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }
}

thread_local! {
    static WINDOW: RefCell<Option<Rc<MinimalSoftwareWindow>>> = const { RefCell::new(None) };
}

/// The headless window of this thread, set up on first use.
fn headless_window() -> Result<Rc<MinimalSoftwareWindow>, RenderError> {
    WINDOW.with(|cell| {
        if let Some(window) = cell.borrow().as_ref() {
            return Ok(window.clone());
        }
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(Headless {
            window: window.clone(),
        }))
        .map_err(|_| RenderError::PlatformTaken)?;
        *cell.borrow_mut() = Some(window.clone());
        Ok(window)
    })
}

/// What the screen shows besides the view: overlays the UI opens itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras {
    /// The demo's help.
    pub help: bool,
    /// The touch menu.
    pub menu: bool,
    /// The menu's "Tjänstgöring och jäv" (the view's `formal`).
    pub formal: bool,
}

/// Draws `view` in `lang` at `width`×`height` pixels.
pub fn render(
    view: &View,
    lang: Lang,
    width: u32,
    height: u32,
    extras: &Extras,
) -> Result<Image, RenderError> {
    if !(320..=7680).contains(&width) || !(320..=4320).contains(&height) {
        return Err(RenderError::Size(width, height));
    }
    let window = headless_window()?;
    window.set_size(PhysicalSize::new(width, height));
    let kiosk = ui::Kiosk::new()?;
    select_language(lang);
    adapters::set_size(&kiosk, width as f32, height as f32);
    adapters::show(&kiosk, view);
    adapters::show_help(&kiosk, extras.help);
    adapters::show_menu(&kiosk, extras.menu);
    adapters::show_formal(&kiosk, extras.formal);
    kiosk.show()?;
    slint::platform::update_timers_and_animations();
    window.request_redraw();
    let mut pixels = vec![Rgb8Pixel::default(); width as usize * height as usize];
    window.draw_if_needed(|renderer| {
        renderer.render(&mut pixels, width as usize);
    });
    kiosk.hide()?;
    Ok(Image {
        width,
        height,
        rgb: pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect(),
    })
}
