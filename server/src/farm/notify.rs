//! The notifier: sends the e-mails and chat messages of notices, from the `notice_deliveries`
//! outbox that the transaction ending a job filled (`crate::db::notices::queue`;
//! `crate::db::notice_deliveries`), and the account e-mails (password links, invitations,
//! login codes) from theirs (`crate::auth::db::mail`).
//!
//! - **Crash-safe**: a delivery is a row until it is marked delivered, so a crash loses none;
//!   one that went out just before a crash is sent again after it (at least once).
//! - **Retried with backoff**: a failed delivery waits [`backoff`] (2 s, doubling, at most an
//!   hour) and is given up after [`MAX_ATTEMPTS`], with its last error kept.
//! - **Never in the farm's way**: it runs beside the monitor, sends at most [`PARALLEL`] at
//!   once, each bounded by [`SEND_TIMEOUT`]; dispatch never waits for it.
//!
//! Chat goes where Kitsu's organisation says (`chat_token_slack`, `chat_webhook_mattermost`,
//! `chat_token_discord`): a Slack or Discord value that is a URL is an incoming webhook, posted
//! in that service's format with the person mentioned; otherwise it is a bot token, and the
//! message goes to the person directly through the service's API. Mattermost's is a webhook,
//! posted to `@user`. E-mail goes through the SMTP server the server was started with
//! (`--smtp-url`).

use crate::auth::db::mail as account_mails;
use crate::db::notice_deliveries::{self as notices, Channel, ChatIntegrations, Delivery};
use crate::error::ApiError;
use crate::state::AppState;
use drover_shared::NoticeOutcome;
use drover_shared::api::NoticeChannels;
use futures_util::StreamExt;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::{Value, json};
use std::time::Duration;

/// Tries before a delivery is given up (about seven hours of backoff).
pub const MAX_ATTEMPTS: u32 = 16;
/// Deliveries sent at once.
pub const PARALLEL: usize = 8;
/// The longest one send may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// Deliveries taken per pass.
const BATCH: usize = 64;
/// How often the outbox is looked at.
const POLL: Duration = Duration::from_secs(1);
/// The most of an answer's body read (a chat API's JSON).
const MAX_ANSWER: usize = 64 * 1024;
const SLACK_API: &str = "https://slack.com/api";
const DISCORD_API: &str = "https://discord.com/api/v10";

/// How the server sends e-mail.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The SMTP server as a URL: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465`.
    pub smtp_url: String,
    /// The sender: `Drover <drover@studio.example>`.
    pub from: String,
}

/// Why the notifier could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    /// The SMTP URL is not one lettre takes.
    #[error("the SMTP URL is not valid: {0}")]
    SmtpUrl(String),
    /// The sender is not a mailbox.
    #[error("the e-mail sender {0:?} is not an address (Name <name@host>)")]
    From(String),
    /// The HTTP client could not be built.
    #[error("the webhook client could not be made: {0}")]
    Http(String),
}

/// What sends: the SMTP transport (when configured) and the HTTP client for chat.
pub struct Notifier {
    mail: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    http: reqwest::Client,
}

impl Notifier {
    /// A notifier sending e-mail as `mail` says (none without it).
    pub fn new(mail: Option<&MailConfig>) -> Result<Self, NotifierError> {
        let mail = match mail {
            None => None,
            Some(config) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
                    .map_err(|e| NotifierError::SmtpUrl(e.to_string()))?
                    .timeout(Some(SEND_TIMEOUT))
                    .build();
                let from = config
                    .from
                    .parse::<Mailbox>()
                    .map_err(|_| NotifierError::From(config.from.clone()))?;
                Some((transport, from))
            }
        };
        let http = reqwest::Client::builder()
            .user_agent(concat!("drover/", env!("CARGO_PKG_VERSION")))
            // A webhook is where the organisation said; it does not send us elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(SEND_TIMEOUT)
            .build()
            .map_err(|e| NotifierError::Http(e.to_string()))?;
        Ok(Self { mail, http })
    }

    /// Where notices can go now, with the organisation's chat integrations.
    pub fn channels(&self, chats: &ChatIntegrations) -> NoticeChannels {
        NoticeChannels {
            email: self.mail.is_some(),
            slack: chats.slack.is_some(),
            mattermost: chats.mattermost.is_some(),
            discord: chats.discord.is_some(),
        }
    }

    /// Sends one delivery.
    async fn send(&self, delivery: &Delivery, chats: &ChatIntegrations) -> Result<(), Failure> {
        if delivery.channel == Channel::Email {
            return self.mail(delivery).await;
        }
        let Some(integration) = chats.for_channel(delivery.channel) else {
            return Err(Failure::Permanent(format!(
                "the organisation has no {} integration",
                delivery.channel.as_str()
            )));
        };
        let user = delivery.address.as_str();
        let text = format!("{} {}", mark(delivery.outcome), delivery.text);
        match delivery.channel {
            Channel::Slack if is_url(integration) => {
                let body = json!({ "text": format!("<@{user}> {text}") });
                self.post(integration, None, &body).await.map(drop)
            }
            Channel::Slack => {
                let body = json!({ "channel": user, "text": text });
                let answer = self
                    .post(
                        &format!("{SLACK_API}/chat.postMessage"),
                        Some(format!("Bearer {integration}")),
                        &body,
                    )
                    .await?;
                // Slack answers 200 with `ok: false` when it refused.
                if answer.get("ok").and_then(Value::as_bool) == Some(true) {
                    Ok(())
                } else {
                    Err(Failure::Retry(format!(
                        "Slack refused: {}",
                        answer
                            .get("error")
                            .and_then(Value::as_str)
                            .unwrap_or("no reason")
                    )))
                }
            }
            Channel::Mattermost => {
                if !is_url(integration) {
                    return Err(Failure::Permanent(
                        "the organisation's Mattermost webhook is not a URL".into(),
                    ));
                }
                let body = json!({
                    "channel": format!("@{}", user.trim_start_matches('@')),
                    "username": "Drover",
                    "text": text,
                });
                self.post(integration, None, &body).await.map(drop)
            }
            Channel::Discord if is_url(integration) => {
                let body = json!({
                    "content": format!("<@{user}> {text}"),
                    "allowed_mentions": { "users": [user] },
                });
                self.post(integration, None, &body).await.map(drop)
            }
            Channel::Discord => {
                let auth = Some(format!("Bot {integration}"));
                let channel = self
                    .post(
                        &format!("{DISCORD_API}/users/@me/channels"),
                        auth.clone(),
                        &json!({ "recipient_id": user }),
                    )
                    .await?;
                let Some(channel) = channel.get("id").and_then(Value::as_str) else {
                    return Err(Failure::Retry("Discord opened no direct channel".into()));
                };
                self.post(
                    &format!("{DISCORD_API}/channels/{channel}/messages"),
                    auth,
                    &json!({ "content": text }),
                )
                .await
                .map(drop)
            }
            Channel::Email => unreachable!("sent above"),
        }
    }

    /// Posts `body` as JSON; answers the answer's JSON (`null` when it has none).
    async fn post(
        &self,
        url: &str,
        authorization: Option<String>,
        body: &Value,
    ) -> Result<Value, Failure> {
        let mut request = self.http.post(url).json(body);
        if let Some(authorization) = authorization {
            request = request.header(reqwest::header::AUTHORIZATION, authorization);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| Failure::Retry(format!("posting failed: {e}")))?;
        let status = response.status();
        let mut answer = Vec::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            if answer.len() + chunk.len() > MAX_ANSWER {
                break;
            }
            answer.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            let text = String::from_utf8_lossy(&answer);
            let text: String = text.chars().take(200).collect();
            return Err(Failure::Retry(format!(
                "the chat answered {status}: {text}"
            )));
        }
        Ok(serde_json::from_slice(&answer).unwrap_or(Value::Null))
    }

    async fn mail(&self, delivery: &Delivery) -> Result<(), Failure> {
        let subject = match delivery.outcome {
            NoticeOutcome::Completed => format!("Render completed: {}", delivery.job_name),
            NoticeOutcome::Failed => format!("Render failed: {}", delivery.job_name),
        };
        let body = format!("{}\n\n— Drover\n", delivery.text);
        self.send_mail(&delivery.address, &subject, body).await
    }

    /// Whether the server was given an SMTP server to send e-mail through.
    pub fn sends_mail(&self) -> bool {
        self.mail.is_some()
    }

    /// Sends one plain-text e-mail.
    async fn send_mail(&self, address: &str, subject: &str, body: String) -> Result<(), Failure> {
        let Some((transport, from)) = &self.mail else {
            return Err(Failure::Permanent(
                "the server has no SMTP server to send e-mail through".into(),
            ));
        };
        let to = address
            .parse::<Mailbox>()
            .map_err(|_| Failure::Permanent(format!("{address:?} is not an address")))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| Failure::Permanent(format!("the e-mail could not be made: {e}")))?;
        transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| Failure::Retry(format!("SMTP: {e}")))
    }
}

/// A sign for the outcome, at the head of a chat message.
fn mark(outcome: NoticeOutcome) -> &'static str {
    match outcome {
        NoticeOutcome::Completed => "✅",
        NoticeOutcome::Failed => "❌",
    }
}

fn is_url(value: &str) -> bool {
    value.starts_with("https://") || value.starts_with("http://")
}

/// Why a delivery did not go out.
#[derive(Debug)]
enum Failure {
    /// Trying again may work.
    Retry(String),
    /// Trying again cannot work (no integration, no address): given up at once.
    Permanent(String),
}

/// How long a delivery that failed `attempts` times waits: 2 s, doubling, at most an hour.
pub fn backoff(attempts: u32) -> Duration {
    let secs = 2u64.saturating_mul(1u64 << attempts.saturating_sub(1).min(20));
    Duration::from_secs(secs.min(3600))
}

/// Runs until the task is aborted: sends what is due, every second.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = send_due(&state).await {
            tracing::error!(error = %e, "sending notices");
        }
        if let Err(e) = send_account_mails(&state).await {
            tracing::error!(error = %e, "sending account e-mails");
        }
    }
}

/// Sends every delivery due now; returns how many were tried.
pub async fn send_due(state: &AppState) -> Result<usize, ApiError> {
    let now = crate::farm::db::now_ms();
    let (due, chats) = state
        .store
        .read(move |c| {
            Ok::<_, ApiError>((notices::due(c, now, BATCH)?, notices::chat_integrations(c)?))
        })
        .await?;
    let count = due.len();
    let chats = &chats;
    futures_util::stream::iter(due)
        .for_each_concurrent(PARALLEL, |delivery| async move {
            let sent = state.notifier.send(&delivery, chats).await;
            let id = delivery.id;
            let attempts = delivery.attempts + 1;
            let now = crate::farm::db::now_ms();
            let recorded = match sent {
                Ok(()) => {
                    state
                        .store
                        .write(move |c| notices::delivered(c, id, now).map_err(ApiError::from))
                        .await
                }
                Err(failure) => {
                    let (error, next) = match failure {
                        Failure::Permanent(error) => (error, None),
                        Failure::Retry(error) if attempts >= MAX_ATTEMPTS => (error, None),
                        Failure::Retry(error) => {
                            let wait =
                                i64::try_from(backoff(attempts).as_millis()).unwrap_or(i64::MAX);
                            (error, Some(now.saturating_add(wait)))
                        }
                    };
                    if next.is_some() {
                        tracing::info!(
                            channel = delivery.channel.as_str(), attempts, %error,
                            "a notice was not delivered; trying again later"
                        );
                    } else {
                        tracing::warn!(
                            channel = delivery.channel.as_str(), attempts, %error,
                            "a notice was not delivered; given up"
                        );
                    }
                    state
                        .store
                        .write(move |c| {
                            notices::retry_or_give_up(c, id, &error, now, next)
                                .map_err(ApiError::from)
                        })
                        .await
                }
            };
            if let Err(e) = recorded {
                tracing::error!(error = %e, "recording a notice's delivery");
            }
        })
        .await;
    Ok(count)
}

/// Sends the account e-mails due now (password links, invitations, login codes; see
/// `crate::auth::mail`); returns how many were tried. Each row goes once it is sent or
/// given up, taking its link or code with it; one past its use is dropped unsent.
pub async fn send_account_mails(state: &AppState) -> Result<usize, ApiError> {
    let now = crate::farm::db::now_ms();
    let due = state
        .store
        .read(move |c| account_mails::due(c, now, BATCH).map_err(ApiError::from))
        .await?;
    let count = due.len();
    futures_util::stream::iter(due)
        .for_each_concurrent(PARALLEL, |mail| async move {
            let sent = if mail.expires <= now {
                Err(Failure::Permanent("its link or code expired before it went".into()))
            } else {
                state
                    .notifier
                    .send_mail(&mail.address, &mail.subject, mail.body.clone())
                    .await
            };
            let id = mail.id;
            let attempts = mail.attempts + 1;
            let now = crate::farm::db::now_ms();
            let next = match sent {
                Ok(()) => None,
                Err(Failure::Retry(error)) if attempts < MAX_ATTEMPTS => {
                    let wait = i64::try_from(backoff(attempts).as_millis()).unwrap_or(i64::MAX);
                    tracing::info!(attempts, %error, "an account e-mail was not sent; trying again later");
                    Some(now.saturating_add(wait))
                }
                Err(Failure::Retry(error) | Failure::Permanent(error)) => {
                    tracing::warn!(attempts, %error, "an account e-mail was not sent; given up");
                    None
                }
            };
            let recorded = state
                .store
                .write(move |c| {
                    match next {
                        Some(next) => account_mails::retry(c, id, next),
                        None => account_mails::done(c, id),
                    }
                    .map_err(ApiError::from)
                })
                .await;
            if let Err(e) = recorded {
                tracing::error!(error = %e, "recording an account e-mail");
            }
        })
        .await;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_two_seconds_up_to_an_hour() {
        let waits: Vec<u64> = (1..=6).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 64]);
        assert_eq!(backoff(12).as_secs(), 3600);
        assert_eq!(backoff(MAX_ATTEMPTS).as_secs(), 3600);
        assert_eq!(backoff(u32::MAX).as_secs(), 3600);
    }

    #[test]
    fn a_bad_smtp_url_or_sender_is_refused_at_start() {
        let bad_url = MailConfig {
            smtp_url: "ftp://nowhere".into(),
            from: "Drover <drover@example.com>".into(),
        };
        assert!(matches!(
            Notifier::new(Some(&bad_url)),
            Err(NotifierError::SmtpUrl(_))
        ));
        let bad_from = MailConfig {
            smtp_url: "smtp://127.0.0.1:2525".into(),
            from: "not an address".into(),
        };
        assert!(matches!(
            Notifier::new(Some(&bad_from)),
            Err(NotifierError::From(_))
        ));
        let notifier = Notifier::new(None).unwrap();
        assert!(!notifier.channels(&ChatIntegrations::default()).email);
    }
}
