//! TEMPORARY STUB (replaced by the bodyview branch).
use crate::core::body::FormattedBody;
pub struct BodyColors {
    pub key: egui::Color32,
    pub string: egui::Color32,
    pub number: egui::Color32,
    pub literal: egui::Color32,
    pub punctuation: egui::Color32,
    pub text: egui::Color32,
    pub muted: egui::Color32,
}
pub fn body_view_ui(ui: &mut egui::Ui, body: &FormattedBody, _colors: &BodyColors) {
    ui.label(&body.text);
}
pub fn body_summary(body: &FormattedBody) -> String {
    format!("{} bytes", body.text.len())
}
