//! The window's panels. Each `*_ui` function draws one part and pushes commands; none does I/O.

pub mod banners_ui;
pub mod confirm_ui;
pub mod curl_ui;
pub mod explain_ui;
pub mod profile_bar_ui;
pub mod profiles_ui;
pub mod request_ui;
pub mod response_ui;
pub mod sidebar_ui;
pub mod token_ui;

use crate::ui::app::GatepassApp;

/// The whole window, top to bottom.
pub fn layout_ui(app: &mut GatepassApp, ui: &mut egui::Ui) {
    let margin = app.theme.spacing.panel_margin;
    let frame = egui::Frame::new()
        .fill(app.theme.palette.panel)
        .inner_margin(egui::Margin::symmetric(crate::ui::theme::px_i8(margin), 8));
    egui::Panel::top("profile_bar").frame(frame).show(ui, |ui| profile_bar_ui::profile_bar_ui(app, ui));
    banners_ui::banners_ui(app, ui);
    let side = egui::Frame::new()
        .fill(app.theme.palette.background)
        .inner_margin(egui::Margin::same(crate::ui::theme::px_i8(margin)));
    egui::Panel::left("sidebar")
        .frame(side)
        .resizable(true)
        .default_size(280.0)
        .min_size(200.0)
        .show(ui, |ui| sidebar_ui::sidebar_ui(app, ui));
    let central = egui::Frame::new()
        .fill(app.theme.palette.panel)
        .inner_margin(egui::Margin::same(crate::ui::theme::px_i8(margin)));
    egui::CentralPanel::default().frame(central).show(ui, |ui| {
        request_ui::request_ui(app, ui);
        ui.add_space(8.0);
        ui.separator();
        response_ui::response_ui(app, ui);
    });
    profiles_ui::editor_window_ui(app, ui.ctx());
    token_ui::inspector_window_ui(app, ui.ctx());
    crate::ui::check_ui::check_window_ui(app, ui.ctx());
    token_ui::sign_in_window_ui(app, ui.ctx());
    curl_ui::import_window_ui(app, ui.ctx());
    confirm_ui::confirm_ui(app, ui.ctx());
}
