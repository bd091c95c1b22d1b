//! Every error is the same JSON body with the right status: bad JSON, wrong content type,
//! bad query strings, unknown routes and methods.

use drover_tests::setup;
use reqwest::StatusCode;

#[tokio::test]
async fn malformed_requests_get_json_errors() {
    let (ts, admin) = setup().await;
    let http = reqwest::Client::new();
    let api = format!("{}/api", ts.url());
    let token = admin.token().unwrap();
    let cases = [
        (
            http.post(format!("{api}/jobs"))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body("{not json"),
            400,
            "bad_request",
        ),
        (
            http.post(format!("{api}/jobs"))
                .bearer_auth(token)
                .body("{}"),
            415,
            "unsupported_media_type",
        ),
        (
            http.post(format!("{api}/jobs"))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body("[]"),
            400,
            "bad_request",
        ),
        (
            http.get(format!("{api}/jobs?page=minus"))
                .bearer_auth(token),
            400,
            "bad_request",
        ),
        (
            http.get(format!("{api}/jobs?colour=red"))
                .bearer_auth(token),
            400,
            "bad_request",
        ),
        (
            http.get(format!("{api}/jobs/abc")).bearer_auth(token),
            400,
            "bad_request",
        ),
        (
            http.get(format!("{api}/no/such/route")).bearer_auth(token),
            404,
            "not_found",
        ),
        (
            http.get(format!("{}/elsewhere", ts.url())),
            404,
            "not_found",
        ),
        (
            http.delete(format!("{api}/settings")).bearer_auth(token),
            405,
            "method_not_allowed",
        ),
        (
            http.post(format!("{api}/auth/login"))
                .header("content-type", "application/json")
                .body(r#"{"email": 1}"#),
            400,
            "bad_request",
        ),
    ];
    for (request, status, code) in cases {
        let response = request.send().await.unwrap();
        let url = response.url().to_string();
        assert_eq!(
            response.status(),
            StatusCode::from_u16(status).unwrap(),
            "{url}"
        );
        let body: drover_shared::ErrorBody = response.json().await.unwrap();
        assert_eq!(body.error, code, "{url}");
        assert!(!body.message.is_empty());
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let (ts, admin) = setup().await;
    let body = format!(r#"{{"name":"{}"}}"#, "x".repeat(5 * 1024 * 1024));
    let response = reqwest::Client::new()
        .post(format!("{}/api/projects", ts.url()))
        .bearer_auth(admin.token().unwrap())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
