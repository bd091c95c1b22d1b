//! Notices on real workers: when a job ends, its submitter and the people following it or its
//! project are told in their list and live stream, in chat through the organisation's
//! webhooks (a failed post retried), and by e-mail through SMTP, each as they chose; nobody
//! else hears of it, and nobody follows what they cannot see.

use drover_shared::api::{ChatChoice, NoticeQuery, NoticeSettings, NoticesRead};
use drover_shared::events::{EventKind, EventQuery};
use drover_shared::{JobStatus, NoticeOutcome, Role};
use drover_tests::sinks::{SmtpSink, WebhookSink};
use drover_tests::{
    TestServer, job_done, join_team, project, setup, setup_config, shell_job, wait_for, workers,
};
use reqwest::StatusCode;
use serde_json::json;

/// Kitsu's organisation, its chat integrations pointing at `hooks` as its settings page would
/// set them: Slack and Discord as incoming webhooks, Mattermost's webhook.
async fn organisation(admin: &drover_shared::Client, hooks: &WebhookSink) {
    let integrations = json!({
        "chat_token_slack": format!("{}/slack", hooks.url),
        "chat_webhook_mattermost": format!("{}/mattermost", hooks.url),
        "chat_token_discord": format!("{}/discord", hooks.url),
    });
    // The server has Kitsu's one organisation from the start.
    let existing = admin.data_list("organisations", &[]).await.unwrap();
    let id = existing[0]["id"].as_str().unwrap();
    admin
        .data_update("organisations", id, &integrations)
        .await
        .expect("the organisation's integrations");
}

fn chat(user_id: &str) -> ChatChoice {
    ChatChoice {
        enabled: true,
        user_id: user_id.into(),
    }
}

async fn unread(client: &drover_shared::Client) -> u64 {
    client
        .notices(&NoticeQuery::default())
        .await
        .expect("the notices")
        .unread
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_job_is_told_in_the_list_live_and_in_chat_with_a_failed_post_retried() {
    let (ts, admin) = setup().await;
    let hooks = WebhookSink::start().await;
    hooks.fail_first("/mattermost", 1);
    organisation(&admin, &hooks).await;
    let p = project(&admin, "film").await;
    let manager = ts.client_as(Role::Manager).await;
    let view = manager.notice_settings().await.unwrap();
    assert!(view.channels.slack && view.channels.mattermost && view.channels.discord);
    assert!(!view.channels.email, "no SMTP configured");
    assert_eq!(view.settings, NoticeSettings::default());
    let mut settings = view.settings;
    settings.slack = chat("U024BE7LH");
    settings.mattermost = chat("ada");
    settings.discord = chat("80351110224678912");
    manager.set_notice_settings(&settings).await.unwrap();
    // A chat without the person's id there is refused.
    let mut bad = settings.clone();
    bad.slack.user_id = " ".into();
    let err = manager.set_notice_settings(&bad).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST), "{err}");

    // An artist of the team follows the project; one outside it may follow nothing of it.
    let member = ts.client_as(Role::Artist).await;
    join_team(&admin, p.id, &member).await;
    member.follow_project(p.id, true).await.unwrap();
    let outsider = ts.client_as(Role::Artist).await;
    let err = outsider.follow_project(p.id, true).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND), "{err}");

    let job = manager
        .submit_job(&shell_job(p.id, "1-2", "true"))
        .await
        .unwrap();
    let err = outsider.follow_job(job.id, true).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND), "{err}");
    let query = EventQuery {
        topics: Some("notices".into()),
        ..EventQuery::default()
    };
    let mut live = manager.events(&query).await.unwrap();
    let mut admins = admin.events(&query).await.unwrap();

    let _workers = workers(&ts, &admin, &["w1"]).await;
    assert_eq!(
        job_done(&admin, job.id, 60).await.status,
        JobStatus::Completed
    );

    // Live, to the submitter.
    let event = tokio::time::timeout(std::time::Duration::from_secs(10), live.next())
        .await
        .expect("a notice event")
        .expect("the stream goes on")
        .unwrap();
    let EventKind::Notice { notice, .. } = event.kind else {
        panic!("a notice, not {:?}", event.kind);
    };
    assert_eq!(notice.job_id, Some(job.id));
    assert_eq!(notice.outcome, NoticeOutcome::Completed);
    assert!(
        notice.text.contains("completed: 2 of 2 tasks"),
        "{}",
        notice.text
    );

    // Chat, each in its service's format, the failed Mattermost post tried again.
    let received = wait_for(30, "the three chats and the retry", || async {
        let mattermost = hooks.at("/mattermost");
        (hooks.at("/slack").len() == 1 && hooks.at("/discord").len() == 1 && mattermost.len() == 2)
            .then(|| hooks.received())
    })
    .await;
    let at = |path: &str| received.iter().find(|h| h.path == path).unwrap();
    let slack = &at("/slack").body;
    assert!(
        slack["text"]
            .as_str()
            .unwrap()
            .starts_with("<@U024BE7LH> ✅ Job"),
        "{slack}"
    );
    let discord = &at("/discord").body;
    assert!(
        discord["content"]
            .as_str()
            .unwrap()
            .contains("<@80351110224678912>")
    );
    assert_eq!(
        discord["allowed_mentions"]["users"],
        json!(["80351110224678912"])
    );
    let posts = hooks.at("/mattermost");
    assert_eq!((posts[0].answered, posts[1].answered), (500, 200));
    assert_eq!(posts[1].body["channel"], "@ada");
    assert!(posts[1].body["text"].as_str().unwrap().contains(&job.name));

    // Lists: the submitter's and the follower's; nobody else's.
    let list = manager.notices(&NoticeQuery::default()).await.unwrap();
    assert_eq!((list.notices.len(), list.unread), (1, 1));
    assert_eq!(list.notices[0].id, notice.id);
    assert_eq!(unread(&member).await, 1);
    assert_eq!(unread(&outsider).await, 0);
    assert_eq!(unread(&admin).await, 0);
    // Marking another's notice read does nothing; one's own, it is read.
    let read = NoticesRead {
        ids: vec![notice.id],
        all: false,
    };
    assert_eq!(member.mark_notices_read(&read).await.unwrap().unread, 1);
    assert_eq!(manager.mark_notices_read(&read).await.unwrap().unread, 0);
    let all = NoticesRead {
        ids: Vec::new(),
        all: true,
    };
    assert_eq!(member.mark_notices_read(&all).await.unwrap().unread, 0);
    // More ids than one request may name: refused, nothing marked.
    let too_many = NoticesRead {
        ids: (1..=1001).collect(),
        all: false,
    };
    let err = manager.mark_notices_read(&too_many).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST), "{err}");
    // The admin's stream never showed the manager's notice.
    let nothing = tokio::time::timeout(std::time::Duration::from_millis(500), admins.next()).await;
    assert!(nothing.is_err(), "the admin's stream got {nothing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_is_e_mailed_to_whoever_asked_and_only_for_the_outcomes_chosen() {
    let smtp = SmtpSink::start().await;
    let url = smtp.url.clone();
    let (ts, admin): (TestServer, _) = setup_config(|config| {
        config.mail = Some(drover_server::farm::notify::MailConfig {
            smtp_url: url,
            from: "Drover <farm@studio.test>".into(),
        });
    })
    .await;
    let p = project(&admin, "film").await;
    let manager = ts.client_as(Role::Manager).await;
    let view = manager.notice_settings().await.unwrap();
    assert!(view.channels.email);
    let mut settings = view.settings;
    settings.email = true;
    manager.set_notice_settings(&settings).await.unwrap();
    // A supervisor follows the job but wants to hear of completions only.
    let supervisor = ts.client_as(Role::Supervisor).await;
    join_team(&admin, p.id, &supervisor).await;
    let mut quiet = supervisor.notice_settings().await.unwrap().settings;
    quiet.on_failed = false;
    quiet.email = true;
    supervisor.set_notice_settings(&quiet).await.unwrap();

    // A task fails for good once it failed on three workers.
    let job = manager
        .submit_job(&shell_job(p.id, "1", "exit 3"))
        .await
        .unwrap();
    let follows = supervisor.follow_job(job.id, true).await.unwrap();
    assert_eq!(follows.jobs, [job.id]);
    let _workers = workers(&ts, &admin, &["w1", "w2", "w3"]).await;
    assert_eq!(job_done(&admin, job.id, 60).await.status, JobStatus::Failed);

    let mails = wait_for(30, "the e-mail", || async {
        let mails = smtp.received();
        (!mails.is_empty()).then_some(mails)
    })
    .await;
    assert_eq!(
        mails.len(),
        1,
        "only the submitter asked to hear of failures"
    );
    let mail = &mails[0];
    assert_eq!(mail.from, "<farm@studio.test>");
    assert_eq!(mail.to, [format!("<{}>", view.email_address)]);
    assert!(
        mail.data.contains("Subject: Render failed:"),
        "{}",
        mail.data
    );
    assert!(
        mail.data.contains("failed: 1 of 1 tasks failed"),
        "{}",
        mail.data
    );
    let list = manager.notices(&NoticeQuery::default()).await.unwrap();
    assert_eq!(list.notices[0].outcome, NoticeOutcome::Failed);
    assert_eq!(unread(&supervisor).await, 0);
}
