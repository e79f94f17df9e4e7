//! Everything egui/eframe: the window, its panels and widgets.
//!
//! The UI thread never waits. Views (`panels/`) own their state, draw with a read-only
//! [`view::ViewCx`] and return [`command::Command`]s; the app (`app.rs`, a router) turns those
//! into tasks on the tokio runtime, and each task reports back through one channel, asks for a
//! repaint, and its reply is routed to the view that asked. The imports run one way:
//! app → views → widgets.

pub mod app;
pub mod command;
pub mod panels;
pub mod tasks;
pub mod theme;
pub mod view;
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
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Gatepass")
        .with_app_id("gatepass")
        .with_inner_size([1240.0, 800.0])
        .with_min_inner_size([760.0, 480.0]);
    // The same icon as the package's menu entry (assets/gatepass.svg, drawn at 256 px).
    match eframe::icon_data::from_png_bytes(include_bytes!("../../assets/gatepass-256.png")) {
        Ok(icon) => viewport = viewport.with_icon(Arc::new(icon)),
        Err(e) => tracing::warn!(%e, "the window icon could not be read"),
    }
    let options = eframe::NativeOptions { viewport, ..Default::default() };
    eframe::run_native(
        "Gatepass",
        options,
        Box::new(move |cc| Ok(app::window_app(&cc.egui_ctx, workspace, runtime, launched))),
    )
    .map_err(|e| anyhow::anyhow!("The window could not be opened: {e}"))
}
