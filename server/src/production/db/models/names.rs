//! Every model's name, one constant per model of [`MODELS`](super::MODELS).

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
