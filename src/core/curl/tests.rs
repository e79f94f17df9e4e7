//! Unit tests of the import as a whole: what each of curl's request options turns into.
//! The wire-level comparison against curl itself is in `tests/it/curl.rs`.

#![allow(clippy::unwrap_used)]
use super::*;
use crate::core::request::{BodyDraft, Method};

fn pairs(rows: &[crate::core::request::KeyValue]) -> Vec<(&str, &str)> {
    rows.iter().map(|r| (r.name.as_str(), r.value.as_str())).collect()
}

#[test]
fn basic_header_is_decoded() {
    let got = import("curl https://x.test -H 'Authorization: Basic YXBpOmtleS0xMjM0NTY3ODkwYWJj'").unwrap();
    let c = got.credential().unwrap();
    assert_eq!(c.suggested, SuggestedAuth::Basic { username: "api".to_owned() });
    assert_eq!(c.secret.expose(), "key-1234567890abc");
    assert!(got.draft.headers.is_empty());
}

fn one(command: &str) -> CurlImport {
    import(command).unwrap_or_else(|e| panic!("{command}: {e}"))
}

#[test]
fn an_address_without_a_scheme_is_http_as_curl_reads_it() {
    assert_eq!(one("curl localhost:8080/get").draft.url, "http://localhost:8080/get");
    assert_eq!(one("curl httpbin.org/test").draft.url, "http://httpbin.org/test");
    assert_eq!(one("curl --proto-default https api.test/x").draft.url, "https://api.test/x");
    assert_eq!(one("curl HTTPS://Api.Test/x#frag").draft.url, "https://Api.Test/x");
    assert_eq!(import("curl ftp.example.com/file").unwrap_err(), CurlError::NotHttp { scheme: "ftp".to_owned() });
    assert_eq!(import("curl sftp://h/x").unwrap_err(), CurlError::NotHttp { scheme: "sftp".to_owned() });
    // A profile variable stays as typed.
    assert_eq!(one("curl '{{base_url}}/v1/me'").draft.url, "{{base_url}}/v1/me");
}

#[test]
fn the_address_password_is_a_credential_taken_out_of_the_url() {
    let got = one("curl 'https://ann:pa%40ss-word-1@api.test/v1?x=1'");
    assert_eq!(got.draft.url, "https://api.test/v1");
    let c = got.credential().unwrap();
    assert_eq!(c.secret.expose(), "pa@ss-word-1");
    assert_eq!(c.suggested, SuggestedAuth::Basic { username: "ann".to_owned() });
    assert_eq!(c.source, CredentialSource::UrlUserinfo);
}

#[test]
fn data_is_joined_as_curl_joins_it() {
    // -d keeps line breaks when typed (so the body stays raw text, byte for byte), joins with &;
    // --json pieces join with nothing.
    let got = one("curl https://a.test -d 'a=b\nc' -d x=1");
    assert_eq!(got.draft.body, BodyDraft::Raw { content_type: FORM.to_owned(), text: "a=b\nc&x=1".to_owned() });
    let got = one("curl https://a.test -d 'a=b c' -d x=1");
    assert_eq!(got.draft.body, BodyDraft::Form { fields: vec![kv("a", "b c"), kv("x", "1")] });
    let got = one("curl https://a.test --json '{\"drink\":' --json ' \"coffee\" }'");
    assert_eq!(got.draft.body, BodyDraft::Json { text: "{\"drink\": \"coffee\" }".to_owned() });
    assert_eq!(pairs(&got.draft.headers), [("Accept", "application/json")]);
    assert_eq!(got.draft.method, Method::Post);
    // --data-urlencode encodes the content only; =content has no name; a bare word is all content.
    let got = one("curl https://a.test --data-urlencode 'q=a b&c' --data-urlencode '=x y' --data-urlencode 'p q'");
    assert_eq!(got.draft.body, BodyDraft::Form { fields: vec![kv("q", "a b&c"), kv("x y", ""), kv("p q", "")] });
    // --data-raw takes @ literally.
    let got = one("curl https://a.test --data-raw '@x' -H 'Content-Type: text/plain'");
    assert_eq!(got.draft.body, BodyDraft::Raw { content_type: "text/plain".to_owned(), text: "@x".to_owned() });
}

#[test]
fn the_content_type_is_the_one_curl_sends() {
    // A form's charset stays: the header row wins over the form kind's own type.
    let got = one("curl https://a.test -H 'Content-Type: application/x-www-form-urlencoded; charset=UTF-8' -d a=1");
    assert_eq!(got.draft.body, BodyDraft::Form { fields: vec![kv("a", "1")] });
    assert_eq!(pairs(&got.draft.headers), [("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")]);
    // JSON given with -d and no type goes as a form, as curl sends it, and a note says so.
    let got = one("curl https://a.test -d '{\"a\":1}'");
    assert_eq!(got.draft.body, BodyDraft::Json { text: "{\"a\":1}".to_owned() });
    assert_eq!(pairs(&got.draft.headers), [("Content-Type", "application/x-www-form-urlencoded")]);
    assert!(got.notes.iter().any(|n| n.contains("as a web form")), "{:?}", got.notes);
    // -H 'Content-Type:' makes curl send none.
    let got = one("curl https://a.test -H 'Content-Type:' -d a");
    assert_eq!(got.draft.body, BodyDraft::Raw { content_type: String::new(), text: "a".to_owned() });
    assert!(got.draft.headers.is_empty());
    // Plain text with -d: curl's form type, as raw text.
    let got = one("curl https://a.test -d hello");
    assert_eq!(got.draft.body, BodyDraft::Raw { content_type: FORM.to_owned(), text: "hello".to_owned() });
}

const FORM: &str = "application/x-www-form-urlencoded";

fn kv(name: &str, value: &str) -> crate::core::request::KeyValue {
    crate::core::request::KeyValue::new(name, value)
}

#[test]
fn get_url_query_and_range_change_the_request() {
    let got = one(
        "curl 'https://a.test/s?q=1' -G -d 'z=1' --data-urlencode 'n=a b' --url-query 'x=a b' --url-query '+y=a%20b'",
    );
    assert_eq!(got.draft.method, Method::Get);
    assert_eq!(got.draft.body, BodyDraft::None);
    assert_eq!(pairs(&got.draft.query), [("q", "1"), ("x", "a b"), ("y", "a b"), ("z", "1"), ("n", "a b")]);
    assert_eq!(pairs(&one("curl https://a.test --range 600").draft.headers), [("Range", "bytes=600-")]);
    assert_eq!(pairs(&one("curl https://a.test -r 0-99,200-").draft.headers), [("Range", "bytes=0-99,200-")]);
    assert_eq!(pairs(&one("curl https://a.test -C 100").draft.headers), [("Range", "bytes=100-")]);
    assert_eq!(
        pairs(&one("curl https://a.test -z 'Wed, 21 Oct 2015 07:28:00 GMT'").draft.headers),
        [("If-Modified-Since", "Wed, 21 Oct 2015 07:28:00 GMT")]
    );
    assert_eq!(
        pairs(&one("curl https://a.test -z -2024-02-03").draft.headers),
        [("If-Unmodified-Since", "Sat, 03 Feb 2024 00:00:00 GMT")]
    );
}

#[test]
fn curls_own_headers_give_way_to_typed_ones() {
    let got = one("curl https://a.test -A one -A two -e 'https://r.test;auto' -b a=1 -b b=2");
    assert_eq!(
        pairs(&got.draft.headers),
        [("User-Agent", "two"), ("Referer", "https://r.test"), ("Cookie", "a=1; b=2")]
    );
    let got = one("curl https://a.test -H 'User-Agent: X' -A Y -H 'Cookie: c=3' -b a=1");
    assert_eq!(pairs(&got.draft.headers), [("User-Agent", "X"), ("Cookie", "c=3")]);
    // "Name;" sends an empty header; "Name:" sends none.
    let got = one("curl https://a.test -H 'X-Empty;' -H 'X-Gone:' -H 'X-Kept:  spaced  '");
    assert_eq!(pairs(&got.draft.headers), [("X-Empty", ""), ("X-Kept", "spaced")]);
    // --json's Accept gives way to a typed one.
    let got = one("curl https://a.test --json '{}' -H 'Accept: text/plain'");
    assert_eq!(pairs(&got.draft.headers), [("Accept", "text/plain")]);
}

/// Files a test command may name.
struct OneFile;
impl Files for OneFile {
    fn read(&self, path: &str) -> Result<Vec<u8>, FileRefusal> {
        match path {
            "f.txt" => Ok(b"x=1\r\ny=2\n".to_vec()),
            "bin" => Ok(vec![0xff, 0xfe]),
            _ => Err(FileRefusal::Unreadable { reason: "there is no such file".to_owned() }),
        }
    }
}

#[test]
fn upload_puts_to_the_file_name_and_needs_the_file() {
    let got = one("curl https://a.test/dir/ -T ./docs/report.txt");
    assert_eq!(got.draft.method, Method::Put);
    assert_eq!(got.draft.url, "https://a.test/dir/report.txt");
    assert_eq!(got.left_out, ["the file to upload (-T) (from the file \"./docs/report.txt\")"]);
    assert_eq!(one("curl https://a.test -T 'my file.txt'").draft.url, "https://a.test/my%20file.txt");
    assert_eq!(one("curl 'https://a.test/x?b=1' -T f.txt").draft.url, "https://a.test/x");

    let got = import_with("curl https://a.test -T f.txt", &OneFile).unwrap();
    assert_eq!(got.draft.body, BodyDraft::Raw { content_type: String::new(), text: "x=1\r\ny=2\n".to_owned() });
    assert!(got.sends_what_curl_sends());
    // -d @file drops line breaks, --data-binary keeps them.
    let got = import_with("curl https://a.test -d @f.txt", &OneFile).unwrap();
    assert_eq!(got.draft.body, BodyDraft::Form { fields: vec![kv("x", "1y=2")] });
    let got = import_with("curl https://a.test --data-binary @f.txt -H 'Content-Type: text/plain'", &OneFile).unwrap();
    assert_eq!(
        got.draft.body,
        BodyDraft::Raw { content_type: "text/plain".to_owned(), text: "x=1\r\ny=2\n".to_owned() }
    );
    let got = import_with("curl https://a.test --data-binary @bin", &OneFile).unwrap();
    assert_eq!(got.left_out, ["the body (a binary file)"]);
    let got = import_with("curl https://a.test -d @missing.json", &OneFile).unwrap();
    assert!(got.notes.iter().any(|n| n.contains("could not be read (there is no such file)")), "{:?}", got.notes);
    // Standard input filled from a file by the shell.
    let got = import_with("curl https://a.test --data-binary @- < f.txt", &OneFile).unwrap();
    assert_eq!(got.draft.body, BodyDraft::Raw { content_type: FORM.to_owned(), text: "x=1\r\ny=2\n".to_owned() });
}

#[test]
fn what_cannot_be_carried_is_said() {
    let got = one("curl https://a.test/one -d x=1 --next https://a.test/two");
    assert_eq!(got.draft.url, "https://a.test/one");
    assert_eq!(got.left_out, ["the request after --next"]);
    let got = one("curl 'https://a.test/{a,b}/[1-3]'");
    assert_eq!(got.draft.url, "https://a.test/a/1");
    assert!(got.notes.iter().any(|n| n.contains("makes 6 requests")), "{:?}", got.notes);
    assert_eq!(got.left_out, ["the other 5 requests the address pattern makes"]);
    assert_eq!(one("curl -g 'https://a.test/{a,b}'").draft.url, "https://a.test/{a,b}");
    // Digest is not sent as Basic.
    let got = one("curl https://a.test -u ann:secret-pass --digest");
    assert!(got.credentials.is_empty());
    assert_eq!(got.left_out, ["the Digest sign-in"]);
    // --oauth2-bearer wins over -u, as in curl.
    let got = one("curl https://a.test -u ann:pw --oauth2-bearer tok-123456789");
    assert_eq!(got.credential().unwrap().suggested, SuggestedAuth::Bearer);
    assert_eq!(import("curl --version").unwrap_err(), CurlError::NoRequest { option: "--version".to_owned() });
}

#[test]
fn output_options_are_silent_and_connection_options_are_named() {
    let got = one("curl -sSfL -o out.json -w '%{http_code}' --trace-ascii t.txt --retry 3 https://a.test");
    assert_eq!(got.draft.url, "https://a.test");
    assert!(got.notes.is_empty(), "{:?}", got.notes);
    let got = one("curl -x http://proxy.test:8080 --resolve a.test:443:127.0.0.1 https://a.test");
    assert_eq!(got.notes.len(), 2, "{:?}", got.notes);
    assert!(got.notes[0].starts_with("-x sends the request through a proxy"), "{:?}", got.notes);
    // A value Gatepass shows in a note is never a proxy password.
    let got = one("curl -x http://u:proxy-secret@proxy.test https://a.test");
    assert!(!got.notes.iter().any(|n| n.contains("proxy-secret")));
}

#[test]
fn short_values_under_generic_names_are_not_credentials() {
    let got = one("curl 'localhost:28139?key=one&key=two&sort_key=created_at'");
    assert!(got.credentials.is_empty());
    assert_eq!(pairs(&got.draft.query), [("key", "one"), ("key", "two"), ("sort_key", "created_at")]);
    let got = one("curl 'https://a.test?key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'");
    assert_eq!(got.credential().unwrap().source, CredentialSource::Query("key".to_owned()));
}

#[test]
fn a_paste_with_more_than_one_command() {
    let got = one("echo '{}' | curl -d @- https://a.test | jq .");
    assert_eq!(got.draft.url, "https://a.test");
    assert!(got.notes.iter().any(|n| n.contains("through a pipe")), "{:?}", got.notes);
    let got = one("curl https://a.test/one  # first\ncurl https://a.test/two");
    assert_eq!(got.draft.url, "https://a.test/one");
    assert!(got.notes.iter().any(|n| n.contains("more than one command")), "{:?}", got.notes);
    assert_eq!(one("$ curl https://a.test 2>/dev/null").draft.url, "https://a.test");
}

#[test]
fn shell_variables_are_kept_as_typed_and_said() {
    let got = one("curl https://a.test -H \"Authorization: Bearer $DO_API_TOKEN\"");
    let c = got.credential().unwrap();
    assert!(c.is_shell_variable());
    assert_eq!(
        c.describe(),
        "$DO_API_TOKEN in header Authorization (a shell variable: the value itself is not in the command)"
    );
    assert_eq!(got.left_out, ["the value of $DO_API_TOKEN"]);
    assert!(one("curl https://a.test -H 'Authorization: Bearer $NOT_EXPANDED'").left_out.is_empty());
}

#[test]
fn a_form_is_carried_as_curl_writes_it() {
    let got = import_with("curl https://a.test/up -F a=1 -F 'doc=@f.txt;type=text/x' -F 'pic=@bin'", &OneFile).unwrap();
    assert_eq!(got.draft.method, Method::Post);
    let BodyDraft::Raw { content_type, text } = &got.draft.body else { panic!("{:?}", got.draft.body) };
    let boundary = content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
    assert_eq!(boundary.len(), 40);
    assert_eq!(
        text.replace(boundary, "B"),
        "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"f.txt\"\r\nContent-Type: text/x\r\n\r\nx=1\r\ny=2\n\r\n--B--\r\n"
    );
    // A file that is not text cannot be carried in a text body: named as left out.
    assert_eq!(got.left_out, ["the form's file field \"pic\" (a binary file)"]);
}

#[test]
fn variables_fill_expand_options() {
    let got = one("curl --variable host=a.test --variable 'name= Ann O\"Neil ' --expand-url 'https://{{host}}/u' \
         --expand-json '{\"n\":\"{{name:trim:json}}\"}' --expand-header 'X-Q: {{name:trim:url}}' --expand-data 'b={{name:b64}}'");
    assert_eq!(got.draft.url, "https://a.test/u");
    assert_eq!(pairs(&got.draft.headers), [("X-Q", "Ann%20O%22Neil"), ("Accept", "application/json")]);
    // --json then -d: curl joins them with & under the JSON type, which is no longer JSON: raw text.
    assert_eq!(
        got.draft.body,
        BodyDraft::Raw {
            content_type: "application/json".to_owned(),
            text: "{\"n\":\"Ann O\\\"Neil\"}&b=IEFubiBPIk5laWwg".to_owned()
        }
    );
    // A variable from curl's environment is not in a paste: said, and left empty.
    let got = one("curl --variable %HOME --expand-url 'https://a.test/{{HOME}}x'");
    assert_eq!(got.draft.url, "https://a.test/x");
    assert!(got.notes.iter().any(|n| n.contains("--variable %HOME")), "{:?}", got.notes);
}
