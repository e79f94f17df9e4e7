//! The explanation card under a failed response: where the request was stopped (who you are →
//! what you may do → allowed), the most likely cause in plain words, the other causes, the
//! evidence on demand, and buttons that do the fix.

use crate::core::diagnose::{Action, Cause, Diagnosis, Explained, Finding, Stage};
use crate::core::profile::AuthKind;
use crate::core::request::RequestDraft;
use crate::ui::command::{Command, TabId, TokenCommand};
use crate::ui::panels::request_tab::{Answer, TabNote};
use crate::ui::theme::Palette;
use crate::ui::view::ViewCx;

/// What the card is drawn for: the tab, its answer (with the profile that made it) and the draft now.
pub struct CardFor<'a> {
    pub tab: TabId,
    pub answer: &'a Answer,
    pub draft: &'a RequestDraft,
    /// The draft has a typed credential slip that "Fix and send again" can fix.
    pub can_fix: bool,
}

#[allow(clippy::needless_pass_by_value, reason = "a bundle of borrows, made for this call")]
/// The card. `open` folds it to its headline; each answer gets a fresh scroll position.
pub fn explain_card_ui(
    ui: &mut egui::Ui,
    cx: &ViewCx<'_>,
    card: CardFor<'_>,
    open: &mut bool,
    max_height: f32,
    commands: &mut Vec<Command>,
    note: &mut Option<TabNote>,
) {
    let explained = &card.answer.explained;
    let diagnosis = &explained.diagnosis;
    let Some(top) = diagnosis.top() else { return };
    let palette = cx.theme.palette;
    let frame = egui::Frame::new()
        .fill(palette.raised)
        .stroke(egui::Stroke::new(1.0, palette.border))
        .corner_radius(cx.theme.spacing.corner_radius)
        .inner_margin(egui::Margin::same(12));
    frame.show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new(&top.title).heading().strong().color(palette.text));
            likelihood_chip(ui, &palette, top);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let (label, hover) = if *open {
                    ("Hide details", "Fold the card to its headline, to give the answer more room")
                } else {
                    ("Show details", "Show why, what to do and the evidence")
                };
                if ui.small_button(label).on_hover_text(hover).clicked() {
                    *open = !*open;
                }
            });
        });
        if !*open {
            return;
        }
        egui::ScrollArea::vertical()
            // A new answer starts its card at the top.
            .id_salt(("explain_card", card.tab.0, card.answer.exchange.id.0))
            .auto_shrink([false, true])
            .max_height(max_height)
            .show(ui, |ui| {
                checkpoint_strip_ui(ui, &palette, diagnosis.stage);
                ui.label(&top.explanation);
                ui.add_space(4.0);
                actions_ui(ui, cx, &card, top, commands, note);
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

/// What a button on the card does now, in words that say so, computed from the profile that
/// made the answer and the state of the window now.
pub fn card_actions(cx: &ViewCx<'_>, card: &CardFor<'_>, top: &Finding) -> Vec<(String, Option<Command>)> {
    let origin = &card.answer.origin;
    let profile = cx.profile(&origin.profile);
    let auth = profile.map_or(origin.auth, |p| p.auth.kind());
    let name = profile.map_or(origin.profile_name.as_str(), |p| p.name.as_str());
    let editor = || Some(Command::OpenEditor(Some(origin.profile.clone())));
    let mut out: Vec<(String, Option<Command>)> = Vec::new();
    // "Send credential" was off: the plain fix is to turn it on.
    if !origin.draft.send_credential && top.cause == Cause::MissingCredential && auth != AuthKind::None {
        let words = match cx.active {
            Some(active) if active.id != origin.profile => format!("Turn it on and send again with {}", active.name),
            _ => "Turn it on and send again".to_owned(),
        };
        out.push((words, Some(Command::SendWithCredential(card.tab))));
    }
    for action in &top.actions {
        let item = match action {
            Action::GetNewToken => match auth {
                AuthKind::OAuthClientCredentials => Some((
                    "Get new token".to_owned(),
                    Some(Command::Token(TokenCommand::GetNewToken(origin.profile.clone()))),
                )),
                AuthKind::OAuthAuthorizationCode | AuthKind::OAuthDevice => Some((
                    "Sign in again…".to_owned(),
                    Some(Command::Token(TokenCommand::GetNewToken(origin.profile.clone()))),
                )),
                AuthKind::Bearer => Some(("Paste a new token…".to_owned(), editor())),
                AuthKind::ApiKey => Some(("Edit the key…".to_owned(), editor())),
                AuthKind::Basic | AuthKind::Digest => Some(("Edit the password…".to_owned(), editor())),
                AuthKind::AwsSigV4 => Some(("Edit the secret access key…".to_owned(), editor())),
                AuthKind::OAuth1 => Some(("Edit the consumer secret…".to_owned(), editor())),
                AuthKind::SignedJwt => Some(("Edit the signing key…".to_owned(), editor())),
                AuthKind::None => None,
            },
            Action::EditProfile => Some((format!("Edit {name}…"), editor())),
            Action::OpenTokenInspector => matches!(
                auth,
                AuthKind::Bearer
                    | AuthKind::OAuthClientCredentials
                    | AuthKind::OAuthAuthorizationCode
                    | AuthKind::OAuthDevice
                    | AuthKind::SignedJwt
            )
            .then(|| {
                (
                    "Open token inspector…".to_owned(),
                    Some(Command::Token(TokenCommand::OpenForProfile(origin.profile.clone()))),
                )
            }),
            Action::RetryFixed => {
                card.can_fix.then(|| ("Fix and send again".to_owned(), Some(Command::FixAndSend(card.tab))))
            }
            Action::SwitchEnvironment(env) => Some(match cx.profile_for_environment(*env, Some(&origin.profile)) {
                Some(p) if cx.active_id() == Some(&p.id) => {
                    (format!("Send again with {}", p.name), Some(Command::Send(card.tab)))
                }
                Some(p) => (format!("Switch to {}", p.name), Some(Command::SelectProfile(p.id.clone()))),
                None => (format!("No {} profile yet", env.words()), None),
            }),
        };
        if let Some(item) = item
            && !out.iter().any(|(words, _)| *words == item.0)
        {
            out.push(item);
        }
    }
    out
}

fn actions_ui(
    ui: &mut egui::Ui,
    cx: &ViewCx<'_>,
    card: &CardFor<'_>,
    top: &Finding,
    commands: &mut Vec<Command>,
    note: &mut Option<TabNote>,
) {
    let actions = card_actions(cx, card, top);
    let explained = &card.answer.explained;
    ui.horizontal_wrapped(|ui| {
        for (label, command) in actions {
            let enabled = command.is_some();
            if ui.add_enabled(enabled, egui::Button::new(label)).clicked()
                && let Some(command) = command
            {
                commands.push(command);
            }
        }
        if ui
            .button("Copy summary")
            .on_hover_text("Copies what was sent, what came back and the likely causes, with secrets masked, for a support ticket.")
            .clicked()
        {
            ui.ctx().copy_text(summary(&explained.diagnosis, explained, card.answer.exchange.status()));
            *note = Some(TabNote::SummaryCopied);
        }
    });
}

fn summary(diagnosis: &Diagnosis, explained: &Explained, status: Option<u16>) -> String {
    format!("Gatepass diagnosis\n{}", diagnosis.summary(&explained.sent, status))
}
