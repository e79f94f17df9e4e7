//! Small reusable widgets.

pub mod body_view;

use crate::core::profile::Environment;
use crate::ui::theme::Theme;

/// A coloured chip naming an environment: the same look everywhere an environment is shown.
pub fn environment_chip(ui: &mut egui::Ui, theme: &Theme, environment: &Environment) -> egui::Response {
    environment_chip_sized(ui, theme, environment, false)
}

/// The chip with the label alone ("Production"), for a narrow bar; the full words on hover.
pub fn environment_chip_sized(
    ui: &mut egui::Ui,
    theme: &Theme,
    environment: &Environment,
    short: bool,
) -> egui::Response {
    let color = theme.environment_color(environment);
    let words = if short { environment.label().to_owned() } else { environment.long_label() };
    let text = egui::RichText::new(words).color(color).strong();
    egui::Frame::new()
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(egui::CornerRadius::same(10))
        .inner_margin(egui::Margin::symmetric(8, 2))
        .show(ui, |ui| ui.label(text))
        .response
        .on_hover_text(environment.long_label())
}

/// A status code in its colour, with its meaning.
pub fn status_chip(ui: &mut egui::Ui, theme: &Theme, status: u16) -> egui::Response {
    let color = theme.status_color(status);
    egui::Frame::new()
        .fill(color.gamma_multiply(0.18))
        .corner_radius(egui::CornerRadius::same(4))
        .inner_margin(egui::Margin::symmetric(6, 1))
        .show(ui, |ui| ui.label(egui::RichText::new(status.to_string()).color(color).strong().monospace()))
        .response
}
