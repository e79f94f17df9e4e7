//! The app's side of "Check setup": running the checks (every profile at once, or one again) as
//! tasks and routing each profile's result to the window's view (`panels/check_ui.rs`).

use super::GatepassApp;
use crate::core::check::{Policy, ProfileCheck};
use crate::core::profile::ProfileId;
use crate::ui::command::{CheckCommand, Command};
use crate::ui::panels::check_ui::CheckState;
use crate::ui::tasks::Event;
use crate::ui::view::Notice;

impl GatepassApp {
    pub(super) fn apply_check_command(&mut self, command: CheckCommand, ctx: &egui::Context) {
        match command {
            // Opening shows the last results (time-stamped); the first time, it runs every check.
            CheckCommand::Open => {
                self.check.open = true;
                if self.check.results.is_empty() {
                    self.check_profiles(None);
                }
            }
            CheckCommand::All => {
                self.check.open = true;
                if self.check.running() == 0 {
                    self.check_profiles(None);
                }
            }
            CheckCommand::One(id) => self.check_profiles(Some(id)),
            CheckCommand::GetNewToken(id) => {
                // The card is checked again once the new token is in (see the token events).
                self.commands.push(Command::Token(crate::ui::command::TokenCommand::GetNewToken(id)));
            }
            CheckCommand::ShowWhy(id) => {
                let Some(path) = self.profiles.iter().find(|p| p.id == id).and_then(|p| p.check_path.clone()) else {
                    return;
                };
                self.check.open = false;
                self.commands.push(Command::SelectProfile(id));
                self.commands.push(Command::RestoreDraft(Box::new(crate::core::request::RequestDraft::get(path))));
                let tab = self.tabs[self.active_tab].id;
                self.commands.push(Command::Send(tab));
            }
            CheckCommand::CopyReport { html } => {
                let order: Vec<ProfileId> = self.profiles.iter().map(|p| p.id.clone()).collect();
                let report = self.check.report(&order);
                ctx.copy_text(if html { report.html() } else { report.markdown() });
                self.notices
                    .push(Notice::info("The report is on the clipboard. It holds no secrets, only fingerprints."));
            }
        }
    }

    /// Start checks: every profile, or one. Each reports on its own as it finishes.
    fn check_profiles(&mut self, only: Option<ProfileId>) {
        let Ok(ws) = self.workspace.clone() else { return };
        let view = &mut self.check;
        let ids: Vec<ProfileId> = if let Some(id) = only {
            vec![id]
        } else {
            view.results.clear();
            view.started_at = Some(time::OffsetDateTime::now_utc());
            self.profiles.iter().map(|p| p.id.clone()).collect()
        };
        for id in ids {
            if matches!(view.results.get(&id), Some(CheckState::Running)) {
                continue;
            }
            view.results.insert(id.clone(), CheckState::Running);
            let ws = ws.clone();
            self.tasks.spawn(async move {
                let policy = Policy::new(time::OffsetDateTime::now_utc());
                let result = ws.check_profile(&id, policy).await.map_err(|e| e.to_string());
                Event::Check(id, result)
            });
        }
    }

    pub(super) fn on_check_event(&mut self, id: ProfileId, result: Result<ProfileCheck, String>) {
        let view = &mut self.check;
        view.results.insert(
            id,
            match result {
                Ok(check) => CheckState::Done(Box::new(check)),
                Err(e) => CheckState::Failed(e),
            },
        );
        // A probe is a real request: it is in the history now.
        self.refresh_history();
    }
}
