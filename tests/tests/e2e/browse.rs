//! The file browser never leaves its root.

use drover_shared::api::Settings;
use drover_tests::setup;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends a request line byte for byte, so no client normalises `..` away first.
async fn raw_status(addr: std::net::SocketAddr, path: &str, token: &str) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn lists_folders_under_the_root() {
    let (ts, admin) = setup().await;
    let storage = ts.dir.path().join("storage");
    std::fs::create_dir_all(storage.join("shots/sh010")).unwrap();
    std::fs::write(storage.join("shots/sh010/anim.blend"), vec![0u8; 1234]).unwrap();
    std::fs::write(storage.join("readme.txt"), b"hi").unwrap();

    let root = admin.browse("").await.unwrap();
    let names: Vec<_> = root
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.is_dir))
        .collect();
    assert_eq!(names, [("shots", true), ("readme.txt", false)]);
    let shot = admin.browse("shots/sh010").await.unwrap();
    assert_eq!(shot.path, "shots/sh010");
    assert_eq!(shot.entries[0].path, "shots/sh010/anim.blend");
    assert_eq!(shot.entries[0].size_bytes, 1234);

    let err = admin.browse("shots/nope").await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    let err = admin.browse("readme.txt").await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
}

#[tokio::test]
async fn traversal_in_every_spelling_is_refused() {
    let (ts, admin) = setup().await;
    let storage = ts.dir.path().join("storage");
    std::fs::create_dir_all(storage.join("inside")).unwrap();
    std::fs::write(ts.dir.path().join("secret.txt"), b"secret").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(ts.dir.path(), storage.join("escape")).unwrap();

    let token = admin.token().unwrap().to_owned();
    let addr = ts.server.addr();
    for path in [
        "/api/browse/..",
        "/api/browse/../..",
        "/api/browse/inside/../../",
        "/api/browse/..%2F..%2Fetc",
        "/api/browse/%2e%2e",
        "/api/browse/%2E%2E/secret.txt",
        "/api/browse/%2Fetc",
        "/api/browse//etc",
        "/api/browse/inside%5C..%5C..",
        "/api/browse/C:%5CWindows",
    ] {
        let status = raw_status(addr, path, &token).await;
        assert!(status == 400 || status == 404, "{path} answered {status}");
    }
    #[cfg(unix)]
    {
        let err = admin.browse("escape").await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
        let root = admin.browse("").await.unwrap();
        assert!(
            root.entries.iter().all(|e| e.name != "escape"),
            "links out of the root are hidden"
        );
    }
    let double = admin
        .raw(Method::GET, "/browse/%252e%252e", None)
        .await
        .unwrap();
    assert_eq!(double.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_root_follows_the_setting() {
    let (ts, admin) = setup().await;
    std::fs::create_dir_all(ts.dir.path().join("projects/film")).unwrap();
    let mut settings = Settings::new();
    settings.insert("browse_root".into(), json!("projects"));
    admin.update_settings(&settings).await.unwrap();
    let root = admin.browse("").await.unwrap();
    assert_eq!(root.entries[0].name, "film");
}
