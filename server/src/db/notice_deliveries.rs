//! The outbox of what notices send out of the server (`notice_deliveries`, 0032): one row per
//! notice and channel, queued by [`super::notices::queue`], taken by the notifier
//! (`crate::farm::notify`) when due, and marked delivered, retried later or given up; and the
//! chat integrations of Kitsu's organisation the chat deliveries go through.

use drover_shared::NoticeOutcome;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, named_params};

/// Where a delivery goes, stored as the table's CHECK names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// An e-mail through the server's SMTP.
    Email,
    /// Slack: an incoming webhook, or the Slack API with a bot token.
    Slack,
    /// Mattermost: an incoming webhook.
    Mattermost,
    /// Discord: a webhook, or the Discord API with a bot token.
    Discord,
}

impl Channel {
    /// The name stored and logged.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Slack => "slack",
            Self::Mattermost => "mattermost",
            Self::Discord => "discord",
        }
    }
}

impl ToSql for Channel {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Channel {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "email" => Ok(Self::Email),
            "slack" => Ok(Self::Slack),
            "mattermost" => Ok(Self::Mattermost),
            "discord" => Ok(Self::Discord),
            other => Err(FromSqlError::Other(
                format!("`{other}` is not a notice channel").into(),
            )),
        }
    }
}

/// The chat integrations of Kitsu's organisation: a Slack token or webhook URL, a Mattermost
/// webhook URL, a Discord token or webhook URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatIntegrations {
    /// `chat_token_slack`.
    pub slack: Option<String>,
    /// `chat_webhook_mattermost`.
    pub mattermost: Option<String>,
    /// `chat_token_discord`.
    pub discord: Option<String>,
}

impl ChatIntegrations {
    /// The integration for `channel` (none for e-mail).
    pub fn for_channel(&self, channel: Channel) -> Option<&str> {
        match channel {
            Channel::Email => None,
            Channel::Slack => self.slack.as_deref(),
            Channel::Mattermost => self.mattermost.as_deref(),
            Channel::Discord => self.discord.as_deref(),
        }
    }
}

/// The organisation's chat integrations (blank ones are none).
pub fn chat_integrations(conn: &Connection) -> rusqlite::Result<ChatIntegrations> {
    let found = conn
        .prepare_cached(
            "SELECT chat_token_slack, chat_webhook_mattermost, chat_token_discord
             FROM prod_organisation ORDER BY created_at LIMIT 1",
        )?
        .query_row([], |r| {
            let some = |i| -> rusqlite::Result<Option<String>> {
                Ok(r.get::<_, Option<String>>(i)?
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty()))
            };
            Ok(ChatIntegrations {
                slack: some(0)?,
                mattermost: some(1)?,
                discord: some(2)?,
            })
        })
        .optional()?;
    Ok(found.unwrap_or_default())
}

/// A delivery due now.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Its row.
    pub id: i64,
    /// Where it goes.
    pub channel: Channel,
    /// The e-mail address or chat user id.
    pub address: String,
    /// Tries so far.
    pub attempts: u32,
    /// What to say.
    pub text: String,
    /// The job's name (an e-mail's subject).
    pub job_name: String,
    /// How the job ended.
    pub outcome: NoticeOutcome,
}

/// Up to `limit` deliveries whose time has come, oldest first.
pub fn due(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<Delivery>> {
    conn.prepare_cached(
        "SELECT d.id, d.channel, d.address, d.attempts, n.text, n.job_name, n.outcome
         FROM notice_deliveries AS d JOIN notices AS n ON n.id = d.notice_id
         WHERE d.delivered IS NULL AND d.gave_up IS NULL AND d.next_try <= :now
         ORDER BY d.next_try, d.id LIMIT :limit",
    )?
    .query_map(
        named_params! { ":now": now, ":limit": i64::try_from(limit).unwrap_or(i64::MAX) },
        |r| {
            Ok(Delivery {
                id: r.get(0)?,
                channel: r.get(1)?,
                address: r.get(2)?,
                attempts: r.get(3)?,
                text: r.get(4)?,
                job_name: r.get(5)?,
                outcome: r.get(6)?,
            })
        },
    )?
    .collect()
}

/// When the next due delivery is, if any: the notifier sleeps until then.
pub fn next_due(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT min(next_try) FROM notice_deliveries WHERE delivered IS NULL AND gave_up IS NULL",
    )?
    .query_row([], |r| r.get(0))
}

/// A delivery went out.
pub fn delivered(conn: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE notice_deliveries SET delivered = :now, attempts = attempts + 1, last_error = NULL
         WHERE id = :id",
    )?
    .execute(named_params! { ":id": id, ":now": now })?;
    Ok(())
}

/// A delivery failed with `error`: tried again at `next_try`, or given up when `None`.
pub fn retry_or_give_up(
    conn: &Connection,
    id: i64,
    error: &str,
    now: i64,
    next_try: Option<i64>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE notice_deliveries SET attempts = attempts + 1, last_error = :error,
            next_try = coalesce(:next, next_try), gave_up = CASE WHEN :next IS NULL THEN :now END
         WHERE id = :id",
    )?
    .execute(named_params! { ":id": id, ":error": error, ":next": next_try, ":now": now })?;
    Ok(())
}
