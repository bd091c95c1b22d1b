//! The production models behind `/data/<model>`: which table each reads, what it is called
//! in JSON (`type`), which many-to-many fields it has, which rows a person may see and who may
//! change them. Columns themselves come from the database (see [`super::schema`]).

/// A model's route name as code names it: only the constants of [`names`] exist, so a
/// misspelt model fails to compile (as a string it answered 404 at run time). The generic
/// operations ([`super::Data`]) take these; URLs are looked up with [`by_route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModelName(&'static str);

impl ModelName {
    /// The name as URLs and messages write it, e.g. `task-status`.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for ModelName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Every model's name, one constant per model of [`MODELS`].
pub mod names {
    pub use super::ModelName;

    /// Every name, in [`super::MODELS`]' order (the test that keeps the two in step reads it).
    #[cfg(test)]
    pub const ALL: &[ModelName] = &[
        PERSONS,
        DEPARTMENTS,
        STUDIOS,
        ORGANISATIONS,
        PROJECTS,
        PROJECT_STATUS,
        ENTITY_TYPES,
        ASSET_TYPES,
        ENTITIES,
        ASSETS,
        EPISODES,
        SEQUENCES,
        SHOTS,
        SCENES,
        EDITS,
        CONCEPTS,
        PROJECT_TEMPLATES,
        ENTITY_LINKS,
        ASSET_INSTANCES,
        TASK_TYPES,
        TASK_STATUS,
        TASKS,
        COMMENTS,
        ATTACHMENT_FILES,
        PREVIEW_FILES,
        TIME_SPENTS,
        DAY_OFFS,
        SCHEDULE_ITEMS,
        MILESTONES,
        OUTPUT_TYPES,
        OUTPUT_FILES,
        WORKING_FILES,
        FILE_STATUS,
        SOFTWARES,
        PLAYLISTS,
        CHATS,
        CHAT_MESSAGES,
        METADATA_DESCRIPTORS,
        NOTIFICATIONS,
        SUBSCRIPTIONS,
        SEARCH_FILTERS,
        DESKTOP_LOGIN_LOGS,
        PREVIEW_BACKGROUND_FILES,
        CUSTOM_ACTIONS,
        STATUS_AUTOMATIONS,
        HARDWARE_ITEMS,
        SALARY_SCALES,
    ];

    /// `/data/persons`.
    pub const PERSONS: ModelName = ModelName("persons");
    /// `/data/departments`.
    pub const DEPARTMENTS: ModelName = ModelName("departments");
    /// `/data/studios`.
    pub const STUDIOS: ModelName = ModelName("studios");
    /// `/data/organisations`.
    pub const ORGANISATIONS: ModelName = ModelName("organisations");
    /// `/data/projects`.
    pub const PROJECTS: ModelName = ModelName("projects");
    /// `/data/project-status`.
    pub const PROJECT_STATUS: ModelName = ModelName("project-status");
    /// `/data/entity-types`.
    pub const ENTITY_TYPES: ModelName = ModelName("entity-types");
    /// `/data/asset-types`.
    pub const ASSET_TYPES: ModelName = ModelName("asset-types");
    /// `/data/entities`.
    pub const ENTITIES: ModelName = ModelName("entities");
    /// `/data/assets`.
    pub const ASSETS: ModelName = ModelName("assets");
    /// `/data/episodes`.
    pub const EPISODES: ModelName = ModelName("episodes");
    /// `/data/sequences`.
    pub const SEQUENCES: ModelName = ModelName("sequences");
    /// `/data/shots`.
    pub const SHOTS: ModelName = ModelName("shots");
    /// `/data/scenes`.
    pub const SCENES: ModelName = ModelName("scenes");
    /// `/data/edits`.
    pub const EDITS: ModelName = ModelName("edits");
    /// `/data/concepts`: concept art, an entity of its own kind tasks and previews hang from.
    pub const CONCEPTS: ModelName = ModelName("concepts");
    /// `/data/project-templates`: settings to start productions from.
    pub const PROJECT_TEMPLATES: ModelName = ModelName("project-templates");
    /// `/data/entity-links`.
    pub const ENTITY_LINKS: ModelName = ModelName("entity-links");
    /// `/data/asset-instances`.
    pub const ASSET_INSTANCES: ModelName = ModelName("asset-instances");
    /// `/data/task-types`.
    pub const TASK_TYPES: ModelName = ModelName("task-types");
    /// `/data/task-status`.
    pub const TASK_STATUS: ModelName = ModelName("task-status");
    /// `/data/tasks`.
    pub const TASKS: ModelName = ModelName("tasks");
    /// `/data/comments`.
    pub const COMMENTS: ModelName = ModelName("comments");
    /// `/data/attachment-files`.
    pub const ATTACHMENT_FILES: ModelName = ModelName("attachment-files");
    /// `/data/preview-files`.
    pub const PREVIEW_FILES: ModelName = ModelName("preview-files");
    /// `/data/time-spents`.
    pub const TIME_SPENTS: ModelName = ModelName("time-spents");
    /// `/data/day-offs`.
    pub const DAY_OFFS: ModelName = ModelName("day-offs");
    /// `/data/schedule-items`.
    pub const SCHEDULE_ITEMS: ModelName = ModelName("schedule-items");
    /// `/data/milestones`.
    pub const MILESTONES: ModelName = ModelName("milestones");
    /// `/data/output-types`.
    pub const OUTPUT_TYPES: ModelName = ModelName("output-types");
    /// `/data/output-files`.
    pub const OUTPUT_FILES: ModelName = ModelName("output-files");
    /// `/data/working-files`.
    pub const WORKING_FILES: ModelName = ModelName("working-files");
    /// `/data/file-status`.
    pub const FILE_STATUS: ModelName = ModelName("file-status");
    /// `/data/softwares`.
    pub const SOFTWARES: ModelName = ModelName("softwares");
    /// `/data/playlists`.
    pub const PLAYLISTS: ModelName = ModelName("playlists");
    /// `/data/chats`.
    pub const CHATS: ModelName = ModelName("chats");
    /// `/data/chat-messages`.
    pub const CHAT_MESSAGES: ModelName = ModelName("chat-messages");
    /// `/data/metadata-descriptors`.
    pub const METADATA_DESCRIPTORS: ModelName = ModelName("metadata-descriptors");
    /// `/data/notifications`.
    pub const NOTIFICATIONS: ModelName = ModelName("notifications");
    /// `/data/subscriptions`.
    pub const SUBSCRIPTIONS: ModelName = ModelName("subscriptions");
    /// `/data/search-filters`.
    pub const SEARCH_FILTERS: ModelName = ModelName("search-filters");
    /// `/data/desktop-login-logs`.
    pub const DESKTOP_LOGIN_LOGS: ModelName = ModelName("desktop-login-logs");
    /// `/data/preview-background-files`.
    pub const PREVIEW_BACKGROUND_FILES: ModelName = ModelName("preview-background-files");
    /// `/data/custom-actions`: links Kitsu's lists offer to call outside the API.
    pub const CUSTOM_ACTIONS: ModelName = ModelName("custom-actions");
    /// `/data/status-automations`: a status change that sets another task's status.
    pub const STATUS_AUTOMATIONS: ModelName = ModelName("status-automations");
    /// `/data/hardware-items`: the studio's machines, for budgets.
    pub const HARDWARE_ITEMS: ModelName = ModelName("hardware-items");
    /// `/data/salary-scales`: a daily salary per department, position and seniority.
    pub const SALARY_SCALES: ModelName = ModelName("salary-scales");
}

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
    /// Admins alone read and change (hardware, salaries).
    AdminsOnly,
    /// Everyone but vendors reads the list, admins read one row and change (custom actions,
    /// status automations, as Zou serves them).
    AdminWritesNoVendors,
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
    pub route: ModelName,
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

const fn model(route: ModelName, table: &'static str, kind: &'static str) -> Model {
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

const fn entity(route: ModelName, kind: &'static str, rows: Rows) -> Model {
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
        ..model(names::PERSONS, "users", "Person")
    },
    model(names::DEPARTMENTS, "prod_department", "Department"),
    model(names::STUDIOS, "prod_studio", "Studio"),
    Model {
        private: Private::Columns(ORGANISATION_SECRETS),
        ..model(names::ORGANISATIONS, "prod_organisation", "Organisation")
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
        ..model(names::PROJECTS, "projects", "Project")
    },
    model(
        names::PROJECT_STATUS,
        "prod_project_status",
        "ProjectStatus",
    ),
    model(names::ENTITY_TYPES, "prod_entity_type", "EntityType"),
    Model {
        rows: Rows::AssetTypes,
        ..model(names::ASSET_TYPES, "prod_entity_type", "AssetType")
    },
    entity(names::ENTITIES, "Entity", Rows::All),
    Model {
        aliases: &[("episode_id", "source_id")],
        ..entity(names::ASSETS, "Asset", Rows::Assets)
    },
    entity(names::EPISODES, "Episode", Rows::EntitiesOfType("Episode")),
    Model {
        aliases: &[("episode_id", "parent_id")],
        ..entity(
            names::SEQUENCES,
            "Sequence",
            Rows::EntitiesOfType("Sequence"),
        )
    },
    Model {
        aliases: &[("sequence_id", "parent_id")],
        ..entity(names::SHOTS, "Shot", Rows::EntitiesOfType("Shot"))
    },
    entity(names::SCENES, "Scene", Rows::EntitiesOfType("Scene")),
    entity(names::EDITS, "Edit", Rows::EntitiesOfType("Edit")),
    entity(names::CONCEPTS, "Concept", Rows::EntitiesOfType("Concept")),
    model(
        names::PROJECT_TEMPLATES,
        "prod_project_template",
        "ProjectTemplate",
    ),
    Model {
        scope: Scope::EntityColumn("entity_in_id"),
        access: Access::ProjectSupervisors,
        ..model(names::ENTITY_LINKS, "prod_entity_link", "EntityLink")
    },
    Model {
        scope: Scope::EntityColumn("asset_id"),
        access: Access::ProjectSupervisors,
        ..model(
            names::ASSET_INSTANCES,
            "prod_asset_instance",
            "AssetInstance",
        )
    },
    model(names::TASK_TYPES, "prod_task_type", "TaskType"),
    model(names::TASK_STATUS, "prod_task_status", "TaskStatus"),
    Model {
        relations: &[Relation {
            field: "assignees",
            table: "prod_task_person_link",
            owner: "task_id",
            target: "person_id",
        }],
        scope: Scope::ProjectColumn("project_id"),
        access: Access::ProjectSupervisors,
        ..model(names::TASKS, "prod_task", "Task")
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
            Relation {
                field: "acknowledgements",
                table: "prod_comment_acknowledgement",
                owner: "comment_id",
                target: "person_id",
            },
        ],
        // People acknowledge a comment themselves (`…/comments/{c}/ack`), never through it.
        read_only: &["created_at", "updated_at", "acknowledgements"],
        scope: Scope::TaskColumn("object_id"),
        access: Access::ProjectArtists,
        author: Some("person_id"),
        ..model(names::COMMENTS, "prod_comment", "Comment")
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
        ..model(
            names::ATTACHMENT_FILES,
            "prod_attachment_file",
            "AttachmentFile",
        )
    },
    Model {
        scope: Scope::TaskColumn("task_id"),
        access: Access::ProjectArtists,
        author: Some("person_id"),
        plain: &["extension"],
        ..model(names::PREVIEW_FILES, "prod_preview_file", "PreviewFile")
    },
    Model {
        scope: Scope::TaskColumn("task_id"),
        access: Access::ProjectArtists,
        author: Some("person_id"),
        ..model(names::TIME_SPENTS, "prod_time_spent", "TimeSpent")
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model(names::DAY_OFFS, "prod_day_off", "DayOff")
    },
    Model {
        scope: Scope::ProjectColumn("project_id"),
        access: Access::ManagersOnly,
        ..model(names::SCHEDULE_ITEMS, "prod_schedule_item", "ScheduleItem")
    },
    Model {
        scope: Scope::ProjectColumn("project_id"),
        access: Access::ProjectSupervisors,
        ..model(names::MILESTONES, "prod_milestone", "Milestone")
    },
    model(names::OUTPUT_TYPES, "prod_output_type", "OutputType"),
    Model {
        scope: Scope::EntityColumn("entity_id"),
        access: Access::ProjectArtists,
        author: Some("person_id"),
        plain: &["extension"],
        ..model(names::OUTPUT_FILES, "prod_output_file", "OutputFile")
    },
    Model {
        scope: Scope::TaskColumn("task_id"),
        access: Access::ProjectArtists,
        author: Some("person_id"),
        ..model(names::WORKING_FILES, "prod_working_file", "WorkingFile")
    },
    model(names::FILE_STATUS, "prod_file_status", "FileStatus"),
    model(names::SOFTWARES, "prod_software", "Software"),
    Model {
        scope: Scope::ProjectColumn("project_id"),
        access: Access::ProjectSupervisors,
        read_only: &["created_at", "updated_at", "created_by"],
        ..model(names::PLAYLISTS, "prod_playlist", "Playlist")
    },
    Model {
        access: Access::ProjectArtists,
        ..model(names::CHATS, "prod_chat", "Chat")
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model(names::CHAT_MESSAGES, "prod_chat_message", "ChatMessage")
    },
    Model {
        scope: Scope::ProjectColumn("project_id"),
        access: Access::ProjectSupervisors,
        ..model(
            names::METADATA_DESCRIPTORS,
            "prod_metadata_descriptor",
            "MetadataDescriptor",
        )
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model(names::NOTIFICATIONS, "prod_notification", "Notification")
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model(names::SUBSCRIPTIONS, "prod_subscription", "Subscription")
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model(names::SEARCH_FILTERS, "prod_search_filter", "SearchFilter")
    },
    Model {
        scope: Scope::Person,
        access: Access::Own,
        ..model(
            names::DESKTOP_LOGIN_LOGS,
            "prod_desktop_login_log",
            "DesktopLoginLog",
        )
    },
    model(
        names::PREVIEW_BACKGROUND_FILES,
        "prod_preview_background_file",
        "PreviewBackgroundFile",
    ),
    Model {
        access: Access::AdminWritesNoVendors,
        ..model(names::CUSTOM_ACTIONS, "prod_custom_action", "CustomAction")
    },
    Model {
        access: Access::AdminWritesNoVendors,
        ..model(
            names::STATUS_AUTOMATIONS,
            "prod_status_automation",
            "StatusAutomation",
        )
    },
    Model {
        access: Access::AdminsOnly,
        ..model(names::HARDWARE_ITEMS, "prod_hardware_item", "HardwareItem")
    },
    // Made by the list route, one per department, position and seniority; only the salary
    // changes.
    Model {
        access: Access::AdminsOnly,
        read_only: &[
            "created_at",
            "updated_at",
            "department_id",
            "position",
            "seniority",
        ],
        ..model(names::SALARY_SCALES, "prod_salary_scale", "SalaryScale")
    },
];

/// A model by its route name, as a URL gives it.
pub fn by_route(route: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.route.as_str() == route)
}

/// The model a name names; every name does (a test checks).
pub fn by_name(name: ModelName) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.route == name)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_one_model_and_every_model_has_a_name() {
        assert_eq!(names::ALL.len(), MODELS.len());
        for (name, model) in names::ALL.iter().zip(MODELS) {
            assert_eq!(*name, model.route);
            assert!(std::ptr::eq(by_name(*name).unwrap(), model), "{name}");
            assert!(std::ptr::eq(by_route(name.as_str()).unwrap(), model));
        }
        assert!(by_route("taks").is_none());
    }

    /// A model whose table no migration makes would load with no columns and refuse every
    /// field as unknown.
    #[test]
    fn every_models_table_exists() {
        let conn = crate::db::test_conn();
        for model in MODELS {
            let columns: i64 = conn
                .query_row(
                    "SELECT count(*) FROM pragma_table_info(?)",
                    [model.table],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(columns > 1, "{} has no table {}", model.route, model.table);
        }
    }
}
