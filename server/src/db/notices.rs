//! Notices, the farm ⇄ people seam: when a job completes or fails, [`queue`] writes a notice
//! for each person to tell (its submitter, the people following the job or its project, each
//! still able to see the job and wanting that outcome) and queues its deliveries (e-mail, chat)
//! in `notice_deliveries`, in the transaction that ends the job. The notifier
//! (`crate::farm::notify`) sends those through [`super::notice_deliveries`].
//!
//! It reads people (their choices, their chat ids from Kitsu's person columns) and Kitsu's
//! organisation (its chat integrations), so it lives here beside the farm's other seam.

use super::notice_deliveries::Channel;
use drover_shared::api::{
    ChatChoice, MAX_CHAT_USER_ID, MAX_SUBSCRIPTIONS, Notice, NoticeQuery, NoticeSettings,
    Subscriptions,
};
use drover_shared::{JobId, JobStatus, NoticeOutcome, ProjectId, UserId};
use rusqlite::{Connection, OptionalExtension, named_params};
use std::fmt::Write as _;
use time::OffsetDateTime;

/// A notice written for one person, for their live stream.
#[derive(Debug, Clone)]
pub struct Queued {
    /// Whose it is.
    pub person: UserId,
    /// The notice.
    pub notice: Notice,
}

fn time_of(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// "1 h 32 min", "4 min 10 s", "12 s".
fn span(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min {s} s")
    } else {
        format!("{s} s")
    }
}

/// The job a notice tells of, as it ended.
struct Ended {
    name: String,
    project: ProjectId,
    project_name: String,
    submitter: UserId,
    created: i64,
    total: i64,
    completed: i64,
    failed: i64,
}

fn ended(conn: &Connection, job: JobId) -> rusqlite::Result<Option<Ended>> {
    conn.prepare_cached(
        "SELECT j.name, j.project_id, p.name, j.created_by, j.created, j.n_total,
                j.n_completed, j.n_failed
         FROM jobs AS j JOIN projects AS p ON p.id = j.project_id WHERE j.id = :job",
    )?
    .query_row(named_params! { ":job": job }, |r| {
        Ok(Ended {
            name: r.get(0)?,
            project: r.get(1)?,
            project_name: r.get(2)?,
            submitter: r.get(3)?,
            created: r.get(4)?,
            total: r.get(5)?,
            completed: r.get(6)?,
            failed: r.get(7)?,
        })
    })
    .optional()
}

/// The message chat and e-mail carry.
fn message(job: JobId, ended: &Ended, outcome: NoticeOutcome, now: i64) -> String {
    let mut text = format!("Job {job} “{}” ({})", ended.name, ended.project_name);
    match outcome {
        NoticeOutcome::Completed => {
            let _ = write!(
                text,
                " completed: {} of {} tasks in {}.",
                ended.completed,
                ended.total,
                span(now - ended.created)
            );
        }
        NoticeOutcome::Failed => {
            let _ = write!(
                text,
                " failed: {} of {} tasks failed after {}.",
                ended.failed,
                ended.total,
                span(now - ended.created)
            );
        }
    }
    text
}

/// A person to tell, with their choices.
struct Recipient {
    person: UserId,
    email: String,
    wants_email: bool,
    chats: [(Channel, bool, String); 3],
}

/// The people to tell of `job` ending with `outcome`: its submitter and the people following
/// it or its project, active, still able to see it (managers, or its project's team) and
/// wanting that outcome.
fn recipients(
    conn: &Connection,
    job: JobId,
    ended: &Ended,
    outcome: NoticeOutcome,
) -> rusqlite::Result<Vec<Recipient>> {
    let wants = match outcome {
        NoticeOutcome::Completed => "coalesce(np.on_completed, 1)",
        NoticeOutcome::Failed => "coalesce(np.on_failed, 1)",
    };
    let sql = format!(
        "SELECT u.id, u.email, coalesce(np.email, 0),
                u.notifications_slack_enabled, u.notifications_slack_userid,
                u.notifications_mattermost_enabled, u.notifications_mattermost_userid,
                u.notifications_discord_enabled, u.notifications_discord_userid
         FROM users AS u LEFT JOIN notice_prefs AS np ON np.user_id = u.id
         WHERE u.id IN (SELECT :submitter
                        UNION SELECT user_id FROM job_subscriptions WHERE job_id = :job
                        UNION SELECT user_id FROM project_subscriptions WHERE project_id = :project)
           AND u.active = 1 AND {wants} = 1
           AND (u.role IN ('manager', 'admin') OR EXISTS (
                SELECT 1 FROM projects AS p JOIN prod_project_person_link AS l
                    ON l.project_id = p.uuid
                WHERE p.id = :project AND l.person_id = u.id))
         ORDER BY u.id"
    );
    conn.prepare_cached(&sql)?
        .query_map(
            named_params! {
                ":submitter": ended.submitter, ":job": job, ":project": ended.project,
            },
            |r| {
                Ok(Recipient {
                    person: r.get(0)?,
                    email: r.get(1)?,
                    wants_email: r.get(2)?,
                    chats: [
                        (Channel::Slack, r.get(3)?, r.get(4)?),
                        (Channel::Mattermost, r.get(5)?, r.get(6)?),
                        (Channel::Discord, r.get(7)?, r.get(8)?),
                    ],
                })
            },
        )?
        .collect()
}

/// `job` just ended with `status` (completed or failed): writes each recipient's notice and
/// queues its deliveries, in the caller's transaction. Returns the notices written, for the
/// recipients' live streams.
pub fn queue(
    conn: &Connection,
    job: JobId,
    status: JobStatus,
    now: i64,
) -> rusqlite::Result<Vec<Queued>> {
    let outcome = match status {
        JobStatus::Completed => NoticeOutcome::Completed,
        _ => NoticeOutcome::Failed,
    };
    let Some(ended) = ended(conn, job)? else {
        return Ok(Vec::new());
    };
    let text = message(job, &ended, outcome, now);
    let mut queued = Vec::new();
    for recipient in recipients(conn, job, &ended, outcome)? {
        conn.prepare_cached(
            "INSERT INTO notices (user_id, job_id, job_name, project_id, outcome, text, created)
             VALUES (:person, :job, :name, :project, :outcome, :text, :now)",
        )?
        .execute(named_params! {
            ":person": recipient.person, ":job": job, ":name": ended.name,
            ":project": ended.project, ":outcome": outcome, ":text": text, ":now": now,
        })?;
        let id = conn.last_insert_rowid();
        let mut deliveries = Vec::new();
        if recipient.wants_email {
            deliveries.push((Channel::Email, recipient.email.clone()));
        }
        for (channel, enabled, user_id) in recipient.chats {
            if enabled && !user_id.trim().is_empty() {
                deliveries.push((channel, user_id));
            }
        }
        for (channel, address) in deliveries {
            conn.prepare_cached(
                "INSERT INTO notice_deliveries (notice_id, channel, address, next_try)
                 VALUES (:notice, :channel, :address, :now)",
            )?
            .execute(named_params! {
                ":notice": id, ":channel": channel, ":address": address, ":now": now,
            })?;
        }
        queued.push(Queued {
            person: recipient.person,
            notice: Notice {
                id,
                job_id: Some(job),
                job_name: ended.name.clone(),
                project_id: ended.project,
                outcome,
                text: text.clone(),
                created: time_of(now),
                read: false,
            },
        });
    }
    Ok(queued)
}

fn notice_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Notice> {
    Ok(Notice {
        id: r.get(0)?,
        job_id: r.get(1)?,
        job_name: r.get(2)?,
        project_id: r.get(3)?,
        outcome: r.get(4)?,
        text: r.get(5)?,
        created: time_of(r.get(6)?),
        read: r.get(7)?,
    })
}

/// A page of `person`'s notices, newest first.
pub fn list(
    conn: &Connection,
    person: UserId,
    query: &NoticeQuery,
) -> rusqlite::Result<Vec<Notice>> {
    let limit = query
        .limit
        .unwrap_or(50)
        .clamp(1, drover_shared::api::MAX_NOTICES_PER_PAGE);
    conn.prepare_cached(
        "SELECT id, job_id, job_name, project_id, outcome, text, created, read FROM notices
         WHERE user_id = :person AND id < :before AND (:unread = 0 OR read = 0)
         ORDER BY id DESC LIMIT :limit",
    )?
    .query_map(
        named_params! {
            ":person": person, ":before": query.before.unwrap_or(i64::MAX),
            ":unread": query.unread, ":limit": limit,
        },
        notice_row,
    )?
    .collect()
}

/// How many of `person`'s notices are unread.
pub fn unread(conn: &Connection, person: UserId) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT count(*) FROM notices WHERE user_id = :person AND read = 0")?
        .query_row(named_params! { ":person": person }, |r| r.get(0))
}

/// Marks `person`'s notices `ids` (or all of them) as read; another person's ids are ignored.
pub fn mark_read(
    conn: &Connection,
    person: UserId,
    ids: &[i64],
    all: bool,
) -> rusqlite::Result<()> {
    if all {
        conn.prepare_cached("UPDATE notices SET read = 1 WHERE user_id = :person AND read = 0")?
            .execute(named_params! { ":person": person })?;
        return Ok(());
    }
    let mut update = conn.prepare_cached(
        "UPDATE notices SET read = 1 WHERE id = :id AND user_id = :person AND read = 0",
    )?;
    for id in ids {
        update.execute(named_params! { ":id": id, ":person": person })?;
    }
    Ok(())
}

/// `person`'s choices (the defaults where they made none).
pub fn settings(conn: &Connection, person: UserId) -> rusqlite::Result<NoticeSettings> {
    conn.prepare_cached(
        "SELECT coalesce(np.on_completed, 1), coalesce(np.on_failed, 1),
                coalesce(np.desktop, 1), coalesce(np.email, 0),
                u.notifications_slack_enabled, u.notifications_slack_userid,
                u.notifications_mattermost_enabled, u.notifications_mattermost_userid,
                u.notifications_discord_enabled, u.notifications_discord_userid
         FROM users AS u LEFT JOIN notice_prefs AS np ON np.user_id = u.id WHERE u.id = :person",
    )?
    .query_row(named_params! { ":person": person }, |r| {
        let chat = |i| -> rusqlite::Result<ChatChoice> {
            Ok(ChatChoice {
                enabled: r.get(i)?,
                user_id: r.get(i + 1)?,
            })
        };
        Ok(NoticeSettings {
            on_completed: r.get(0)?,
            on_failed: r.get(1)?,
            desktop: r.get(2)?,
            email: r.get(3)?,
            slack: chat(4)?,
            mattermost: chat(6)?,
            discord: chat(8)?,
        })
    })
}

/// The address `person`'s e-mails go to (their login's).
pub fn email_of(conn: &Connection, person: UserId) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT email FROM users WHERE id = :person")?
        .query_row(named_params! { ":person": person }, |r| r.get(0))
}

/// Why settings were refused.
pub fn check_settings(settings: &NoticeSettings) -> Result<(), String> {
    for (name, chat) in [
        ("slack", &settings.slack),
        ("mattermost", &settings.mattermost),
        ("discord", &settings.discord),
    ] {
        let id = chat.user_id.trim();
        if id.len() > MAX_CHAT_USER_ID || id.chars().any(char::is_control) {
            return Err(format!(
                "the {name} user id must be at most {MAX_CHAT_USER_ID} characters, without \
                 control characters"
            ));
        }
        if chat.enabled && id.is_empty() {
            return Err(format!("give your {name} user id to be told there"));
        }
    }
    Ok(())
}

/// Stores `person`'s choices (checked with [`check_settings`]).
pub fn set_settings(
    conn: &Connection,
    person: UserId,
    settings: &NoticeSettings,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO notice_prefs (user_id, on_completed, on_failed, desktop, email)
         VALUES (:person, :completed, :failed, :desktop, :email)",
    )?
    .execute(named_params! {
        ":person": person, ":completed": settings.on_completed, ":failed": settings.on_failed,
        ":desktop": settings.desktop, ":email": settings.email,
    })?;
    conn.prepare_cached(
        "UPDATE users SET
            notifications_slack_enabled = :se, notifications_slack_userid = :si,
            notifications_mattermost_enabled = :me, notifications_mattermost_userid = :mi,
            notifications_discord_enabled = :de, notifications_discord_userid = :di
         WHERE id = :person",
    )?
    .execute(named_params! {
        ":person": person,
        ":se": settings.slack.enabled, ":si": settings.slack.user_id.trim(),
        ":me": settings.mattermost.enabled, ":mi": settings.mattermost.user_id.trim(),
        ":de": settings.discord.enabled, ":di": settings.discord.user_id.trim(),
    })?;
    Ok(())
}

/// What `person` follows.
pub fn subscriptions(conn: &Connection, person: UserId) -> rusqlite::Result<Subscriptions> {
    let jobs = conn
        .prepare_cached("SELECT job_id FROM job_subscriptions WHERE user_id = :p ORDER BY job_id")?
        .query_map(named_params! { ":p": person }, |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let projects = conn
        .prepare_cached(
            "SELECT project_id FROM project_subscriptions WHERE user_id = :p ORDER BY project_id",
        )?
        .query_map(named_params! { ":p": person }, |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Subscriptions { jobs, projects })
}

/// What following more would refuse.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// The person follows as many as they may.
    #[error("you follow {MAX_SUBSCRIPTIONS} jobs and projects already; stop following some first")]
    TooMany,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

fn followed(conn: &Connection, person: UserId) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "SELECT (SELECT count(*) FROM job_subscriptions WHERE user_id = :p)
              + (SELECT count(*) FROM project_subscriptions WHERE user_id = :p)",
    )?
    .query_row(named_params! { ":p": person }, |r| r.get(0))
}

/// `person` follows (or stops following) `id` in `table` (`job_subscriptions` by `job_id`,
/// `project_subscriptions` by `project_id`), within [`MAX_SUBSCRIPTIONS`].
fn follow(
    conn: &Connection,
    person: UserId,
    (table, column): (&str, &str),
    id: i64,
    follow: bool,
) -> Result<(), FollowError> {
    if follow {
        if followed(conn, person)? >= MAX_SUBSCRIPTIONS {
            return Err(FollowError::TooMany);
        }
        conn.prepare_cached(&format!(
            "INSERT OR IGNORE INTO {table} (user_id, {column}) VALUES (?, ?)"
        ))?
        .execute(rusqlite::params![person, id])?;
    } else {
        conn.prepare_cached(&format!(
            "DELETE FROM {table} WHERE user_id = ? AND {column} = ?"
        ))?
        .execute(rusqlite::params![person, id])?;
    }
    Ok(())
}

/// `person` follows (or stops following) `job`. The caller checked they may see it.
pub fn follow_job(
    conn: &Connection,
    person: UserId,
    job: JobId,
    following: bool,
) -> Result<(), FollowError> {
    follow(
        conn,
        person,
        ("job_subscriptions", "job_id"),
        job.0,
        following,
    )
}

/// `person` follows (or stops following) every job of `project`. The caller checked they may
/// see it.
pub fn follow_project(
    conn: &Connection,
    person: UserId,
    project: ProjectId,
    following: bool,
) -> Result<(), FollowError> {
    follow(
        conn,
        person,
        ("project_subscriptions", "project_id"),
        project.0,
        following,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_people_say_them() {
        assert_eq!(span(12_400), "12 s");
        assert_eq!(span(250_000), "4 min 10 s");
        assert_eq!(span(5_520_000), "1 h 32 min");
        assert_eq!(span(-5), "0 s");
    }

    #[test]
    fn settings_refuse_a_chat_without_its_user_id_and_overlong_ids() {
        let mut settings = NoticeSettings::default();
        assert!(check_settings(&settings).is_ok());
        settings.slack.enabled = true;
        assert!(check_settings(&settings).unwrap_err().contains("slack"));
        settings.slack.user_id = "U123".into();
        assert!(check_settings(&settings).is_ok());
        settings.discord.user_id = "x".repeat(MAX_CHAT_USER_ID + 1);
        assert!(check_settings(&settings).unwrap_err().contains("discord"));
        settings.discord.user_id = "a\nb".into();
        assert!(check_settings(&settings).is_err());
    }
}
