//! `gatepass send`: one request with a profile's credential, the answer on standard output and,
//! when it failed, the explanation on standard error.

use super::explain;
use super::profile::certificate_warning;
use crate::core::exchange::{Outcome, RequestId, RequestRecord, size_words};
use crate::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use crate::core::status;
use crate::workspace::{ForeignHostChoice, SendOutcome, SendRequest, Workspace};
use anyhow::{Context as _, bail};
use clap::Args;
use std::io::Write as _;
use std::sync::Arc;

/// A request as typed on the command line, for `send` and `curl export`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The profile whose credential the request carries.
    #[arg(long)]
    pub profile: String,
    /// The method (GET, POST, ...).
    #[arg(short = 'X', long = "request", default_value = "GET")]
    pub method: String,
    /// A full URL, or a path like /v1/me joined to the profile's base URL.
    pub url: String,
    /// A header as 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header")]
    pub headers: Vec<String>,
    /// A request body; JSON is sent as application/json.
    #[arg(short = 'd', long = "data")]
    pub data: Option<String>,
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools, reason = "each is one command-line flag")]
pub struct SendArgs {
    #[command(flatten)]
    pub request: RequestArgs,
    /// Send without the profile's credential.
    #[arg(long)]
    pub no_credential: bool,
    /// Confirm a request that can change data with a Production profile.
    #[arg(long)]
    pub confirm_production: bool,
    /// Send the credential even to a host outside the profile's allowed hosts.
    #[arg(long)]
    pub allow_other_host: bool,
    /// Seconds to wait for an answer.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// `json` prints exactly what went out (masked), what came back and the explanation, as one
    /// JSON object on standard output.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SendFormat,
    /// Print the request as it would go out (masked), without sending it.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SendFormat {
    Text,
    Json,
}

/// The request part of `send --format json`: exactly what went out, masked.
fn request_json(record: &RequestRecord) -> serde_json::Value {
    serde_json::json!({
        "method": record.method.as_str(),
        "url": record.url,
        "headers": record.headers,
        "credential": record.credential,
    })
}

fn response_json(response: &crate::core::exchange::Response) -> serde_json::Value {
    let headers: Vec<serde_json::Value> =
        response.headers.iter().map(|(name, value)| serde_json::json!({"name": name, "value": value})).collect();
    serde_json::json!({
        "status": response.status,
        "headers": headers,
        "body": String::from_utf8_lossy(&response.body),
    })
}

/// The request as text, for `--dry-run` without `--format json`.
fn record_text(record: &RequestRecord) -> String {
    let mut text = format!("{} {}\n", record.method.as_str(), record.url);
    for header in &record.headers {
        text.push_str(&format!("{}: {}\n", header.name, header.value));
    }
    if let Some(credential) = &record.credential {
        text.push_str(&format!("\nCredential: {credential}\n"));
    }
    text
}

pub(crate) fn draft_from_args(
    args: &RequestArgs,
    timeout_secs: u64,
    send_credential: bool,
) -> anyhow::Result<RequestDraft> {
    let method = Method::parse(&args.method).with_context(|| {
        format!(
            "\"{}\" is not a method Gatepass can send. Use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS.",
            args.method
        )
    })?;
    let mut draft = RequestDraft::get(args.url.clone());
    draft.method = method;
    draft.timeout_secs = timeout_secs;
    draft.send_credential = send_credential;
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            bail!("The header \"{header}\" has no colon. Write it as 'Name: value'.");
        };
        if name.trim().is_empty() {
            bail!("The header \"{header}\" has no name before its colon. Write it as 'Name: value'.");
        }
        draft.headers.push(KeyValue::new(name.trim(), value.trim_start()));
    }
    if let Some(data) = &args.data {
        let is_json = serde_json::from_str::<serde::de::IgnoredAny>(data).is_ok()
            && (data.trim_start().starts_with('{') || data.trim_start().starts_with('['));
        draft.body = if is_json {
            BodyDraft::Json { text: data.clone() }
        } else {
            BodyDraft::Raw { content_type: String::new(), text: data.clone() }
        };
    }
    Ok(draft)
}

pub async fn run(workspace: &Arc<Workspace>, args: &SendArgs) -> anyhow::Result<i32> {
    let draft = draft_from_args(&args.request, args.timeout, !args.no_credential)?;
    let profile = workspace.profile_named(&args.request.profile)?;
    // Build the HTTP client while the keychain connects: both take a few milliseconds.
    let ws = Arc::clone(workspace);
    // The system's TLS roots are read only for an https:// request.
    let https = crate::core::request::resolve_url(&draft, &profile).is_ok_and(|url| url.scheme() == "https");
    let warm = tokio::task::spawn_blocking(move || ws.warm_up_for(https));
    if let Some(identity) = &profile.client_certificate
        && let Ok(facts) =
            crate::core::certificate::facts_from_pem(&identity.certificate_pem, time::OffsetDateTime::now_utc())
        && let Some(warning) = certificate_warning(&facts)
    {
        eprintln!("Warning: {warning}");
    }
    if profile.reads_keychain_when_sending(draft.send_credential) {
        let ws = Arc::clone(workspace);
        tokio::task::spawn_blocking(move || {
            ws.connect_keychain_lazily().context("Gatepass keeps secrets only in the keychain, so it cannot go on")
        })
        .await??;
    }
    warm.await??;
    let request = SendRequest {
        id: RequestId(1),
        profile: profile.id.clone(),
        draft,
        production_write_confirmed: args.confirm_production,
        foreign_host: if args.allow_other_host {
            ForeignHostChoice::SendWithCredential
        } else {
            ForeignHostChoice::Ask
        },
        origin: crate::workspace::SendOrigin::Manual,
        required_scopes: Vec::new(),
    };
    if args.dry_run {
        let dry = workspace.dry_run(request).await?;
        for gate in &dry.gates {
            eprintln!("{}", gate.question());
        }
        if dry.token_not_cached {
            eprintln!("No access token is cached for this profile yet; a real send gets one first.");
        }
        match args.format {
            SendFormat::Json => {
                let out = serde_json::json!({
                    "request": request_json(&dry.record),
                    "response": null,
                    "error": null,
                    "findings": [],
                });
                println!("{out}");
            }
            SendFormat::Text => {
                print!("{}", record_text(&dry.record));
                if let Some(body) = &dry.body {
                    println!("\n{}", body.as_str());
                }
            }
        }
        return Ok(0);
    }
    match workspace.send(request).await? {
        SendOutcome::NeedsConfirmation(gates) => {
            for gate in &gates {
                eprintln!("{}", gate.question());
            }
            eprintln!("Nothing was sent. Add --confirm-production or --allow-other-host to send it anyway.");
            Ok(3)
        }
        SendOutcome::Sent { exchange, explained, history_warning } => {
            for warning in history_warning.into_iter().chain(workspace.take_history_warning()) {
                eprintln!("Warning: {warning}");
            }
            for redirect in &exchange.redirects {
                eprintln!("{}", redirect.words());
            }
            if args.format == SendFormat::Json {
                let (response, error, code) = match &exchange.outcome {
                    Outcome::Response(r) => {
                        (response_json(r), serde_json::Value::Null, i32::from(!status::is_success(r.status)))
                    }
                    Outcome::Failed(e) => (serde_json::Value::Null, serde_json::Value::String(e.to_string()), 2),
                };
                let out = serde_json::json!({
                    "request": request_json(&exchange.record),
                    "response": response,
                    "error": error,
                    "findings": explained.diagnosis.findings,
                });
                println!("{out}");
                return Ok(code);
            }
            if !explained.diagnosis.findings.is_empty() {
                eprint!("{}", explain::card(&explained.diagnosis));
            }
            match &exchange.outcome {
                Outcome::Failed(error) => {
                    eprintln!("{error}");
                    Ok(2)
                }
                Outcome::Response(response) => {
                    let mut out = std::io::stdout().lock();
                    writeln!(
                        out,
                        "{} {} ({}, {})",
                        response.status,
                        status::meaning(response.status),
                        crate::core::exchange::duration_words(exchange.duration),
                        size_words(response.body.len())
                    )?;
                    for (name, value) in &response.headers {
                        writeln!(out, "{name}: {value}")?;
                    }
                    writeln!(out)?;
                    out.write_all(&response.body)?;
                    if !response.body.ends_with(b"\n") && !response.body.is_empty() {
                        writeln!(out)?;
                    }
                    if response.body_truncated {
                        eprintln!(
                            "The body was longer than {} and was cut.",
                            size_words(crate::infra::http::MAX_BODY_BYTES)
                        );
                    }
                    Ok(i32::from(!status::is_success(response.status)))
                }
            }
        }
    }
}
