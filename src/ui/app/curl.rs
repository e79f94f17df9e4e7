//! The app's side of cURL: keeping an imported or pasted credential in a profile's keychain
//! entry, making a profile from it, and "Copy as cURL", as tasks; their replies go back to the
//! import window and the tab that asked.

use super::GatepassApp;
use crate::core::curl::{self, CurlImport, FoundCredential};
use crate::core::curl_export::{SecretChoice, env_var_name};
use crate::core::profile::Environment;
use crate::core::request::BodyDraft;
use crate::ui::command::{Command, CopyChoice, CurlCommand};
use crate::ui::panels::curl_ui::{FoundStage, ImportWindow, origin};
use crate::ui::panels::request_tab::RequestPane;
use crate::ui::tasks::{CurlEvent, Event};
use crate::ui::view::Notice;

/// "Use this request": the imported request goes into the active tab; the credential it carried
/// (taken out of the request) waits in the window for a home.
fn use_imported(app: &mut GatepassApp, imported: CurlImport) {
    let tab = &mut app.tabs[app.active_tab];
    tab.restore(imported.draft.clone());
    tab.pane = RequestPane::Headers;
    tab.copy.status = None;
    let Some(credential) = imported.credentials.into_iter().next() else {
        app.curl_import = None;
        return;
    };
    let host = url::Url::parse(&imported.draft.url).ok().and_then(|u| u.host_str().map(str::to_owned));
    let base_url = origin(&imported.draft.url);
    let environment = match credential.environment {
        Some(crate::core::diagnose::knowledge::EnvKind::Production) => Environment::Production,
        _ => Environment::Sandbox,
    };
    if let Some(window) = app.curl_import.as_mut() {
        window.found = Some(FoundStage {
            carried_by: "The command",
            credential,
            new_name: host.unwrap_or_else(|| "Imported".to_owned()),
            environment,
            base_url,
            busy: false,
            status: None,
            done: false,
        });
    }
}

/// Take a found credential out of the request and offer it a home in a profile's keychain entry
/// (the same choices as after importing a curl command).
fn move_pasted(app: &mut GatepassApp, credential: FoundCredential) {
    let active_profile = app.active_profile().cloned();
    let draft = &mut app.tabs[app.active_tab].draft;
    match &credential.source {
        curl::CredentialSource::Header(name) => {
            draft
                .headers
                .retain(|h| !(h.name.eq_ignore_ascii_case(name) && h.value.contains(credential.secret.expose())));
        }
        curl::CredentialSource::Query(name) => {
            draft.query.retain(|q| !(q.name == *name && q.value == credential.secret.expose()));
            // The URL may be relative (`/v1/me?api_key=…`): rebuild its query by hand.
            if let Some((path, query)) = draft.url.split_once('?') {
                let (query, fragment) = query.split_once('#').map_or((query, None), |(q, f)| (q, Some(f)));
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|pair| {
                        let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
                        let decode = |t: &str| {
                            url::form_urlencoded::parse(format!("x={t}").as_bytes())
                                .next()
                                .map(|(_, v)| v.into_owned())
                                .unwrap_or_default()
                        };
                        !(decode(n) == *name && decode(v) == credential.secret.expose())
                    })
                    .collect();
                let mut rebuilt = path.to_owned();
                if !kept.is_empty() {
                    rebuilt.push('?');
                    rebuilt.push_str(&kept.join("&"));
                }
                if let Some(fragment) = fragment {
                    rebuilt.push('#');
                    rebuilt.push_str(fragment);
                }
                draft.url = rebuilt;
            }
        }
        _ => return,
    }
    let base_url = active_profile.as_ref().map_or_else(|| origin(&draft.url), |p| p.base_url.clone());
    let environment = match credential.environment {
        Some(crate::core::diagnose::knowledge::EnvKind::Production) => Environment::Production,
        _ => active_profile.as_ref().map_or(Environment::Sandbox, |p| p.environment.clone()),
    };
    let mut window = ImportWindow::new();
    window.title = "Move the credential";
    window.found = Some(FoundStage {
        carried_by: "The request",
        credential,
        new_name: "New profile".to_owned(),
        environment,
        base_url,
        busy: false,
        status: None,
        done: false,
    });
    app.curl_import = Some(window);
}

/// A name for a secret taken out of the body: the JSON key or form field that held it, else
/// `body_secret`; letters, digits and underscores only.
fn body_secret_name(body: &BodyDraft, value: &str) -> String {
    let from_key = match body {
        BodyDraft::Form { fields } => fields.iter().find(|f| f.value.contains(value)).map(|f| f.name.clone()),
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => text.find(value).and_then(|at| {
            // `"client_secret": "…value…"`: the last quoted word before the value.
            let before = &text[..at];
            let key_end = before.rfind("\":")?;
            let key_start = before[..key_end].rfind('"')? + 1;
            Some(before[key_start..key_end].to_owned())
        }),
        BodyDraft::None => None,
    };
    let name: String = from_key
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if name.trim_matches('_').is_empty() { "body_secret".to_owned() } else { name }
}

/// Take a secret out of the body: the active profile keeps it in the keychain, and the body
/// names it `{{secret:name}}` instead.
fn move_body_secret(app: &mut GatepassApp, credential: &FoundCredential) {
    let (Ok(ws), Some(profile)) = (app.workspace.clone(), app.active_profile().map(|p| p.id.clone())) else { return };
    let draft = &mut app.tabs[app.active_tab].draft;
    let value = credential.secret.expose().to_owned();
    let name = body_secret_name(&draft.body, &value);
    let reference = format!("{{{{secret:{name}}}}}");
    match &mut draft.body {
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => *text = text.replace(&value, &reference),
        BodyDraft::Form { fields } => {
            for field in fields.iter_mut() {
                field.value = field.value.replace(&value, &reference);
            }
        }
        BodyDraft::None => return,
    }
    let secret = credential.secret.clone();
    app.tasks.spawn_blocking(move || {
        let result = ws
            .set_secret_variable(&profile, &name, &secret)
            .and_then(|()| ws.load_profiles())
            .map(|loaded| (loaded.file, name))
            .map_err(|e| e.to_string());
        Event::Curl(CurlEvent::BodySecretStored(result))
    });
}

/// Apply a curl command (called from the app's `logic`).
pub(super) fn apply(app: &mut GatepassApp, command: CurlCommand) {
    let Ok(ws) = app.workspace.clone() else { return };
    match command {
        CurlCommand::OpenImport => {
            if app.curl_import.is_none() {
                app.curl_import = Some(ImportWindow::new());
            }
        }
        CurlCommand::UseImported(imported) => use_imported(app, *imported),
        CurlCommand::MovePasted(found) => move_pasted(app, found),
        CurlCommand::KeepBodySecret(found) => move_body_secret(app, &found),
        CurlCommand::StoreInActive => {
            let (Some(id), Some(stage)) = (app.active.clone(), app.curl_import.as_mut().and_then(|w| w.found.as_mut()))
            else {
                return;
            };
            stage.busy = true;
            let credential = stage.credential.clone();
            app.tasks.spawn_blocking(move || {
                let result = ws
                    .store_imported_credential(&id, &credential)
                    .and_then(|()| ws.load_profiles().map(|l| l.file))
                    .map_err(|e| e.to_string());
                Event::Curl(CurlEvent::Stored(result))
            });
        }
        CurlCommand::CreateProfile { name, environment, base_url } => {
            let Some(stage) = app.curl_import.as_mut().and_then(|w| w.found.as_mut()) else { return };
            if name.trim().is_empty() {
                stage.status = Some(("Give the new profile a name.".to_owned(), true));
                return;
            }
            if url::Url::parse(base_url.trim()).is_err() {
                stage.status = Some(("The base URL is not a valid URL. It starts with https://.".to_owned(), true));
                return;
            }
            stage.busy = true;
            let credential = stage.credential.clone();
            app.tasks.spawn_blocking(move || {
                let result = ws
                    .save_imported_profile(&name, environment, &base_url, &credential)
                    .and_then(|p| ws.load_profiles().map(|l| (l.file, p.id)))
                    .map_err(|e| e.to_string());
                Event::Curl(CurlEvent::Created(result))
            });
        }
        CurlCommand::Copy(tab_id, choice) => {
            let Some(profile) = app.active_profile() else { return };
            let id = profile.id.clone();
            let variable = env_var_name(&profile.name, &profile.auth);
            let secret_choice = match choice {
                CopyChoice::Masked => SecretChoice::Masked,
                CopyChoice::EnvVar => SecretChoice::EnvVar(variable.clone()),
                CopyChoice::Reveal => SecretChoice::Reveal,
            };
            let variable = (choice == CopyChoice::EnvVar).then_some(variable);
            let Some(tab) = app.tabs.iter_mut().find(|t| t.id == tab_id) else { return };
            let draft = tab.draft.clone();
            tab.copy.copied_from = Some((draft.clone(), Some(id.clone())));
            tab.copy.copying = true;
            app.tasks.spawn_blocking(move || {
                let result = ws.export_curl(&id, &draft, &secret_choice).map_err(|e| e.to_string());
                Event::Curl(CurlEvent::Copied(tab_id, choice, variable, result))
            });
        }
    }
}

/// Take a curl task's result (called from the app's `logic`).
pub(super) fn on_event(app: &mut GatepassApp, event: CurlEvent) {
    match event {
        CurlEvent::BodySecretStored(result) => match result {
            Ok((file, name)) => {
                app.apply_profiles(file);
                app.notices.push(Notice::info(format!(
                    "The secret is in the profile's keychain entry now; the body says {{{{secret:{name}}}}} and Gatepass fills it in when sending."
                )));
            }
            Err(e) => app.notices.push(Notice::error(e)),
        },
        CurlEvent::Stored(result) => {
            let name = app.active_profile().map(|p| p.name.clone()).unwrap_or_default();
            let Some(stage) = app.curl_import.as_mut().and_then(|w| w.found.as_mut()) else { return };
            stage.busy = false;
            match result {
                Ok(file) => {
                    stage.status = Some((
                        format!(
                            "Done. The credential is in the keychain entry of \"{name}\"; the request uses it from there."
                        ),
                        false,
                    ));
                    stage.done = true;
                    app.apply_profiles(file);
                }
                Err(e) => stage.status = Some((e, true)),
            }
        }
        CurlEvent::Created(result) => {
            let Some(stage) = app.curl_import.as_mut().and_then(|w| w.found.as_mut()) else { return };
            stage.busy = false;
            match result {
                Ok((file, id)) => {
                    stage.status = Some((
                        format!(
                            "Done. The profile \"{}\" holds the credential in the keychain and is now selected.",
                            stage.new_name.trim()
                        ),
                        false,
                    ));
                    stage.done = true;
                    app.apply_profiles(file);
                    app.commands.push(Command::SelectProfile(id));
                }
                Err(e) => stage.status = Some((e, true)),
            }
        }
        CurlEvent::Copied(tab_id, choice, variable, result) => {
            let Some(tab) = app.tabs.iter_mut().find(|t| t.id == tab_id) else { return };
            tab.copy.copying = false;
            match result {
                Ok(text) => {
                    app.tasks.copy_text(&text);
                    let (words, shown) = match choice {
                        CopyChoice::Masked => ("Copied as cURL, the secret masked.".to_owned(), Some(text)),
                        CopyChoice::EnvVar => (
                            format!(
                                "Copied as cURL. Before you run it, set {0} to the secret, for example: export {0}=…",
                                variable.unwrap_or_default()
                            ),
                            Some(text),
                        ),
                        CopyChoice::Reveal => {
                            ("Copied as cURL with the real secret. It is not shown here.".to_owned(), None)
                        }
                    };
                    tab.copy.status = Some((words, shown));
                }
                Err(e) => app.notices.push(Notice::error(e)),
            }
        }
    }
}
