//! Every model ([`MODELS`]): its table, JSON type, relations, project scope and who may
//! change it, with the column lists and defaults they share.

use super::{Access, Model, ModelName, Private, Relation, Rows, Scope, names};

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
    // A concept's links to the entities it is for (see `db::concept_links`).
    Relation {
        field: "entity_concept_links",
        table: CONCEPT_LINKS,
        owner: "entity_in_id",
        target: "entity_out_id",
    },
];

/// The table of concepts' links to entities; its targets must be of the owner's project.
pub const CONCEPT_LINKS: &str = "prod_entity_concept_link";

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
