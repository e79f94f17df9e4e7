//! Everything egui/eframe: the window, its panels and widgets.
//!
//! The UI thread never waits. Widgets draw and record what the user asked for; the app turns
//! that into tasks on the tokio runtime, and each task reports back through one channel and
//! asks for a repaint. See `app.rs` for the loop and `tasks.rs` for the plumbing.

pub mod app;
pub mod check_ui;
pub mod inspector;
pub mod panels;
pub mod tasks;
pub mod theme;
pub mod widgets;

use crate::infra::store::Paths;
use crate::workspace::Workspace;
use std::sync::Arc;

/// Open the window and run until it is closed.
pub fn run(
    config_dir: Option<&std::path::Path>,
    runtime: tokio::runtime::Handle,
    launched: std::time::Instant,
) -> anyhow::Result<()> {
    if std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
        && cfg!(target_os = "linux")
    {
        anyhow::bail!(
            "Gatepass cannot open its window because no display is available (neither DISPLAY nor WAYLAND_DISPLAY is set). \
             Run it from a desktop session, or use the command line: gatepass --help"
        );
    }
    let paths = Paths::resolve(config_dir)?;
    let workspace = Workspace::open(paths).map(Arc::new).map_err(|e| e.to_string());
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Gatepass")
            .with_app_id("gatepass")
            .with_inner_size([1240.0, 800.0])
            .with_min_inner_size([760.0, 480.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Gatepass",
        options,
        Box::new(move |cc| {
            let mut app = app::GatepassApp::new(&cc.egui_ctx, workspace, runtime, app::StartOptions::default());
            app.bench = app::BenchLog::from_env(launched);
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("The window could not be opened: {e}"))
}
