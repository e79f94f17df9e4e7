//! The question asked before a risky send: a Production write, or a credential to a foreign host.

use crate::core::request::Gate;
use crate::ui::app::{Command, GatepassApp};
use crate::workspace::ForeignHostChoice;

pub fn confirm_ui(app: &mut GatepassApp, ctx: &egui::Context) {
    let Some(pending) = &app.confirmation else { return };
    let palette = app.theme.palette;
    let production = pending.gates.iter().any(|g| matches!(g, Gate::ProductionWrite { .. }));
    let foreign = pending.gates.iter().any(|g| matches!(g, Gate::ForeignHost { .. }));
    let questions: Vec<String> = pending.gates.iter().map(Gate::question).collect();
    let mut answer = None;
    let modal = egui::Modal::new(egui::Id::unique("confirm_send")).show(ctx, |ui| {
        ui.set_max_width(460.0);
        let title = if production { "Send to Production?" } else { "Send your credential to another host?" };
        let color = if production { palette.production } else { palette.warning };
        ui.label(egui::RichText::new(title).heading().color(color));
        ui.add_space(6.0);
        for q in &questions {
            ui.label(q);
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
    if let Some((yes, foreign_host)) = answer {
        app.commands.push(Command::AnswerGates { yes, foreign_host });
    }
}
