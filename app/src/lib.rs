//! `drover`, the desktop app: start a render farm on this computer (the server crate embedded,
//! plus a worker) or connect to one, watch jobs, tasks, workers and previews live, submit
//! renders. See ARCHITECTURE.md for how the pieces fit.

pub mod app;
pub mod backend;
pub mod command;
pub mod local;
pub mod model;
pub mod msg;
pub mod places;
pub mod production;
pub mod screen;
pub mod session;
pub mod theme;
pub mod toasts;
pub mod views;

pub use app::{DroverApp, Options};

/// Opens the window and runs until it closes.
pub fn run(options: Options) -> eframe::Result {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Drover")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([900.0, 560.0]),
        renderer: eframe::Renderer::Glow,
        persistence_path: places::settings_file(),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "Drover",
        native,
        Box::new(|cc| Ok(Box::new(DroverApp::from_creation(cc, options)?))),
    )
}
