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
use super::{CurlError, FileRefusal, Files, shorten};
use crate::core::profile::KeyPlacement;
use crate::core::request::{BodyDraft, KeyValue, Method, RequestDraft};

const FORM_TYPE: &str = "application/x-www-form-urlencoded";
const JSON_TYPE: &str = "application/json";

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

/// How `--data`, `--data-binary`, `--data-raw`, `--data-urlencode` and `--json` treat their value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataKind {
    /// `-d`, `--data-ascii`: `@file` is read with its line breaks removed.
    Ascii,
    /// `--data-binary`: `@file` is read as it is.
    Binary,
    /// `--data-raw`: no `@file`.
    Raw,
    /// `--data-urlencode`: `[name]=content`, `[name]@file`, the content percent-encoded.
    UrlEncode,
    /// `--json`: like `--data-binary`, joined without `&`, and JSON headers.
    Json,
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
    forms: bool,
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
    if g.forms {
        return Err(CurlError::FormNotSupported);
    }
    let url = choose_url(&g, &mut out.notes)?;
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

    out.draft.method = method(&g, has_data, upload.is_some(), &mut out.notes)?;
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

/// Reads the files a command names, through what the caller allows.
struct Reader<'a> {
    files: &'a dyn Files,
    stdin: &'a Stdin,
}

impl Reader<'_> {
    /// The content of `name` (`-` is standard input), or `None` with a note saying why not.
    fn read(&self, name: &str, what: &str, out: &mut Built) -> Option<Vec<u8>> {
        let (path, shown) = if name == "-" {
            match &self.stdin.file {
                Some(file) if !file.contains(['`', '$']) => {
                    (file.as_str(), format!("standard input (the file \"{}\")", shorten(file)))
                }
                Some(source) => {
                    out.notes.push(format!(
                        "curl reads {what} from standard input, which the shell fills from \"{}\". Gatepass does not run the shell, so it was left out; paste the content into the request instead.",
                        shorten(source)
                    ));
                    out.left_out.push(format!("{what} (from standard input)"));
                    return None;
                }
                None => {
                    out.notes.push(format!(
                        "curl reads {what} from standard input (-), which a pasted command does not have. Paste it into the request instead."
                    ));
                    out.left_out.push(format!("{what} (from standard input)"));
                    return None;
                }
            }
        } else {
            (name, format!("the file \"{}\"", shorten(name)))
        };
        match self.files.read(path) {
            Ok(bytes) => Some(bytes),
            Err(refusal) => {
                let why = match refusal {
                    FileRefusal::NotAllowed => {
                        "which was not read: Gatepass reads a file a command names only when you let it".to_owned()
                    }
                    FileRefusal::Unreadable { reason } => format!("which could not be read ({reason})"),
                    FileRefusal::TooLarge { bytes, limit } => {
                        format!("which is too large to import ({bytes} bytes; at most {limit})")
                    }
                };
                out.notes.push(format!(
                    "curl sends {what} from {shown}, {why}. Paste its content into the request instead."
                ));
                out.left_out.push(format!("{what} (from {shown})"));
                None
            }
        }
    }

    /// Like [`Reader::read`], for content that must be text.
    fn read_text(&self, name: &str, what: &str, out: &mut Built) -> Option<String> {
        let bytes = self.read(name, what, out)?;
        if let Ok(text) = String::from_utf8(bytes) {
            Some(text)
        } else {
            out.notes.push(format!(
                "curl sends {what} from \"{}\", which is not text. Gatepass keeps a request's body as text, so it was left out.",
                shorten(name)
            ));
            out.left_out.push(format!("{what} (a binary file)"));
            None
        }
    }
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
        "form" | "form-string" => g.forms = true,
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
                "curl reads more options from the config file \"{}\" (-K). Gatepass does not read config files; add what it holds to the command.",
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

fn choose_url(g: &Gathered, notes: &mut Vec<String>) -> Result<String, CurlError> {
    if g.urls.is_empty() {
        return Err(CurlError::NoUrl);
    }
    // A word right after an option Gatepass does not know may be that option's value.
    let index = if g.urls.len() > 1 { g.urls.iter().position(|(_, after)| !after).unwrap_or(0) } else { 0 };
    let chosen = g.urls[index].0.clone();
    let others: Vec<String> = g
        .urls
        .iter()
        .enumerate()
        .filter(|(i, (_, after))| *i != index && !*after)
        .map(|(_, (u, _))| format!("\"{}\"", shorten(&crate::core::redact::redact_url_text(u))))
        .collect();
    if !others.is_empty() {
        notes.push(format!(
            "The command calls more than one address, one request each. Gatepass imported the first; it left out {}.",
            others.join(", ")
        ));
    }
    Ok(chosen)
}

/// The address, split for the draft.
struct Address {
    url: String,
    query: Vec<KeyValue>,
    /// `user:password` given in the address itself, percent-decoded.
    userinfo: Option<(String, Option<String>)>,
}

/// The scheme curl uses for an address written without one: a few host name prefixes name their
/// protocol, anything else is `--proto-default` or plain http.
fn guessed_scheme(host: &str, proto_default: Option<&str>) -> String {
    let lower = host.to_ascii_lowercase();
    for (prefix, scheme) in
        [("ftp.", "ftp"), ("dict.", "dict"), ("ldap.", "ldap"), ("imap.", "imap"), ("smtp.", "smtp"), ("pop3.", "pop3")]
    {
        if lower.starts_with(prefix) {
            return scheme.to_owned();
        }
    }
    proto_default.unwrap_or("http").to_owned()
}

fn address(text: &str, g: &Gathered, out: &mut Built) -> Result<Address, CurlError> {
    let text = text.trim();
    let (without_fragment, _) = text.split_once('#').unwrap_or((text, ""));
    // A `{{variable}}` address is left for the profile to fill in.
    if without_fragment.starts_with("{{") {
        let (base, query) = split_query(without_fragment);
        return Ok(Address { url: base, query, userinfo: None });
    }
    let expanded =
        if g.globoff { without_fragment.to_owned() } else { first_of_pattern(without_fragment, &mut out.notes) };
    let (scheme, rest) = match expanded.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest.to_owned()),
        None => (guessed_scheme(&expanded, g.proto_default.as_deref()), expanded.clone()),
    };
    if scheme != "http" && scheme != "https" {
        return Err(CurlError::NotHttp { scheme });
    }
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((info, host)) => {
            let (user, password) = match info.split_once(':') {
                Some((u, p)) => (percent_decode(u), Some(percent_decode(p))),
                None => (percent_decode(info), None),
            };
            (Some((user, password)), host)
        }
        None => (None, authority),
    };
    let (path, query_text) = match after.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q)),
        None => (after.to_owned(), None),
    };
    let mut path = path;
    if let Some(file) = g.uploads.first().filter(|f| !f.is_empty() && *f != "-" && *f != ".")
        && (path.is_empty() || path.ends_with('/'))
    {
        // curl puts the uploaded file's name at the end of an address that has none.
        let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
        if path.is_empty() {
            path.push('/');
        }
        path.push_str(&curl_escape(name.as_bytes(), false));
    }
    if path.contains("/../") || path.contains("/./") || path.ends_with("/..") || path.ends_with("/.") {
        out.notes.push(
            "The address's path has \".\" or \"..\" parts. Gatepass, like curl without --path-as-is, sends the path with them worked out."
                .to_owned(),
        );
    }
    let query = query_text.map(form_rows).unwrap_or_default();
    Ok(Address { url: format!("{scheme}://{host}{path}"), query, userinfo })
}

/// The first address of a curl URL pattern (`{a,b}` alternatives, `[1-3]` ranges): curl makes one
/// request for each, Gatepass imports the first and says how many there were.
fn first_of_pattern(url: &str, notes: &mut Vec<String>) -> String {
    let chars: Vec<char> = url.chars().collect();
    let mut out = String::with_capacity(url.len());
    let mut count: u64 = 1;
    let mut i = 0;
    // In `[::1]` or `[2001:db8::1]` right after `://`, brackets hold an IPv6 address.
    let host_start = url.find("://").map_or(0, |p| url[..p + 3].chars().count());
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && matches!(chars.get(i + 1), Some('{' | '}' | '[' | ']' | ',')) {
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '{'
            && let Some(end) = chars[i + 1..].iter().position(|&c| c == '}').map(|p| i + 1 + p)
        {
            let inner: String = chars[i + 1..end].iter().collect();
            if !inner.contains('{') && inner.contains(',') {
                let options: Vec<&str> = inner.split(',').collect();
                count = count.saturating_mul(options.len() as u64);
                out.push_str(options[0]);
                i = end + 1;
                continue;
            }
        }
        if c == '['
            && i != host_start
            && let Some(end) = chars[i + 1..].iter().position(|&c| c == ']').map(|p| i + 1 + p)
        {
            let inner: String = chars[i + 1..end].iter().collect();
            if let Some((first, n)) = range_first(&inner) {
                count = count.saturating_mul(n);
                out.push_str(&first);
                i = end + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    if count > 1 {
        notes.push(format!(
            "curl reads the {{…}} or […] in the address as a pattern and makes {count} requests from it. Gatepass imported the first, {}.",
            shorten(&crate::core::redact::redact_url_text(&out))
        ));
    }
    out
}

/// `1-10`, `001-100`, `a-z`, `1-10:2`: the first value and how many there are.
fn range_first(inner: &str) -> Option<(String, u64)> {
    let (span, step) = match inner.split_once(':') {
        Some((span, step)) => (span, step.parse::<u64>().ok().filter(|s| *s > 0)?),
        None => (inner, 1),
    };
    let (from, to) = span.split_once('-')?;
    if let (Ok(a), Ok(b)) = (from.parse::<u64>(), to.parse::<u64>()) {
        if a > b || !from.chars().all(|c| c.is_ascii_digit()) || !to.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        return Some((from.to_owned(), (b - a) / step + 1));
    }
    let (mut a, mut b) = (from.chars(), to.chars());
    match (a.next(), a.next(), b.next(), b.next()) {
        (Some(x), None, Some(y), None) if x.is_ascii_alphabetic() && y.is_ascii_alphabetic() && x <= y => {
            Some((x.to_string(), (u64::from(y) - u64::from(x)) / step + 1))
        }
        _ => None,
    }
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

/// One `--data…` value as curl makes it, or `None` when its file was not read.
fn data_piece(kind: DataKind, value: &str, reader: &Reader<'_>, out: &mut Built) -> Option<String> {
    match kind {
        DataKind::Raw => Some(value.to_owned()),
        DataKind::UrlEncode => urlencoded(value, "the body", reader, out),
        DataKind::Ascii | DataKind::Binary | DataKind::Json => {
            let Some(file) = value.strip_prefix('@') else { return Some(value.to_owned()) };
            let text = reader.read_text(file, "the body", out)?;
            Some(if kind == DataKind::Ascii { text.replace(['\r', '\n'], "") } else { text })
        }
    }
}

/// `--data-urlencode` and `--url-query`: `name=content`, `=content`, `name@file`, `@file`, or
/// `content`; the content percent-encoded as curl does (a space as `+`).
fn urlencoded(value: &str, what: &str, reader: &Reader<'_>, out: &mut Built) -> Option<String> {
    let (name, content) = if let Some(at) = value.find('=') {
        (&value[..at], value.as_bytes()[at + 1..].to_vec())
    } else if let Some(at) = value.find('@') {
        (&value[..at], reader.read(&value[at + 1..], what, out)?)
    } else {
        ("", value.as_bytes().to_vec())
    };
    let encoded = curl_escape(&content, true);
    Some(if name.is_empty() { encoded } else { format!("{name}={encoded}") })
}

fn url_query_piece(value: &str, reader: &Reader<'_>, out: &mut Built) -> Option<String> {
    match value.strip_prefix('+') {
        Some(raw) => Some(raw.to_owned()),
        None => urlencoded(value, "part of the query", reader, out),
    }
}

fn upload_body(file: &str, reader: &Reader<'_>, out: &mut Built) -> Option<String> {
    let name = if file == "." { "-" } else { file };
    reader.read_text(name, "the file to upload (-T)", out)
}

/// Percent-encode like `curl_easy_escape`: letters, digits and `-._~` kept; with `plus`, a space
/// becomes `+` as curl's `--data-urlencode` makes it.
fn curl_escape(bytes: &[u8], plus: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else if plus && b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Query or form text as rows: `+` and `%20` are spaces, a name without `=` has an empty value.
fn form_rows(text: &str) -> Vec<KeyValue> {
    url::form_urlencoded::parse(text.as_bytes())
        .filter(|(n, _)| !n.is_empty())
        .map(|(n, v)| KeyValue::new(n, v))
        .collect()
}

/// Split `https://host/path?a=1&b=2` into the address and query rows.
pub(super) fn split_query(url: &str) -> (String, Vec<KeyValue>) {
    let (without_fragment, _) = url.split_once('#').unwrap_or((url, ""));
    match without_fragment.split_once('?') {
        Some((base, query)) => (base.to_owned(), form_rows(query)),
        None => (without_fragment.to_owned(), Vec::new()),
    }
}

fn take_header(headers: &mut Vec<KeyValue>, name: &str) -> Option<String> {
    let index = headers.iter().position(|h| h.name.eq_ignore_ascii_case(name))?;
    Some(headers.remove(index).value)
}

/// The body as a draft holds it, sending the bytes and Content-Type curl sends. `content_type` is
/// the type curl sends (typed, or its default for -d and --json; `None` for none).
fn body_from(
    text: &str,
    content_type: Option<&str>,
    headers: &mut Vec<KeyValue>,
    notes: &mut Vec<String>,
) -> BodyDraft {
    let media = content_type.map(|c| c.split(';').next().unwrap_or(c).trim().to_ascii_lowercase());
    let typed = headers.iter().any(|h| h.name.eq_ignore_ascii_case("Content-Type"));
    let is_json = {
        let t = text.trim_start();
        !t.is_empty() && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    };
    let object_or_array = matches!(text.trim_start().chars().next(), Some('{' | '['));
    match media.as_deref() {
        Some(m) if (m == JSON_TYPE || m.ends_with("+json")) && is_json => {
            // The JSON kind sends application/json by itself; any other type stays a header row.
            if content_type == Some(JSON_TYPE) {
                take_header(headers, "Content-Type");
            } else if !typed {
                headers.push(KeyValue::new("Content-Type", content_type.unwrap_or(JSON_TYPE)));
            }
            BodyDraft::Json { text: text.to_owned() }
        }
        Some(FORM_TYPE) if is_json && object_or_array && !typed => {
            notes.push(
                "curl sends this JSON body as a web form (Content-Type application/x-www-form-urlencoded), because -d does that when no Content-Type is given. Gatepass sends it the same way; if the API expects JSON, delete the Content-Type header."
                    .to_owned(),
            );
            headers.push(KeyValue::new("Content-Type", FORM_TYPE));
            BodyDraft::Json { text: text.to_owned() }
        }
        // A form is edited as fields and encoded again when sent; text with line breaks keeps
        // its exact bytes as raw text instead.
        Some(FORM_TYPE) if text.contains('=') && !text.contains(['\r', '\n']) => {
            if content_type == Some(FORM_TYPE) {
                take_header(headers, "Content-Type");
            }
            BodyDraft::Form { fields: form_rows(text) }
        }
        _ => {
            let content_type = if typed {
                take_header(headers, "Content-Type").unwrap_or_default()
            } else {
                content_type.unwrap_or_default().to_owned()
            };
            BodyDraft::Raw { content_type, text: text.to_owned() }
        }
    }
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

/// `--variable name=content`, `name@file`, `%ENV`: kept for `--expand-…` options.
fn variable(value: &str, g: &mut Gathered, reader: &Reader<'_>, out: &mut Built) {
    if let Some(env) = value.strip_prefix('%') {
        let (name, default) = match env.split_once('=') {
            Some((n, d)) => (n, Some(d.to_owned())),
            None => (env, None),
        };
        out.notes.push(format!(
            "--variable %{} takes a value from curl's environment, which a pasted command does not have.{}",
            shorten(name),
            if default.is_some() { " Gatepass used its default." } else { " Gatepass left it empty." }
        ));
        g.variables.insert(name.to_owned(), default.unwrap_or_default());
        return;
    }
    if let Some(at) = value.find('=') {
        g.variables.insert(value[..at].to_owned(), value[at + 1..].to_owned());
    } else if let Some(at) = value.find('@') {
        let content = reader.read_text(&value[at + 1..], "a --variable", out).unwrap_or_default();
        g.variables.insert(value[..at].to_owned(), content);
    }
}

/// Fill `{{name}}` and `{{name:trim:json:url:b64}}` from `--variable`, as `--expand-…` does.
fn expand(text: &str, variables: &std::collections::BTreeMap<String, String>, out: &mut Built) -> String {
    let mut result = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        result.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            result.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let mut parts = after[..end].split(':');
        let name = parts.next().unwrap_or_default();
        let mut value = if let Some(v) = variables.get(name) {
            v.clone()
        } else {
            out.notes.push(format!(
                "The variable {{{{{}}}}} is not set by a --variable, so curl fills in nothing there.",
                shorten(name)
            ));
            String::new()
        };
        for function in parts {
            value = match function {
                "trim" => value.trim().to_owned(),
                "json" => {
                    let quoted = serde_json::to_string(&value).unwrap_or_default();
                    quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default().to_owned()
                }
                "url" => curl_escape(value.as_bytes(), false),
                "b64" => {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.encode(value.as_bytes())
                }
                _ => value,
            };
        }
        result.push_str(&value);
        rest = &after[end + 2..];
    }
    result.push_str(rest);
    result
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
