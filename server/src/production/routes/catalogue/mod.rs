//! The named production routes, one entry per operation: what the OpenAPI document says of
//! each, and the least role the role gate lets through (the finer team and ownership rules
//! stay with the handlers). Every path a production router serves must be here, and every
//! path here must be served: [`super::gate::Routes`] and its test hold both to it.

use drover_shared::Role;

/// An operation's method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET (and HEAD).
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
}

/// What an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Nothing.
    None,
    /// A JSON object (form fields are taken too, as Kitsu does).
    Json,
    /// `multipart/form-data` with a `file` part.
    Multipart,
    /// A JSON object, form fields, or multipart with file parts.
    JsonOrMultipart,
}

/// What an operation answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// One row of a model (its component schema).
    Model(&'static str),
    /// A list of rows of a model.
    Models(&'static str),
    /// A JSON object.
    Object,
    /// A JSON list (of objects).
    List,
    /// A JSON list of strings (ids, names).
    Strings,
    /// `true` or `false`.
    Bool,
    /// No body (204).
    Empty,
    /// A file of this type.
    File(&'static str),
}

/// One named operation.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    /// Its method.
    pub method: Method,
    /// The path as the router has it, relative to `/api`.
    pub path: &'static str,
    /// The document's group for it.
    pub tag: &'static str,
    /// What it does, in a sentence.
    pub summary: &'static str,
    /// What it takes.
    pub body: Body,
    /// Its success status.
    pub status: u16,
    /// What it answers.
    pub answer: Answer,
    /// The least role that may call it; `None`: anyone logged in.
    pub role: Option<Role>,
    /// A path parameter that takes only these values.
    pub values: Option<(&'static str, &'static [&'static str])>,
}

const fn op(method: Method, path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op {
        method,
        path,
        tag,
        summary,
        body: Body::None,
        status: 200,
        answer: Answer::Object,
        role: None,
        values: None,
    }
}

const fn get(path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    op(Method::Get, path, tag, summary)
}

const fn post(path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op {
        body: Body::Json,
        status: 201,
        ..op(Method::Post, path, tag, summary)
    }
}

const fn put(path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op {
        body: Body::Json,
        ..op(Method::Put, path, tag, summary)
    }
}

const fn delete(path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op {
        status: 204,
        answer: Answer::Empty,
        ..op(Method::Delete, path, tag, summary)
    }
}

impl Op {
    const fn answers(self, answer: Answer) -> Self {
        Self { answer, ..self }
    }
    const fn role(self, role: Role) -> Self {
        Self {
            role: Some(role),
            ..self
        }
    }
    const fn status(self, status: u16) -> Self {
        Self { status, ..self }
    }
    const fn body(self, body: Body) -> Self {
        Self { body, ..self }
    }
    const fn only(self, param: &'static str, values: &'static [&'static str]) -> Self {
        Self {
            values: Some((param, values)),
            ..self
        }
    }
}

const BREAKDOWN: &str = "kitsu: breakdown";
const REVIEWS: &str = "kitsu: reviews";
const PROJECTS: &str = "kitsu: projects";
const PEOPLE: &str = "kitsu: people";
const FILES: &str = "kitsu: files";

mod admin;
mod breakdown;
mod bulk;
mod chats;
mod exports;
mod files;
mod mine;
mod people;
mod plans;
mod playlists;
mod related;
mod reviews;
mod shares;
mod templates;
mod timesheets;

static INDEX: &[Op] = &[
    get(
        "/",
        PEOPLE,
        "Kitsu's index: the API name and version (gazu reads the version)",
    ),
    get(
        "/config",
        PEOPLE,
        "What Kitsu's web front end reads before login: the studio is self-hosted, no \
        support chat, a search index, no SAML or OIDC sign-in",
    ),
];

/// Whether an operation is served without a token (Kitsu's index and configuration).
pub fn public(op: &Op) -> bool {
    INDEX
        .iter()
        .chain(shares::PUBLIC)
        .any(|i| i.path == op.path && i.method == op.method)
}

/// Every named operation.
pub fn named() -> impl Iterator<Item = &'static Op> {
    INDEX
        .iter()
        .chain(breakdown::OPS)
        .chain(reviews::OPS)
        .chain(people::OPS)
        .chain(related::OPS)
        .chain(mine::OPS)
        .chain(files::OPS)
        .chain(templates::OPS)
        .chain(playlists::OPS)
        .chain(bulk::OPS)
        .chain(timesheets::OPS)
        .chain(admin::OPS)
        .chain(plans::OPS)
        .chain(chats::OPS)
        .chain(shares::OPS)
        .chain(shares::PUBLIC)
        .chain(exports::OPS)
}
