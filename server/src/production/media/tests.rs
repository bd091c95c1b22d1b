//! Stored pictures, previews, attachments and the sweep of what a crash left, on real files.

use super::*;

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = DynamicImage::new_rgb8(width, height);
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

/// `bytes` as a spooled upload.
fn spooled(data_dir: &Path, bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = spool_file(data_dir).unwrap();
    file.write_all(bytes).unwrap();
    file
}

#[tokio::test]
async fn pictures_get_kitsu_sizes_and_bad_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let upload = spooled(d, &png(1600, 900));
    let stored = store_preview(d, "p1", "frame.PNG", upload.path(), "ann")
        .await
        .unwrap();
    assert_eq!((stored.width, stored.height), (1600, 900));
    let size = |kind| {
        let path = preview_path(dir.path(), "p1", kind, "png");
        image::image_dimensions(path).unwrap()
    };
    assert_eq!(size(Kind::Thumbnail), (150, 100));
    assert_eq!(size(Kind::Square), (100, 100));
    assert_eq!(size(Kind::MidSize), (1200, 675));
    assert_eq!(size(Kind::Original), (1600, 900));
    // A JPEG's original is re-encoded as PNG.
    let mut jpeg = Vec::new();
    DynamicImage::new_rgb8(40, 30)
        .write_to(&mut std::io::Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .unwrap();
    store_preview(d, "pj", "frame.jpg", spooled(d, &jpeg).path(), "ann")
        .await
        .unwrap();
    let original = std::fs::read(preview_path(d, "pj", Kind::Original, "png")).unwrap();
    assert_eq!(image::guess_format(&original).unwrap(), ImageFormat::Png);
    assert!(matches!(
        store_preview(d, "p2", "notes.txt", spooled(d, b"hi").path(), "ann").await,
        Err(MediaError::Refused(m)) if m.contains("extension: txt")
    ));
    assert!(matches!(
        store_preview(
            d,
            "p3",
            "broken.png",
            spooled(d, b"not a png").path(),
            "ann"
        )
        .await,
        Err(MediaError::Refused(_))
    ));
    // Refused first uploads leave no folder; a refused second one keeps the first's media.
    assert!(!preview_dir(d, "p2").exists() && !preview_dir(d, "p3").exists());
    let broken = spooled(d, b"no");
    assert!(
        store_preview(d, "p1", "broken.png", broken.path(), "ann")
            .await
            .is_err()
    );
    assert!(preview_path(d, "p1", Kind::Original, "png").exists());
    store_avatar(d, "me", spooled(d, &png(40, 80)).path())
        .await
        .unwrap();
    assert_eq!(
        image::image_dimensions(avatar_path(d, "me")).unwrap(),
        (150, 150)
    );
    // A review file is moved into place, not copied; the spool ends empty.
    let pdf = spooled(d, b"%PDF-1.4");
    store_preview(d, "p4", "notes.pdf", pdf.path(), "ann")
        .await
        .unwrap();
    assert!(!pdf.path().exists());
    assert_eq!(
        std::fs::read(preview_path(d, "p4", Kind::Original, "pdf")).unwrap(),
        b"%PDF-1.4"
    );
    drop(pdf);
    // Files of attachments without rows go; the others stay.
    for name in [
        "kept",
        "kept.thumbnail.png",
        "gone",
        "gone.thumbnail.png",
        "gone.part",
    ] {
        std::fs::create_dir_all(d.join("production/attachments")).unwrap();
        std::fs::write(d.join("production/attachments").join(name), b"x").unwrap();
    }
    assert_eq!(sweep(d, Swept::Attachments, |id| id == "kept").unwrap(), 3);
    assert!(attachment_path(d, "kept").exists() && !attachment_path(d, "gone").exists());
    // Previews: p1, pj and p4 were stored above, and a stray folder was left by a stopped
    // server; only p1 has a row.
    std::fs::create_dir_all(preview_dir(d, "stray")).unwrap();
    assert_eq!(sweep(d, Swept::Previews, |id| id == "p1").unwrap(), 3);
    assert!(preview_dir(d, "p1").exists() && !preview_dir(d, "p4").exists());
    // Builds: the movie of a build whose row went (its playlist deleted before a crash),
    // and the part of one that was being written, go.
    std::fs::create_dir_all(d.join("production/builds")).unwrap();
    for name in ["b1.mp4", "b2.mp4", "b2.part.mp4"] {
        std::fs::write(d.join("production/builds").join(name), b"x").unwrap();
    }
    assert_eq!(sweep(d, Swept::Builds, |id| id == "b1").unwrap(), 2);
    assert!(build_path(d, "b1").exists() && !build_path(d, "b2").exists());
    clear_spool(d).unwrap();
    assert_eq!(std::fs::read_dir(spool_dir(d)).unwrap().count(), 0);
}

/// A picture over the budget gets no thumbnail and costs nothing to store as an
/// attachment; as a preview or an avatar it is refused as too large.
#[tokio::test]
async fn pictures_over_the_budget_are_not_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut bomb = Vec::new();
    DynamicImage::new_rgb8(8, 8)
        .write_to(&mut std::io::Cursor::new(&mut bomb), ImageFormat::Jpeg)
        .unwrap();
    let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb[sof + 5..sof + 9].copy_from_slice(&[0x32, 0xC8, 0x32, 0xC8]); // 13000×13000
    assert!(matches!(
        store_preview(d, "p", "bomb.jpg", spooled(d, &bomb).path(), "eve").await,
        Err(MediaError::TooLarge(m)) if m.contains("13000×13000")
    ));
    assert!(!preview_dir(d, "p").exists());
    assert!(matches!(
        store_avatar(d, "eve", spooled(d, &bomb).path()).await,
        Err(MediaError::TooLarge(_))
    ));
    store_attachment(d, "a", spooled(d, &bomb).path())
        .await
        .unwrap();
    assert!(attachment_path(d, "a").exists());
    assert!(!attachment_thumbnail_path(d, "a").exists());
    store_attachment(d, "b", spooled(d, &png(300, 100)).path())
        .await
        .unwrap();
    assert_eq!(
        image::image_dimensions(attachment_thumbnail_path(d, "b")).unwrap(),
        (150, 150)
    );
}

#[test]
fn mid_size_pictures_fit_their_box() {
    let size = |w, h| {
        let mid = mid_size(&DynamicImage::new_luma8(w, h));
        (mid.width(), mid.height())
    };
    assert_eq!(size(1600, 900), (1200, 675));
    assert_eq!(size(800, 600), (800, 600));
    assert_eq!(size(1000, 10_000), (480, 4800));
    let thumb = fill(&DynamicImage::new_luma8(3, 1000), 150, 100);
    assert_eq!((thumb.width(), thumb.height()), (150, 100));
}
