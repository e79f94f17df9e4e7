//! The app's side of the run window: the run as a task on the runtime, its progress routed to
//! the window by run id, and a cell's answer opened in a tab with its explanation card.

use super::GatepassApp;
use crate::core::body::ViewMode;
use crate::core::collection::RequestPath;
use crate::core::profile::{Profile, ProfileId};
use crate::ui::panels::request_tab::{Answer, BodyState, Origin, SendState};
use crate::ui::panels::run_ui::{RunRow, RunState, RunView};
use crate::ui::tasks::{Event, RunEvent};
use crate::ui::view::Notice;
use crate::workspace::{RunOptions, RunOutcome, RunProgress};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Open the run window on a collection, or one folder of it, with the active profile and its
/// counterpart in the other environment ticked.
pub(super) fn open(app: &mut GatepassApp, dir: PathBuf, folder: Option<String>) {
    let Some(collection) = app.sidebar.collections.collection(&dir) else {
        app.notices.push(Notice::error("That collection cannot be read now: read it again from disk, then run it."));
        return;
    };
    let rows: Vec<RunRow> = collection
        .requests
        .iter()
        .filter(|e| folder.as_deref().is_none_or(|f| crate::core::collection::run::in_folder(e, f)))
        .map(|e| RunRow {
            path: e.path.clone(),
            label: if e.path.folder().is_empty() {
                e.request.name.clone()
            } else {
                format!("{} / {}", e.path.folder(), e.request.name)
            },
            method: e.request.draft.method.as_str().to_owned(),
        })
        .collect();
    let title = match &folder {
        Some(f) => format!("{} / {f}", collection.meta.name),
        None => collection.meta.name.clone(),
    };
    let mut chosen = BTreeSet::new();
    if let Some(active) = app.active_profile() {
        chosen.insert(active.id.clone());
        let other = match crate::core::diagnose::EnvKind::of(&active.environment) {
            Some(crate::core::diagnose::EnvKind::Production) => Some(crate::core::diagnose::EnvKind::Sandbox),
            Some(crate::core::diagnose::EnvKind::Sandbox) => Some(crate::core::diagnose::EnvKind::Production),
            _ => None,
        };
        let practice = active.practice.is_some();
        if let Some(env) = other
            && let Some(p) = app.profiles.iter().find(|p| {
                p.id != active.id
                    && crate::core::diagnose::EnvKind::of(&p.environment) == Some(env)
                    && p.practice.is_some() == practice
            })
        {
            chosen.insert(p.id.clone());
        }
    }
    app.run = Some(RunView::new(dir, folder, title, rows, chosen));
}

pub(super) fn start(app: &mut GatepassApp) {
    launch(app, None);
}

/// Send one cell again: that request with that profile; the other cells keep their answers.
pub(super) fn rerun_cell(app: &mut GatepassApp, request: &RequestPath, profile: &ProfileId) {
    launch(app, Some(&(request.clone(), profile.clone())));
}

fn launch(app: &mut GatepassApp, only: Option<&(RequestPath, ProfileId)>) {
    let Ok(ws) = app.workspace.clone() else { return };
    let Some(view) = app.run.as_mut() else { return };
    if view.is_running() {
        return;
    }
    let Some(collection) = app.sidebar.collections.collection(&view.dir).cloned() else {
        view.state =
            RunState::Failed("The collection cannot be read now. Read it again from disk and try again.".to_owned());
        return;
    };
    let planned = if let Some((request, profile)) = only {
        let profiles: Vec<Profile> = app.profiles.iter().filter(|p| &p.id == profile).cloned().collect();
        let mut planned = crate::core::collection::run::plan(&collection, view.folder.as_deref(), &profiles);
        planned.retain(|p| &p.request == request);
        view.cells.remove(&(request.clone(), profile.clone()));
        planned
    } else {
        let profiles: Vec<Profile> = app.profiles.iter().filter(|p| view.chosen.contains(&p.id)).cloned().collect();
        view.columns = profiles.iter().map(|p| p.id.clone()).collect();
        view.cells.clear();
        crate::core::collection::run::plan(&collection, view.folder.as_deref(), &profiles)
    };
    app.next_run += 1;
    let run = app.next_run;
    let stop = Arc::new(AtomicBool::new(false));
    view.done = 0;
    view.total = planned.len();
    view.state = RunState::Running { run, stop: Arc::clone(&stop) };
    let options = RunOptions {
        confirm_production: view.confirm_production,
        concurrency: view.concurrency.max(1),
        ..RunOptions::default()
    };
    let progress_report = app.tasks.reporter();
    let progress: Arc<dyn Fn(RunProgress) + Send + Sync> =
        Arc::new(move |progress| progress_report(Event::Run(RunEvent::Progress { run, progress: Box::new(progress) })));
    app.tasks.spawn(async move {
        let result = ws.run_collection(&collection, planned, options, progress, stop).await.map_err(|e| e.to_string());
        Event::Run(RunEvent::Done { run, result })
    });
}

pub(super) fn stop(app: &GatepassApp) {
    if let Some(view) = &app.run
        && let RunState::Running { stop, .. } = &view.state
    {
        stop.store(true, Ordering::SeqCst);
    }
}

pub(super) fn on_event(app: &mut GatepassApp, event: RunEvent) {
    let Some(view) = app.run.as_mut() else { return };
    match event {
        RunEvent::Progress { run, progress } => {
            let progress = *progress;
            view.record(run, progress.done, progress.total, progress.record);
        }
        RunEvent::Done { run, result } => {
            view.finished(run, result);
            app.refresh_history();
        }
    }
}

/// Show a run cell's answer in a tab on its request, with the explanation card.
pub(super) fn open_cell(app: &mut GatepassApp, request: &RequestPath, profile: &ProfileId) {
    let Some(view) = &app.run else { return };
    let dir = view.dir.clone();
    let Some(record) = view.cells.get(&(request.clone(), profile.clone())).cloned() else { return };
    let RunOutcome::Sent { exchange, explained } = record.outcome else { return };
    super::collections::open_request(app, &dir, request);
    let Some(profile) = app.profiles.iter().find(|p| &p.id == profile) else { return };
    let tab = &mut app.tabs[app.active_tab];
    let origin = Origin::new(profile, &tab.draft, exchange.started_at);
    tab.send = SendState::Done;
    tab.card_open = true;
    tab.answer = Some(Answer {
        exchange: Arc::clone(&exchange),
        explained,
        origin,
        mode: ViewMode::Pretty,
        wrap_columns: None,
        body: BodyState::Formatting { shown: None },
        superseded: None,
    });
    let id = tab.id;
    app.format_body(id, &exchange, ViewMode::Pretty, None);
}
