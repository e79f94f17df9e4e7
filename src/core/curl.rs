//! Import a curl command, the way API documentation shows it, as a [`RequestDraft`].
//!
//! ```text
//! pasted text -> tokenize (shell-like words) -> parse options -> RequestDraft + notes
//!                                                  -> the credential it carried, taken out
//! ```
//!
//! The credential a command carries (an `Authorization` header, `-u user:pass`, an API key
//! header or query parameter) is removed from the draft and returned as a [`Secret`] with a
//! suggested profile sign-in method, so the request uses the profile's credential instead and
//! the value ends up in the keychain, never in the request or its history. Pure: no files are
//! read (`@file` is named as not read), nothing is sent.

use crate::core::diagnose::knowledge::EnvKind;
use crate::core::profile::{AuthKind, AuthMethod, KeyPlacement, ProfileId, SecretRef};
use crate::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use crate::core::secret::Secret;
use base64::Engine as _;

/// The longest paste Gatepass reads as a curl command (1 MiB).
pub const MAX_INPUT: usize = 1024 * 1024;

/// What a curl command turned into.
#[derive(Debug, Clone)]
pub struct CurlImport {
    /// The request, without the credential.
    pub draft: RequestDraft,
    /// The credentials found and taken out of the request, the main one first.
    pub credentials: Vec<FoundCredential>,
    /// Options left out or changed, in plain words.
    pub notes: Vec<String>,
}

impl CurlImport {
    /// The credential to offer to a profile.
    pub fn credential(&self) -> Option<&FoundCredential> {
        self.credentials.first()
    }
}

/// Where in the command a credential was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    Header(String),
    Query(String),
    /// `-u` / `--user`.
    UserOption,
    /// `--oauth2-bearer`.
    BearerOption,
    /// Typed or pasted into the request's body (it can only be pointed out, not moved).
    Body,
}

impl CredentialSource {
    pub fn words(&self) -> String {
        match self {
            CredentialSource::Header(name) => format!("header {name}"),
            CredentialSource::Query(name) => format!("query parameter {name}"),
            CredentialSource::UserOption => "the -u option (username and password)".to_owned(),
            CredentialSource::BearerOption => "the --oauth2-bearer option".to_owned(),
            CredentialSource::Body => "the body".to_owned(),
        }
    }
}

/// The profile sign-in method that sends a found credential the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuggestedAuth {
    ApiKey { name: String, placement: KeyPlacement },
    Bearer,
    Basic { username: String },
}

impl SuggestedAuth {
    pub fn kind(&self) -> AuthKind {
        match self {
            SuggestedAuth::ApiKey { .. } => AuthKind::ApiKey,
            SuggestedAuth::Bearer => AuthKind::Bearer,
            SuggestedAuth::Basic { .. } => AuthKind::Basic,
        }
    }

    /// The method with its secret slot in `profile`'s keychain entries.
    pub fn to_auth_method(&self, profile: &ProfileId) -> AuthMethod {
        match self {
            SuggestedAuth::ApiKey { name, placement } => AuthMethod::ApiKey {
                name: name.clone(),
                placement: *placement,
                key: SecretRef::for_profile(profile, "api_key"),
            },
            SuggestedAuth::Bearer => AuthMethod::Bearer { token: SecretRef::for_profile(profile, "bearer_token") },
            SuggestedAuth::Basic { username } => AuthMethod::Basic {
                username: username.clone(),
                password: SecretRef::for_profile(profile, "basic_password"),
            },
        }
    }

    /// Whether a profile with `auth` sends a credential the same way, so its slot can take this one.
    pub fn matches(&self, auth: &AuthMethod) -> bool {
        match (self, auth) {
            (SuggestedAuth::Bearer, AuthMethod::Bearer { .. }) => true,
            (SuggestedAuth::Basic { username }, AuthMethod::Basic { username: theirs, .. }) => username == theirs,
            (
                SuggestedAuth::ApiKey { name, placement },
                AuthMethod::ApiKey { name: theirs, placement: their_placement, .. },
            ) => name.eq_ignore_ascii_case(theirs) && placement == their_placement,
            _ => false,
        }
    }

    /// In words, for example "API key in header X-Api-Key".
    pub fn words(&self) -> String {
        match self {
            SuggestedAuth::ApiKey { name, placement: KeyPlacement::Header } => format!("API key in header {name}"),
            SuggestedAuth::ApiKey { name, placement: KeyPlacement::Query } => {
                format!("API key in query parameter {name}")
            }
            SuggestedAuth::Bearer => "access token (bearer)".to_owned(),
            SuggestedAuth::Basic { username } => format!("username {username} and password (Basic)"),
        }
    }
}

/// A credential found in a curl command. Its `Debug` never shows the value.
#[derive(Debug, Clone)]
pub struct FoundCredential {
    pub secret: Secret,
    pub source: CredentialSource,
    pub suggested: SuggestedAuth,
    /// What kind of key it looks like, when its prefix tells (e.g. "Stripe test secret key").
    pub looks_like: Option<String>,
    /// Whether its prefix says it is a test or a live key.
    pub environment: Option<EnvKind>,
}

impl FoundCredential {
    pub fn fingerprint(&self) -> String {
        self.secret.fingerprint()
    }

    /// For example "`sk_test_…4f2a` in header Authorization".
    pub fn describe(&self) -> String {
        let kind = self.looks_like.as_ref().map(|k| format!(" ({k})")).unwrap_or_default();
        format!("{}{kind} in {}", self.fingerprint(), self.source.words())
    }
}

/// Why a paste could not be read as a curl command. No message holds a value from the paste
/// beyond an option name or a file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurlError {
    #[error("Nothing to read. Paste a curl command as API documentation shows it: it starts with curl.")]
    Empty,
    #[error(
        "This is not a curl command: it starts with \"{first_word}\". Paste a command that starts with curl, as API documentation shows it."
    )]
    NotCurl { first_word: String },
    #[error(
        "A {quote} quote opened on line {line}, column {column} is never closed. Check that the command was copied whole."
    )]
    UnclosedQuote { quote: &'static str, line: usize, column: usize },
    #[error("The command has no URL. Add the address to call, such as https://api.example.com/v1/me.")]
    NoUrl,
    #[error("The option {option} needs a value after it, and there is none.")]
    MissingValue { option: String },
    #[error(
        "The command sends a form with files (-F / --form), which Gatepass cannot import yet. Remove the -F options and add the fields by hand."
    )]
    FormNotSupported,
    #[error("Gatepass cannot send the method \"{method}\". Use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS.")]
    UnsupportedMethod { method: String },
    #[error("The paste is too long to be a curl command ({size} bytes; the most Gatepass reads is 1 MiB).")]
    TooLong { size: usize },
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

/// One shell word, or an operator that ends the command (`|`, `;`, `&&`, `>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(String),
    Operator(String),
}

/// Split a pasted command into shell words: single quotes, double quotes with backslash escapes,
/// `$'…'` strings, `\` line continuations (and `^` ones for Windows commands), `#` comments.
pub fn tokenize(input: &str) -> Result<Vec<Token>, CurlError> {
    let windows = input.contains("^\n") || input.contains("^\r\n");
    let chars: Vec<char> = if windows { strip_carets(input) } else { input.chars().collect() };
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;
    let position = |index: usize| -> (usize, usize) {
        let before = &chars[..index];
        let line = before.iter().filter(|c| **c == '\n').count() + 1;
        let column = before.iter().rev().take_while(|c| **c != '\n').count() + 1;
        (line, column)
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                match chars.get(i + 1) {
                    Some('\n') => i += 2,
                    // "\ " starting a word is a line continuation whose line break was lost in the
                    // copy (chat apps and some web pages flatten lines): read it as a space.
                    Some(' ' | '\t') if !in_word => i += 1,
                    Some('\r') if chars.get(i + 2) == Some(&'\n') => i += 3,
                    Some(next) => {
                        word.push(*next);
                        in_word = true;
                        i += 2;
                    }
                    None => i += 1,
                }
                continue;
            }
            '\'' => {
                let start = i;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            let (line, column) = position(start);
                            return Err(CurlError::UnclosedQuote { quote: "single (')", line, column });
                        }
                        Some('\'') => break,
                        Some(ch) => word.push(*ch),
                    }
                    i += 1;
                }
                in_word = true;
                i += 1;
                continue;
            }
            '$' if chars.get(i + 1) == Some(&'\'') => {
                let start = i;
                i += 2;
                loop {
                    match chars.get(i) {
                        None => {
                            let (line, column) = position(start);
                            return Err(CurlError::UnclosedQuote { quote: "$'…' (')", line, column });
                        }
                        Some('\'') => break,
                        Some('\\') => {
                            i += 1;
                            i += ansi_escape(&chars, i, &mut word);
                            continue;
                        }
                        Some(ch) => word.push(*ch),
                    }
                    i += 1;
                }
                in_word = true;
                i += 1;
                continue;
            }
            '"' => {
                let start = i;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            let (line, column) = position(start);
                            return Err(CurlError::UnclosedQuote { quote: "double (\")", line, column });
                        }
                        Some('"') => break,
                        Some('\\') => match chars.get(i + 1) {
                            Some('\n') => i += 1,
                            Some(next @ ('"' | '\\' | '$' | '`')) => {
                                word.push(*next);
                                i += 1;
                            }
                            _ => word.push('\\'),
                        },
                        Some(ch) => word.push(*ch),
                    }
                    i += 1;
                }
                in_word = true;
                i += 1;
                continue;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '|' | ';' | '&' | '>' | '<' => {
                if in_word {
                    tokens.push(Token::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
                let mut op = c.to_string();
                if let Some(next) = chars.get(i + 1)
                    && (*next == c || (c == '&' && *next == '>'))
                {
                    op.push(*next);
                    i += 1;
                }
                tokens.push(Token::Operator(op));
                i += 1;
                continue;
            }
            c if c.is_whitespace() => {
                if in_word {
                    tokens.push(Token::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
        i += 1;
    }
    if in_word {
        tokens.push(Token::Word(word));
    }
    Ok(tokens)
}

/// A Windows (cmd) command: `^` before a line break continues the line, and before any other
/// character makes it plain (`^"` is a quote mark curl sees).
fn strip_carets(input: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '^' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\r') if chars.peek() == Some(&'\n') => {
                chars.next();
            }
            Some('\n') | None => {}
            Some(next) => out.push(next),
        }
    }
    out
}

/// Read one escape of a `$'…'` string starting at `chars[i]` (after the backslash); returns how
/// many characters it used.
fn ansi_escape(chars: &[char], i: usize, out: &mut String) -> usize {
    let Some(c) = chars.get(i) else { return 0 };
    let hex = |len: usize| -> (Option<char>, usize) {
        let digits: String = chars[i + 1..].iter().take(len).take_while(|c| c.is_ascii_hexdigit()).collect();
        let used = digits.len();
        (u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32), used)
    };
    match c {
        'n' => out.push('\n'),
        't' => out.push('\t'),
        'r' => out.push('\r'),
        '0' => out.push('\0'),
        'x' => {
            let (ch, used) = hex(2);
            if let Some(ch) = ch {
                out.push(ch);
            }
            return 1 + used;
        }
        'u' => {
            let (ch, used) = hex(4);
            if let Some(ch) = ch {
                out.push(ch);
            }
            return 1 + used;
        }
        other => out.push(*other),
    }
    1
}

// ---------------------------------------------------------------------------------------------
// Options

/// Options that only change what curl prints or how it retries: nothing to do with the request.
const QUIET_FLAGS: &[&str] = &[
    "-s",
    "--silent",
    "-S",
    "--show-error",
    "-v",
    "--verbose",
    "-i",
    "--include",
    "-L",
    "--location",
    "--compressed",
    "-f",
    "--fail",
    "--fail-with-body",
    "-g",
    "--globoff",
    "-N",
    "--no-buffer",
    "-#",
    "--progress-bar",
    "--http1.1",
    "--http2",
    "--location-trusted",
    "--no-progress-meter",
];

/// Options with a value that Gatepass leaves out, and the words saying so.
const IGNORED_WITH_VALUE: &[(&str, &str)] = &[
    ("-o", "where curl saves the answer"),
    ("--output", "where curl saves the answer"),
    ("-w", "what curl prints after the answer"),
    ("--write-out", "what curl prints after the answer"),
    ("-x", "a proxy"),
    ("--proxy", "a proxy"),
    ("--retry", "retries"),
    ("--connect-timeout", "the connection time limit"),
    ("--cacert", "a certificate file"),
    ("--cert", "a client certificate file"),
    ("-E", "a client certificate file"),
    ("--key", "a private key file"),
    ("--resolve", "a fixed address for a host"),
    ("--limit-rate", "a speed limit"),
    ("-c", "a file to save cookies to"),
    ("--cookie-jar", "a file to save cookies to"),
    ("--aws-sigv4", "AWS request signing"),
    ("-T", "a file to upload"),
    ("--upload-file", "a file to upload"),
    ("-K", "a config file"),
    ("-D", "where curl saves the answer's headers"),
    ("--dump-header", "where curl saves the answer's headers"),
    ("--config", "a config file"),
];

/// Short options that take a value (the rest of the word, or the next word).
const SHORT_WITH_VALUE: &str = "XHduAbFeomxTEwcKrUmD";

#[derive(Default)]
struct Parsed {
    method: Option<String>,
    url: Option<String>,
    headers: Vec<(String, String)>,
    data: Vec<String>,
    json: bool,
    get: bool,
    head: bool,
    user: Option<String>,
    bearer: Option<String>,
    timeout: Option<u64>,
    notes: Vec<String>,
}

/// Read a pasted curl command into a request and the credential it carried.
pub fn import(input: &str) -> Result<CurlImport, CurlError> {
    if input.len() > MAX_INPUT {
        return Err(CurlError::TooLong { size: input.len() });
    }
    let mut text = input.trim_start();
    // A shell prompt copied with the command.
    for prompt in ["$ ", "% ", "> "] {
        if let Some(rest) = text.strip_prefix(prompt) {
            text = rest.trim_start();
        }
    }
    let tokens = tokenize(text)?;
    let mut words = Vec::new();
    let mut dropped: Option<(String, Vec<String>)> = None;
    for token in tokens {
        match (token, &mut dropped) {
            (Token::Operator(op), None) => dropped = Some((op, Vec::new())),
            (Token::Word(w), None) => words.push(w),
            (Token::Word(w), Some((_, rest))) => rest.push(w),
            (Token::Operator(op), Some((_, rest))) => rest.push(op),
        }
    }
    let Some(first) = words.first() else { return Err(CurlError::Empty) };
    let program = first.rsplit(['/', '\\']).next().unwrap_or(first).to_ascii_lowercase();
    if program != "curl" && program != "curl.exe" {
        let first_word: String = first.chars().take(40).collect();
        return Err(CurlError::NotCurl { first_word });
    }
    let mut parsed = Parsed::default();
    if let Some((op, rest)) = dropped {
        let rest = if rest.is_empty() { String::new() } else { format!(" (\"{}\")", shorten(&rest.join(" "))) };
        parsed.notes.push(format!(
            "The part after \"{op}\"{rest} tells the shell what to do with curl's answer. It is not part of the request, so it was left out."
        ));
    }
    read_options(&words[1..], &mut parsed)?;
    build(parsed)
}

fn read_options(words: &[String], parsed: &mut Parsed) -> Result<(), CurlError> {
    let mut i = 0;
    let mut options_done = false;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        if options_done || !word.starts_with('-') || word == "-" {
            positional(word, parsed);
            continue;
        }
        if word == "--" {
            options_done = true;
            continue;
        }
        if word.starts_with("--") {
            let (name, inline) = match word.split_once('=') {
                Some((n, v)) if takes_value(n) => (n.to_owned(), Some(v.to_owned())),
                _ => (word.clone(), None),
            };
            if takes_value(&name) {
                let value = if let Some(v) = inline {
                    v
                } else {
                    let Some(v) = words.get(i) else { return Err(CurlError::MissingValue { option: name }) };
                    i += 1;
                    v.clone()
                };
                apply_option(&name, Some(value), parsed)?;
            } else {
                apply_option(&name, None, parsed)?;
            }
            continue;
        }
        // A cluster of short options, such as -sSL or -XPOST or -H'Accept: x'.
        let chars: Vec<char> = word.chars().skip(1).collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            j += 1;
            let name = format!("-{c}");
            if SHORT_WITH_VALUE.contains(c) {
                let value = if j < chars.len() {
                    chars[j..].iter().collect()
                } else {
                    let Some(v) = words.get(i) else { return Err(CurlError::MissingValue { option: name }) };
                    i += 1;
                    v.clone()
                };
                apply_option(&name, Some(value), parsed)?;
                break;
            }
            apply_option(&name, None, parsed)?;
        }
    }
    Ok(())
}

fn takes_value(name: &str) -> bool {
    matches!(
        name,
        "--request"
            | "--header"
            | "--data"
            | "--data-raw"
            | "--data-ascii"
            | "--data-binary"
            | "--data-urlencode"
            | "--json"
            | "--user"
            | "--oauth2-bearer"
            | "--user-agent"
            | "--cookie"
            | "--form"
            | "--form-string"
            | "--url"
            | "--referer"
            | "--max-time"
            | "--proxy-user"
            | "--range"
    ) || IGNORED_WITH_VALUE.iter().any(|(n, _)| *n == name)
}

fn positional(word: &str, parsed: &mut Parsed) {
    if parsed.url.is_none() {
        parsed.url = Some(word.to_owned());
    } else {
        parsed.notes.push(format!(
            "The command names more than one address. Gatepass used the first; \"{}\" was left out.",
            shorten(word)
        ));
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text.to_owned()
    }
}

fn apply_option(name: &str, value: Option<String>, parsed: &mut Parsed) -> Result<(), CurlError> {
    let value = value.unwrap_or_default();
    match name {
        "-X" | "--request" => parsed.method = Some(value),
        "-H" | "--header" => header_option(&value, parsed),
        "-d" | "--data" | "--data-ascii" => {
            if let Some(file) = value.strip_prefix('@') {
                note_file(file, parsed);
            } else {
                parsed.data.push(value.replace(['\r', '\n'], ""));
            }
        }
        "--data-binary" => {
            if let Some(file) = value.strip_prefix('@') {
                note_file(file, parsed);
            } else {
                parsed.data.push(value);
            }
        }
        "--data-raw" => parsed.data.push(value),
        "--json" => {
            parsed.json = true;
            if let Some(file) = value.strip_prefix('@') {
                note_file(file, parsed);
            } else {
                parsed.data.push(value);
            }
        }
        "--data-urlencode" => urlencode_option(&value, parsed),
        "-G" | "--get" => parsed.get = true,
        "-I" | "--head" => parsed.head = true,
        "-u" | "--user" => parsed.user = Some(value),
        "--oauth2-bearer" => parsed.bearer = Some(value),
        "-A" | "--user-agent" => parsed.headers.push(("User-Agent".to_owned(), value)),
        "-e" | "--referer" => parsed.headers.push(("Referer".to_owned(), value)),
        "-b" | "--cookie" => {
            if value.contains('=') {
                parsed.headers.push(("Cookie".to_owned(), value));
            } else {
                parsed.notes.push(format!(
                    "The cookies come from the file \"{}\", which Gatepass does not read. Add a Cookie header by hand if the request needs it.",
                    shorten(&value)
                ));
            }
        }
        "-F" | "--form" | "--form-string" => return Err(CurlError::FormNotSupported),
        "--url" => positional(&value, parsed),
        "-m" | "--max-time" => match value.trim().parse::<f64>() {
            Ok(secs) if secs >= 1.0 => {
                #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped to 1..=3600")]
                let secs = secs.min(3600.0).ceil() as u64;
                parsed.timeout = Some(secs);
            }
            _ => parsed.notes.push(format!("The time limit \"{}\" is not a number of seconds; it was left out.", shorten(&value))),
        },
        "-k" | "--insecure" => parsed.notes.push(
            "-k (--insecure) was left out: Gatepass always checks the server's certificate, so a server with a broken certificate fails here."
                .to_owned(),
        ),
        "-U" | "--proxy-user" | "-r" | "--range" => {
            parsed.notes.push(format!("Gatepass does not use the option {name}, so it was left out."));
        }
        flag if QUIET_FLAGS.contains(&flag) => {}
        other => {
            if let Some((_, what)) = IGNORED_WITH_VALUE.iter().find(|(n, _)| *n == other) {
                parsed.notes.push(format!("{other} ({what}) does not change the request, so it was left out."));
            } else {
                parsed.notes.push(format!("Gatepass does not know the option {other}, so it was left out."));
            }
        }
    }
    Ok(())
}

fn note_file(file: &str, parsed: &mut Parsed) {
    if file == "-" {
        parsed.notes.push(
            "The body is read from standard input (@-), which a paste does not have. Type or paste the body in the request editor."
                .to_owned(),
        );
    } else {
        parsed.notes.push(format!(
            "The body comes from the file \"{}\", which Gatepass does not read. Paste the file's content into the body.",
            shorten(file)
        ));
    }
}

fn header_option(value: &str, parsed: &mut Parsed) {
    if let Some(file) = value.strip_prefix('@') {
        parsed.notes.push(format!(
            "The headers come from the file \"{}\", which Gatepass does not read. Add them by hand.",
            shorten(file)
        ));
        return;
    }
    if let Some((name, rest)) = value.split_once(':') {
        let rest = rest.trim();
        // "Name:" with nothing after it tells curl to leave that header out.
        if !rest.is_empty() {
            parsed.headers.push((name.trim().to_owned(), rest.to_owned()));
        }
    } else if let Some(name) = value.strip_suffix(';') {
        // "Name;" sends the header with an empty value.
        parsed.headers.push((name.trim().to_owned(), String::new()));
    } else {
        parsed.notes.push(format!("The header \"{}\" has no colon (:), so it was left out.", shorten(value)));
    }
}

fn urlencode_option(value: &str, parsed: &mut Parsed) {
    let encode = |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    if let Some(content) = value.strip_prefix('=') {
        parsed.data.push(encode(content));
        return;
    }
    let at = value.find('@');
    let eq = value.find('=');
    match (eq, at) {
        (Some(e), Some(a)) if a < e => note_file(&value[a + 1..], parsed),
        (None, Some(a)) => note_file(&value[a + 1..], parsed),
        (Some(e), _) => parsed.data.push(format!("{}={}", &value[..e], encode(&value[e + 1..]))),
        (None, None) => parsed.data.push(encode(value)),
    }
}

// ---------------------------------------------------------------------------------------------
// From options to a draft

fn build(parsed: Parsed) -> Result<CurlImport, CurlError> {
    let Parsed { method, url, headers, data, json, get, head, user, bearer, timeout, mut notes } = parsed;
    let Some(url) = url else { return Err(CurlError::NoUrl) };
    let has_data = !data.is_empty();
    let method = match method {
        Some(m) => Method::parse(&m).ok_or_else(|| CurlError::UnsupportedMethod { method: shorten(m.trim()) })?,
        None if head => Method::Head,
        None if get => Method::Get,
        None if has_data => Method::Post,
        None => Method::Get,
    };
    let (base, mut query) = split_query(&url);
    let mut draft = RequestDraft { method, url: base, ..RequestDraft::default() };
    if let Some(secs) = timeout {
        draft.timeout_secs = secs;
    }
    let joined = data.join("&");
    if has_data && get {
        query.extend(url::form_urlencoded::parse(joined.as_bytes()).map(|(n, v)| KeyValue::new(n, v)));
    }
    let mut headers: Vec<KeyValue> = headers.into_iter().map(|(n, v)| KeyValue::new(n, v)).collect();
    if json {
        for (name, value) in [("Content-Type", "application/json"), ("Accept", "application/json")] {
            if !headers.iter().any(|h| h.name.eq_ignore_ascii_case(name)) {
                headers.push(KeyValue::new(name, value));
            }
        }
    }
    if has_data && !get {
        draft.body = body_from(&joined, &mut headers);
    }
    let mut credentials = Vec::new();
    if let Some(token) = bearer {
        credentials.push(found(token, CredentialSource::BearerOption, SuggestedAuth::Bearer));
    }
    if let Some(user) = user {
        credentials.push(user_credential(&user, &mut notes));
    }
    let mut kept = Vec::new();
    for header in headers {
        match header_credential(&header.name, &header.value, &mut notes) {
            Some(c) => credentials.push(c),
            None => kept.push(header),
        }
    }
    let mut kept_query = Vec::new();
    for row in query {
        if credential_query_name(&row.name) || looks_like_key(&row.value) {
            let suggested = SuggestedAuth::ApiKey { name: row.name.clone(), placement: KeyPlacement::Query };
            credentials.push(found(row.value, CredentialSource::Query(row.name), suggested));
        } else {
            kept_query.push(row);
        }
    }
    credentials.retain(|c| !c.secret.is_empty());
    if credentials.len() > 1 {
        let others: Vec<String> = credentials[1..].iter().map(|c| c.source.words()).collect();
        notes.push(format!(
            "The command carries more than one credential. The first is offered to the profile; the others ({}) were also taken out of the request. Add them to the profile by hand if the API needs them.",
            others.join(", ")
        ));
    }
    body_secret_note(&draft.body, &mut notes);
    let mut seen = std::collections::HashSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    draft.headers = kept;
    draft.query = kept_query;
    Ok(CurlImport { draft, credentials, notes })
}

fn found(value: String, source: CredentialSource, suggested: SuggestedAuth) -> FoundCredential {
    let prefix = crate::core::key_prefix::find(&value);
    let looks_like = prefix.map(|p| p.kind.clone());
    let environment = prefix.and_then(|p| p.environment);
    FoundCredential { secret: Secret::new(value), source, suggested, looks_like, environment }
}

/// Split `https://host/path?a=1&b=2` into the address and query rows.
fn split_query(url: &str) -> (String, Vec<KeyValue>) {
    let (without_fragment, _) = url.split_once('#').unwrap_or((url, ""));
    match without_fragment.split_once('?') {
        Some((base, query)) => (
            base.to_owned(),
            url::form_urlencoded::parse(query.as_bytes())
                .filter(|(n, _)| !n.is_empty())
                .map(|(n, v)| KeyValue::new(n, v))
                .collect(),
        ),
        None => (without_fragment.to_owned(), Vec::new()),
    }
}

fn take_header(headers: &mut Vec<KeyValue>, name: &str) -> Option<String> {
    let index = headers.iter().position(|h| h.name.eq_ignore_ascii_case(name))?;
    Some(headers.remove(index).value)
}

fn body_from(text: &str, headers: &mut Vec<KeyValue>) -> BodyDraft {
    let content_type =
        headers.iter().find(|h| h.name.eq_ignore_ascii_case("Content-Type")).map(|h| h.value.trim().to_owned());
    let media = content_type.as_deref().map(|c| c.split(';').next().unwrap_or(c).trim().to_ascii_lowercase());
    let parses_as_json = {
        let t = text.trim_start();
        (t.starts_with('{') || t.starts_with('[')) && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    };
    match media.as_deref() {
        Some(m) if m == "application/json" || m.ends_with("+json") => {
            if content_type.as_deref() == Some("application/json") {
                take_header(headers, "Content-Type");
                BodyDraft::Json { text: text.to_owned() }
            } else {
                // Keep a content type with more to it (charset, +json) exactly as given.
                let content_type = take_header(headers, "Content-Type").unwrap_or_default();
                BodyDraft::Raw { content_type, text: text.to_owned() }
            }
        }
        None if parses_as_json => BodyDraft::Json { text: text.to_owned() },
        Some("application/x-www-form-urlencoded") | None if text.contains('=') => {
            take_header(headers, "Content-Type");
            BodyDraft::Form {
                fields: url::form_urlencoded::parse(text.as_bytes()).map(|(n, v)| KeyValue::new(n, v)).collect(),
            }
        }
        None => BodyDraft::Raw { content_type: "application/x-www-form-urlencoded".to_owned(), text: text.to_owned() },
        Some(_) => {
            let content_type = take_header(headers, "Content-Type").unwrap_or_default();
            BodyDraft::Raw { content_type, text: text.to_owned() }
        }
    }
}

/// Query parameter names that carry a credential to move into a profile: the ones the app masks
/// (`redact::is_sensitive_query_name`), less those that are part of a flow or a signature
/// (an OAuth `code`, a request signature), which are not a key a profile could send.
fn credential_query_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    crate::core::redact::is_sensitive_query_name(&lower)
        && !matches!(lower.as_str(), "code" | "sig" | "signature" | "id_token")
        && !lower.starts_with("x-amz-")
}

/// Credentials typed or pasted into a request itself — its URL's query, the query table, the
/// headers, or the body — where they would be stored with the request instead of in the keychain.
/// Header and query credentials can be moved into a profile; one in the body is only pointed out.
pub fn credentials_in_draft(draft: &crate::core::request::RequestDraft) -> Vec<FoundCredential> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let (_, url_query) = split_query(&draft.url);
    for row in url_query.iter().chain(draft.query.iter().filter(|r| r.enabled)) {
        if !row.value.trim().is_empty()
            && !row.value.contains("{{")
            && (credential_query_name(&row.name) || looks_like_key(&row.value))
        {
            let suggested = SuggestedAuth::ApiKey { name: row.name.clone(), placement: KeyPlacement::Query };
            out.push(found(row.value.clone(), CredentialSource::Query(row.name.clone()), suggested));
        }
    }
    for row in draft.headers.iter().filter(|r| r.enabled && !r.value.trim().is_empty() && !r.value.contains("{{")) {
        if let Some(credential) = header_credential(&row.name, row.value.trim(), &mut notes) {
            out.push(credential);
        }
    }
    let body = match &draft.body {
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => text.clone(),
        BodyDraft::Form { fields } => {
            fields.iter().filter(|f| f.enabled).map(|f| f.value.as_str()).collect::<Vec<_>>().join(" ")
        }
        BodyDraft::None => String::new(),
    };
    if let Some(value) = body_credential(&body) {
        out.push(found(value, CredentialSource::Body, SuggestedAuth::Bearer));
    }
    out
}

/// A credential-looking word in a body: an `Authorization:` line, a JWT, a known key, or a
/// long random-looking string (the kind that is a key, not a word or an id).
fn body_credential(body: &str) -> Option<String> {
    if body.len() > 256 * 1024 {
        return None;
    }
    for line in body.lines() {
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("authorization")
        {
            let value = value.trim().trim_matches(|c| c == '"' || c == ',').trim();
            let token = value.split_once(' ').map_or(value, |(_, rest)| rest.trim());
            if !token.is_empty() {
                return Some(token.to_owned());
            }
        }
    }
    body.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.+/=".contains(c)))
        .find(|word| looks_like_key(word) || high_entropy(word))
        .map(str::to_owned)
}

/// At least 32 characters of letters and digits mixed like a random key (over 4 bits of
/// entropy per character), not a word, a UUID or a hex hash.
fn high_entropy(word: &str) -> bool {
    if word.len() < 32 || word.len() > 512 {
        return false;
    }
    let has = |f: fn(&char) -> bool| word.chars().any(|c| f(&c));
    if !(has(char::is_ascii_lowercase) && has(char::is_ascii_uppercase) && has(char::is_ascii_digit)) {
        return false;
    }
    let mut counts = std::collections::HashMap::new();
    for c in word.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    #[allow(clippy::cast_precision_loss, reason = "short strings; an estimate")]
    let len = word.len() as f64;
    #[allow(clippy::cast_precision_loss, reason = "short strings; an estimate")]
    let entropy: f64 = counts
        .values()
        .map(|&n| {
            let p = n as f64 / len;
            -p * p.log2()
        })
        .sum();
    entropy > 4.0
}

/// Header names that carry an API key or token as their whole value.
fn credential_header_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.contains("csrf") || lower.contains("xsrf") || lower == "x-request-id" || lower == "idempotency-key" {
        return false;
    }
    lower.contains("api-key")
        || lower.contains("apikey")
        || lower.contains("api_key")
        || lower.contains("token")
        || lower.contains("secret")
        || lower.contains("password")
        || lower.contains("subscription-key")
        || lower.contains("access-key")
        || lower == "key"
        || lower.ends_with("-key")
        || lower.ends_with("_key")
}

/// A value that looks like a known kind of key (by its prefix) or a JWT.
fn looks_like_key(value: &str) -> bool {
    let value = value.trim();
    if value.len() < 12 || value.contains(' ') {
        return false;
    }
    crate::core::key_prefix::find(value).is_some_and(|p| !p.publishable)
        || (value.starts_with("eyJ") && value.matches('.').count() == 2)
}

fn header_credential(name: &str, value: &str, notes: &mut Vec<String>) -> Option<FoundCredential> {
    let source = CredentialSource::Header(name.to_owned());
    if name.eq_ignore_ascii_case("Authorization") {
        let (scheme, rest) = value.split_once(' ').map_or((value, ""), |(s, r)| (s, r.trim()));
        if scheme.eq_ignore_ascii_case("Bearer") && !rest.is_empty() {
            return Some(found(rest.to_owned(), source, SuggestedAuth::Bearer));
        }
        if scheme.eq_ignore_ascii_case("Basic")
            && let Some(pair) = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
            && let Some((user, password)) = pair.split_once(':')
        {
            return Some(basic_credential(user, password, source, notes));
        }
        // Another scheme (Token, Bot, SSWS, ...): the whole value is the credential.
        let suggested = SuggestedAuth::ApiKey { name: name.to_owned(), placement: KeyPlacement::Header };
        return Some(found(value.to_owned(), source, suggested));
    }
    if name.eq_ignore_ascii_case("Proxy-Authorization") || name.eq_ignore_ascii_case("Cookie") {
        if name.eq_ignore_ascii_case("Cookie") && !value.is_empty() {
            notes.push(
                "The command sends cookies (a Cookie header). They may hold a sign-in session: they stay in the request's headers, and history shows them masked."
                    .to_owned(),
            );
        }
        return None;
    }
    if credential_header_name(name) || looks_like_key(value) {
        let suggested = SuggestedAuth::ApiKey { name: name.to_owned(), placement: KeyPlacement::Header };
        return Some(found(value.to_owned(), source, suggested));
    }
    None
}

fn user_credential(user: &str, notes: &mut Vec<String>) -> FoundCredential {
    if let Some((name, password)) = user.split_once(':') {
        basic_credential(name, password, CredentialSource::UserOption, notes)
    } else {
        notes.push(format!(
            "-u gives the username \"{}\" without a password (curl would ask for it). Set the password in the profile.",
            shorten(user)
        ));
        found(String::new(), CredentialSource::UserOption, SuggestedAuth::Basic { username: user.to_owned() })
    }
}

fn basic_credential(user: &str, password: &str, source: CredentialSource, notes: &mut Vec<String>) -> FoundCredential {
    if password.is_empty() && !user.is_empty() {
        // Stripe-style: the key is the username and the password is empty. A profile keeps the
        // username in its file, so the key goes to the keychain as a bearer token instead.
        notes.push(
            "The key was sent as a username with an empty password. Gatepass keeps usernames in the profile file, which is no place for a key, so it suggests sending the key as an access token (bearer), which APIs like Stripe also accept."
                .to_owned(),
        );
        return found(user.to_owned(), source, SuggestedAuth::Bearer);
    }
    found(password.to_owned(), source, SuggestedAuth::Basic { username: user.to_owned() })
}

fn body_secret_note(body: &BodyDraft, notes: &mut Vec<String>) {
    let names: Vec<String> = match body {
        BodyDraft::Form { fields } => fields
            .iter()
            .filter(|f| matches!(f.name.to_ascii_lowercase().as_str(), "client_secret" | "password" | "refresh_token"))
            .map(|f| f.name.clone())
            .collect(),
        BodyDraft::Json { text } => ["client_secret", "password", "refresh_token"]
            .iter()
            .filter(|n| text.contains(&format!("\"{n}\"")))
            .map(|n| (*n).to_owned())
            .collect(),
        _ => Vec::new(),
    };
    if !names.is_empty() {
        notes.push(format!(
            "The body holds a secret ({}). It stays in the body: for a sign-in server's token endpoint, an OAuth 2 client credentials profile keeps the client secret in the keychain instead.",
            names.join(", ")
        ));
    }
}

#[cfg(test)]
mod draft_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::core::request::RequestDraft;

    #[test]
    fn credentials_pasted_into_a_request_are_found_wherever_they_are() {
        let live = ["sk_", "live_", "51HqLyjWDarjtT1zdp7dc0123"].concat();
        let mut draft = RequestDraft::get(format!("https://api.example.com/v1/x?api_key={live}&page=2"));
        draft.headers.push(crate::core::request::KeyValue::new(
            "Authorization",
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        ));
        draft.headers.push(crate::core::request::KeyValue::new("Accept", "application/json"));
        draft.body =
            BodyDraft::Json { text: r#"{"note": "hello world", "secret": "Zk3Qp9Lx2Vb7Nc4Rt8Wy1Hd6Jm5Gs0Ae"}"#.into() };
        let found = credentials_in_draft(&draft);
        let places: Vec<String> = found.iter().map(|f| f.source.words()).collect();
        assert_eq!(places, ["query parameter api_key", "header Authorization", "the body"]);
        assert_eq!(
            found[0].suggested,
            SuggestedAuth::ApiKey { name: "api_key".into(), placement: KeyPlacement::Query }
        );
        assert_eq!(found[1].suggested, SuggestedAuth::Bearer);
        assert!(!format!("{found:?}").contains(&live));
    }

    #[test]
    fn ordinary_requests_and_variables_are_left_alone() {
        let mut draft = RequestDraft::get("https://api.example.com/v1/orders?page=2&sort=desc");
        draft.headers.push(crate::core::request::KeyValue::new("X-Api-Key", "{{api_key}}"));
        draft.headers.push(crate::core::request::KeyValue::new("X-Request-Id", "3f2c9a8e-1b4d-4c6e-9f0a-7d5e2b1c8a90"));
        draft.body =
            BodyDraft::Json { text: r#"{"item": "notebook", "id": "d41d8cd98f00b204e9800998ecf8427e"}"#.into() };
        assert!(credentials_in_draft(&draft).is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(input: &str) -> Vec<String> {
        tokenize(input)
            .unwrap()
            .into_iter()
            .map(|t| match t {
                Token::Word(w) | Token::Operator(w) => w,
            })
            .collect()
    }

    #[test]
    fn quotes_escapes_and_continuations() {
        assert_eq!(
            words("curl 'a b' \"c \\\"d\\\" $e\" f\\ g \\\n  -H $'x\\ty'"),
            ["curl", "a b", "c \"d\" $e", "f g", "-H", "x\ty"]
        );
        assert_eq!(words("curl ^\n  -H ^\"A: b^\" ^\n  x"), ["curl", "-H", "A: b", "x"]);
        assert_eq!(words("curl x | jq ."), ["curl", "x", "|", "jq", "."]);
        // A continuation whose line break was lost in the copy.
        assert_eq!(words("curl x \\  -H 'A: b' \\ -k"), ["curl", "x", "-H", "A: b", "-k"]);
    }

    #[test]
    fn unclosed_quote_says_where() {
        assert_eq!(
            tokenize("curl \\\n  -d 'abc").unwrap_err(),
            CurlError::UnclosedQuote { quote: "single (')", line: 2, column: 6 }
        );
    }

    #[test]
    fn basic_header_is_decoded() {
        let got = import("curl https://x.test -H 'Authorization: Basic YXBpOmtleS0xMjM0NTY3ODkwYWJj'").unwrap();
        let c = got.credential().unwrap();
        assert_eq!(c.suggested, SuggestedAuth::Basic { username: "api".to_owned() });
        assert_eq!(c.secret.expose(), "key-1234567890abc");
        assert!(got.draft.headers.is_empty());
    }
}
