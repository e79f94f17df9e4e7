//! From one request's options to a [`RequestDraft`]: the request curl would send, built the way
//! curl builds it.
//!
//! ```text
//! options (one request) -> address (scheme guessed as curl does, userinfo, -T file name, query,
//!                          --url-query, -G data) -> method -> headers (-H, -A, -e, -b, --range,
//!                          -z, --json) -> body (-d/--data-*/--json joined as curl joins them,
//!                          -T, files read only when allowed) -> credential taken out -> notes
//! ```
//!
//! Where curl sends something a draft cannot hold, or that needs a file the import may not read,
//! a note says so in words and `left_out` names the part, so an import never claims to be what
//! curl sends when it is not.

use super::detect::query_credential;
use super::found::{
    CredentialSource, FoundCredential, SuggestedAuth, body_secret_note, header_credential, user_credential,
};
use super::options::{Given, Item, Role};
use super::{CurlError, Files, shorten};
use crate::core::profile::KeyPlacement;
use crate::core::request::{BodyDraft, KeyValue, Method, RequestDraft};

mod address;
mod body;
mod form;

pub(crate) use address::split_query;
use address::{address, choose_url, form_rows};
use body::{
    DataKind, FORM_TYPE, JSON_TYPE, Reader, body_from, data_piece, expand, upload_body, url_query_piece, variable,
};

/// What one request of a curl command became.
pub(super) struct Built {
    pub draft: RequestDraft,
    pub credentials: Vec<FoundCredential>,
    pub notes: Vec<String>,
    pub left_out: Vec<String>,
}

/// Where the command's standard input comes from, when the shell line says (`< file`).
#[derive(Debug, Clone, Default)]
pub(super) struct Stdin {
    pub file: Option<String>,
}

/// A header row as it will be built, and whether the user typed it (-H) or curl adds it itself
/// (-A, -e, -b, --range …). A typed header replaces curl's own of the same name.
struct Row {
    name: String,
    value: String,
    typed: bool,
}

/// Everything a request's options say, gathered in the order given.
#[derive(Default)]
#[expect(clippy::struct_excessive_bools, reason = "one field per curl switch, read once by `build`")]
struct Gathered {
    urls: Vec<(String, bool)>,
    uploads: Vec<String>,
    method: Option<String>,
    head: bool,
    get: bool,
    rows: Vec<Row>,
    /// Headers `-H 'Name:'` tells curl not to send.
    removed: Vec<String>,
    data: Vec<(DataKind, String)>,
    json: bool,
    user: Option<String>,
    bearer: Option<String>,
    digest: bool,
    ntlm: bool,
    negotiate: bool,
    anyauth: bool,
    basic_off: bool,
    aws_sigv4: bool,
    netrc: bool,
    cookies: Vec<String>,
    cookie_files: Vec<String>,
    forms: Vec<form::FormArg>,
    url_queries: Vec<String>,
    max_time: Option<String>,
    compressed: bool,
    proto_default: Option<String>,
    globoff: bool,
    user_agent_removed: bool,
    variables: std::collections::BTreeMap<String, String>,
}

/// Build the draft for one request of the command.
pub(super) fn build(items: &[Item], files: &dyn Files, stdin: &Stdin) -> Result<Built, CurlError> {
    let mut out =
        Built { draft: RequestDraft::default(), credentials: Vec::new(), notes: Vec::new(), left_out: Vec::new() };
    let mut g = Gathered::default();
    let reader = Reader { files, stdin };
    for item in items {
        match item {
            Item::Url { url, after_unknown } => g.urls.push((url.clone(), *after_unknown)),
            Item::Option(given) => gather(given, &mut g, &reader, &mut out)?,
        }
    }
    let url = choose_url(&g, &mut out.notes, &mut out.left_out)?;
    let address = address(&url, &g, &mut out)?;
    out.draft.url = address.url;
    let mut query = address.query;
    for piece in &g.url_queries {
        if let Some(text) = url_query_piece(piece, &reader, &mut out) {
            query.extend(form_rows(&text));
        }
    }

    // The body, as curl joins its pieces: `&` between them, none before a --json piece.
    // A piece whose file was not read is left out (and named); the body keeps its kind and type,
    // ready for the content to be pasted in.
    let mut body: Option<String> = None;
    for (kind, value) in &g.data {
        let piece = data_piece(*kind, value, &reader, &mut out);
        let joined = body.get_or_insert_with(String::new);
        let Some(piece) = piece else { continue };
        if !joined.is_empty() && *kind != DataKind::Json {
            joined.push('&');
        }
        joined.push_str(&piece);
    }
    let has_data = !g.data.is_empty();
    let upload = g.uploads.first().filter(|f| !f.is_empty()).cloned();
    if g.uploads.len() > 1 {
        out.notes.push("The command uploads more than one file (-T); Gatepass imported the first upload.".to_owned());
    }

    let has_form = !g.forms.is_empty();
    out.draft.method = method(&g, has_data || has_form, upload.is_some(), &mut out.notes)?;
    if g.get
        && has_data
        && let Some(text) = body.take()
    {
        query.extend(form_rows(&text));
    }
    out.draft.query = query;

    let content_type_default = if g.json {
        Some(JSON_TYPE)
    } else if has_data && !g.get {
        Some(FORM_TYPE)
    } else {
        None
    };
    if let Some(file) = &upload {
        if has_data && !g.get {
            out.notes.push(format!(
                "curl itself refuses to send -d data and upload a file with -T in one request. Gatepass sends the -d data with PUT to the upload address, and leaves the file \"{}\" out.",
                shorten(file)
            ));
            out.left_out.push(format!("the file \"{}\" that -T uploads", shorten(file)));
        } else {
            body = Some(upload_body(file, &reader, &mut out).unwrap_or_default());
        }
    }

    let mut rows = std::mem::take(&mut g.rows);
    if g.json {
        set_own(&mut rows, "Accept", JSON_TYPE);
    }
    own_headers(&g, &mut rows, &mut out.notes);
    let content_type = effective_header(&rows, &g.removed, "Content-Type").or(content_type_default.map(str::to_owned));
    let content_type =
        if g.removed.iter().any(|r| r.eq_ignore_ascii_case("Content-Type")) { None } else { content_type };
    let mut headers: Vec<KeyValue> = rows
        .into_iter()
        .filter(|row| !g.removed.iter().any(|r| r.eq_ignore_ascii_case(&row.name)) || row.typed)
        .map(|row| KeyValue::new(row.name, row.value))
        .collect();
    if has_form && (has_data || upload.is_some()) {
        out.notes.push(
            "curl itself refuses to send a form (-F) together with -d data or a -T upload. Gatepass sends the other body and leaves the form out."
                .to_owned(),
        );
        out.left_out.push("the form (-F)".to_owned());
    } else if has_form {
        let (boundary, text) = form::multipart(&g.forms, &reader, &mut out);
        // A typed multipart type gets the boundary, as curl adds it.
        let typed = headers
            .iter()
            .position(|h| {
                h.name.eq_ignore_ascii_case("Content-Type") && h.value.to_ascii_lowercase().starts_with("multipart/")
            })
            .map(|i| headers.remove(i).value);
        let kind = typed.unwrap_or_else(|| "multipart/form-data".to_owned());
        let content_type = format!("{}; boundary={boundary}", kind.trim().trim_end_matches(';'));
        out.draft.body = BodyDraft::Raw { content_type, text };
    }
    if let Some(text) = body {
        out.draft.body = body_from(&text, content_type.as_deref(), &mut headers, &mut out.notes);
    }

    if let Some(limit) = &g.max_time {
        time_limit(limit, &mut out);
    }
    credentials(&mut g, address.userinfo, &mut headers, &mut out);
    out.draft.headers = headers;
    body_secret_note(&out.draft.body, &mut out.notes);
    Ok(out)
}

fn gather(given: &Given, g: &mut Gathered, reader: &Reader<'_>, out: &mut Built) -> Result<(), CurlError> {
    let value = if given.expand { expand(&given.value, &g.variables, out) } else { given.value.clone() };
    match given.spec.role {
        Role::Output | Role::OtherProtocol => return Ok(()),
        Role::Help => return Err(CurlError::NoRequest { option: given.typed.clone() }),
        Role::Connection(what) => {
            out.notes.push(connection_note(given, what));
            return Ok(());
        }
        Role::Request => {}
    }
    match given.spec.long {
        "url" => g.urls.push((value, false)),
        "request" => g.method = Some(value),
        "head" => g.head = given.on,
        "get" => g.get = given.on,
        "header" => header_option(&value, g, reader, out),
        "data" | "data-ascii" => g.data.push((DataKind::Ascii, value)),
        "data-binary" => g.data.push((DataKind::Binary, value)),
        "data-raw" => g.data.push((DataKind::Raw, value)),
        "data-urlencode" => g.data.push((DataKind::UrlEncode, value)),
        "json" => {
            g.json = true;
            g.data.push((DataKind::Json, value));
        }
        "url-query" => g.url_queries.push(value),
        "upload-file" => g.uploads.push(value),
        "form" | "form-string" => g.forms.push(form::FormArg { value, literal: given.is("form-string") }),
        "user" => g.user = Some(value),
        "oauth2-bearer" => g.bearer = Some(value),
        "basic" => g.basic_off = !given.on,
        "digest" => g.digest = given.on,
        "ntlm" | "ntlm-wb" => g.ntlm = given.on,
        "negotiate" => g.negotiate = given.on,
        "anyauth" => g.anyauth = true,
        "aws-sigv4" => g.aws_sigv4 = true,
        "netrc" | "netrc-optional" => g.netrc = given.on,
        "netrc-file" => g.netrc = true,
        "user-agent" => {
            if value.is_empty() {
                g.user_agent_removed = true;
                g.rows.retain(|r| r.typed || !r.name.eq_ignore_ascii_case("User-Agent"));
            } else {
                g.user_agent_removed = false;
                set_own(&mut g.rows, "User-Agent", &value);
            }
        }
        "referer" => {
            let referer = value.strip_suffix(";auto").unwrap_or(&value);
            if !referer.is_empty() {
                set_own(&mut g.rows, "Referer", referer);
            }
        }
        "cookie" => {
            if value.contains('=') {
                g.cookies.push(value);
            } else {
                g.cookie_files.push(value);
            }
        }
        "range" => {
            let range = if value.contains('-') { value } else { format!("{}-", value.trim()) };
            set_own(&mut g.rows, "Range", &format!("bytes={range}"));
        }
        "continue-at" => {
            if value.trim() == "-" {
                out.notes.push(
                    "-C - makes curl go on from the size of the file it saves to. Gatepass saves no file, so it asks for the whole answer."
                        .to_owned(),
                );
            } else {
                set_own(&mut g.rows, "Range", &format!("bytes={}-", value.trim()));
            }
        }
        "time-cond" => time_condition(&value, g, out),
        "etag-compare" => {
            if let Some(text) = reader.read_text(&value, "the ETag to compare", out) {
                let etag = text.lines().next().unwrap_or_default().trim().to_owned();
                set_own(&mut g.rows, "If-None-Match", if etag.is_empty() { "\"\"" } else { &etag });
            }
        }
        "max-time" => g.max_time = Some(value),
        "compressed" => g.compressed = given.on,
        "proto-default" => g.proto_default = Some(value.trim().to_ascii_lowercase()),
        "globoff" => g.globoff = given.on,
        "variable" => variable(&value, g, reader, out),
        "insecure" => {
            if given.on {
                out.notes.push(
                    "-k (--insecure) was left out: Gatepass always checks the server's certificate, so a server with a broken certificate fails here. A profile can trust a private certificate authority instead."
                        .to_owned(),
                );
            }
        }
        "config" => {
            out.notes.push(format!(
                "curl reads more options from the config file \"{}\" (-K), which was not read. Gatepass reads a file a command names only when you let it; or add what the file holds to the command.",
                shorten(&value)
            ));
            out.left_out.push(format!("the options in the config file \"{}\"", shorten(&value)));
        }
        "request-target" => {
            out.notes.push(
                "--request-target makes curl ask for another target than the address's path. Gatepass sends the path of the address."
                    .to_owned(),
            );
            out.left_out.push("the request target set with --request-target".to_owned());
        }
        "tr-encoding" => {
            if given.on {
                out.notes.push(
                    "--tr-encoding asks the server to compress the answer in transit. Gatepass reads answers as they are, so it was left out; the content is the same."
                        .to_owned(),
                );
            }
        }
        // --next is read by `options::read`; --path-as-is and --form-escape change nothing here.
        "next" | "path-as-is" | "form-escape" => {}
        other => out.notes.push(format!("Gatepass does not use the option --{other}, so it was left out.")),
    }
    Ok(())
}

fn connection_note(given: &Given, what: &str) -> String {
    let hint = match given.spec.long {
        "cert" | "key" => " A profile can send a client certificate; add it there.",
        "cacert" | "capath" => " A profile can trust a private certificate authority; add it there.",
        _ => "",
    };
    format!(
        "{} {what}. That changes how curl connects, not what it sends, and Gatepass connects directly, so it was left out.{hint}",
        given.typed
    )
}

/// curl's own headers (`-A`, `-e`, `--range`, …) are set once per name; the last value wins.
fn set_own(rows: &mut Vec<Row>, name: &str, value: &str) {
    if let Some(row) = rows.iter_mut().find(|r| !r.typed && r.name.eq_ignore_ascii_case(name)) {
        value.clone_into(&mut row.value);
    } else {
        rows.push(Row { name: name.to_owned(), value: value.to_owned(), typed: false });
    }
}

fn header_option(value: &str, g: &mut Gathered, reader: &Reader<'_>, out: &mut Built) {
    if let Some(file) = value.strip_prefix('@') {
        if let Some(text) = reader.read_text(file, "headers", out) {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                header_line(line, g, out);
            }
        }
        return;
    }
    header_line(value, g, out);
}

fn header_line(value: &str, g: &mut Gathered, out: &mut Built) {
    if let Some((name, rest)) = value.split_once(':') {
        let name = name.trim();
        let rest = rest.trim();
        if rest.is_empty() {
            // "Name:" with nothing after it tells curl to leave that header out.
            g.removed.push(name.to_owned());
            g.rows.retain(|r| !r.name.eq_ignore_ascii_case(name));
        } else {
            g.rows.push(Row { name: name.to_owned(), value: rest.to_owned(), typed: true });
        }
    } else if let Some(name) = value.trim().strip_suffix(';') {
        // "Name;" sends the header with an empty value.
        g.rows.push(Row { name: name.trim().to_owned(), value: String::new(), typed: true });
    } else {
        out.notes.push(format!("The header \"{}\" has no colon (:), so curl does not send it either.", shorten(value)));
    }
}

/// The value of a header curl will send: the typed one, else curl's own.
fn effective_header(rows: &[Row], removed: &[String], name: &str) -> Option<String> {
    if removed.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return None;
    }
    rows.iter().find(|r| r.typed && r.name.eq_ignore_ascii_case(name)).map(|r| r.value.clone())
}

/// Add the cookie header and the notes for what curl adds by itself; drop curl's own headers
/// that a typed header replaces or `-H 'Name:'` removes.
fn own_headers(g: &Gathered, rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    let typed = |rows: &[Row], name: &str| rows.iter().any(|r| r.typed && r.name.eq_ignore_ascii_case(name));
    if !g.cookies.is_empty() {
        if typed(rows, "Cookie") {
            notes.push(
                "The command gives cookies with -b and also a Cookie header; like curl, Gatepass sends only the header."
                    .to_owned(),
            );
        } else {
            set_own(rows, "Cookie", &g.cookies.join("; "));
        }
    }
    for file in &g.cookie_files {
        notes.push(format!(
            "curl reads cookies from the file \"{}\" and sends those that match the address. Gatepass does not read cookie files; add a Cookie header if the request needs one.",
            shorten(file)
        ));
    }
    if g.compressed && !typed(rows, "Accept-Encoding") {
        notes.push(
            "--compressed asks the server to compress its answer. Gatepass reads answers as they are sent, so it leaves that out; the answer's content is the same."
                .to_owned(),
        );
    }
    if g.user_agent_removed && !typed(rows, "User-Agent") {
        notes.push(
            "-A \"\" tells curl to send no User-Agent header. Gatepass always names itself in that header.".to_owned(),
        );
    }
    // A typed header replaces curl's own header of the same name.
    let typed_names: Vec<String> = rows.iter().filter(|r| r.typed).map(|r| r.name.to_ascii_lowercase()).collect();
    rows.retain(|row| row.typed || !typed_names.contains(&row.name.to_ascii_lowercase()));
}

fn method(g: &Gathered, has_data: bool, upload: bool, notes: &mut Vec<String>) -> Result<Method, CurlError> {
    if let Some(typed) = &g.method {
        let trimmed = typed.trim();
        let method = Method::parse(trimmed).ok_or_else(|| CurlError::UnsupportedMethod { method: shorten(trimmed) })?;
        if method.as_str() != trimmed {
            notes.push(format!(
                "curl sends the method exactly as typed, \"{}\"; Gatepass sends {}. Most servers only know the upper-case name.",
                shorten(trimmed),
                method.as_str()
            ));
        }
        return Ok(method);
    }
    Ok(if g.head {
        if has_data {
            notes.push("curl refuses -I (HEAD) together with data; Gatepass sends HEAD without the data.".to_owned());
        }
        Method::Head
    } else if upload {
        Method::Put
    } else if g.get {
        Method::Get
    } else if has_data {
        Method::Post
    } else {
        Method::Get
    })
}

fn time_limit(limit: &str, out: &mut Built) {
    match limit.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 => {
            if secs > 3600.0 {
                out.notes.push("curl's time limit is over an hour; Gatepass waits at most an hour.".to_owned());
            }
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped to 1..=3600")]
            let whole = secs.clamp(1.0, 3600.0).ceil() as u64;
            out.draft.timeout_secs = whole;
        }
        Ok(0.0) => {
            out.notes.push("-m 0 means no time limit to curl; Gatepass waits at most an hour.".to_owned());
            out.draft.timeout_secs = 3600;
        }
        _ => out
            .notes
            .push(format!("The time limit \"{}\" is not a number of seconds; it was left out.", shorten(limit))),
    }
}

/// `-z DATE` (If-Modified-Since), `-z -DATE` (If-Unmodified-Since), `-z =DATE` (Last-Modified).
fn time_condition(value: &str, g: &mut Gathered, out: &mut Built) {
    let (name, date) = match value.chars().next() {
        Some('-') => ("If-Unmodified-Since", &value[1..]),
        Some('=') => ("Last-Modified", &value[1..]),
        Some('+') => ("If-Modified-Since", &value[1..]),
        _ => ("If-Modified-Since", value),
    };
    if let Some(text) = http_date(date.trim()) {
        set_own(&mut g.rows, name, &text);
    } else {
        out.notes.push(format!(
            "-z \"{}\" is not a date Gatepass can read (curl also takes a file's time), so the {name} header was left out.",
            shorten(date)
        ));
        out.left_out.push(format!("the {name} header"));
    }
}

/// A date in the forms curl's `-z` reads most often, written as an HTTP date.
fn http_date(text: &str) -> Option<String> {
    use time::format_description::well_known::{Rfc2822, Rfc3339};
    let fixdate = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let parsed = time::OffsetDateTime::parse(text, &Rfc2822)
        .or_else(|_| time::OffsetDateTime::parse(&text.replace(" GMT", " +0000").replace(" UTC", " +0000"), &Rfc2822))
        .or_else(|_| time::OffsetDateTime::parse(text, &Rfc3339))
        .ok()
        .or_else(|| {
            let date_only = time::macros::format_description!("[year]-[month]-[day]");
            let compact = time::macros::format_description!("[year][month][day]");
            time::Date::parse(text, &date_only)
                .or_else(|_| time::Date::parse(text, &compact))
                .ok()
                .map(|d| d.midnight().assume_utc())
        })?;
    parsed.to_offset(time::UtcOffset::UTC).format(&fixdate).ok()
}

/// Take the credential(s) out of the request: the one curl sends as `Authorization` first, then
/// key headers and query parameters.
fn credentials(
    g: &mut Gathered,
    userinfo: Option<(String, Option<String>)>,
    headers: &mut Vec<KeyValue>,
    out: &mut Built,
) {
    let typed_authorization = headers.iter().any(|h| h.name.eq_ignore_ascii_case("Authorization"));
    let mut found: Vec<FoundCredential> = Vec::new();
    let challenge_only = g.digest || g.ntlm || g.negotiate;
    let from_url = g.user.is_none();
    let user = g.user.take().or_else(|| {
        userinfo.map(|(user, password)| match password {
            Some(p) => format!("{user}:{p}"),
            None => user,
        })
    });
    if g.aws_sigv4 {
        out.notes.push(
            "curl signs this request with AWS Signature Version 4 (--aws-sigv4), using the key in -u. Gatepass cannot sign requests that way yet, so it sends it unsigned; the key was left out of the request."
                .to_owned(),
        );
        out.left_out.push("the AWS signature".to_owned());
    } else if typed_authorization {
        if user.is_some() || g.bearer.is_some() {
            out.notes.push(
                "The command sets its own Authorization header, so curl does not send the -u or --oauth2-bearer credential; neither does Gatepass."
                    .to_owned(),
            );
        }
    } else if let Some(token) = g.bearer.take() {
        found.push(super::found::found(token, CredentialSource::BearerOption, SuggestedAuth::Bearer));
    } else if let Some(user) = user {
        if challenge_only && !g.anyauth {
            let scheme = if g.digest {
                "Digest"
            } else if g.ntlm {
                "NTLM"
            } else {
                "Negotiate (Kerberos)"
            };
            out.notes.push(format!(
                "curl signs in with {scheme}, answering the server's challenge. Gatepass cannot sign in that way yet, and will not send the password as Basic instead; the credential was left out of the request."
            ));
            out.left_out.push(format!("the {scheme} sign-in"));
        } else {
            if g.anyauth {
                out.notes.push(
                    "--anyauth lets the server choose how curl signs in. Gatepass sends the username and password as Basic."
                        .to_owned(),
                );
            }
            let mut credential = user_credential(&user, &mut out.notes);
            if from_url && let CredentialSource::UserOption = credential.source {
                credential.source = CredentialSource::UrlUserinfo;
            }
            if g.basic_off && !g.anyauth && !challenge_only {
                out.notes.push(
                    "--no-basic turns Basic off, so curl sends the -u credential with no method at all.".to_owned(),
                );
            }
            found.push(credential);
        }
    } else if g.netrc {
        out.notes.push(
            "curl reads the username and password from the .netrc file (--netrc). Gatepass does not; put them in the profile."
                .to_owned(),
        );
        out.left_out.push("the credential from .netrc".to_owned());
    }
    let mut kept = Vec::new();
    for header in std::mem::take(headers) {
        match header_credential(&header.name, &header.value, &mut out.notes) {
            Some(c) => found.push(c),
            None => kept.push(header),
        }
    }
    *headers = kept;
    let mut kept_query = Vec::new();
    for row in std::mem::take(&mut out.draft.query) {
        if query_credential(&row.name, &row.value) {
            let suggested = SuggestedAuth::ApiKey { name: row.name.clone(), placement: KeyPlacement::Query };
            found.push(super::found::found(row.value, CredentialSource::Query(row.name), suggested));
        } else {
            kept_query.push(row);
        }
    }
    out.draft.query = kept_query;
    found.retain(|c| !c.secret.is_empty());
    if found.len() > 1 {
        let others: Vec<String> = found[1..].iter().map(|c| c.source.words()).collect();
        out.notes.push(format!(
            "The command carries more than one credential. The first is offered to the profile; the others ({}) were also taken out of the request. Add them to the profile by hand if the API needs them.",
            others.join(", ")
        ));
        out.left_out.push(format!("the other credentials ({})", others.join(", ")));
    }
    out.credentials = found;
}
