//! The address curl calls: which of several it imports, the scheme curl guesses for an address
//! written without one, a password in the address, the uploaded file's name added to the path,
//! URL patterns (`{a,b}`, `[1-3]`), and the query split into rows.

use super::{Built, Gathered};
use crate::core::curl::{CurlError, shorten};
use crate::core::request::KeyValue;

pub(super) fn choose_url(
    g: &Gathered,
    notes: &mut Vec<String>,
    left_out: &mut Vec<String>,
) -> Result<String, CurlError> {
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
        left_out.push(format!("the requests to {}", others.join(", ")));
    }
    Ok(chosen)
}

/// The address, split for the draft.
pub(super) struct Address {
    pub url: String,
    pub query: Vec<KeyValue>,
    /// `user:password` given in the address itself, percent-decoded.
    pub userinfo: Option<(String, Option<String>)>,
}

/// The scheme curl uses for an address written without one: a few host name prefixes name their
/// protocol, anything else is `--proto-default` or plain http.
pub(super) fn guessed_scheme(host: &str, proto_default: Option<&str>) -> String {
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

pub(super) fn address(text: &str, g: &Gathered, out: &mut Built) -> Result<Address, CurlError> {
    let text = text.trim();
    let (without_fragment, _) = text.split_once('#').unwrap_or((text, ""));
    // A `{{variable}}` address is left for the profile to fill in; a `$VARIABLE` one for the
    // person (a note says the shell would have filled it in).
    if without_fragment.starts_with("{{") || without_fragment.starts_with('$') {
        let (base, query) = split_query(without_fragment);
        return Ok(Address { url: base, query, userinfo: None });
    }
    let expanded = if g.globoff { without_fragment.to_owned() } else { first_of_pattern(without_fragment, out) };
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
pub(super) fn first_of_pattern(url: &str, out_built: &mut Built) -> String {
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
        out_built.left_out.push(match count - 1 {
            1 => "the other request the address pattern makes".to_owned(),
            n => format!("the other {n} requests the address pattern makes"),
        });
        out_built.notes.push(format!(
            "curl reads the {{…}} or […] in the address as a pattern and makes {count} requests from it. Gatepass imported the first, {}.",
            shorten(&crate::core::redact::redact_url_text(&out))
        ));
    }
    out
}

/// `1-10`, `001-100`, `a-z`, `1-10:2`: the first value and how many there are.
pub(super) fn range_first(inner: &str) -> Option<(String, u64)> {
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

/// Percent-encode like `curl_easy_escape`: letters, digits and `-._~` kept; with `plus`, a space
/// becomes `+` as curl's `--data-urlencode` makes it.
pub(super) fn curl_escape(bytes: &[u8], plus: bool) -> String {
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

pub(super) fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Query or form text as rows: `+` and `%20` are spaces, a name without `=` has an empty value.
pub(super) fn form_rows(text: &str) -> Vec<KeyValue> {
    url::form_urlencoded::parse(text.as_bytes())
        .filter(|(n, _)| !n.is_empty())
        .map(|(n, v)| KeyValue::new(n, v))
        .collect()
}

/// Split `https://host/path?a=1&b=2` into the address and query rows.
pub(crate) fn split_query(url: &str) -> (String, Vec<KeyValue>) {
    let (without_fragment, _) = url.split_once('#').unwrap_or((url, ""));
    match without_fragment.split_once('?') {
        Some((base, query)) => (base.to_owned(), form_rows(query)),
        None => (without_fragment.to_owned(), Vec::new()),
    }
}
