//! The production models behind `/data/<model>`: which table each reads, what it is called
//! in JSON (`type`), which many-to-many fields it has, which rows a person may see and who may
//! change them. Columns themselves come from the database (see [`super::schema`]).

/// A many-to-many field kept in a link table, serialised as a list of ids.
#[derive(Debug)]
pub struct Relation {
    /// The field's name, e.g. `assignees`.
    pub field: &'static str,
    /// The link table.
    pub table: &'static str,
    /// Its column holding the owner's id.
    pub owner: &'static str,
    /// Its column holding the linked id.
    pub target: &'static str,
}

/// Which rows of a table a model covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// Every row.
    All,
    /// Entities of this (temporal) entity type: Shot, Sequence, Episode, Scene, Edit.
    EntitiesOfType(&'static str),
    /// Entities whose type is an asset type.
    Assets,
    /// Entity types that are asset types (not temporal).
    AssetTypes,
}

/// How rows reach a project, to show a person only the projects they are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Studio-wide data: everyone who may read sees every row.
    Studio,
    /// The project itself (its Kitsu id column).
    Project,
    /// A `project_id`-like column.
    ProjectColumn(&'static str),
    /// A task id column: the task's project.
    TaskColumn(&'static str),
    /// An entity id column: the entity's project.
    EntityColumn(&'static str),
    /// A comment id column: the project of the comment's task.
    CommentColumn(&'static str),
    /// The person's own rows (`person_id`); admins see all.
    Person,
}

/// Who may read and change a model's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Everyone reads; admins change (studio settings: types, statuses, departments…).
    AdminWrites,
    /// Managers and admins read and change; others get 403 (schedules).
    ManagersOnly,
    /// Everyone reads what their scope shows; managers and admins change (projects).
    ManagersWrite,
    /// Everyone on the project reads; supervisors on it, managers and admins change.
    ProjectSupervisors,
    /// Everyone on the project reads; artists on it change too (comments, time, files).
    ProjectArtists,
    /// Each person reads and changes their own rows; admins all.
    Own,
}

/// Which of a model's columns only admins see and filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Private {
    /// None: every shown column is for everyone who may read the row.
    Nothing,
    /// These columns (secrets such as chat tokens).
    Columns(&'static [&'static str]),
    /// Every column but these (a person's pay, contract, contacts, desktop login…); the
    /// person sees their own row whole.
    AllBut(&'static [&'static str]),
}

/// One `/data/<route>` model.
#[derive(Debug)]
pub struct Model {
    /// The URL name, e.g. `task-status`.
    pub route: &'static str,
    /// The table.
    pub table: &'static str,
    /// Its JSON `type`.
    pub kind: &'static str,
    /// The column holding the Kitsu id.
    pub id_column: &'static str,
    /// Columns never shown nor set through the API.
    pub hidden: &'static [&'static str],
    /// Columns shown but never set through the API.
    pub read_only: &'static [&'static str],
    /// Many-to-many fields.
    pub relations: &'static [Relation],
    /// Which rows of the table.
    pub rows: Rows,
    /// How rows reach a project.
    pub scope: Scope,
    /// Who may read and change.
    pub access: Access,
    /// Filter names Kitsu accepts that map to a column (`sequence_id` is a shot's `parent_id`).
    pub aliases: &'static [(&'static str, &'static str)],
    /// Columns shown to admins only, and filtered on by admins only.
    pub private: Private,
    /// Private columns anyone may still filter on by exact value: a person is found by an
    /// email the caller already holds (gazu's `get_person_by_email`), as in Zou.
    pub lookups: &'static [&'static str],
    /// The column naming whom a row is written by (`person_id`): others than managers write
    /// only in their own name and change only their own rows.
    pub author: Option<&'static str>,
    /// Columns holding plain names that end up in file paths (an output file's
    /// `extension`): never a path piece.
    pub plain: &'static [&'static str],
}

const TIMES: &[&str] = &["created_at", "updated_at"];

const fn model(route: &'static str, table: &'static str, kind: &'static str) -> Model {
    Model {
        route,
        table,
        kind,
        id_column: "id",
        hidden: &[],
        read_only: TIMES,
        relations: &[],
        rows: Rows::All,
        scope: Scope::Studio,
        access: Access::AdminWrites,
        aliases: &[],
        private: Private::Nothing,
        lookups: &[],
        author: None,
        plain: &[],
    }
}

/// What everyone sees of another person: a name and an avatar to put on a comment, their
/// role and standing, as Zou's `present_minimal` (without the desktop login).
pub const PERSON_PUBLIC: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "active",
    "archived",
    "has_avatar",
    "role",
    "position",
    "seniority",
    "is_bot",
    "is_guest",
    "studio_id",
];

/// The organisation's chat integration secrets (Zou's `SENSITIVE_FIELDS`).
pub const ORGANISATION_SECRETS: &[&str] = &[
    "chat_token_slack",
    "chat_webhook_mattermost",
    "chat_token_discord",
];

const ENTITY_RELATIONS: &[Relation] = &[
    Relation {
        field: "entities_out",
        table: "prod_entity_link",
        owner: "entity_in_id",
        target: "entity_out_id",
    },
    Relation {
        field: "instance_casting",
        table: "prod_asset_instance_link",
        owner: "entity_id",
        target: "asset_instance_id",
    },
];

const fn entity(route: &'static str, kind: &'static str, rows: Rows) -> Model {
    Model {
        relations: ENTITY_RELATIONS,
        rows,
        scope: Scope::ProjectColumn("project_id"),
        access: Access::ProjectSupervisors,
        read_only: &["created_at", "updated_at", "created_by", "nb_entities_out"],
        ..model(route, "prod_entity", kind)
    }
}

/// Entity type names that are not asset types.
pub const TEMPORAL_TYPES: &[&str] = &["Episode", "Sequence", "Shot", "Scene", "Edit", "Concept"];

/// Every model, by route.
pub static MODELS: &[Model] = &[
    Model {
        hidden: &[
            "password_hash",
            "created",
            "totp_secret",
            "otp_recovery_codes",
            "fido_credentials",
        ],
        read_only: &[
            "created_at",
            "updated_at",
            "totp_enabled",
            "email_otp_enabled",
            "fido_enabled",
            "preferred_two_factor_authentication",
        ],
        relations: &[Relation {
            field: "departments",
            table: "prod_department_link",
            owner: "person_id",
            target: "department_id",
        }],
        private: Private::AllBut(PERSON_PUBLIC),
        lookups: &["email"],
        ..model("persons", "users", "Person")
    },
    model("departments", "prod_department", "Department"),
    model("studios", "prod_studio", "Studio"),
    Model {
        private: Private::Columns(ORGANISATION_SECRETS),
        ..model("organisations", "prod_organisation", "Organisation")
    },
    Model {
        id_column: "uuid",
        hidden: &["id", "uuid", "created", "is_active"],
        relations: &[
            Relation {
                field: "team",
                table: "prod_project_person_link",
                owner: "project_id",
                target: "person_id",
            },
            Relation {
                field: "asset_types",
                table: "prod_project_asset_type_link",
                owner: "project_id",
                target: "asset_type_id",
            },
            Relation {
                field: "task_types",
                table: "prod_project_task_type_link",
                owner: "project_id",
                target: "task_type_id",
            },
            Relation {
                field: "task_statuses",
                table: "prod_project_task_status_link",
                owner: "project_id",
                target: "task_status_id",
            },
        ],
        scope: Scope::Project,
        access: Access::ManagersWrite,
        ..model("projects", "projects", "Project")
    },
    model("project-status", "prod_project_status", "ProjectStatus"),
    model("entity-types", "prod_entity_type", "EntityType"),
    Model {
        rows: Rows::AssetTypes,
        ..model("asset-types", "prod_entity_type", "AssetType")
    },
    entity("entities", "Entity", Rows::All),
    Model {
        aliases: &[("episode_id", "source_id")],
        ..entity("assets", "Asset", Rows::Assets)
    },
    entity("episodes", "Episode", Rows::EntitiesOfType("Episode")),
    Model {
        aliases: &[("episode_id", "parent_id")],
        ..entity("sequences", "Sequence", Rows::EntitiesOfType("Sequence"))
    },
    Model {
        aliases: &[("sequence_id", "parent_id")],
        ..entity("shots", "Shot", Rows::EntitiesOfType("Shot"))
    },
    entity("scenes", "Scene", Rows::EntitiesOfType("Scene")),
    entity("edits", "Edit", Rows::EntitiesOfType("Edit")),
    Model {
        scope: Scope::EntityColumn("entity_in_id"),
        access: Access::ProjectSupervisors,
        ..model("entity-links", "prod_entity_link", "EntityLink")
    },
    Model {
        scope: Scope::EntityColumn("asset_id"),
        access: Access::ProjectSupervisors,
        ..model("asset-instances", "prod_asset_instance", "AssetInstance")
    },
    model("task-types", "prod_task_type", "TaskType"),
    model("task-status", "prod_task_status", "TaskStatus"),
    Model {
        relations: &[Relation {
            field: "assignees",
            table: "prod_task_person_link",
            owner: "task_id",
            target: "person_id",
        }],
        scope: Scope::ProjectColumn("project_id"),
        access: Access::ProjectSupervisors,
        ..model("tasks", "prod_task", "Task")
    },
    Model {
        relations: &[
            Relation {
                field: "previews",
                table: "prod_comment_preview_link",
                owner: "comment_id",
                target: "preview_file_id",
            },
            Relation {
                field: "mentions",
                table: "prod_comment_mention",
                owner: "comment_id",
                target: "person_id",
            },
        ],
        scope: Scope::TaskColumn("object_id"),
        access: Access::ProjectArtists,
        author: Some("person_id"),
        ..model("comments", "prod_comment", "Comment")
    },
    // Rows are made and removed with their files by the comment routes; the generic route
    // reads them, and only admins change them there.
    Model {
        read_only: &[
            "name",
            "size",
            "extension",
            "mimetype",
            "comment_id",
            "reply_id",
            "chat_message_id",
            "created_at",
            "updated_at",
        ],
        scope: Scope::CommentColumn("comment_id"),
        ..model("attachment-files", "prod_attachment_file", "AttachmentFile")
    },
    Model {
        scope: Scope::TaskColumn("task_id"),
        access: Access::ProjectArtists,
        author: Some("person_id"),
        plain: &["extension"],
        ..model("preview-files", "prod_preview_file", "PreviewFile")
    },
    Model {
        scope: Scope::TaskColumn("task_id"),
        access: Access::ProjectArtists,
        author: Some("person_id"),
        ..model("time-spents", "prod_time_spent", "TimeSpent")
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model("day-offs", "prod_day_off", "DayOff")
    },
    Model {
        scope: Scope::ProjectColumn("project_id"),
        access: Access::ManagersOnly,
        ..model("schedule-items", "prod_schedule_item", "ScheduleItem")
    },
    Model {
        scope: Scope::ProjectColumn("project_id"),
        access: Access::ProjectSupervisors,
        ..model("milestones", "prod_milestone", "Milestone")
    },
    model("output-types", "prod_output_type", "OutputType"),
    Model {
        scope: Scope::EntityColumn("entity_id"),
        access: Access::ProjectArtists,
        author: Some("person_id"),
        plain: &["extension"],
        ..model("output-files", "prod_output_file", "OutputFile")
    },
    Model {
        scope: Scope::TaskColumn("task_id"),
        access: Access::ProjectArtists,
        author: Some("person_id"),
        ..model("working-files", "prod_working_file", "WorkingFile")
    },
    model("file-status", "prod_file_status", "FileStatus"),
    model("softwares", "prod_software", "Software"),
    Model {
        scope: Scope::ProjectColumn("project_id"),
        access: Access::ProjectSupervisors,
        read_only: &["created_at", "updated_at", "created_by"],
        ..model("playlists", "prod_playlist", "Playlist")
    },
    Model {
        access: Access::ProjectArtists,
        ..model("chats", "prod_chat", "Chat")
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model("chat-messages", "prod_chat_message", "ChatMessage")
    },
    Model {
        scope: Scope::ProjectColumn("project_id"),
        access: Access::ProjectSupervisors,
        ..model(
            "metadata-descriptors",
            "prod_metadata_descriptor",
            "MetadataDescriptor",
        )
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model("notifications", "prod_notification", "Notification")
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model("subscriptions", "prod_subscription", "Subscription")
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model("search-filters", "prod_search_filter", "SearchFilter")
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model(
            "desktop-login-logs",
            "prod_desktop_login_log",
            "DesktopLoginLog",
        )
    },
    model(
        "preview-background-files",
        "prod_preview_background_file",
        "PreviewBackgroundFile",
    ),
];

/// A model by its route name.
pub fn by_route(route: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.route == route)
}

impl Model {
    /// True when `column` is shown in JSON.
    pub fn shows(&self, column: &str) -> bool {
        !self.hidden.contains(&column)
    }

    /// True when `column` is for admins only (see [`Private`]).
    pub fn is_private(&self, column: &str) -> bool {
        match self.private {
            Private::Nothing => false,
            Private::Columns(columns) => columns.contains(&column),
            Private::AllBut(public) => column != self.id_column && !public.contains(&column),
        }
    }

    /// The column a filter or body field names, after aliases.
    pub fn column_for<'a>(&self, field: &'a str) -> &'a str {
        self.aliases
            .iter()
            .find(|(alias, _)| *alias == field)
            .map_or(field, |(_, column)| column)
    }

    /// The relation a field names.
    pub fn relation(&self, field: &str) -> Option<&'static Relation> {
        let relations: &'static [Relation] = self.relations;
        relations.iter().find(|r| r.field == field)
    }
}
