//! The explanation card under a failed response: where the request was stopped (who you are →
//! what you may do → allowed), the most likely cause in plain words, the other causes, the
//! evidence on demand, and buttons that do the fix.

use crate::core::diagnose::{Action, Diagnosis, Explained, Finding, Stage};
use crate::ui::app::{Command, GatepassApp};
use crate::ui::theme::Palette;

pub fn explain_card_ui(app: &mut GatepassApp, ui: &mut egui::Ui, explained: &Explained, status: Option<u16>) {
    let diagnosis = &explained.diagnosis;
    let Some(top) = diagnosis.top() else { return };
    let palette = app.theme.palette;
    let frame = egui::Frame::new()
        .fill(palette.raised)
        .stroke(egui::Stroke::new(1.0, palette.border))
        .corner_radius(app.theme.spacing.corner_radius)
        .inner_margin(egui::Margin::same(12));
    frame.show(ui, |ui| {
        ui.set_width(ui.available_width());
        egui::ScrollArea::vertical()
            .id_salt("explain_card")
            .auto_shrink([false, true])
            .max_height(ui.ctx().content_rect().height() * 0.42)
            .show(ui, |ui| {
                checkpoint_strip_ui(ui, &palette, diagnosis.stage);
                ui.add_space(6.0);
                ui.horizontal_wrapped(|ui| {
                    ui.label(egui::RichText::new(&top.title).heading().strong().color(palette.text));
                    likelihood_chip(ui, &palette, top);
                });
                ui.label(&top.explanation);
                ui.add_space(4.0);
                actions_ui(app, ui, explained, top, status);
                finding_details_ui(ui, &palette, top, "top");
                let others: Vec<&Finding> = diagnosis.findings.iter().skip(1).collect();
                if !others.is_empty() {
                    ui.add_space(4.0);
                    ui.label(egui::RichText::new("Other possible causes").strong().color(palette.muted));
                    for (i, f) in others.into_iter().enumerate() {
                        let header = format!("{} — {}", f.title, f.likelihood().words());
                        egui::CollapsingHeader::new(header).id_salt(("other_cause", i)).default_open(false).show(
                            ui,
                            |ui| {
                                ui.label(&f.explanation);
                                finding_details_ui(ui, &palette, f, &format!("other{i}"));
                            },
                        );
                    }
                }
            });
    });
}

fn likelihood_chip(ui: &mut egui::Ui, palette: &Palette, finding: &Finding) {
    let (text, color) = match finding.likelihood() {
        crate::core::diagnose::Likelihood::Likely => ("Likely", palette.error),
        crate::core::diagnose::Likelihood::Possible => ("Possible", palette.warning),
        crate::core::diagnose::Likelihood::Unlikely => ("Unlikely", palette.muted),
    };
    ui.label(egui::RichText::new(text).small().strong().color(color));
}

/// Three checkpoints, and where this request stopped: passed ones in green, the one that
/// stopped it filled in red, the ones never reached in grey.
fn checkpoint_strip_ui(ui: &mut egui::Ui, palette: &Palette, stage: Stage) {
    let order = |s: Stage| match s {
        Stage::Connection => 0,
        Stage::Identity => 1,
        Stage::Permission => 2,
        Stage::Allowed => 3,
    };
    let mut steps =
        vec![("Who you are", Stage::Identity), ("What you may do", Stage::Permission), ("Allowed", Stage::Allowed)];
    if stage == Stage::Connection {
        steps.insert(0, ("Connection", Stage::Connection));
    }
    ui.horizontal_wrapped(|ui| {
        for (i, (label, step)) in steps.iter().enumerate() {
            if i > 0 {
                ui.label(egui::RichText::new("-").color(palette.muted));
            }
            let (fill, text, word) = if *step == stage && stage != Stage::Allowed {
                (palette.error, palette.background, "stopped")
            } else if order(*step) < order(stage) || stage == Stage::Allowed {
                (egui::Color32::TRANSPARENT, palette.success, "passed")
            } else {
                (egui::Color32::TRANSPARENT, palette.muted, "not reached")
            };
            let stroke = if fill == egui::Color32::TRANSPARENT { text } else { fill };
            egui::Frame::new()
                .fill(fill)
                .stroke(egui::Stroke::new(1.0, stroke))
                .corner_radius(8.0)
                .inner_margin(egui::Margin::symmetric(8, 2))
                .show(ui, |ui| {
                    ui.label(egui::RichText::new(format!("{}. {label}", i + 1)).strong().color(text))
                        .on_hover_text(word);
                });
        }
    });
    let words = match stage {
        Stage::Connection => "The request did not reach the API's checks.",
        Stage::Identity => "Stopped at the first check: the API did not accept who you are.",
        Stage::Permission => "Stopped at the second check: the API knows who you are, but you may not do this.",
        Stage::Allowed => "The request passed both checks.",
    };
    ui.label(egui::RichText::new(words).small().color(palette.muted));
}

fn finding_details_ui(ui: &mut egui::Ui, palette: &Palette, finding: &Finding, salt: &str) {
    if !finding.next_steps.is_empty() {
        ui.label(egui::RichText::new("What to do").strong());
        for (i, step) in finding.next_steps.iter().enumerate() {
            ui.label(format!("{}. {step}", i + 1));
        }
    }
    egui::CollapsingHeader::new(format!("Evidence ({})", finding.evidence.len()))
        .id_salt(("evidence", salt))
        .default_open(false)
        .show(ui, |ui| {
            for e in &finding.evidence {
                ui.label(egui::RichText::new(e).monospace().small().color(palette.text));
            }
        });
}

fn actions_ui(app: &mut GatepassApp, ui: &mut egui::Ui, explained: &Explained, top: &Finding, status: Option<u16>) {
    ui.horizontal_wrapped(|ui| {
        for action in &top.actions {
            let label = match action {
                Action::GetNewToken => {
                    let oauth = app.active_profile().is_some_and(|p| {
                        p.auth.is_oauth()
                    });
                    if oauth { "Get new token".to_owned() } else { "Paste a new token…".to_owned() }
                }
                Action::EditProfile => "Edit profile…".to_owned(),
                Action::OpenTokenInspector => "Open token inspector…".to_owned(),
                Action::RetryFixed => {
                    if !app.can_fix_draft() {
                        continue;
                    }
                    "Fix and send again".to_owned()
                }
                Action::SwitchEnvironment(env) => match app.profile_for_environment(*env) {
                    Some(p) => format!("Switch to {}", p.name),
                    None => format!("No {} profile yet", env.words()),
                },
            };
            let enabled = !matches!(action, Action::SwitchEnvironment(env) if app.profile_for_environment(*env).is_none());
            if ui.add_enabled(enabled, egui::Button::new(label)).clicked() {
                app.commands.push(Command::Fix(action.clone()));
            }
        }
        if ui
            .button("Copy summary")
            .on_hover_text("Copies what was sent, what came back and the likely causes, with secrets masked, for a support ticket.")
            .clicked()
        {
            ui.ctx().copy_text(summary(&explained.diagnosis, explained, status));
            app.send_note = Some("The summary was copied. It holds no secrets.".to_owned());
        }
    });
}

fn summary(diagnosis: &Diagnosis, explained: &Explained, status: Option<u16>) -> String {
    format!("Gatepass diagnosis\n{}", diagnosis.summary(&explained.sent, status))
}
