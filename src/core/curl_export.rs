//! Export a prepared request as a curl command someone can paste into a shell.
//!
//! The credential is masked by default (its fingerprint, such as `sk_live_…4f2a`), or written as
//! an environment variable reference (`"Authorization: Bearer $SHOP_TOKEN"`), or shown only when
//! the user chose to reveal it. Masked and variable exports hold no secret at all: typed
//! credential-like headers and query values are masked too.

use crate::core::profile::AuthMethod;
use crate::core::redact;
use crate::core::request::{AppliedCredential, CredentialPlacement, Method, PreparedRequest, is_sensitive_header};
use base64::Engine as _;

/// What to write where the credential goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretChoice {
    /// Its fingerprint: safe to paste anywhere, but the command will not sign in.
    Masked,
    /// A reference to an environment variable with this name, such as `SHOP_TOKEN`.
    EnvVar(String),
    /// The value itself. Only on an explicit choice.
    Reveal,
}

/// One piece of a shell word: plain text, or a `$VARIABLE` the shell fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(String),
}

/// Quote a word for a POSIX shell: single quotes, or double quotes when it refers to a variable.
fn quote(parts: &[Part]) -> String {
    if parts.iter().all(|p| matches!(p, Part::Text(_))) {
        let text: String = parts
            .iter()
            .map(|p| match p {
                Part::Text(t) | Part::Var(t) => t.as_str(),
            })
            .collect();
        return quote_text(&text);
    }
    let mut out = String::from("\"");
    for part in parts {
        match part {
            Part::Text(text) => {
                for c in text.chars() {
                    if matches!(c, '"' | '\\' | '$' | '`') {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
            Part::Var(name) => {
                out.push_str("${");
                out.push_str(name);
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

/// Quote plain text for a POSIX shell, leaving simple words bare.
pub fn quote_text(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c)) {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The environment variable name for a profile's credential, e.g. "Shop" + Bearer → `SHOP_TOKEN`.
pub fn env_var_name(profile_name: &str, auth: &AuthMethod) -> String {
    let mut base: String =
        profile_name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    while base.contains("__") {
        base = base.replace("__", "_");
    }
    let base = base.trim_matches('_');
    let base = if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
        format!("GATEPASS_{base}")
    } else {
        base.to_owned()
    };
    let suffix = match auth {
        AuthMethod::ApiKey { .. } => "API_KEY",
        AuthMethod::Basic { .. } => "PASSWORD",
        _ => "TOKEN",
    };
    format!("{}_{suffix}", base.trim_end_matches('_'))
}

/// The request as a multi-line curl command.
pub fn to_curl(request: &PreparedRequest, choice: &SecretChoice) -> String {
    let reveal = matches!(choice, SecretChoice::Reveal);
    let mut args: Vec<String> = Vec::new();
    match (request.method, request.body.is_some()) {
        (Method::Get, false) | (Method::Post, true) => {}
        (Method::Head, false) => args.push("-I".to_owned()),
        (method, _) => args.push(format!("-X {}", method.as_str())),
    }
    let mut url_parts =
        vec![Part::Text(if reveal { request.url.to_string() } else { redact::redact_url(&request.url) })];
    let mut credential_header = None;
    let mut user = None;
    if let Some(AppliedCredential { placement, .. }) = &request.credential {
        match placement {
            CredentialPlacement::Query { name, value } => {
                let sep = if request.url.query().is_some() { '&' } else { '?' };
                let encoded_name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
                let piece = match choice {
                    SecretChoice::Masked => Part::Text(value.fingerprint()),
                    SecretChoice::EnvVar(var) => Part::Var(var.clone()),
                    SecretChoice::Reveal => {
                        Part::Text(url::form_urlencoded::byte_serialize(value.expose().as_bytes()).collect())
                    }
                };
                url_parts.push(Part::Text(format!("{sep}{encoded_name}=")));
                url_parts.push(piece);
            }
            CredentialPlacement::Header { name, value } => {
                let raw = value.expose();
                let (scheme, rest) = raw.split_once(' ').unwrap_or(("", raw));
                if name.eq_ignore_ascii_case("Authorization") && scheme == "Basic" {
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(rest)
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .unwrap_or_default();
                    let (username, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
                    let secret = match choice {
                        SecretChoice::Masked => Part::Text(crate::core::secret::fingerprint(password)),
                        SecretChoice::EnvVar(var) => Part::Var(var.clone()),
                        SecretChoice::Reveal => Part::Text(password.to_owned()),
                    };
                    user = Some(vec![Part::Text(format!("{username}:")), secret]);
                } else if name.eq_ignore_ascii_case("Authorization") && scheme == "Bearer" {
                    let secret = match choice {
                        SecretChoice::Masked => Part::Text(crate::core::secret::fingerprint(rest)),
                        SecretChoice::EnvVar(var) => Part::Var(var.clone()),
                        SecretChoice::Reveal => Part::Text(rest.to_owned()),
                    };
                    credential_header = Some(vec![Part::Text(format!("{name}: Bearer ")), secret]);
                } else {
                    let secret = match choice {
                        SecretChoice::Masked => Part::Text(value.fingerprint()),
                        SecretChoice::EnvVar(var) => Part::Var(var.clone()),
                        SecretChoice::Reveal => Part::Text(raw.to_owned()),
                    };
                    credential_header = Some(vec![Part::Text(format!("{name}: ")), secret]);
                }
            }
        }
    }
    // curl reads {…} and […] in an address as a pattern of several addresses; -g sends them as they are.
    if request.url.as_str().contains(['[', ']', '{', '}']) {
        args.push("-g".to_owned());
    }
    args.push(quote(&url_parts));
    for (name, value) in &request.headers {
        let value =
            if reveal || !is_sensitive_header(name) { value.clone() } else { redact::redact_header_value(name, value) };
        // "Name:" with nothing after it tells curl not to send the header; "Name;" sends it empty.
        let line = if value.trim().is_empty() { format!("{name};") } else { format!("{name}: {value}") };
        args.push(format!("-H {}", quote_text(&line)));
    }
    // With a body and no type, curl would add its web-form type; "Content-Type:" stops it.
    if request.body.is_some() && !request.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
        args.push("-H 'Content-Type:'".to_owned());
    }
    if let Some(parts) = credential_header {
        args.push(format!("-H {}", quote(&parts)));
    }
    if let Some(parts) = user {
        args.push(format!("-u {}", quote(&parts)));
    }
    if let Some(body) = &request.body {
        args.push(format!("--data-raw {}", quote_text(&String::from_utf8_lossy(body))));
    }
    if request.timeout.as_secs() != 30 {
        args.push(format!("--max-time {}", request.timeout.as_secs()));
    }
    let mut out = String::from("curl");
    for arg in args {
        out.push_str(" \\\n  ");
        out.push_str(&arg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::profile::{AuthKind, Profile, ProfileId};

    #[test]
    fn quoting_survives_the_shell_rules() {
        assert_eq!(quote_text("it's"), "'it'\\''s'");
        assert_eq!(quote_text("https://a.test/x"), "https://a.test/x");
        assert_eq!(
            quote(&[Part::Text("A: \"$x\" ".to_owned()), Part::Var("T".to_owned())]),
            "\"A: \\\"\\$x\\\" ${T}\""
        );
    }

    #[test]
    fn env_names_come_from_the_profile() {
        let id = ProfileId::random();
        assert_eq!(env_var_name("Shop", &AuthMethod::new_of_kind(AuthKind::Bearer, &id)), "SHOP_TOKEN");
        assert_eq!(
            env_var_name("my shop (live)", &AuthMethod::new_of_kind(AuthKind::ApiKey, &id)),
            "MY_SHOP_LIVE_API_KEY"
        );
        assert_eq!(env_var_name("9", &AuthMethod::new_of_kind(AuthKind::Basic, &id)), "GATEPASS_9_PASSWORD");
        let _ = Profile::new("x", crate::core::profile::Environment::Sandbox, "https://x");
    }
}
