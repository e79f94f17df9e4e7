use super::*;
use crate::core::challenge::parse;

const NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
const CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

fn rfc_7616_challenges() -> Vec<Challenge> {
    // RFC 7616 §3.9.1, as the server sends it: SHA-256 first, then MD5.
    parse(&format!(
        "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, nonce=\"{NONCE}\", opaque=\"{OPAQUE}\", \
         Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, nonce=\"{NONCE}\", opaque=\"{OPAQUE}\""
    ))
}

fn get_index() -> DigestTarget<'static> {
    DigestTarget { method: "GET", uri: "/dir/index.html", body: b"" }
}

fn response_of(header: &Secret) -> String {
    let params = parse(header.expose());
    params[0].param("response").unwrap_or_default().to_owned()
}

#[test]
fn rfc_7616_example_sha_256() {
    let challenge = strongest(&rfc_7616_challenges()).unwrap();
    assert_eq!(challenge.algorithm, DigestAlgorithm { hash: DigestHash::Sha256, session: false });
    let header = answer(&challenge, "Mufasa", &Secret::new("Circle of Life"), get_index(), CNONCE, 1);
    assert_eq!(
        header.expose(),
        format!(
            "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", algorithm=SHA-256, \
             nonce=\"{NONCE}\", nc=00000001, cnonce=\"{CNONCE}\", qop=auth, \
             response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", opaque=\"{OPAQUE}\""
        )
    );
}

#[test]
fn rfc_7616_example_md5() {
    let md5 = DigestChallenge::from_challenge(&rfc_7616_challenges()[1]).unwrap();
    assert_eq!(md5.algorithm.hash, DigestHash::Md5);
    let header = answer(&md5, "Mufasa", &Secret::new("Circle of Life"), get_index(), CNONCE, 1);
    assert_eq!(response_of(&header), "8ca523f5e9506fed4657c9700eebdbec");
}

#[test]
fn rfc_2617_example_without_algorithm() {
    // RFC 2617 §3.5: MD5 by default, qop auth; the answer names no algorithm either.
    let challenge = parse(
        "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
    );
    let read = strongest(&challenge).unwrap();
    assert!(!read.algorithm_named);
    let header = answer(
        &read,
        "Mufasa",
        &Secret::new("Circle Of Life"),
        DigestTarget { method: "GET", uri: "/dir/index.html", body: b"" },
        "0a4f113b",
        1,
    );
    assert_eq!(response_of(&header), "6629fae49393a05397450978507c4ef1");
    assert!(!header.expose().contains("algorithm="), "{}", header.expose());
}

#[test]
fn rfc_2069_server_without_qop() {
    // No qop: response = H(HA1:nonce:HA2), and no nc or cnonce is sent.
    let read = strongest(&parse("Digest realm=\"r\", nonce=\"n\"")).unwrap();
    let header = answer(&read, "u", &Secret::new("p"), get_index(), "c", 1);
    let ha1 = hex(&md5::Md5::digest(b"u:r:p"));
    let ha2 = hex(&md5::Md5::digest(b"GET:/dir/index.html"));
    assert_eq!(response_of(&header), hex(&md5::Md5::digest(format!("{ha1}:n:{ha2}").as_bytes())));
    assert!(!header.expose().contains("nc="));
    assert!(!header.expose().contains("cnonce="));
}

#[test]
fn session_variant_mixes_in_the_nonces() {
    let read = strongest(&parse("Digest realm=\"r\", nonce=\"n\", qop=auth, algorithm=SHA-256-sess")).unwrap();
    assert!(read.algorithm.session);
    let header = answer(&read, "u", &Secret::new("p"), get_index(), "c", 2);
    let h = |s: &str| hex(&sha2::Sha256::digest(s.as_bytes()));
    let ha1 = h(&format!("{}:n:c", h("u:r:p")));
    let ha2 = h("GET:/dir/index.html");
    assert_eq!(response_of(&header), h(&format!("{ha1}:n:00000002:c:auth:{ha2}")));
    assert!(header.expose().contains("algorithm=SHA-256-sess"));
}

#[test]
fn auth_int_signs_the_body_when_there_is_one() {
    let read = strongest(&parse("Digest realm=\"r\", nonce=\"n\", qop=\"auth,auth-int\"")).unwrap();
    let body = br#"{"a":1}"#;
    let header = answer(&read, "u", &Secret::new("p"), DigestTarget { method: "POST", uri: "/x", body }, "c", 1);
    let h = |s: &[u8]| hex(&md5::Md5::digest(s));
    let ha2 = h(format!("POST:/x:{}", h(body)).as_bytes());
    let expected = h(format!("{}:n:00000001:c:auth-int:{ha2}", h(b"u:r:p")).as_bytes());
    assert_eq!(response_of(&header), expected);
    assert!(header.expose().contains("qop=auth-int"));
    // Without a body, plain auth is enough.
    let get = answer(&read, "u", &Secret::new("p"), get_index(), "c", 1);
    assert!(get.expose().contains("qop=auth,") || get.expose().contains("qop=auth "), "{}", get.expose());
}

#[test]
fn userhash_sends_the_username_hashed() {
    // RFC 7616 §3.9.2's user, realm and algorithm: the username goes as H(username:realm). The
    // RFC prints 488869…54ec, which is wrong (erratum 4897); this value is Python's hashlib's
    // sha512_256 of "Jäsøn Doe:api@example.org" in UTF-8.
    let read = strongest(&parse(
        "Digest realm=\"api@example.org\", qop=auth, algorithm=SHA-512-256, nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", charset=UTF-8, userhash=true",
    ))
    .unwrap();
    assert_eq!(read.algorithm.hash, DigestHash::Sha512_256);
    let header = answer(&read, "J\u{e4}s\u{f8}n Doe", &Secret::new("Secret, or not?"), get_index(), "c", 1);
    let sent = parse(header.expose());
    assert_eq!(sent[0].param("username"), Some("793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"));
    assert_eq!(sent[0].param("userhash"), Some("true"));
}

#[test]
fn a_name_that_is_not_ascii_goes_as_username_star() {
    let read = strongest(&parse("Digest realm=\"r\", nonce=\"n\", qop=auth")).unwrap();
    let header = answer(&read, "J\u{e4}s\u{f8}n Doe", &Secret::new("p"), get_index(), "c", 1);
    assert!(header.expose().starts_with("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, "), "{}", header.expose());
}

#[test]
fn the_strongest_algorithm_offered_is_chosen() {
    let offered = parse(
        "Digest realm=\"r\", nonce=\"a\", algorithm=MD5, qop=auth, Digest realm=\"r\", nonce=\"b\", algorithm=SHA-512-256, qop=auth, Digest realm=\"r\", nonce=\"c\", algorithm=SHA-256, qop=auth",
    );
    let chosen = strongest(&offered).unwrap();
    assert_eq!((chosen.algorithm.hash, chosen.nonce.as_str()), (DigestHash::Sha512_256, "b"));
}

#[test]
fn an_unknown_algorithm_is_passed_over_or_named() {
    let mixed =
        parse("Digest realm=\"r\", nonce=\"a\", algorithm=SHA3-256, Digest realm=\"r\", nonce=\"b\", algorithm=MD5");
    assert_eq!(strongest(&mixed).unwrap().nonce, "b");
    let only_unknown = parse("Digest realm=\"r\", nonce=\"a\", algorithm=SHA3-256, qop=auth");
    let error = strongest(&only_unknown).unwrap_err();
    assert_eq!(error, DigestError::UnknownAlgorithm(vec!["SHA3-256".to_owned()]));
    let words = error.to_string();
    assert!(words.contains("\"SHA3-256\""), "{words}");
    assert!(words.contains("SHA-512-256-sess"), "{words}");
}

#[test]
fn challenges_that_cannot_be_answered_say_why() {
    assert_eq!(strongest(&parse("Basic realm=\"r\"")), Err(DigestError::NoChallenge));
    assert_eq!(strongest(&parse("Digest realm=\"r\", qop=auth")), Err(DigestError::NoNonce));
    assert_eq!(
        strongest(&parse("Digest realm=\"r\", nonce=\"n\", qop=\"auth-conf\"")),
        Err(DigestError::UnknownQop(vec!["auth-conf".to_owned()]))
    );
}

#[test]
fn the_session_counts_nonces_and_reads_stale() {
    let read = strongest(&parse("Digest realm=\"r\", nonce=\"n\", qop=auth, stale=TRUE")).unwrap();
    assert!(read.stale);
    let mut session = DigestSession::new(read);
    let first = session.authorize("u", &Secret::new("p"), get_index(), "c");
    let second = session.authorize("u", &Secret::new("p"), get_index(), "c");
    assert!(first.expose().contains("nc=00000001"));
    assert!(second.expose().contains("nc=00000002"));
    assert_ne!(response_of(&first), response_of(&second));
    assert_eq!(session.nonce_count(), 2);
}

#[test]
fn quotes_in_values_are_escaped_and_the_password_never_shows() {
    let read = strongest(&parse(r#"Digest realm="say \"hi\"", nonce="n", qop=auth"#)).unwrap();
    let header = answer(&read, "a\"b", &Secret::new("hunter2-password"), get_index(), "c", 1);
    assert!(header.expose().contains(r#"username="a\"b""#), "{}", header.expose());
    assert!(header.expose().contains(r#"realm="say \"hi\"""#), "{}", header.expose());
    assert_eq!(parse(header.expose())[0].param("realm"), Some("say \"hi\""));
    assert!(!header.expose().contains("hunter2"));
    assert!(!format!("{header:?}").contains("hunter2"));
}

#[test]
fn request_target_keeps_the_query_as_sent() {
    let url = url::Url::parse("https://api.example.com/v1/items?q=a%20b&x=1").unwrap();
    assert_eq!(request_target(&url), "/v1/items?q=a%20b&x=1");
    assert_eq!(request_target(&url::Url::parse("https://api.example.com").unwrap()), "/");
}
