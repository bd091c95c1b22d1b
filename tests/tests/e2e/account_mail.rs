//! Account e-mails, as Kitsu's front end uses them, through a real SMTP listener: an
//! invitation, a forgotten password, login codes by e-mail, and an admin's reset link.

use drover_shared::{Client, Role};
use drover_tests::sinks::{Mail, SmtpSink};
use drover_tests::{PASSWORD, TestServer, setup, setup_config, wait_for};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PUBLIC: &str = "https://kitsu.studio.test";

async fn mailing_server() -> (TestServer, Client, SmtpSink) {
    let smtp = SmtpSink::start().await;
    let url = smtp.url.clone();
    let (ts, admin) = setup_config(|config| {
        config.public_url = Some(format!("{PUBLIC}/"));
        config.mail = Some(drover_server::farm::notify::MailConfig {
            smtp_url: url,
            from: "Studio <tracker@studio.test>".into(),
        });
    })
    .await;
    (ts, admin, smtp)
}

/// The `n`th mail to `address` (1-based), once it arrives.
async fn nth_mail_to(smtp: &SmtpSink, address: &str, n: usize) -> Mail {
    let to = format!("<{address}>");
    wait_for(30, "the e-mail", || async {
        smtp.received()
            .into_iter()
            .filter(|m| m.to.contains(&to))
            .nth(n - 1)
    })
    .await
}

fn mails_to(smtp: &SmtpSink, address: &str) -> usize {
    let to = format!("<{address}>");
    smtp.received()
        .iter()
        .filter(|m| m.to.contains(&to))
        .count()
}

/// A mail's text with quoted-printable undone (soft line breaks and `=XX` escapes), as a
/// mail client shows it; lettre quotes bodies with lines longer than 76 characters.
fn shown(mail: &Mail) -> String {
    let raw = mail.data.replace("\r\n", "\n").replace("=\n", "");
    let mut out = Vec::new();
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// The password link in a mail, and its token.
fn link_in(mail: &Mail) -> (String, String) {
    let text = shown(mail);
    let start = text
        .find(&format!("{PUBLIC}/reset-change-password?"))
        .unwrap_or_else(|| panic!("no link in {text}"));
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let url = reqwest::Url::parse(&link).unwrap();
    let token = url.query_pairs().find(|(k, _)| k == "token").map_or_else(
        || panic!("no token in {link}: {text}"),
        |(_, v)| v.into_owned(),
    );
    (link, token)
}

/// The six-digit code in a mail's subject.
fn code_in(mail: &Mail) -> String {
    let subject = mail
        .data
        .lines()
        .find(|l| l.starts_with("Subject:"))
        .unwrap_or_else(|| panic!("no subject in {}", mail.data));
    subject
        .rsplit(' ')
        .next()
        .filter(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in {subject}"))
        .to_owned()
}

async fn send(client: &Client, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    let answer = client.raw(method, path, Some(&body)).await.unwrap();
    (answer.status, answer.body.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_person_chooses_a_password_from_the_e_mailed_link() {
    let (ts, admin, smtp) = mailing_server().await;
    let (status, nina) = send(
        &admin,
        Method::POST,
        "/data/persons",
        json!({"first_name": "Nina", "last_name": "Vasquez", "email": "nina@studio.test",
               "role": "user"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{nina}");
    let id = nina["id"].as_str().unwrap();

    // Only admins invite.
    let artist = ts.client_as(Role::Artist).await;
    let (status, _) = send(
        &artist,
        Method::GET,
        &format!("/actions/persons/{id}/invite"),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(
        &admin,
        Method::GET,
        &format!("/actions/persons/{id}/invite"),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["message"], "Email sent");

    let mail = nth_mail_to(&smtp, "nina@studio.test", 1).await;
    assert_eq!(mail.from, "<tracker@studio.test>");
    assert!(shown(&mail).contains("Hello Nina,"), "{}", mail.data);
    let (link, token) = link_in(&mail);
    assert!(link.contains("email=nina%40studio.test"), "{link}");
    assert!(link.ends_with("&type=new"), "{link}");

    // A wrong token, then mismatched passwords, change nothing.
    let choose = |token: &str, password2: &str| {
        json!({"email": "nina@studio.test", "token": token, "password": "a new password 1",
               "password2": password2})
    };
    let (status, body) = send(
        &ts.anonymous,
        Method::PUT,
        "/auth/reset-password",
        choose("WRONG", "a new password 1"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = send(
        &ts.anonymous,
        Method::PUT,
        "/auth/reset-password",
        choose(&token, "another"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = send(
        &ts.anonymous,
        Method::PUT,
        "/auth/reset-password",
        choose(&token, "a new password 1"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let login = ts
        .anonymous
        .login("nina@studio.test", "a new password 1")
        .await
        .unwrap();
    assert_eq!(login.user.role, Role::Artist);
    // The link works once.
    let (status, _) = send(
        &ts.anonymous,
        Method::PUT,
        "/auth/reset-password",
        choose(&token, "a new password 1"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_by_link_and_nobody_learns_who_has_an_account() {
    let (ts, _admin, smtp) = mailing_server().await;
    let artist = ts.client_as(Role::Artist).await;
    let email = artist.authenticated().await.unwrap().user.email;

    let (status, known) = send(
        &ts.anonymous,
        Method::POST,
        "/auth/reset-password",
        json!({"email": email.to_uppercase()}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, unknown) = send(
        &ts.anonymous,
        Method::POST,
        "/auth/reset-password",
        json!({"email": "nobody@studio.test"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        known, unknown,
        "the same answer for an account and for none"
    );

    let (_, token) = link_in(&nth_mail_to(&smtp, &email, 1).await);
    // A second request voids the first link.
    send(
        &ts.anonymous,
        Method::POST,
        "/auth/reset-password",
        json!({"email": email}),
    )
    .await;
    let (_, newer) = link_in(&nth_mail_to(&smtp, &email, 2).await);
    let choose = |token: &str| json!({"email": email, "token": token, "password": "fresh password 2", "password2": "fresh password 2"});
    let (status, _) = send(
        &ts.anonymous,
        Method::PUT,
        "/auth/reset-password",
        choose(&token),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the older link no longer works"
    );
    let (status, _) = send(
        &ts.anonymous,
        Method::PUT,
        "/auth/reset-password",
        choose(&newer),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // The session from before is over; the new password logs in, the old one does not.
    let err = artist.authenticated().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(ts.anonymous.login(&email, PASSWORD).await.is_err());
    ts.anonymous
        .login(&email, "fresh password 2")
        .await
        .unwrap();
    assert!(
        smtp.received()
            .iter()
            .all(|m| !m.to.contains(&"<nobody@studio.test>".to_owned())),
        "no mail for an address without an account"
    );

    // Nobody floods a mailbox: five asks in fifteen minutes, then 429 (two were spent above).
    for _ in 0..3 {
        let (status, _) = send(
            &ts.anonymous,
            Method::POST,
            "/auth/reset-password",
            json!({"email": email}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = send(
        &ts.anonymous,
        Method::POST,
        "/auth/reset-password",
        json!({"email": email}),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // A newer link replaces one not sent yet, so the three asks mailed one to three links;
    // the refused one none.
    nth_mail_to(&smtp, &email, 3).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert!(mails_to(&smtp, &email) <= 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_codes_by_e_mail_are_a_second_factor_that_works_once() {
    let (ts, _admin, smtp) = mailing_server().await;
    let artist = ts.client_as(Role::Artist).await;
    let email = artist.authenticated().await.unwrap().user.email;

    // Turning it on: a code is mailed, a wrong one is refused, the right one turns it on.
    let (status, _) = send(&artist, Method::PUT, "/auth/email-otp", json!(null)).await;
    assert_eq!(status, StatusCode::OK);
    let code = code_in(&nth_mail_to(&smtp, &email, 1).await);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let (status, body) = send(
        &artist,
        Method::POST,
        "/auth/email-otp",
        json!({"email_otp": wrong}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["wrong_OTP"], true);
    let (status, body) = send(
        &artist,
        Method::POST,
        "/auth/email-otp",
        json!({"email_otp": code}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["otp_recovery_codes"].as_array().unwrap().len(), 16);
    let (_, me) = send(&artist, Method::GET, "/auth/authenticated", json!(null)).await;
    assert_eq!(me["user"]["email_otp_enabled"], true, "{me}");

    // Logging in now needs a code, which the login form asks to be mailed.
    let (status, body) = send(
        &ts.anonymous,
        Method::POST,
        "/auth/login",
        json!({"email": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["missing_OTP"], true, "{body}");
    assert_eq!(body["preferred_two_factor_authentication"], "email_otp");
    assert!(
        body["two_factor_authentication_enabled"]
            .as_array()
            .unwrap()
            .contains(&json!("email_otp")),
        "{body}"
    );
    let (status, sent) = send(
        &ts.anonymous,
        Method::GET,
        &format!("/auth/email-otp?email={email}"),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, none) = send(
        &ts.anonymous,
        Method::GET,
        "/auth/email-otp?email=nobody@studio.test",
        json!(null),
    )
    .await;
    assert_eq!(sent, none, "the same answer for an account and for none");
    let code = code_in(&nth_mail_to(&smtp, &email, 2).await);
    let with_code = json!({"email": email, "password": PASSWORD, "email_otp": code});
    let (status, body) = send(
        &ts.anonymous,
        Method::POST,
        "/auth/login",
        with_code.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send(&ts.anonymous, Method::POST, "/auth/login", with_code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a code works once");
    assert_eq!(body["wrong_OTP"], true);

    // Turning it off takes a second factor: a fresh code.
    let (status, _) = send(&artist, Method::DELETE, "/auth/email-otp", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    send(
        &ts.anonymous,
        Method::GET,
        &format!("/auth/email-otp?email={email}"),
        json!(null),
    )
    .await;
    let code = code_in(&nth_mail_to(&smtp, &email, 3).await);
    let (status, body) = send(
        &artist,
        Method::DELETE,
        "/auth/email-otp",
        json!({"email_otp": code}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    ts.anonymous.login(&email, PASSWORD).await.unwrap();
}

#[tokio::test]
async fn admins_hand_out_reset_links_but_not_for_another_admin() {
    let (ts, admin, _smtp) = mailing_server().await;
    let artist = ts.client_as(Role::Artist).await;
    let artist_id = artist.authenticated().await.unwrap().user.id;
    let path = format!("/actions/persons/{artist_id}/reset-password-link");
    let (status, _) = send(&artist, Method::POST, &path, json!(null)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(&admin, Method::POST, &path, json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let link = body["reset_password_link"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{PUBLIC}/reset-change-password?email=")),
        "{link}"
    );

    let other_admin = ts.client_as(Role::Admin).await;
    let other_id = other_admin.authenticated().await.unwrap().user.id;
    let (status, _) = send(
        &admin,
        Method::POST,
        &format!("/actions/persons/{other_id}/reset-password-link"),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = send(
        &admin,
        Method::POST,
        "/actions/persons/not-a-person/reset-password-link",
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_smtp_the_mail_routes_say_so() {
    let (ts, admin) = setup().await;
    let artist = ts.client_as(Role::Artist).await;
    let id = artist.authenticated().await.unwrap().user.id;
    for (client, method, path) in [
        (&admin, Method::GET, format!("/actions/persons/{id}/invite")),
        (
            &ts.anonymous,
            Method::POST,
            "/auth/reset-password".to_owned(),
        ),
        (&artist, Method::PUT, "/auth/email-otp".to_owned()),
    ] {
        let (status, body) = send(client, method, &path, json!({"email": "x@studio.test"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(body.to_string().contains("--smtp-url"), "{path}: {body}");
    }
}
