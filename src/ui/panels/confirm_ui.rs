//! The question asked before a risky send: a Production write, or a credential to a foreign host.

use crate::core::request::Gate;
use crate::ui::command::{Command, TabId};
use crate::ui::view::ViewCx;
use crate::workspace::{ForeignHostChoice, SendRequest};

/// A send that waits for the user's yes: the tab it is for, the request, and why it waits.
pub struct ConfirmDialog {
    pub tab: TabId,
    pub request: SendRequest,
    pub gates: Vec<Gate>,
}

impl ConfirmDialog {
    pub fn show(&self, ctx: &egui::Context, cx: &ViewCx<'_>) -> Vec<Command> {
        let palette = cx.theme.palette;
        let production = self.gates.iter().any(|g| matches!(g, Gate::ProductionWrite { .. }));
        let foreign = self.gates.iter().any(|g| matches!(g, Gate::ForeignHost { .. }));
        let mut answer = None;
        let modal = egui::Modal::new(egui::Id::unique("confirm_send")).show(ctx, |ui| {
            ui.set_max_width(460.0);
            let title = if production { "Send to Production?" } else { "Send your credential to another host?" };
            let color = if production { palette.production } else { palette.warning };
            ui.label(egui::RichText::new(title).heading().color(color));
            ui.add_space(6.0);
            for gate in &self.gates {
                ui.label(gate.question());
            }
            ui.add_space(10.0);
            ui.horizontal(|ui| {
                if foreign {
                    if ui.button("Send without the credential").clicked() {
                        answer = Some((true, ForeignHostChoice::SendWithoutCredential));
                    }
                    if ui.button(egui::RichText::new("Send with the credential").color(palette.production)).clicked() {
                        answer = Some((true, ForeignHostChoice::SendWithCredential));
                    }
                } else if ui.button(egui::RichText::new("Send to Production").color(palette.production)).clicked() {
                    answer = Some((true, ForeignHostChoice::Ask));
                }
                if ui.button("Cancel").clicked() {
                    answer = Some((false, ForeignHostChoice::Ask));
                }
            });
        });
        if modal.should_close() && answer.is_none() {
            answer = Some((false, ForeignHostChoice::Ask));
        }
        answer.map(|(yes, foreign_host)| Command::AnswerGates { yes, foreign_host }).into_iter().collect()
    }
}
