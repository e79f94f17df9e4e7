//! Reading `WWW-Authenticate` and `Proxy-Authenticate` (RFC 9110 §11.6.1): every challenge,
//! with its parameters. The one reading of these headers in Gatepass: the diagnosis, the token
//! refresh after a refused token, HTTP Digest and RFC 9728's `resource_metadata` all ask here,
//! so no caller tests the header's text for a substring.
//!
//! Real servers break the grammar often (missing quotes, stray commas, unescaped quotes, a
//! token68 where parameters belong, a space where a comma belongs), so this reads leniently and
//! never fails: what it cannot place is kept as the challenge's `token68`.

/// One challenge: a scheme and its parameters, names lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
    pub token68: Option<String>,
}

impl Challenge {
    /// A parameter's value; names compare without case (RFC 9110 §11.2). The first wins when a
    /// server repeats one.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `realm`, which most schemes carry.
    pub fn realm(&self) -> Option<&str> {
        self.param("realm")
    }

    /// RFC 6750's `error` code (`invalid_token`, `insufficient_scope`, …).
    pub fn error(&self) -> Option<&str> {
        self.param("error")
    }

    /// RFC 9728 §5.1: where the protected resource's metadata is published.
    pub fn resource_metadata(&self) -> Option<&str> {
        self.param("resource_metadata").filter(|v| !v.trim().is_empty())
    }

    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The challenge as it could be quoted in evidence.
    pub fn quote(&self) -> String {
        let mut out = self.scheme.clone();
        if let Some(t) = &self.token68 {
            out.push(' ');
            out.push_str(t);
        }
        for (i, (name, value)) in self.params.iter().enumerate() {
            out.push_str(if i == 0 && self.token68.is_none() { " " } else { ", " });
            out.push_str(&format!("{name}=\"{value}\""));
        }
        out
    }
}

/// The most a header value is read; longer values are cut (hostile or broken servers).
const MAX_LEN: usize = 8 * 1024;

/// All challenges in one header value.
pub fn parse(value: &str) -> Vec<Challenge> {
    let value = &value[..value.floor_char_boundary(MAX_LEN)];
    let mut challenges: Vec<Challenge> = Vec::new();
    for item in split_top_level(value) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        if let Some((name, val)) = as_param(item) {
            match challenges.last_mut() {
                Some(c) => c.params.push((name, val)),
                // A parameter with no scheme before it: keep it under an empty scheme.
                None => challenges.push(Challenge { params: vec![(name, val)], ..Challenge::default() }),
            }
            continue;
        }
        let (scheme, rest) = match item.find(char::is_whitespace) {
            Some(at) => (&item[..at], item[at..].trim()),
            None => (item, ""),
        };
        let mut challenge = Challenge { scheme: scheme.to_owned(), ..Challenge::default() };
        if !rest.is_empty() {
            match as_param(rest) {
                Some(param) => challenge.params.push(param),
                None => challenge.token68 = Some(unquote(rest)),
            }
        }
        challenges.push(challenge);
    }
    challenges
}

/// All challenges in all `WWW-Authenticate` headers of a response, in order.
pub fn from_headers<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Challenge> {
    named(headers, "www-authenticate")
}

/// All challenges in all `Proxy-Authenticate` headers of a response (RFC 9110 §11.7.1).
pub fn from_proxy_headers<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Challenge> {
    named(headers, "proxy-authenticate")
}

fn named<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>, header: &str) -> Vec<Challenge> {
    headers
        .into_iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(header))
        .flat_map(|(_, value)| parse(value))
        .collect()
}

/// The first challenge for a scheme (`Digest`, `Bearer`), compared without case.
pub fn find<'c>(challenges: &'c [Challenge], scheme: &str) -> Option<&'c Challenge> {
    challenges.iter().find(|c| c.is_scheme(scheme))
}

/// `name=value` or `name="quoted value"`, when the text is one.
fn as_param(text: &str) -> Option<(String, String)> {
    let eq = text.find('=')?;
    let name = text[..eq].trim();
    if name.is_empty() || !name.chars().all(is_tchar) {
        return None;
    }
    let value = text[eq + 1..].trim();
    // A token68 such as `abc==` is not a parameter: its "value" is only padding.
    if value.chars().all(|c| c == '=') {
        return None;
    }
    Some((name.to_ascii_lowercase(), unquote(value)))
}

fn unquote(value: &str) -> String {
    let v = value.trim();
    let Some(inner) = v.strip_prefix('"') else { return v.to_owned() };
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Split at commas outside quoted strings, and where a comma was left out between parameters.
fn split_top_level(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    for part in split_commas(value) {
        split_missing_commas(part, &mut parts);
    }
    parts
}

/// `realm=example error=invalid_token`: servers that forgot the comma. An unquoted value ends at
/// whitespace followed by another `name=`; quoted values are left whole.
fn split_missing_commas<'v>(part: &'v str, out: &mut Vec<&'v str>) {
    let mut start = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    let mut seen_eq = false;
    for (i, c) in part.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            '=' if !in_quotes => seen_eq = true,
            c if c.is_whitespace() && !in_quotes && seen_eq => {
                let rest = part[i..].trim_start();
                let offset = part.len() - rest.len();
                if starts_with_param(rest) {
                    out.push(&part[start..i]);
                    start = offset;
                    seen_eq = false;
                }
            }
            _ => {}
        }
    }
    out.push(&part[start..]);
}

/// Does the text start with `name=` followed by a value (not `==` padding)?
fn starts_with_param(text: &str) -> bool {
    let Some(eq) = text.find('=') else { return false };
    let name = &text[..eq];
    !name.is_empty() && name.chars().all(is_tchar) && text[eq + 1..].chars().next().is_some_and(|c| c != '=')
}

/// Split at commas that are outside quoted strings.
fn split_commas(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc_6750_error_challenge() {
        let c = parse(r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "Bearer");
        assert_eq!(c[0].param("realm"), Some("example"));
        assert_eq!(c[0].param("error"), Some("invalid_token"));
        assert_eq!(c[0].param("error_description"), Some("The access token expired"));
    }

    #[test]
    fn reads_several_challenges_in_one_header() {
        let c = parse(r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].scheme, "Newauth");
        assert_eq!(c[0].param("type"), Some("1"));
        assert_eq!(c[0].param("title"), Some(r#"Login to "apps""#));
        assert_eq!(c[1].scheme, "Basic");
        assert_eq!(c[1].param("realm"), Some("simple"));
    }

    #[test]
    fn reads_bare_schemes_and_token68() {
        let c = parse("Negotiate, NTLM, Negotiate YIIB==, Bearer");
        let schemes: Vec<_> = c.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["Negotiate", "NTLM", "Negotiate", "Bearer"]);
        assert_eq!(c[2].token68.as_deref(), Some("YIIB=="));
    }

    #[test]
    fn reads_unquoted_values_and_commas_inside_quotes() {
        let c = parse(r#"Bearer error=insufficient_scope, scope="read:orders, write:orders""#);
        assert_eq!(c[0].param("error"), Some("insufficient_scope"));
        assert_eq!(c[0].param("scope"), Some("read:orders, write:orders"));
    }

    #[test]
    fn collects_challenges_from_several_headers() {
        let headers = [("WWW-Authenticate", "Basic realm=\"a\""), ("Date", "x"), ("www-authenticate", "Bearer")];
        let c = from_headers(headers);
        assert_eq!(c.len(), 2);
        assert!(c[1].is_scheme("bearer"));
    }

    #[test]
    fn broken_grammar_is_read_best_effort() {
        for broken in ["", ",,,", "=", "Bearer error=\"unterminated", "\"\"\"", "Bearer ,, error", "é=ü, ∑ \"x"] {
            let _ = parse(broken);
        }
        let c = parse("Bearer error=\"unterminated");
        assert_eq!(c[0].param("error"), Some("unterminated"));
    }

    #[test]
    fn reads_rfc_7616_digest_challenges() {
        // RFC 7616 §3.9.1: two Digest challenges, SHA-256 first.
        let value = concat!(
            r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, "#,
            r#"nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", "#,
            r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, "#,
            r#"nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#
        );
        let c = parse(value);
        assert_eq!(c.len(), 2);
        let first = find(&c, "digest").unwrap();
        assert_eq!(first.realm(), Some("http-auth@example.org"));
        assert_eq!(first.param("QOP"), Some("auth, auth-int"));
        assert_eq!(first.param("algorithm"), Some("SHA-256"));
        assert_eq!(first.param("nonce"), Some("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"));
        assert_eq!(c[1].param("algorithm"), Some("MD5"));
    }

    #[test]
    fn reads_rfc_9728_resource_metadata() {
        // RFC 9728 §5.1.
        let c =
            parse(r#"Bearer resource_metadata="https://resource.example.com/.well-known/oauth-protected-resource""#);
        assert_eq!(c[0].resource_metadata(), Some("https://resource.example.com/.well-known/oauth-protected-resource"));
        assert_eq!(c[0].error(), None);
        assert_eq!(parse("Bearer resource_metadata=\"\"")[0].resource_metadata(), None);
    }

    #[test]
    fn a_missing_comma_between_parameters_is_forgiven() {
        let c = parse("Bearer realm=example error=invalid_token error_description=\"The token expired\"");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].realm(), Some("example"));
        assert_eq!(c[0].error(), Some("invalid_token"));
        assert_eq!(c[0].param("error_description"), Some("The token expired"));
        // A quoted value keeps its spaces and anything that looks like a parameter inside it.
        let c = parse(r#"Bearer error_description="use scope=read then retry", error="insufficient_scope""#);
        assert_eq!(c[0].param("error_description"), Some("use scope=read then retry"));
        assert_eq!(c[0].error(), Some("insufficient_scope"));
    }

    #[test]
    fn proxy_challenges_are_read_apart() {
        let headers = [("Proxy-Authenticate", "Basic realm=\"proxy\""), ("WWW-Authenticate", "Bearer")];
        assert_eq!(from_proxy_headers(headers)[0].realm(), Some("proxy"));
        assert_eq!(from_headers(headers).len(), 1);
    }

    #[test]
    fn random_input_never_panics() {
        // A seeded generator over the characters that matter to the grammar.
        let alphabet: Vec<char> = "Bearer Basic realm=\"\\,= \t\r\nabc✓é".chars().collect();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut s = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = usize::try_from(state % 40).unwrap_or(0);
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                s.push(alphabet[usize::try_from(state % alphabet.len() as u64).unwrap_or(0)]);
            }
            for c in parse(&s) {
                assert!(c.params.iter().all(|(n, _)| !n.is_empty()));
            }
        }
        let huge = "Bearer realm=\"".to_owned() + &"x".repeat(100_000);
        assert!(parse(&huge)[0].param("realm").is_some_and(|r| r.len() < MAX_LEN));
    }
}
