//! Small reusable widgets.

pub mod body_view;
pub mod file_browser;

use crate::core::profile::Environment;
use crate::ui::theme::Theme;

/// Text cut in the middle to at most `max` characters, so both its start and its end stay (an
/// address, a profile's name ending in "— Production"); the full text belongs in a hover or a link.
pub fn cut_in_the_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_owned();
    }
    // The end gets the larger half: it is what tells similar names apart.
    let head: String = text.chars().take(max.saturating_sub(1) / 2).collect();
    let tail: String = text.chars().skip(count - max / 2).collect();
    format!("{}…{}", head.trim_end(), tail.trim_start())
}

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
