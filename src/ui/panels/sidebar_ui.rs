//! The left side: the open collections, and the history of what was sent — each
//! row with its profile and environment, a search box, and Check setup's test requests kept
//! apart (hidden unless asked for).

use crate::core::history::{HistoryEntry, SendOrigin};
use crate::ui::command::Command;
use crate::ui::panels::request_tab::ago_words;
use crate::ui::view::ViewCx;
use crate::ui::widgets::status_chip;

/// Which list the sidebar shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Section {
    #[default]
    Collections,
    History,
}

/// The sidebar's state: the collections, the history it shows and how it is filtered.
#[derive(Default)]
pub struct Sidebar {
    pub section: Section,
    pub collections: crate::ui::panels::collections_ui::CollectionsView,
    pub history: Vec<HistoryEntry>,
    pub search: String,
    /// What the search found in all of history (the list above holds only the newest entries),
    /// for the text it was asked with.
    pub searched: Option<(String, Vec<HistoryEntry>)>,
    /// The search text last sent to the database, so each change asks once.
    asked: String,
    /// Show Check setup's test requests too.
    pub show_checks: bool,
    /// Show the requests collection runs sent too.
    pub show_runs: bool,
}

impl Sidebar {
    /// New entries were recorded: a search on screen asks all of history again.
    pub fn history_changed(&mut self) {
        self.asked.clear();
    }

    /// The history rows that pass the filter, newest first.
    pub fn visible(&self) -> Vec<&HistoryEntry> {
        let needle = self.search.trim().to_lowercase();
        // All of history's answer once it is in; until then, the newest entries at hand.
        let source = match &self.searched {
            Some((asked, found)) if !needle.is_empty() && *asked == needle => found,
            _ => &self.history,
        };
        source
            .iter()
            .filter(|e| match e.origin {
                SendOrigin::Manual => true,
                SendOrigin::Check => self.show_checks,
                SendOrigin::Run => self.show_runs,
            })
            .filter(|e| needle.is_empty() || e.matches(&needle))
            .collect()
    }

    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        open: Option<(&std::path::Path, &crate::core::collection::RequestPath)>,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let palette = cx.theme.palette;
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.section, Section::Collections, egui::RichText::new("Collections").strong());
            ui.selectable_value(&mut self.section, Section::History, egui::RichText::new("History").strong());
        });
        ui.separator();
        if self.section == Section::Collections {
            commands.extend(self.collections.show(ui, cx, open));
            return commands;
        }
        if self.history.is_empty() {
            ui.label(egui::RichText::new("Requests you send appear here.").small().color(palette.muted));
            return commands;
        }
        let label = ui.label(egui::RichText::new("Search history").small().color(palette.muted));
        ui.add(
            egui::TextEdit::singleline(&mut self.search)
                .hint_text("address, status or profile")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        let needle = self.search.trim().to_lowercase();
        if needle != self.asked {
            self.asked.clone_from(&needle);
            if needle.is_empty() {
                self.searched = None;
            } else {
                commands.push(Command::SearchHistory(needle));
            }
        }
        let checks = self.history.iter().filter(|e| e.origin == SendOrigin::Check).count();
        if checks > 0 {
            ui.checkbox(&mut self.show_checks, format!("Show Check setup's test requests ({checks})"));
        }
        let runs = self.history.iter().filter(|e| e.origin == SendOrigin::Run).count();
        if runs > 0 {
            ui.checkbox(&mut self.show_runs, format!("Show requests sent by collection runs ({runs})"));
        }
        let rows = self.visible();
        if rows.is_empty() {
            ui.label(egui::RichText::new("Nothing in the history matches.").small().color(palette.muted));
            return commands;
        }
        let now = cx.now.unix_timestamp();
        let row_height = 62.0;
        let mut restore = None;
        egui::ScrollArea::vertical().id_salt("history").auto_shrink([false, false]).show_rows(
            ui,
            row_height,
            rows.len(),
            |ui, range| {
                for entry in &rows[range] {
                    if history_row_ui(ui, cx, entry, now, row_height) {
                        restore = Some(entry.draft.clone());
                    }
                }
            },
        );
        if let Some(draft) = restore {
            commands.push(Command::RestoreDraft(Box::new(draft)));
        }
        commands
    }
}

fn history_row_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, entry: &HistoryEntry, now: i64, row_height: f32) -> bool {
    let palette = cx.theme.palette;
    ui.push_id(entry.id, |ui| {
        let frame = egui::Frame::new().inner_margin(egui::Margin::symmetric(4, 2));
        let inner = frame.show(ui, |ui| {
            ui.set_min_height(row_height - 8.0);
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                match entry.status {
                    Some(code) => {
                        status_chip(ui, cx.theme, code);
                    }
                    None => {
                        ui.label(egui::RichText::new("failed").color(palette.error).small());
                    }
                }
                ui.label(egui::RichText::new(&entry.method).monospace().strong());
                ui.label(egui::RichText::new(ago_words(now - entry.sent_at)).small().color(palette.muted));
                match entry.origin {
                    SendOrigin::Check => ui.label(egui::RichText::new("check").small().color(palette.muted)),
                    SendOrigin::Run => ui.label(egui::RichText::new("run").small().color(palette.muted)),
                    SendOrigin::Manual => ui.label(""),
                };
            });
            ui.add(egui::Label::new(egui::RichText::new(path_of(&entry.url)).small()).truncate())
                .on_hover_text(&entry.url);
            let environment = crate::core::profile::Environment::from_label(&entry.environment);
            let color = cx.theme.environment_color(&environment);
            ui.add(
                egui::Label::new(
                    egui::RichText::new(format!("{} · {}", entry.profile_name, environment.long_label()))
                        .small()
                        .color(color),
                )
                .truncate(),
            );
        });
        ui.interact(inner.response.rect, ui.scope_id().with("row"), egui::Sense::click())
    })
    .inner
    .on_hover_cursor(egui::CursorIcon::PointingHand)
    .clicked()
}

/// The path and query of a URL as text, without parsing it again: parsing would percent-encode
/// the `…` of a masked value (`api_key=%E2%80%A6VwXy`), and people read `…VwXy`.
pub fn path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    match after_scheme.find(['/', '?']) {
        Some(at) => after_scheme[at..].to_owned(),
        None => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn masked_values_stay_readable_in_the_path() {
        assert_eq!(path_of("http://127.0.0.1:7410/v1/me?api_key=…VwXy&page=2"), "/v1/me?api_key=…VwXy&page=2");
        assert_eq!(path_of("https://api.example.com"), "/");
        assert_eq!(path_of("/v1/orders?page=2"), "/v1/orders?page=2");
    }
}
