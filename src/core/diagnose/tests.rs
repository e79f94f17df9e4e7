use super::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-03-01 11:05 UTC);

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
}

struct Case {
    url: &'static str,
    request_headers: Vec<(String, String)>,
    status: u16,
    response_headers: Vec<(String, String)>,
    body: &'static str,
    context: Context,
}

impl Case {
    fn new(status: u16, body: &'static str) -> Case {
        Case {
            url: "https://api.example.com/v1/orders",
            request_headers: h(&[("Authorization", "Bearer abcdefghijklmnopqrstuvwxyz123456")]),
            status,
            response_headers: Vec::new(),
            body,
            context: Context::at(NOW),
        }
    }

    fn sent(mut self, headers: &[(&str, &str)]) -> Case {
        self.request_headers = h(headers);
        self
    }

    fn answered(mut self, headers: &[(&str, &str)]) -> Case {
        self.response_headers = h(headers);
        self
    }

    fn run(&self) -> Diagnosis {
        let k = Knowledge::builtin();
        let request = observe(k, "GET", self.url, &self.request_headers, None);
        let seen = Seen::Response {
            status: self.status,
            headers: &self.response_headers,
            body: self.body.as_bytes(),
            content_type: Some("application/json"),
        };
        diagnose(&request, &seen, &self.context, k)
    }
}

fn causes(d: &Diagnosis) -> Vec<Cause> {
    d.findings.iter().map(|f| f.cause).collect()
}

fn jwt(claims: &str) -> String {
    use base64::Engine as _;
    let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!("{}.{}.{}", b(r#"{"alg":"HS256","typ":"JWT"}"#), b(claims), b("signature-bytes"))
}

#[test]
fn rfc_6750_expired_token_is_named_with_the_header_as_evidence() {
    let d = Case::new(401, "")
        .answered(&[(
            "WWW-Authenticate",
            r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#,
        )])
        .run();
    let top = d.top().unwrap();
    assert_eq!(top.cause, Cause::ExpiredCredential, "{:?}", causes(&d));
    assert!(top.confidence > 0.8, "{}", top.confidence);
    assert!(top.evidence.iter().any(|e| e.contains(r#"error="invalid_token""#)), "{:?}", top.evidence);
    assert_eq!(d.stage, Stage::Identity);
    let ordered = d.findings.windows(2).all(|w| w[0].confidence >= w[1].confidence);
    assert!(ordered);
}

#[test]
fn an_expired_jwt_is_read_against_the_clock() {
    let token = jwt(r#"{"sub":"u1","exp":1772361720,"scope":"orders:read"}"#); // 10:42 UTC
    let header = format!("Bearer {token}");
    let d = Case::new(401, "").sent(&[("Authorization", &header)]).answered(&[("WWW-Authenticate", "Bearer")]).run();
    let top = d.top().unwrap();
    assert_eq!(top.cause, Cause::ExpiredCredential);
    assert_eq!(top.title, "Your access token has expired");
    assert!(top.evidence.iter().any(|e| e.contains("exp") && e.contains("10:42 UTC")), "{:?}", top.evidence);
    assert!(top.explanation.contains("23 min ago (1 Mar 10:42 UTC)"), "{}", top.explanation);
}

#[test]
fn no_credential_and_401_is_missing_credential() {
    let d = Case::new(401, r#"{"message":"Unauthorized"}"#).sent(&[("Accept", "*/*")]).run();
    assert_eq!(causes(&d)[0], Cause::MissingCredential);
    assert!(d.top().unwrap().confidence >= 0.8);
}

#[test]
fn a_test_key_sent_with_a_production_profile_is_the_wrong_environment() {
    let mut case = Case::new(
        401,
        r#"{"error":{"message":"Invalid API Key provided: sk_test_****5678","type":"invalid_request_error"}}"#,
    )
    .sent(&[("Authorization", &format!("Bearer {}{}", "sk_test_", "abcdefghijklmnopqrst5678"))]);
    case.context.environment = Some(EnvKind::Production);
    let d = case.run();
    let top = d.top().unwrap();
    assert_eq!(top.cause, Cause::WrongEnvironment, "{:?}", causes(&d));
    assert_eq!(top.title, "A Sandbox (test) key was sent to Production (live)");
    assert!(top.actions.contains(&Action::SwitchEnvironment(EnvKind::Sandbox)));
}

#[test]
fn insufficient_scope_names_the_missing_permission() {
    let d = Case::new(403, "")
        .answered(&[("WWW-Authenticate", r#"Bearer error="insufficient_scope", scope="orders:write""#)])
        .run();
    let top = d.top().unwrap();
    assert_eq!(top.cause, Cause::InsufficientScope);
    assert!(top.next_steps[0].contains("orders:write"), "{:?}", top.next_steps);
    assert_eq!(d.stage, Stage::Permission);
}

#[test]
fn success_and_non_auth_failures_say_nothing() {
    assert!(Case::new(200, r#"{"ok":true}"#).run().findings.is_empty());
    assert!(Case::new(404, r#"{"error":"not_found","message":"No such order"}"#).run().findings.is_empty());
    assert!(Case::new(429, r#"{"error":"rate_limited"}"#).run().findings.is_empty());
    assert!(Case::new(500, "Internal Server Error").run().findings.is_empty());
    let mut github_rate_limit = Case::new(403, r#"{"message":"API rate limit exceeded for user ID 1."}"#);
    github_rate_limit.url = "https://api.github.com/user";
    assert!(github_rate_limit.run().findings.is_empty());
}

#[test]
fn slack_answers_200_with_ok_false() {
    let mut case = Case::new(200, r#"{"ok":false,"error":"token_revoked"}"#);
    case.url = "https://slack.com/api/chat.postMessage";
    assert_eq!(causes(&case.run())[0], Cause::RevokedCredential);
}

#[test]
fn formatting_slips_are_found_in_the_request() {
    let d = Case::new(401, "").sent(&[("Authorization", "Bearer Bearer abcdefghijklmnopqrstuvwxyz123456")]).run();
    let top = d.top().unwrap();
    assert_eq!(top.cause, Cause::MalformedCredential);
    assert!(top.actions.contains(&Action::RetryFixed));
    assert!(top.next_steps[0].contains("twice"), "{:?}", top.next_steps);
}

#[test]
fn worked_before_points_at_a_switched_off_key() {
    let mut case = Case::new(401, r#"{"message":"Invalid API key"}"#);
    case.context.history.push(PastSend {
        method: "GET".to_owned(),
        host: "api.example.com".to_owned(),
        path: "/v1/orders".to_owned(),
        status: Some(200),
        at: datetime!(2026-03-01 09:00 UTC),
    });
    let d = case.run();
    let top3: Vec<Cause> = causes(&d).into_iter().take(3).collect();
    assert!(top3.contains(&Cause::RevokedCredential), "{top3:?}");
    let revoked = d.findings.iter().find(|f| f.cause == Cause::RevokedCredential).unwrap();
    assert!(revoked.explanation.contains("worked 2 h ago"), "{}", revoked.explanation);
}

#[test]
fn transport_failures() {
    let k = Knowledge::builtin();
    let request = observe(k, "GET", "https://api.example.com/", &[], None);
    let cert = Failure::from_message(
        "OpenSSL SSL_read: error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure, certificate required",
    );
    let d = diagnose(&request, &Seen::Failed(&cert), &Context::at(NOW), k);
    assert_eq!(causes(&d)[0], Cause::MtlsCertificate);
    assert_eq!(d.stage, Stage::Connection);
    let dns = Failure::from_message("getaddrinfo ENOTFOUND api.example.com");
    assert_eq!(dns.kind, FailureKind::Dns);
    assert!(diagnose(&request, &Seen::Failed(&dns), &Context::at(NOW), k).findings.is_empty());
}

#[test]
fn clock_skew_from_the_date_header_and_the_code() {
    let d = Case::new(403, "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error>")
        .answered(&[("Date", "Sun, 01 Mar 2026 10:40:00 GMT")])
        .run();
    let top = d.top().unwrap();
    assert_eq!(top.cause, Cause::ClockSkew);
    assert!(top.evidence.iter().any(|e| e.contains("Date header")), "{:?}", top.evidence);
}

#[test]
fn an_expired_complaint_from_a_server_whose_clock_is_far_from_ours_is_the_clock() {
    // The server says "expired", and its Date is 80 minutes after this computer's clock: a
    // timestamp made with a wrong clock, not a credential that ran out.
    let body = r#"{"Code":"InvalidTimeStamp.Expired","Message":"Specified time stamp or date value is expired."}"#;
    let d = Case::new(400, body).answered(&[("Date", "Sun, 01 Mar 2026 12:25:00 GMT")]).run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::ClockSkew), "{:?}", causes(&d));
    // A HAR's own send time counts as this computer's clock, even when `now` is given apart.
    let mut case = Case::new(400, body).answered(&[("Date", "Sun, 01 Mar 2026 11:05:00 GMT")]);
    case.context.sent_at = Some(datetime!(2026-03-01 9:45 UTC));
    assert_eq!(case.run().top().map(|f| f.cause), Some(Cause::ClockSkew));
    // Same clocks: the expiry is real.
    let d = Case::new(400, body).answered(&[("Date", "Sun, 01 Mar 2026 11:05:00 GMT")]).run();
    assert_ne!(d.top().map(|f| f.cause), Some(Cause::ClockSkew), "{:?}", causes(&d));
    // A token that had run out even by this computer's clock expired for real, whatever the clocks.
    let token = jwt(r#"{"sub":"x","exp":1772300000}"#);
    let d = Case::new(401, r#"{"error":"invalid_token","error_description":"The access token expired"}"#)
        .sent(&[("Authorization", &format!("Bearer {token}"))])
        .answered(&[("Date", "Sun, 01 Mar 2026 12:25:00 GMT")])
        .run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::ExpiredCredential), "{:?}", causes(&d));
}

#[test]
fn a_server_naming_the_scheme_it_expects_tells_a_wrong_scheme_from_a_missing_one() {
    let body =
        r#"Invalid authorization value in HTTP header "Authorization". Expecting "Bearer <oauth2-access-token>"."#;
    // Another scheme word was sent: the wrong way of sending.
    let d = Case::new(400, body).sent(&[("Authorization", "Basic YXBwa2V5OmFwcHNlY3JldA==")]).run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::WrongAuthScheme), "{:?}", causes(&d));
    // No scheme word at all: the value is incomplete.
    let d = Case::new(400, body).sent(&[("Authorization", "sl.B0a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6")]).run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::MalformedCredential), "{:?}", causes(&d));
}

#[test]
fn errors_in_other_languages_land_on_their_cause() {
    let cases = [
        (r#"{"code":40001,"message":"令牌已过期"}"#, Cause::ExpiredCredential),
        (r#"{"error":"アクセストークンの有効期限が切れています"}"#, Cause::ExpiredCredential),
        (r#"{"error":"Срок действия токена истек"}"#, Cause::ExpiredCredential),
        (r#"{"error":"El token ha expirado"}"#, Cause::ExpiredCredential),
        (r#"{"message":"Token inválido"}"#, Cause::InvalidCredential),
        (r#"{"error":"Der API-Schlüssel ist ungültig"}"#, Cause::InvalidCredential),
        (r#"{"msg":"签名错误，请检查签名"}"#, Cause::SignatureMismatch),
        (r#"{"status":220,"message":"APP Referer校验失败"}"#, Cause::AccountPolicy),
    ];
    for (body, expected) in cases {
        // A 200 only for the report inside one (as Baidu answers); else a plain 400 that says
        // nothing by its status.
        let status = if body.contains("\"status\":220") { 200 } else { 400 };
        let d = Case::new(status, body).run();
        assert_eq!(d.top().map(|f| f.cause), Some(expected), "{body}: {:?}", causes(&d));
    }
}

#[test]
fn a_client_id_the_message_names_and_the_request_lacks_is_the_missing_part() {
    let body = r#"{"error":"Unauthorized","status":401,"message":"Client ID and OAuth token do not match"}"#;
    let d = Case::new(401, body).run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::MissingCredential), "{:?}", causes(&d));
    let d = Case::new(401, body)
        .sent(&[
            ("Authorization", "Bearer abcdefghijklmnopqrstuvwxyz123456"),
            ("Client-Id", "uo6dggojyb8d6soh92zknwmi5ej1q2"),
        ])
        .run();
    assert_ne!(d.top().map(|f| f.cause), Some(Cause::MissingCredential), "{:?}", causes(&d));
}

#[test]
fn access_someone_must_grant_is_an_account_policy() {
    let body = r#"{"error":"Access to model acme/big is restricted and you are not in the authorized list. Visit https://example.com/acme/big to ask for access."}"#;
    let d = Case::new(403, body).run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::AccountPolicy), "{:?}", causes(&d));
}

#[test]
fn a_stand_in_sent_as_the_token_is_the_cause_whatever_the_server_says_of_it() {
    let body = r#"{"status":"error","message":"The OAuth token used to make this call expired 19884 day(s) ago.","category":"EXPIRED_AUTHENTICATION"}"#;
    let d = Case::new(401, body).sent(&[("Authorization", "Bearer access-token")]).run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::MalformedCredential), "{:?}", causes(&d));
}

#[test]
fn a_missing_client_certificate_in_the_message_is_the_certificate() {
    let d = Case::new(401, r#"{"message":"No required TLS certificate was sent"}"#).sent(&[]).run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::MtlsCertificate), "{:?}", causes(&d));
}

#[test]
fn a_request_refused_for_its_content_is_not_an_authentication_problem() {
    let body = "<html><title>400 File already exists ('pkg-1.0.whl'). See the help.</title><body>The server could not comply with the request since it is either malformed or otherwise incorrect.</body></html>";
    let d = Case::new(400, body).run();
    assert!(d.findings.is_empty(), "{:?}", causes(&d));
}

#[test]
fn a_key_sent_as_bearer_where_keys_go_in_their_own_header_is_the_wrong_way() {
    let body = r#"{"statusCode":401,"message":"Unauthorized. Access token is missing, invalid, audience is incorrect, or have expired."}"#;
    let mut case = Case::new(401, body).sent(&[("Authorization", "Bearer 2aa51756d2fb08305fe2906c15a1ddce")]);
    case.url = "https://my-aoai.openai.azure.com/openai/deployments/gpt/chat/completions";
    let d = case.run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::WrongAuthScheme), "{:?}", causes(&d));
    assert!(d.top().unwrap().explanation.contains("api-key header"), "{}", d.top().unwrap().explanation);
    // A real token (a JWT) after Bearer is how these providers also sign in: not a slip.
    let token = jwt(r#"{"aud":"https://cognitiveservices.azure.com","exp":1772300000}"#);
    let mut case = Case::new(401, body).sent(&[("Authorization", &format!("Bearer {token}"))]);
    case.url = "https://my-aoai.openai.azure.com/openai/deployments/gpt/chat/completions";
    assert_ne!(case.run().top().map(|f| f.cause), Some(Cause::WrongAuthScheme));
}

#[test]
fn lumped_messages_rank_invalid_first_and_say_how_to_tell() {
    let d = Case::new(401, r#"{"error":"invalid_grant","error_description":"The provided authorization grant is invalid, expired, or revoked"}"#).run();
    let c = causes(&d);
    assert_eq!(c[0], Cause::InvalidCredential, "{c:?}");
    assert!(c[..3].contains(&Cause::ExpiredCredential) && c[..3].contains(&Cause::RevokedCredential), "{c:?}");
    assert!(d.top().unwrap().explanation.contains("If it worked before"), "{}", d.top().unwrap().explanation);
}

#[test]
fn a_secret_echoed_by_the_server_is_masked_everywhere() {
    let canary = format!("{}{}", "sk_live_", "CANARYcanary1234567890abcdefXYZ");
    let body: &'static str =
        Box::leak(format!(r#"{{"error":{{"message":"Invalid API Key provided: {canary}"}}}}"#).into_boxed_str());
    let header = format!("Bearer {canary}");
    let d = Case::new(401, body).sent(&[("Authorization", &header)]).run();
    assert!(!d.findings.is_empty());
    let k = Knowledge::builtin();
    let request = observe(
        k,
        "GET",
        &format!("https://api.example.com/?api_key={canary}"),
        &h(&[("Authorization", &header)]),
        None,
    );
    let all = format!("{d:?}{}{}{request:?}", serde_json::to_string(&d).unwrap(), d.summary(&request, Some(401)));
    assert!(!all.contains("CANARYcanary"), "{all}");
}

#[test]
fn every_cause_has_plain_words() {
    let facts = findings::Facts::default();
    for cause in Cause::ALL {
        let title = words_title(cause, &facts);
        assert!(!title.is_empty() && title.split_whitespace().count() <= 11, "{cause:?}: {title}");
        assert!(!title.ends_with('.') && !title.contains('!'), "{title}");
        assert_eq!(Cause::from_id(cause.id()), Some(cause));
    }
}

fn words_title(cause: Cause, facts: &findings::Facts) -> String {
    let request = SentRequest::default();
    words::finding(cause, 0.5, &[], None, facts, &request).title
}

#[test]
fn common_framework_messages_are_read() {
    // Messages from widely used servers and libraries, none of them in the corpus.
    let cases: &[(u16, &str, Cause)] = &[
        (401, r#"{"message":"jwt expired"}"#, Cause::ExpiredCredential),
        (401, r#"{"message":"jwt malformed"}"#, Cause::MalformedCredential),
        (401, r#"{"message":"invalid signature"}"#, Cause::SignatureMismatch),
        (401, r#"{"message":"jwt audience invalid. expected: api://orders"}"#, Cause::WrongAudience),
        (401, r#"{"message":"Token used too early, 1772362920 < 1772363000"}"#, Cause::NotYetValidCredential),
        (
            401,
            r#"{"detail":"Given token not valid for any token type","code":"token_not_valid"}"#,
            Cause::InvalidCredential,
        ),
        (403, r#"{"detail":"You do not have permission to perform this action."}"#, Cause::ResourcePermission),
        (
            401,
            r#"{"statusCode":401,"message":"Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."}"#,
            Cause::InvalidCredential,
        ),
        (
            403,
            r#"{"Message":"User: arn:aws:iam::123456789012:user/dev is not authorized to perform: s3:GetObject"}"#,
            Cause::ResourcePermission,
        ),
        (
            401,
            r#"{"error":"invalid_token","error_description":"Token is invalid or expired"}"#,
            Cause::InvalidCredential,
        ),
        (403, "CSRF Failed: CSRF token missing.", Cause::OtherAuthFailure),
        (401, r#"{"message":"Your account has been suspended"}"#, Cause::AccountPolicy),
        (
            403,
            r#"{"message":"Request had insufficient authentication scopes.","status":"PERMISSION_DENIED"}"#,
            Cause::InsufficientScope,
        ),
        // An error as a bare list, whatever the status.
        (500, r#"["error", 20060, "nonce too small"]"#, Cause::OtherAuthFailure),
        // A general complaint, a colon, and the specific reason: the reason goes first.
        (401, r#"{"msg":"Signature invalid: request IP address not whitelisted"}"#, Cause::AccountPolicy),
        (403, r#"{"error":"token scope mismatch for this operation"}"#, Cause::InsufficientScope),
        // Gateways' words: a signature that fails, keys the gateway could not get.
        (400, r#"{"code":-1,"msg":"The signature for this request is invalid."}"#, Cause::SignatureMismatch),
        (401, "JWT verification failed", Cause::SignatureMismatch),
        (401, "Unable to fetch the JWKS from the issuer", Cause::OtherAuthFailure),
        (403, r#"{"message":"The organization has not completed onboarding yet"}"#, Cause::AccountPolicy),
        (401, r#"{"message":"This user does not belong to any organization"}"#, Cause::AccountPolicy),
        (
            403,
            r#"{"error":"consent_required","error_description":"An admin has not yet consented to this app"}"#,
            Cause::AccountPolicy,
        ),
        (401, r#"{"message":"The request time is not yet current"}"#, Cause::ClockSkew),
    ];
    for (status, body, expected) in cases {
        let d = Case::new(*status, body).run();
        assert_eq!(d.top().map(|f| f.cause), Some(*expected), "{body}: {:?}", causes(&d));
    }
}

#[test]
fn a_redirect_to_a_sign_in_page_is_read() {
    let d = Case::new(302, "")
        .sent(&[("Accept", "application/json")])
        .answered(&[("Location", "https://id.example.com/login?next=/v1/orders")])
        .run();
    assert_eq!(causes(&d).first(), Some(&Cause::MissingCredential));
    let plain = Case::new(301, "").answered(&[("Location", "https://api.example.com/v2/orders")]).run();
    assert!(plain.findings.is_empty(), "a plain redirect is not an authentication problem");
}

#[test]
fn a_dpop_bound_token_sent_as_bearer_is_the_wrong_scheme() {
    // RFC 9449 §7.1: the API asks for DPoP; the request said Bearer.
    let d = Case::new(401, "")
        .sent(&[("Authorization", "Bearer Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU")])
        .answered(&[("WWW-Authenticate", r#"DPoP algs="ES256 PS256", error="invalid_token""#)])
        .run();
    let top = d.top().unwrap();
    assert_eq!(top.cause, Cause::WrongAuthScheme, "{:?}", causes(&d));
}

#[test]
fn dpop_errors_are_read() {
    let d = Case::new(401, "")
        .sent(&[
            ("Authorization", "DPoP Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            ("DPoP", "eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.sig"),
        ])
        .answered(&[(
            "WWW-Authenticate",
            r#"DPoP error="invalid_dpop_proof", error_description="Invalid DPoP key binding""#,
        )])
        .run();
    assert_eq!(d.top().unwrap().cause, Cause::MalformedCredential, "{:?}", causes(&d));
    let d = Case::new(401, "")
        .sent(&[("Authorization", "DPoP Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU")])
        .answered(&[("WWW-Authenticate", r#"DPoP error="use_dpop_nonce""#), ("DPoP-Nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v")])
        .run();
    let top = d.top().unwrap();
    assert_eq!(top.cause, Cause::MalformedCredential, "{:?}", causes(&d));
    assert!(top.evidence.iter().any(|e| e.contains("use_dpop_nonce")), "{:?}", top.evidence);
}

#[test]
fn an_unknown_providers_sentence_lands_on_a_cause_through_the_word_groups() {
    // No phrase pattern or code knows this wording; the words "timestamp" and "ahead" do.
    let d =
        Case::new(400, r#"{"code":-7001,"msg":"Timestamp for this request was 1000ms ahead of the server's time."}"#)
            .run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::ClockSkew), "{d:?}");
    let d = Case::new(200, r#"{"errcode":310000,"errmsg":"sign not match"}"#).run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::SignatureMismatch), "{d:?}");
    let d = Case::new(400, r#"{"error":{"message":"(#9999) Requires widgets_manage permission to do this"}}"#).run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::InsufficientScope), "{d:?}");
}

#[test]
fn an_auth_worded_error_nobody_understood_is_a_possibly_finding_with_the_apis_words() {
    let d = Case::new(200, r#"{"status":"error","message":"The widget token handshake did not complete"}"#).run();
    let top = d.top().expect("an auth-worded error never ends with no finding");
    assert_eq!(top.cause, Cause::OtherAuthFailure);
    assert!(top.title.starts_with("Possibly"), "{}", top.title);
    assert!(top.explanation.contains("The widget token handshake did not complete"), "{}", top.explanation);
    assert_eq!(top.likelihood(), Likelihood::Possible);
    // An error about something else stays quiet, and so does a success.
    assert!(Case::new(200, r#"{"status":"error","message":"The title can't be blank"}"#).run().findings.is_empty());
    assert!(Case::new(200, r#"{"message":"Queued. Thank you.","id":"abc"}"#).run().findings.is_empty());
    assert!(Case::new(429, r#"{"message":"Too many requests, your token is throttled"}"#).run().findings.is_empty());
}

#[test]
fn a_request_whose_own_end_time_had_just_passed_points_at_the_clock() {
    let d = Case::new(401, r#"{"error":{"message":"request expired"}}"#)
        .sent(&[("X-Api-Expires", "1700000000"), ("X-Api-Key", "k3y-value-0123456789")])
        .answered(&[("Date", "Tue, 14 Nov 2023 22:13:25 GMT")])
        .run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::ClockSkew), "{:?}", causes(&d));
    // An end time long past is not the clock's doing: nothing is said of it.
    let old = Case::new(401, r#"{"error":{"message":"request expired"}}"#)
        .sent(&[("X-Api-Expires", "1600000000"), ("X-Api-Key", "k3y-value-0123456789")])
        .answered(&[("Date", "Tue, 14 Nov 2023 22:13:25 GMT")])
        .run();
    let names_expiry =
        |d: &Diagnosis| d.findings.iter().flat_map(|f| &f.evidence).any(|e| e.starts_with("X-Api-Expires"));
    assert!(names_expiry(&d));
    assert!(!names_expiry(&old), "{:?}", old.findings);
}

#[test]
fn a_refusal_of_a_request_that_carried_no_credential_asks_for_the_credential_first() {
    let anonymous = Case::new(403, "RBAC: access denied").sent(&[("Accept", "*/*")]).run();
    assert_eq!(anonymous.top().map(|f| f.cause), Some(Cause::MissingCredential), "{:?}", causes(&anonymous));
    // With a credential, the same words are a permission.
    let known = Case::new(403, "RBAC: access denied").run();
    assert_eq!(known.top().map(|f| f.cause), Some(Cause::ResourcePermission), "{:?}", causes(&known));
    // A client certificate that went says who is calling: the refusal is a permission too.
    let mut certified = Case::new(403, "RBAC: access denied").sent(&[("Accept", "*/*")]);
    certified.context.client_certificate = true;
    let certified = certified.run();
    assert_eq!(certified.top().map(|f| f.cause), Some(Cause::ResourcePermission), "{:?}", causes(&certified));
}

#[test]
fn app_set_up_and_crumb_messages_are_read() {
    for (status, body, expected) in [
        (
            400,
            r#"{"error":"unauthorized_client","error_description":"The client is not authorized to use this grant type"}"#,
            Cause::AccountPolicy,
        ),
        (403, r#"{"message":"invalid crumb, reload the page and try again"}"#, Cause::OtherAuthFailure),
    ] {
        let d = Case::new(status, body).run();
        assert_eq!(d.top().map(|f| f.cause), Some(expected), "{body}: {:?}", causes(&d));
    }
}

#[test]
fn a_request_time_days_from_the_servers_is_not_read_as_the_clock() {
    let early = |amz_date: &'static str| {
        Case::new(403, r#"{"message":"Request is not yet valid"}"#)
            .sent(&[
                ("X-Amz-Date", amz_date),
                ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20231114/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00"),
            ])
            .answered(&[("Date", "Tue, 14 Nov 2023 22:13:25 GMT")])
            .run()
    };
    // Ten minutes ahead: the clock.
    assert_eq!(early("20231114T222325Z").top().map(|f| f.cause), Some(Cause::ClockSkew));
    // Two days ahead: the time written into the request; the clock stays among the causes.
    let days = early("20231116T221325Z");
    assert_eq!(days.top().map(|f| f.cause), Some(Cause::NotYetValidCredential), "{:?}", causes(&days));
    assert!(days.findings.iter().any(|f| f.cause == Cause::ClockSkew));
}

#[test]
fn a_jwt_time_in_milliseconds_is_a_formatting_slip_not_the_clock() {
    use base64::Engine as _;
    let part = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let token = format!(
        "Bearer {}.{}.c2ln",
        part(r#"{"alg":"HS256"}"#),
        part(r#"{"iat":1767225600000,"exp":1767229200000,"sub":"u1"}"#)
    );
    let d = Case::new(401, r#"{"error":"invalid_token","error_description":"Token used before issued"}"#)
        .sent(&[("Authorization", token.as_str())])
        .run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::MalformedCredential), "{:?}", causes(&d));
    assert!(d.findings[0].explanation.contains("milliseconds"), "{}", d.findings[0].explanation);
}

#[test]
fn a_region_the_server_names_as_wrong_is_the_region() {
    let d = Case::new(400, "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message></Error>")
        .sent(&[("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")])
        .run();
    assert_eq!(d.top().map(|f| f.cause), Some(Cause::WrongAudience), "{:?}", causes(&d));
}

#[test]
fn a_refused_nonce_says_what_to_do_about_it() {
    let d = Case::new(500, r#"["error", 20060, "nonce too small"]"#).run();
    let top = d.top().unwrap();
    assert_eq!(top.cause, Cause::OtherAuthFailure);
    assert_eq!(top.title, "The request's one-time number (nonce) was refused");
    assert!(top.next_steps[0].starts_with("Send a nonce larger"), "{:?}", top.next_steps);
}

#[test]
fn a_reused_nonce_is_not_told_to_grow() {
    for body in [r#"{"error": "invalid nonce"}"#, r#"{"message": "The nonce was already used"}"#] {
        let d = Case::new(401, body).run();
        let top = d.top().unwrap();
        assert_eq!(top.cause, Cause::OtherAuthFailure, "{body}");
        assert_eq!(top.title, "The request's one-time number (nonce) was refused", "{body}");
        assert!(top.next_steps.iter().all(|s| !s.contains("larger")), "{body}: {:?}", top.next_steps);
        assert!(top.next_steps[0].starts_with("Send again"), "{body}: {:?}", top.next_steps);
    }
}

#[test]
fn a_request_end_time_just_passed_is_said_in_seconds() {
    // The request said it was good until 11:04:50; the server read it at 11:05:00.
    let d = Case::new(401, r#"{"error":{"message":"This request has expired","name":"HTTPError"}}"#)
        .sent(&[("api-expires", "1772363090"), ("api-key", "LAqUlngMIQkIUjXMUreyu3qn")])
        .answered(&[("Date", "Sun, 01 Mar 2026 11:05:00 GMT")])
        .run();
    let skew = d.findings.iter().find(|f| f.cause == Cause::ClockSkew).expect("a clock finding");
    assert!(skew.explanation.contains("had passed 10 seconds before it arrived"), "{}", skew.explanation);
}
