//! One open request: the editor and its answer, as one view that owns everything about them —
//! the draft, the pending send, the answer shown with where it came from, how the body is
//! formatted, the search in it, and the explanation card's state.
//!
//! The app holds a list of these with one active (tabs), routes each task reply to the tab that
//! asked by [`TabId`] and request id, and drops replies for an older request.

use crate::core::body::{FormattedBody, ViewMode};
use crate::core::diagnose::Explained;
use crate::core::exchange::{Exchange, RequestId};
use crate::core::profile::{AuthKind, Environment, Profile, ProfileId};
use crate::core::request::RequestDraft;
use crate::ui::command::{CollectionCommand, Command, CopyChoice, TabId};
use crate::ui::tasks::BodyMatch;
use crate::ui::view::ViewCx;
use std::sync::Arc;
use std::time::Instant;

/// The request editor's sub-tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestPane {
    Query,
    Headers,
    Body,
    Auth,
    Preview,
}

/// The answer's sub-tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponsePane {
    Body,
    Headers,
    Sent,
}

/// Where this tab's send stands.
pub enum SendState {
    Idle,
    InFlight {
        id: RequestId,
        cancel: tokio::task::AbortHandle,
        started: Instant,
    },
    /// The last send ended with the answer shown.
    Done,
    /// The last send could not happen; why, in plain words (bad URL, keychain...).
    Failed(String),
    /// The user stopped the last send.
    Cancelled,
}

/// A note about the tab that is not a problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TabNote {
    SummaryCopied,
    /// The body was written to this file.
    BodySaved(String),
    BodyNotSaved(String),
}

/// Where an answer came from: the profile, its environment and sign-in, when, and the request.
#[derive(Debug, Clone)]
pub struct Origin {
    pub profile: ProfileId,
    pub profile_name: String,
    pub environment: Environment,
    pub auth: AuthKind,
    pub sent_at: time::OffsetDateTime,
    /// The draft as it was sent (redacted values only; never the profile's secret).
    pub draft: RequestDraft,
}

impl Origin {
    pub fn new(profile: &Profile, draft: &RequestDraft, sent_at: time::OffsetDateTime) -> Self {
        Self {
            profile: profile.id.clone(),
            profile_name: profile.name.clone(),
            environment: profile.environment.clone(),
            auth: profile.auth.kind(),
            sent_at,
            draft: draft.clone(),
        }
    }
}

/// Why the answer shown is no longer the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// Another profile is active now.
    SwitchedProfile { now: String },
    /// The method or the address changed since it was sent.
    RequestChanged,
    /// A request from history (or a sample) was put in the editor.
    Restored,
    /// The send after it was cancelled.
    Cancelled,
}

/// Marks set on an answer by what happened after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Superseded {
    Restored,
    Cancelled,
}

pub enum BodyState {
    /// Being formatted on a worker; the body shown until then, if any.
    Formatting {
        shown: Option<Arc<FormattedBody>>,
    },
    Ready(Arc<FormattedBody>),
}

impl BodyState {
    pub fn shown(&self) -> Option<&Arc<FormattedBody>> {
        match self {
            BodyState::Formatting { shown } => shown.as_ref(),
            BodyState::Ready(body) => Some(body),
        }
    }
}

/// An answer on screen, with its origin.
pub struct Answer {
    pub exchange: Arc<Exchange>,
    /// Why it failed; no findings when it did not.
    pub explained: Arc<Explained>,
    pub origin: Origin,
    pub mode: ViewMode,
    /// Long lines wrapped at this many columns; `None` scrolls sideways instead.
    pub wrap_columns: Option<usize>,
    pub body: BodyState,
    pub superseded: Option<Superseded>,
}

impl Answer {
    /// Why this answer is not the current request's, if it is not.
    pub fn staleness(&self, cx: &ViewCx<'_>, draft: &RequestDraft) -> Option<Staleness> {
        match self.superseded {
            Some(Superseded::Restored) => return Some(Staleness::Restored),
            Some(Superseded::Cancelled) => return Some(Staleness::Cancelled),
            None => {}
        }
        if cx.active_id() != Some(&self.origin.profile) {
            return Some(Staleness::SwitchedProfile { now: cx.active.map(|p| p.name.clone()).unwrap_or_default() });
        }
        if draft.method != self.origin.draft.method || draft.url.trim() != self.origin.draft.url.trim() {
            return Some(Staleness::RequestChanged);
        }
        None
    }
}

/// Search in the answer's body (Ctrl+F): the query, where it was found, the match in view.
#[derive(Default)]
#[allow(clippy::struct_excessive_bools, reason = "independent flags of one search box")]
pub struct BodySearch {
    pub open: bool,
    pub query: String,
    /// The query the matches are for, and the answer they were found in.
    pub searched: Option<(String, RequestId)>,
    pub matches: Vec<BodyMatch>,
    pub capped: bool,
    pub current: usize,
    pub pending: bool,
    /// Put the cursor in the search box on the next frame.
    pub focus: bool,
    /// Bring this display line into view on the next frame.
    pub scroll_to: Option<usize>,
}

/// "Copy as cURL" in the Preview: the choice and what the last copy did.
#[derive(Default)]
pub struct CopyState {
    pub choice: CopyChoice,
    /// What the last copy did, in words, and the command when it holds no secret.
    pub status: Option<(String, Option<String>)>,
    /// The request and profile the last copy was made from; the status hides once they change.
    pub copied_from: Option<(RequestDraft, Option<ProfileId>)>,
    pub copying: bool,
}

/// One open request and its answer.
pub struct RequestTab {
    pub id: TabId,
    pub draft: RequestDraft,
    pub pane: RequestPane,
    pub response_pane: ResponsePane,
    pub send: SendState,
    pub answer: Option<Answer>,
    pub note: Option<TabNote>,
    /// The explanation card shows everything (true) or only its headline.
    pub card_open: bool,
    pub wrap: bool,
    pub search: BodySearch,
    /// "Save body…": the path being typed, while the box is open.
    pub save_path: Option<String>,
    pub copy: CopyState,
    /// Credentials typed or pasted into the request itself.
    pub pasted: crate::ui::panels::curl_ui::PastedCheck,
    /// Where the request is saved, when it is.
    pub saved: Option<SavedAt>,
    /// The draft as last saved or opened: the tab shows a dot when it differs.
    pub baseline: RequestDraft,
}

/// Where a tab's request lives in a collection, and what the file holds besides the draft.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedAt {
    pub collection: std::path::PathBuf,
    pub collection_name: String,
    pub path: crate::core::collection::RequestPath,
    /// The request as saved: its name, scopes, expected status and notes are kept on the next save.
    pub request: crate::core::collection::SavedRequest,
    /// The collection's `{{variables}}`, filled in when the tab sends (a profile's own win).
    pub variables: std::collections::BTreeMap<String, String>,
    /// The request as its file holds it now, when git or an editor changed the file while this
    /// tab had changes of its own: the person chooses which to keep.
    pub changed_on_disk: Option<Box<crate::core::collection::SavedRequest>>,
}

impl RequestTab {
    pub fn new(id: TabId, draft: RequestDraft) -> Self {
        let baseline = draft.clone();
        Self {
            id,
            draft,
            pane: RequestPane::Query,
            response_pane: ResponsePane::Body,
            send: SendState::Idle,
            answer: None,
            note: None,
            card_open: true,
            wrap: false,
            search: BodySearch::default(),
            save_path: None,
            copy: CopyState::default(),
            pasted: crate::ui::panels::curl_ui::PastedCheck::default(),
            saved: None,
            baseline,
        }
    }

    /// A tab on a saved request.
    pub fn on_saved(id: TabId, saved: SavedAt) -> Self {
        let mut tab = Self::new(id, saved.request.draft.clone());
        tab.saved = Some(saved);
        tab
    }

    /// The tab's title: the saved request's name, or the method and address.
    pub fn title(&self) -> String {
        if let Some(saved) = &self.saved {
            return saved.request.name.clone();
        }
        let url = self.draft.url.trim();
        if url.is_empty() {
            "New request".to_owned()
        } else {
            format!("{} {}", self.draft.method.as_str(), crate::ui::panels::sidebar_ui::path_of(url))
        }
    }

    /// The draft differs from what was saved (or opened): closing would lose it.
    pub fn is_modified(&self) -> bool {
        self.draft != self.baseline
    }

    /// The request's file was read again and says `now`. A tab without changes of its own shows
    /// the file's version; one with changes keeps them and notes the file's version, so nothing
    /// typed is lost. A tab whose changes are what the file now says (saved from here, or the same
    /// edit made elsewhere) is simply clean.
    pub fn file_read_again(&mut self, now: &crate::core::collection::SavedRequest) {
        let Some(saved) = self.saved.as_mut() else { return };
        if &saved.request == now {
            saved.changed_on_disk = None;
        } else if self.draft == self.baseline || self.draft == now.draft {
            self.draft = now.draft.clone();
            self.settle(now.clone());
        } else {
            saved.changed_on_disk = Some(Box::new(now.clone()));
        }
    }

    /// Drop this tab's changes for the version the file holds now.
    pub fn take_file_version(&mut self) {
        let Some(now) = self.saved.as_mut().and_then(|s| s.changed_on_disk.take()) else { return };
        self.draft = now.draft.clone();
        self.settle(*now);
    }

    /// The request was saved here: the dot goes, and the tab names it.
    pub fn saved_as(&mut self, saved: SavedAt) {
        let request = saved.request.clone();
        self.saved = Some(saved);
        self.settle(request);
    }

    /// The file holds `request`: what the tab compares its draft with, and keeps on the next save.
    fn settle(&mut self, request: crate::core::collection::SavedRequest) {
        self.baseline = request.draft.clone();
        if let Some(saved) = self.saved.as_mut() {
            saved.request = request;
            saved.changed_on_disk = None;
        }
    }

    pub fn is_sending(&self) -> bool {
        matches!(self.send, SendState::InFlight { .. })
    }

    /// The id of the send in flight, if any.
    pub fn in_flight(&self) -> Option<RequestId> {
        match &self.send {
            SendState::InFlight { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// A send started for this tab.
    pub fn started(&mut self, id: RequestId, cancel: tokio::task::AbortHandle) {
        self.send = SendState::InFlight { id, cancel, started: Instant::now() };
        self.note = None;
    }

    /// Stop the send in flight; the answer on screen is marked as the previous one.
    pub fn cancel(&mut self) {
        if let SendState::InFlight { cancel, .. } = &self.send {
            cancel.abort();
            self.send = SendState::Cancelled;
            if let Some(answer) = &mut self.answer {
                answer.superseded = Some(Superseded::Cancelled);
            }
        }
    }

    /// The send could not happen (or needs a yes first): back to idle with why, when there is a why.
    pub fn send_ended(&mut self, id: RequestId, problem: Option<String>) {
        if self.in_flight() == Some(id) {
            self.send = problem.map_or(SendState::Idle, SendState::Failed);
        }
    }

    /// A send's answer arrived; `None` when it is for an older send (dropped).
    pub fn answered(&mut self, id: RequestId, answer: Answer) -> bool {
        if self.in_flight() != Some(id) {
            return false;
        }
        self.send = SendState::Done;
        self.card_open = true;
        self.search.searched = None;
        self.search.matches.clear();
        self.search.scroll_to = None;
        self.save_path = None;
        self.answer = Some(answer);
        true
    }

    /// A request from elsewhere (history, a sample) replaces the draft; the answer becomes the
    /// previous one.
    pub fn restore(&mut self, draft: RequestDraft) {
        self.draft = draft;
        self.pane = RequestPane::Query;
        if let Some(answer) = &mut self.answer {
            answer.superseded = Some(Superseded::Restored);
        }
    }

    /// The body arrived from the worker, for this answer and these settings.
    pub fn body_formatted(
        &mut self,
        id: RequestId,
        mode: ViewMode,
        wrap_columns: Option<usize>,
        body: Arc<FormattedBody>,
    ) {
        if let Some(answer) = &mut self.answer
            && answer.exchange.id == id
            && answer.mode == mode
            && answer.wrap_columns == wrap_columns
        {
            answer.body = BodyState::Ready(body);
            // Lines moved: search again in the new text.
            self.search.searched = None;
        }
    }

    /// Search results arrived.
    pub fn searched(&mut self, id: RequestId, query: String, matches: Vec<BodyMatch>, capped: bool) {
        if self.answer.as_ref().is_none_or(|a| a.exchange.id != id) || query != self.search.query {
            return;
        }
        self.search.pending = false;
        self.search.current = 0;
        self.search.scroll_to = matches.first().map(|m| m.line);
        self.search.matches = matches;
        self.search.capped = capped;
        self.search.searched = Some((query, id));
    }

    /// Whether a header the user typed carries a credential with a slip that can be fixed.
    pub fn can_fix_draft(&self) -> bool {
        self.draft.headers.iter().any(|h| h.enabled && fixed_credential(&h.name, &h.value).is_some())
    }

    /// Fix the slips in typed credential headers (trimmed, unquoted, one scheme word).
    pub fn fix_draft(&mut self) {
        for h in &mut self.draft.headers {
            if h.enabled
                && let Some(fixed) = fixed_credential(&h.name, &h.value)
            {
                h.value = fixed;
            }
        }
    }

    /// Draw the request editor above a resizable split and the answer below it.
    pub fn show(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>) -> Vec<Command> {
        let mut commands = Vec::new();
        if cx.keyboard {
            self.shortcuts(ui, &mut commands);
        }
        let total = ui.available_height();
        // The answer keeps at least a third of the height, whatever the split says.
        let max_request = (total * 2.0 / 3.0).max(140.0);
        egui::Panel::top(("request_pane", self.id.0))
            .resizable(true)
            .frame(egui::Frame::new().inner_margin(egui::Margin { bottom: 6, ..egui::Margin::ZERO }))
            .default_size((total * 0.4).clamp(140.0, max_request))
            .size_range(120.0..=max_request)
            .show(ui, |ui| crate::ui::panels::request_ui::request_ui(self, ui, cx, &mut commands));
        ui.add_space(4.0);
        crate::ui::panels::response_ui::response_ui(self, ui, cx, total / 3.0, &mut commands);
        commands
    }

    /// Ctrl+Enter sends, Escape cancels, Ctrl+F searches the body, Ctrl+S saves the request.
    fn shortcuts(&mut self, ui: &egui::Ui, commands: &mut Vec<Command>) {
        let (send, cancel, find, save) = ui.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter),
                i.key_pressed(egui::Key::Escape),
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::F),
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::S),
            )
        });
        if save {
            commands.push(Command::Collections(CollectionCommand::Save(self.id)));
        }
        if send {
            commands.push(Command::Send(self.id));
        }
        if cancel && self.is_sending() {
            commands.push(Command::Cancel(self.id));
        }
        if find && self.answer.as_ref().is_some_and(|a| a.exchange.response().is_some()) {
            self.response_pane = ResponsePane::Body;
            self.search.open = true;
            self.search.focus = true;
        }
    }
}

/// A typed credential header with its slip removed: trimmed, unquoted, one scheme word.
/// None when there is nothing to fix.
pub fn fixed_credential(name: &str, value: &str) -> Option<String> {
    if !crate::core::request::is_sensitive_header(name) || name.eq_ignore_ascii_case("cookie") {
        return None;
    }
    let words: Vec<&str> = value.split_whitespace().collect();
    let mut kept: Vec<&str> = Vec::new();
    for w in words {
        if kept.len() == 1 && kept[0].eq_ignore_ascii_case(w) {
            continue;
        }
        kept.push(w);
    }
    let fixed = match kept.as_slice() {
        [scheme, rest @ ..]
            if !rest.is_empty() && matches!(scheme.to_ascii_lowercase().as_str(), "bearer" | "basic" | "token") =>
        {
            format!("{scheme} {}", rest.concat().trim_matches(|c| c == '"' || c == '\''))
        }
        _ => kept.concat().trim_matches(|c| c == '"' || c == '\'').to_owned(),
    };
    (fixed != value && !fixed.is_empty()).then_some(fixed)
}

/// "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn ago_words(secs: i64) -> String {
    match secs {
        i64::MIN..=59 => "just now".to_owned(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::{ago_words, fixed_credential};

    #[test]
    fn slips_in_typed_credentials_are_fixed() {
        assert_eq!(fixed_credential("Authorization", "Bearer Bearer abc").as_deref(), Some("Bearer abc"));
        assert_eq!(fixed_credential("Authorization", "Bearer \"abc\"").as_deref(), Some("Bearer abc"));
        assert_eq!(fixed_credential("X-Api-Key", " key123\n").as_deref(), Some("key123"));
        assert_eq!(fixed_credential("Authorization", "Bearer abc"), None);
        assert_eq!(fixed_credential("Accept", " text/html "), None);
    }

    #[test]
    fn ago_words_round_down() {
        assert_eq!(ago_words(5), "just now");
        assert_eq!(ago_words(125), "2 min ago");
        assert_eq!(ago_words(7200), "2 h ago");
    }
}
