//! curl's command-line options, and reading a command's words into them.
//!
//! The table below is curl's own option list (`curl --help all`, the manual and curl's
//! `tool_getparam.c`): every long name, its short letter, whether it takes a value, and what it
//! does to the request. Knowing which options take a value is what keeps an option Gatepass does
//! not carry (`--trace-ascii log.txt`) from turning its value into the URL; knowing which ones only
//! change curl's own output (`-s`, `-o`, `-w`) is what keeps the notes about what was left out short
//! and true.
//!
//! Reading follows curl's rules: short options cluster (`-sSL`, `-XPOST`, `-d@body.json`), a long
//! option takes its value from the next word or after `=`, a boolean long option can be negated
//! (`--no-location`), a unique prefix of a long name is accepted as curl 7 does (`--sil`), `--`
//! ends the options, and `--next` (`-:`) starts another request.

use super::CurlError;

/// Whether an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// A switch with no value and no `--no-` form (`--next`, `--http1.1`).
    Flag,
    /// A switch that `--no-NAME` turns off (`--location`, `--compressed`).
    Bool,
    /// Takes a value: the rest of a short cluster, the next word, or `--name=value`.
    Value,
}

/// What an option does, as far as the request that goes on the wire is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Changes the request (method, URL, headers, body, credential); read by the draft builder.
    Request,
    /// Only changes what curl prints or saves, or how it retries or waits: nothing to carry.
    Output,
    /// Changes how curl connects (a proxy, trusted certificates, a fixed address), not what it
    /// sends. The words say what it does, for the note that it was left out.
    Connection(&'static str),
    /// Only for protocols other than HTTP (FTP, mail, SSH, TFTP, telnet).
    OtherProtocol,
    /// Asks curl for its help, manual or version: curl sends no request at all.
    Help,
}

/// One row of curl's option table.
#[derive(Debug)]
pub struct Spec {
    pub long: &'static str,
    pub short: Option<char>,
    pub arity: Arity,
    pub role: Role,
}

const fn opt(long: &'static str, short: Option<char>, arity: Arity, role: Role) -> Spec {
    Spec { long, short, arity, role }
}

use Arity::{Bool as B, Flag as N, Value as V};
use Role::{Help, OtherProtocol as Other, Output as Out, Request as Req};

const PROXY: Role = Role::Connection("sends the request through a proxy");
const SOCKS: Role = Role::Connection("sends the request through a SOCKS proxy");
const TRUST: Role = Role::Connection("names certificates to trust");

/// curl's options (curl 8), sorted by long name.
pub const OPTIONS: &[Spec] = &[
    opt("abstract-unix-socket", None, V, Role::Connection("connects through a local socket instead of the network")),
    opt("alpn", None, B, Out),
    opt("alt-svc", None, V, Out),
    opt("anyauth", None, N, Req),
    opt("append", Some('a'), B, Other),
    opt("aws-sigv4", None, V, Req),
    opt("basic", None, B, Req),
    opt("buffer", Some('N'), B, Out),
    opt("ca-native", None, B, Out),
    opt("cacert", None, V, TRUST),
    opt("capath", None, V, TRUST),
    opt("cert", Some('E'), V, Role::Connection("sends a client certificate")),
    opt("cert-status", None, B, Out),
    opt("cert-type", None, V, Out),
    opt("ciphers", None, V, Out),
    opt("clobber", None, B, Out),
    opt("compressed", None, B, Req),
    opt("compressed-ssh", None, B, Other),
    opt("config", Some('K'), V, Req),
    opt("connect-timeout", None, V, Out),
    opt("connect-to", None, V, Role::Connection("connects to another host than the address names")),
    opt("continue-at", Some('C'), V, Req),
    opt("cookie", Some('b'), V, Req),
    opt("cookie-jar", Some('c'), V, Out),
    opt("create-dirs", None, B, Out),
    opt("create-file-mode", None, V, Out),
    opt("crlf", None, B, Other),
    opt("crlfile", None, V, Out),
    opt("curves", None, V, Out),
    opt("data", Some('d'), V, Req),
    opt("data-ascii", None, V, Req),
    opt("data-binary", None, V, Req),
    opt("data-raw", None, V, Req),
    opt("data-urlencode", None, V, Req),
    opt("delegation", None, V, Out),
    opt("digest", None, B, Req),
    opt("disable", Some('q'), B, Out),
    opt("disable-eprt", None, B, Other),
    opt("disable-epsv", None, B, Other),
    opt("disallow-username-in-url", None, B, Out),
    opt("dns-interface", None, V, Out),
    opt("dns-ipv4-addr", None, V, Out),
    opt("dns-ipv6-addr", None, V, Out),
    opt("dns-servers", None, V, Out),
    opt("doh-cert-status", None, B, Out),
    opt("doh-insecure", None, B, Out),
    opt("doh-url", None, V, Out),
    opt("dump-ca-embed", None, N, Help),
    opt("dump-header", Some('D'), V, Out),
    opt("ech", None, V, Out),
    opt("egd-file", None, V, Out),
    opt("engine", None, V, Out),
    opt("eprt", None, B, Other),
    opt("epsv", None, B, Other),
    opt("etag-compare", None, V, Req),
    opt("etag-save", None, V, Out),
    opt("expect100-timeout", None, V, Out),
    opt("fail", Some('f'), B, Out),
    opt("fail-early", None, B, Out),
    opt("fail-with-body", None, B, Out),
    opt("false-start", None, B, Out),
    opt("follow", None, B, Out),
    opt("form", Some('F'), V, Req),
    opt("form-escape", None, B, Req),
    opt("form-string", None, V, Req),
    opt("ftp-account", None, V, Other),
    opt("ftp-alternative-to-user", None, V, Other),
    opt("ftp-create-dirs", None, B, Other),
    opt("ftp-method", None, V, Other),
    opt("ftp-pasv", None, N, Other),
    opt("ftp-port", Some('P'), V, Other),
    opt("ftp-pret", None, B, Other),
    opt("ftp-skip-pasv-ip", None, B, Other),
    opt("ftp-ssl", None, B, Other),
    opt("ftp-ssl-ccc", None, B, Other),
    opt("ftp-ssl-ccc-mode", None, V, Other),
    opt("ftp-ssl-control", None, B, Other),
    opt("ftp-ssl-reqd", None, B, Other),
    opt("get", Some('G'), B, Req),
    opt("globoff", Some('g'), B, Req),
    opt("happy-eyeballs-timeout-ms", None, V, Out),
    opt("haproxy-clientip", None, V, Role::Connection("starts the connection with a PROXY protocol line")),
    opt("haproxy-protocol", None, B, Role::Connection("starts the connection with a PROXY protocol line")),
    opt("head", Some('I'), B, Req),
    opt("header", Some('H'), V, Req),
    opt("help", Some('h'), V, Help),
    opt("hostpubmd5", None, V, Other),
    opt("hostpubsha256", None, V, Other),
    opt("hsts", None, V, Out),
    opt("http0.9", None, B, Out),
    opt("http1.0", Some('0'), N, Role::Connection("speaks the older HTTP/1.0")),
    opt("http1.1", None, N, Out),
    opt("http2", None, N, Out),
    opt("http2-prior-knowledge", None, N, Out),
    opt("http3", None, N, Out),
    opt("http3-only", None, N, Out),
    opt("ignore-content-length", None, B, Out),
    opt("include", Some('i'), B, Out),
    opt("insecure", Some('k'), B, Req),
    opt("interface", None, V, Out),
    opt("ip-tos", None, V, Out),
    opt("ipfs-gateway", None, V, Other),
    opt("ipv4", Some('4'), N, Out),
    opt("ipv6", Some('6'), N, Out),
    opt("json", None, V, Req),
    opt("junk-session-cookies", Some('j'), B, Out),
    opt("keepalive", None, B, Out),
    opt("keepalive-cnt", None, V, Out),
    opt("keepalive-time", None, V, Out),
    opt("key", None, V, Role::Connection("names the private key of a client certificate")),
    opt("key-type", None, V, Out),
    opt("knownhosts", None, V, Other),
    opt("krb", None, V, Other),
    opt("krb4", None, V, Other),
    opt("libcurl", None, V, Out),
    opt("limit-rate", None, V, Out),
    opt("list-only", Some('l'), B, Other),
    opt("local-port", None, V, Out),
    opt("location", Some('L'), B, Out),
    opt("location-trusted", None, B, Out),
    opt("login-options", None, V, Other),
    opt("mail-auth", None, V, Other),
    opt("mail-from", None, V, Other),
    opt("mail-rcpt", None, V, Other),
    opt("mail-rcpt-allowfails", None, B, Other),
    opt("manual", Some('M'), B, Help),
    opt("max-filesize", None, V, Out),
    opt("max-redirs", None, V, Out),
    opt("max-time", Some('m'), V, Req),
    opt("metalink", None, B, Out),
    opt("mptcp", None, B, Out),
    opt("negotiate", None, B, Req),
    opt("netrc", Some('n'), B, Req),
    opt("netrc-file", None, V, Req),
    opt("netrc-optional", None, B, Req),
    opt("next", Some(':'), N, Req),
    opt("noproxy", None, V, Out),
    opt("npn", None, B, Out),
    opt("ntlm", None, B, Req),
    opt("ntlm-wb", None, B, Req),
    opt("oauth2-bearer", None, V, Req),
    opt("out-null", None, B, Out),
    opt("output", Some('o'), V, Out),
    opt("output-dir", None, V, Out),
    opt("parallel", Some('Z'), B, Out),
    opt("parallel-immediate", None, B, Out),
    opt("parallel-max", None, V, Out),
    opt("parallel-max-host", None, V, Out),
    opt("pass", None, V, Out),
    opt("path-as-is", None, B, Req),
    opt("pinnedpubkey", None, V, Out),
    opt("post301", None, B, Out),
    opt("post302", None, B, Out),
    opt("post303", None, B, Out),
    opt("preproxy", None, V, PROXY),
    opt("progress-bar", Some('#'), B, Out),
    opt("progress-meter", None, B, Out),
    opt("proto", None, V, Out),
    opt("proto-default", None, V, Req),
    opt("proto-redir", None, V, Out),
    opt("proxy", Some('x'), V, PROXY),
    opt("proxy-anyauth", None, B, Out),
    opt("proxy-basic", None, B, Out),
    opt("proxy-ca-native", None, B, Out),
    opt("proxy-cacert", None, V, Out),
    opt("proxy-capath", None, V, Out),
    opt("proxy-cert", None, V, Out),
    opt("proxy-cert-type", None, V, Out),
    opt("proxy-ciphers", None, V, Out),
    opt("proxy-crlfile", None, V, Out),
    opt("proxy-digest", None, B, Out),
    opt("proxy-header", None, V, Out),
    opt("proxy-http2", None, B, Out),
    opt("proxy-insecure", None, B, Out),
    opt("proxy-key", None, V, Out),
    opt("proxy-key-type", None, V, Out),
    opt("proxy-negotiate", None, B, Out),
    opt("proxy-ntlm", None, B, Out),
    opt("proxy-pass", None, V, Out),
    opt("proxy-pinnedpubkey", None, V, Out),
    opt("proxy-service-name", None, V, Out),
    opt("proxy-ssl-allow-beast", None, B, Out),
    opt("proxy-ssl-auto-client-cert", None, B, Out),
    opt("proxy-tls13-ciphers", None, V, Out),
    opt("proxy-tlsauthtype", None, V, Out),
    opt("proxy-tlspassword", None, V, Out),
    opt("proxy-tlsuser", None, V, Out),
    opt("proxy-tlsv1", None, N, Out),
    opt("proxy-user", Some('U'), V, Out),
    opt("proxy1.0", None, V, PROXY),
    opt("proxytunnel", Some('p'), B, Out),
    opt("pubkey", None, V, Other),
    opt("quote", Some('Q'), V, Other),
    opt("random-file", None, V, Out),
    opt("range", Some('r'), V, Req),
    opt("rate", None, V, Out),
    opt("raw", None, B, Out),
    opt("referer", Some('e'), V, Req),
    opt("remote-header-name", Some('J'), B, Out),
    opt("remote-name", Some('O'), B, Out),
    opt("remote-name-all", None, B, Out),
    opt("remote-time", Some('R'), B, Out),
    opt("remove-on-error", None, B, Out),
    opt("request", Some('X'), V, Req),
    opt("request-target", None, V, Req),
    opt("resolve", None, V, Role::Connection("connects to a fixed address instead of looking the host up")),
    opt("retry", None, V, Out),
    opt("retry-all-errors", None, B, Out),
    opt("retry-connrefused", None, B, Out),
    opt("retry-delay", None, V, Out),
    opt("retry-max-time", None, V, Out),
    opt("sasl-authzid", None, V, Other),
    opt("sasl-ir", None, B, Other),
    opt("service-name", None, V, Out),
    opt("sessionid", None, B, Out),
    opt("show-error", Some('S'), B, Out),
    opt("show-headers", None, B, Out),
    opt("sigalgs", None, V, Out),
    opt("silent", Some('s'), B, Out),
    opt("skip-existing", None, B, Out),
    opt("socks4", None, V, SOCKS),
    opt("socks4a", None, V, SOCKS),
    opt("socks5", None, V, SOCKS),
    opt("socks5-basic", None, B, Out),
    opt("socks5-gssapi", None, B, Out),
    opt("socks5-gssapi-nec", None, B, Out),
    opt("socks5-gssapi-service", None, V, Out),
    opt("socks5-hostname", None, V, SOCKS),
    opt("speed-limit", Some('Y'), V, Out),
    opt("speed-time", Some('y'), V, Out),
    opt("ssl", None, B, Other),
    opt("ssl-allow-beast", None, B, Out),
    opt("ssl-auto-client-cert", None, B, Out),
    opt("ssl-no-revoke", None, B, Out),
    opt("ssl-reqd", None, B, Other),
    opt("ssl-revoke-best-effort", None, B, Out),
    opt("ssl-sessions", None, V, Out),
    opt("sslv2", Some('2'), N, Out),
    opt("sslv3", Some('3'), N, Out),
    opt("stderr", None, V, Out),
    opt("styled-output", None, B, Out),
    opt("suppress-connect-headers", None, B, Out),
    opt("tcp-fastopen", None, B, Out),
    opt("tcp-nodelay", None, B, Out),
    opt("telnet-option", Some('t'), V, Other),
    opt("tftp-blksize", None, V, Other),
    opt("tftp-no-options", None, B, Other),
    opt("time-cond", Some('z'), V, Req),
    opt("tls-earlydata", None, B, Out),
    opt("tls-max", None, V, Out),
    opt("tls13-ciphers", None, V, Out),
    opt("tlsauthtype", None, V, Out),
    opt("tlspassword", None, V, Out),
    opt("tlsuser", None, V, Out),
    opt("tlsv1", Some('1'), N, Out),
    opt("tlsv1.0", None, N, Out),
    opt("tlsv1.1", None, N, Out),
    opt("tlsv1.2", None, N, Out),
    opt("tlsv1.3", None, N, Out),
    opt("tr-encoding", None, B, Req),
    opt("trace", None, V, Out),
    opt("trace-ascii", None, V, Out),
    opt("trace-config", None, V, Out),
    opt("trace-ids", None, B, Out),
    opt("trace-time", None, B, Out),
    opt("unix-socket", None, V, Role::Connection("connects through a local socket instead of the network")),
    opt("upload-file", Some('T'), V, Req),
    opt("upload-flags", None, V, Other),
    opt("url", None, V, Req),
    opt("url-query", None, V, Req),
    opt("use-ascii", Some('B'), B, Other),
    opt("user", Some('u'), V, Req),
    opt("user-agent", Some('A'), V, Req),
    opt("variable", None, V, Req),
    opt("verbose", Some('v'), B, Out),
    opt("version", Some('V'), B, Help),
    opt("vlan-priority", None, V, Out),
    opt("write-out", Some('w'), V, Out),
    opt("xattr", None, B, Out),
];

/// The row for a long name, exactly.
pub fn long(name: &str) -> Option<&'static Spec> {
    OPTIONS.binary_search_by(|s| s.long.cmp(name)).ok().map(|i| &OPTIONS[i])
}

/// The row for a short letter.
pub fn short(letter: char) -> Option<&'static Spec> {
    OPTIONS.iter().find(|s| s.short == Some(letter))
}

/// The row for a long name as curl 7 reads it: the exact name, or the one name it is the start of.
fn long_or_prefix(name: &str) -> Option<&'static Spec> {
    if let Some(spec) = long(name) {
        return Some(spec);
    }
    if name.is_empty() {
        return None;
    }
    let mut hits = OPTIONS.iter().filter(|s| s.long.starts_with(name));
    match (hits.next(), hits.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// An option as the command gives it.
#[derive(Debug, Clone)]
pub struct Given {
    pub spec: &'static Spec,
    /// As typed, for the notes: `-d`, `--data`, `--no-location`.
    pub typed: String,
    /// The value, for options that take one.
    pub value: String,
    /// False for `--no-NAME`.
    pub on: bool,
    /// `--expand-NAME`: `{{variables}}` in the value are filled in from `--variable`.
    pub expand: bool,
}

impl Given {
    pub fn is(&self, long: &str) -> bool {
        self.spec.long == long
    }
}

/// One word of a request: an option or an address.
#[derive(Debug, Clone)]
pub enum Item {
    Option(Given),
    Url {
        url: String,
        /// It came right after an option Gatepass does not know, so it may be that option's value.
        after_unknown: bool,
    },
}

/// What the command's words say, split into the requests curl makes (`--next` starts another).
#[derive(Debug, Default)]
pub struct Words {
    pub operations: Vec<Vec<Item>>,
    /// Options curl does not have (as typed), in order.
    pub unknown: Vec<String>,
}

/// Read the words after `curl` into options and addresses, the way curl does. `config` gives the
/// words of a `-K` config file, or `None` when it was not read (then `-K` stays an option).
pub fn read(words: &[String], config: &mut dyn FnMut(&str) -> Option<Vec<String>>) -> Result<Words, CurlError> {
    let mut words = words.to_vec();
    let mut configs_read = 0;
    let mut out = Words { operations: vec![Vec::new()], unknown: Vec::new() };
    let mut i = 0;
    let mut options_done = false;
    let mut after_unknown = false;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        let current = out.operations.len() - 1;
        if options_done || !word.starts_with('-') || word == "-" {
            out.operations[current].push(Item::Url { url: word.clone(), after_unknown });
            after_unknown = false;
            continue;
        }
        after_unknown = false;
        if word == "--" {
            options_done = true;
            continue;
        }
        if let Some(body) = word.strip_prefix("--") {
            let (named, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            let Some((spec, on, expand)) = resolve_long(named) else {
                // `--name=value` of an unknown option keeps its value to itself.
                out.unknown.push(word.clone());
                after_unknown = inline.is_none();
                continue;
            };
            let value = match (spec.arity, inline) {
                (Arity::Value, Some(v)) => v,
                (Arity::Value, None) => {
                    let Some(v) = words.get(i) else {
                        return Err(CurlError::MissingValue { option: format!("--{}", spec.long) });
                    };
                    i += 1;
                    v.clone()
                }
                (_, Some(_)) => {
                    // A switch given a value (`--location=yes`): curl does not know this spelling.
                    out.unknown.push(word.clone());
                    continue;
                }
                (_, None) => String::new(),
            };
            let typed = if on { format!("--{}", spec.long) } else { format!("--no-{}", spec.long) };
            if spec.long == "config"
                && configs_read < MAX_CONFIGS
                && let Some(more) = config(&value)
            {
                configs_read += 1;
                words.splice(i..i, more);
                continue;
            }
            push(&mut out, Given { spec, typed, value, on, expand });
            continue;
        }
        // A cluster of short options: -sSL, -XPOST, -H'Accept: x', -d@body.json.
        let letters: Vec<char> = word.chars().skip(1).collect();
        let mut j = 0;
        while j < letters.len() {
            let letter = letters[j];
            j += 1;
            let Some(spec) = short(letter) else {
                out.unknown.push(format!("-{letter}"));
                break;
            };
            let typed = format!("-{letter}");
            if spec.arity == Arity::Value {
                let value = if j < letters.len() {
                    letters[j..].iter().collect()
                } else {
                    let Some(v) = words.get(i) else { return Err(CurlError::MissingValue { option: typed }) };
                    i += 1;
                    v.clone()
                };
                if spec.long == "config"
                    && configs_read < MAX_CONFIGS
                    && let Some(more) = config(&value)
                {
                    configs_read += 1;
                    words.splice(i..i, more);
                    break;
                }
                push(&mut out, Given { spec, typed, value, on: true, expand: false });
                break;
            }
            // `-N` is curl's short form of --no-buffer.
            let on = letter != 'N';
            push(&mut out, Given { spec, typed, value: String::new(), on, expand: false });
        }
    }
    Ok(out)
}

/// How many config files one command may read (curl stops nesting at a few levels too).
const MAX_CONFIGS: usize = 8;

/// The words of a curl config file (`-K`): one option per line, `--name value`, `name = value` or
/// `name: value`; a value in double quotes may hold spaces and `\"`, `\\`, `\t`, `\n`, `\r`;
/// `#` starts a comment line.
pub fn config_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let end = line.find(|c: char| c.is_whitespace() || c == '=' || c == ':').unwrap_or(line.len());
        let (name, rest) = line.split_at(end);
        let option = if let Some(long) = name.strip_prefix("--") {
            format!("--{long}")
        } else if name.starts_with('-') {
            name.to_owned()
        } else {
            format!("--{name}")
        };
        out.push(option);
        let rest = rest.trim_start();
        let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest).trim_start();
        if rest.is_empty() {
            continue;
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('t') => value.push('\t'),
                        Some('n') => value.push('\n'),
                        Some('r') => value.push('\r'),
                        Some('v') => value.push('\u{b}'),
                        Some(other) => value.push(other),
                        None => {}
                    },
                    other => value.push(other),
                }
            }
            out.push(value);
        } else {
            out.push(rest.split_whitespace().next().unwrap_or_default().to_owned());
        }
    }
    out
}

fn push(out: &mut Words, given: Given) {
    if given.is("next") {
        out.operations.push(Vec::new());
        return;
    }
    if let Some(items) = out.operations.last_mut() {
        items.push(Item::Option(given));
    }
}

/// A long option's row, whether `--no-` turned it off, and whether `--expand-` asked for variables.
fn resolve_long(named: &str) -> Option<(&'static Spec, bool, bool)> {
    if let Some(spec) = long(named) {
        return Some((spec, true, false));
    }
    if let Some(rest) = named.strip_prefix("no-")
        && let Some(spec) = long_or_prefix(rest)
        && spec.arity == Arity::Bool
    {
        return Some((spec, false, false));
    }
    if let Some(rest) = named.strip_prefix("expand-")
        && let Some(spec) = long(rest)
        && spec.arity == Arity::Value
    {
        return Some((spec, true, true));
    }
    long_or_prefix(named).map(|spec| (spec, true, false))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read_all(words: &[&str]) -> Words {
        read(&words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>(), &mut |_| None).unwrap()
    }

    fn summary(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|item| match item {
                Item::Option(g) if g.spec.arity == Arity::Value => format!("{}={}", g.spec.long, g.value),
                Item::Option(g) => format!("{}{}", if g.on { "" } else { "no-" }, g.spec.long),
                Item::Url { url, .. } => format!("url {url}"),
            })
            .collect()
    }

    #[test]
    fn the_table_is_sorted_and_each_letter_is_used_once() {
        assert!(OPTIONS.windows(2).all(|w| w[0].long < w[1].long), "binary search needs a sorted table");
        let mut letters: Vec<char> = OPTIONS.iter().filter_map(|s| s.short).collect();
        let all = letters.len();
        letters.sort_unstable();
        letters.dedup();
        assert_eq!(letters.len(), all);
    }

    #[test]
    fn options_that_take_a_value_never_make_it_the_url() {
        let words = read_all(&[
            "--trace-ascii",
            "log.txt",
            "--url-query",
            "a=b",
            "-sSLXPOST",
            "-H'Accept: x'",
            "--data=x=1",
            "--no-location",
            "--sil",
            "--compressed",
            "https://a.test",
        ]);
        assert_eq!(
            summary(&words.operations[0]),
            [
                "trace-ascii=log.txt",
                "url-query=a=b",
                "silent",
                "show-error",
                "location",
                "request=POST",
                "header='Accept: x'",
                "data=x=1",
                "no-location",
                "silent",
                "compressed",
                "url https://a.test"
            ]
        );
        assert!(words.unknown.is_empty());
    }

    #[test]
    fn next_starts_another_request_and_double_dash_ends_options() {
        let words = read_all(&["-d", "a", "https://one.test", "--next", "-:", "https://two.test", "--", "-odd"]);
        assert_eq!(words.operations.len(), 3);
        assert_eq!(summary(&words.operations[0]), ["data=a", "url https://one.test"]);
        assert_eq!(summary(&words.operations[2]), ["url https://two.test", "url -odd"]);
    }

    #[test]
    fn unknown_options_are_named_and_their_value_is_marked() {
        let words = read_all(&["--frobnicate", "value", "--made-up=1", "-$", "https://a.test"]);
        assert_eq!(words.unknown, ["--frobnicate", "--made-up=1", "-$"]);
        assert!(matches!(&words.operations[0][0], Item::Url { url, after_unknown: true } if url == "value"));
        assert!(matches!(&words.operations[0][1], Item::Url { after_unknown: false, .. }));
        // An ambiguous prefix is not guessed.
        assert!(read_all(&["--pro", "x"]).unknown == ["--pro"]);
    }

    #[test]
    fn a_missing_value_is_an_error() {
        let err = read(&["-H".to_owned()], &mut |_| None).unwrap_err();
        assert_eq!(err, CurlError::MissingValue { option: "-H".to_owned() });
        let err = read(&["--data".to_owned()], &mut |_| None).unwrap_err();
        assert_eq!(err, CurlError::MissingValue { option: "--data".to_owned() });
    }
}

#[cfg(test)]
mod config_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn config_files_are_read_as_curl_reads_them() {
        let text = "# a comment\nurl = \"https://a.test/x y\"\n-H \"X-A: 1\"\nheader: \"X-B: two\\tthree\"\n--silent\ndata=a=1\n";
        assert_eq!(
            config_words(text),
            ["--url", "https://a.test/x y", "-H", "X-A: 1", "--header", "X-B: two\tthree", "--silent", "--data", "a=1"]
        );
        let words: Vec<String> = ["-K", "c.txt", "-d", "b=2"].iter().map(|w| (*w).to_owned()).collect();
        let read = read(&words, &mut |path| (path == "c.txt").then(|| config_words("url = https://a.test\n"))).unwrap();
        assert_eq!(read.operations[0].len(), 2);
        assert!(matches!(&read.operations[0][0], Item::Option(g) if g.is("url") && g.value == "https://a.test"));
        // A config that names itself is read a few times, not forever.
        let read = super::read(&words, &mut |_| Some(vec!["-K".to_owned(), "c.txt".to_owned()])).unwrap();
        assert!(matches!(&read.operations[0][0], Item::Option(g) if g.is("config")));
    }
}
