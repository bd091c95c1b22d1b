//! The cache's unit tests: resume, refusal of a wrong hash, eviction, overlapping downloads.

use super::*;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};

/// Serves `content` from where the part file stops, as a Range request would; gives up
/// after `stop_after` bytes (a dropped connection, a killed worker).
struct Fake {
    content: Vec<u8>,
    stop_after: Option<usize>,
    resumed_from: AtomicU64,
}

impl Fake {
    fn new(content: &[u8], stop_after: Option<usize>) -> Self {
        Self {
            content: content.to_vec(),
            stop_after,
            resumed_from: AtomicU64::new(u64::MAX),
        }
    }
}

impl Source for Fake {
    async fn fetch(&self, _file: &FileRef, part: &Path) -> Result<(), String> {
        use std::io::Write;
        let have = std::fs::metadata(part).map_or(0, |m| m.len()) as usize;
        self.resumed_from.store(have as u64, Ordering::SeqCst);
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(part)
            .map_err(|e| e.to_string())?;
        let rest = &self.content[have..];
        match self.stop_after {
            Some(n) if n < rest.len() => {
                out.write_all(&rest[..n]).map_err(|e| e.to_string())?;
                Err("connection reset".into())
            }
            _ => out.write_all(rest).map_err(|e| e.to_string()),
        }
    }
}

fn file_ref(content: &[u8]) -> FileRef {
    FileRef {
        sha256: format!("{:x}", Sha256::digest(content)),
        size: content.len() as u64,
    }
}

#[tokio::test]
async fn a_download_cut_short_resumes_where_it_stopped_and_is_verified() {
    let dir = tempfile::tempdir().unwrap();
    let content: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let file = file_ref(&content);
    let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
    let error = cache
        .fetch(&Fake::new(&content, Some(40_000)), &file)
        .await
        .unwrap_err();
    assert!(matches!(error, CacheError::Fetch { .. }), "{error}");
    assert!(!cache.entry_path(&file.sha256).exists(), "no entry yet");
    assert_eq!(
        std::fs::metadata(cache.part_path(&file.sha256))
            .unwrap()
            .len(),
        40_000,
        "the partial download is kept"
    );

    // The worker starts again (a new cache on the same dir) and resumes.
    let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
    let source = Fake::new(&content, None);
    let entry = cache.fetch(&source, &file).await.unwrap();
    assert_eq!(source.resumed_from.load(Ordering::SeqCst), 40_000);
    assert_eq!(std::fs::read(&entry).unwrap(), content);
    assert!(!cache.part_path(&file.sha256).exists());
    assert!(std::fs::metadata(&entry).unwrap().permissions().readonly());

    // Fetched again: served from the cache, nothing downloaded.
    let untouched = Fake::new(&content, None);
    cache.fetch(&untouched, &file).await.unwrap();
    assert_eq!(untouched.resumed_from.load(Ordering::SeqCst), u64::MAX);
}

#[tokio::test]
async fn a_file_that_does_not_match_its_hash_is_refused_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
    let file = file_ref(b"the real content");
    let error = cache
        .fetch(&Fake::new(b"something else!!", None), &file)
        .await
        .unwrap_err();
    assert!(matches!(error, CacheError::Mismatch { .. }), "{error}");
    assert!(error.to_string().contains("does not match its hash"));
    assert!(!cache.entry_path(&file.sha256).exists());
    assert!(!cache.part_path(&file.sha256).exists());
    assert_eq!(cache.size_bytes().unwrap(), 0);

    // A resumed part whose start was wrong is refused the same way.
    std::fs::write(cache.part_path(&file.sha256), b"XXX").unwrap();
    let error = cache
        .fetch(&Fake::new(b"the real content", None), &file)
        .await
        .unwrap_err();
    assert!(matches!(error, CacheError::Mismatch { .. }), "{error}");
    assert!(!cache.part_path(&file.sha256).exists());
    // The next try starts over and succeeds.
    cache
        .fetch(&Fake::new(b"the real content", None), &file)
        .await
        .unwrap();
}

/// Overwrites an entry behind the cache's back with other bytes of the same length, as a
/// machine crash can leave a file whose data never reached the disk.
fn spoil(entry: &Path) {
    let length = std::fs::metadata(entry).unwrap().len() as usize;
    remove(entry).unwrap();
    std::fs::write(entry, vec![0u8; length]).unwrap();
}

/// A cache in a new dir holding `content` as its one entry.
async fn holding(content: &[u8]) -> (tempfile::TempDir, FileRef, Cache, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = file_ref(content);
    let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
    let entry = cache.fetch(&Fake::new(content, None), &file).await.unwrap();
    (dir, file, cache, entry)
}

#[tokio::test]
async fn after_an_unclean_end_each_entry_is_hashed_again_before_its_first_use() {
    let content = b"frame textures".repeat(1000);
    let (dir, file, cache, entry) = holding(&content).await;
    // The worker ends without closing the cache (killed; the machine crashed) and the
    // entry's data did not reach the disk.
    drop(cache);
    spoil(&entry);
    assert!(!dir.path().join(CLEAN).exists());

    let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
    let source = Fake::new(&content, None);
    let entry = cache.fetch(&source, &file).await.unwrap();
    assert_eq!(
        source.resumed_from.load(Ordering::SeqCst),
        0,
        "the spoiled entry was fetched anew"
    );
    assert_eq!(std::fs::read(&entry).unwrap(), content);

    // A sound entry is checked once, then trusted.
    drop(cache);
    let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
    let untouched = Fake::new(&content, None);
    cache.fetch(&untouched, &file).await.unwrap();
    assert_eq!(untouched.resumed_from.load(Ordering::SeqCst), u64::MAX);
    assert!(!cache.is_unverified(&file.sha256));
}

#[tokio::test]
async fn a_closed_cache_is_trusted_by_the_next_start_and_marked_unclean_while_open() {
    let content = b"a linked library".repeat(500);
    let (dir, file, cache, entry) = holding(&content).await;
    cache.close().await.unwrap();
    assert!(dir.path().join(CLEAN).exists());

    // The next start takes the mark away (a crash from now on is an unclean end) and
    // trusts what the last run synced: the entry is used without being read.
    let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
    assert!(!dir.path().join(CLEAN).exists());
    assert!(!cache.is_unverified(&file.sha256));
    spoil(&entry);
    let untouched = Fake::new(&content, None);
    cache.fetch(&untouched, &file).await.unwrap();
    assert_eq!(untouched.resumed_from.load(Ordering::SeqCst), u64::MAX);
    // An entry evicted before the close does not stop it.
    cache.evict(DEFAULT_MAX_BYTES).unwrap();
    cache.close().await.unwrap();
    assert!(dir.path().join(CLEAN).exists());
}

#[tokio::test]
async fn eviction_keeps_the_cache_under_its_bound_and_spares_pinned_files() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 3_000).unwrap();
    let contents: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i; 1_000]).collect();
    let files: Vec<FileRef> = contents.iter().map(|c| file_ref(c)).collect();
    // The oldest is pinned (a running task uses it).
    let _pinned = cache.pin([files[0].sha256.as_str()]);
    for (content, file) in contents.iter().zip(&files) {
        cache.fetch(&Fake::new(content, None), file).await.unwrap();
        assert!(cache.size_bytes().unwrap() <= 3_000);
        // Distinct modification times order the entries.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let present: Vec<bool> = files
        .iter()
        .map(|f| cache.entry_path(&f.sha256).exists())
        .collect();
    assert_eq!(present, [true, false, true, true]);
}

#[test]
fn a_job_folder_file_is_a_link_to_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let entry = dir.path().join("entry");
    std::fs::write(&entry, b"x").unwrap();
    let dest = dir.path().join("job/tex/wood.png");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::write(&dest, b"old").unwrap();
    link_into(&entry, &dest).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"x");
}

/// Serves files by hash after a pause, counting fetches and the most at once.
struct Slow {
    files: HashMap<String, Vec<u8>>,
    fetches: AtomicU64,
    running: AtomicU64,
    most: AtomicU64,
}

impl Source for Slow {
    async fn fetch(&self, file: &FileRef, part: &Path) -> Result<(), String> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        std::fs::write(part, &self.files[&file.sha256]).map_err(|e| e.to_string())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_overlap_but_one_content_is_fetched_once() {
    let dir = tempfile::tempdir().unwrap();
    let contents: Vec<Vec<u8>> = (0..6u8).map(|i| vec![i; 1000 + usize::from(i)]).collect();
    let source = Slow {
        files: contents
            .iter()
            .map(|c| (file_ref(c).sha256, c.clone()))
            .collect(),
        fetches: AtomicU64::new(0),
        running: AtomicU64::new(0),
        most: AtomicU64::new(0),
    };
    let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
    // Six contents, the first asked for three times at once (one file at three paths).
    let mut wanted: Vec<FileRef> = contents.iter().map(|c| file_ref(c)).collect();
    wanted.push(wanted[0].clone());
    wanted.push(wanted[0].clone());
    let fetched =
        futures_util::future::join_all(wanted.iter().map(|f| cache.fetch(&source, f))).await;
    for (entry, file) in fetched.into_iter().zip(&wanted) {
        let entry = entry.unwrap();
        assert_eq!(std::fs::metadata(&entry).unwrap().len(), file.size);
    }
    assert_eq!(
        source.fetches.load(Ordering::SeqCst),
        6,
        "each content once"
    );
    let most = source.most.load(Ordering::SeqCst);
    assert!(
        (2..=DOWNLOADS_AT_ONCE as u64).contains(&most),
        "downloads overlap, at most {DOWNLOADS_AT_ONCE}: {most}"
    );
    assert!(
        cache.inner.fetching.lock().unwrap().is_empty(),
        "no lock left behind"
    );
    assert_eq!(*cache.inner.reserved.lock().unwrap(), 0);
}

/// Never finishes: a download the task gives up on.
struct Stuck;

impl Source for Stuck {
    async fn fetch(&self, _file: &FileRef, _part: &Path) -> Result<(), String> {
        std::future::pending().await
    }
}

#[tokio::test]
async fn an_abandoned_download_gives_its_room_back() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
    let file = file_ref(b"never comes");
    let abandoned = tokio::time::timeout(
        std::time::Duration::from_millis(50),
        cache.fetch(&Stuck, &file),
    )
    .await;
    assert!(abandoned.is_err(), "the fetch was still waiting");
    assert_eq!(*cache.inner.reserved.lock().unwrap(), 0);
}
