//! The admin lists and production settings: metadata columns, task type and status links
//! and their order, salary scales, what departments use, the automations and backgrounds of
//! productions and templates, and preview background pictures.

use super::Answer::{Empty, File, List, Model, Models, Object};
use super::{Body, Op, PEOPLE, PROJECTS, delete, get, post, put};
use drover_shared::Role::{Admin, Manager, Supervisor};

pub(super) static OPS: &[Op] = &[
    // Metadata columns.
    post(
        "/data/projects/{project}/metadata-descriptors",
        PROJECTS,
        "Adds a metadata column (`name`, `data_type`, `choices`, `for_client`, \
        `entity_type`, `departments`, `task_type_id` for Task columns); supervisors for \
        their departments' columns",
    )
    .answers(Model("MetadataDescriptor"))
    .role(Supervisor),
    post(
        "/data/projects/{project}/metadata-descriptors/reorder",
        PROJECTS,
        "Orders a production's columns of one `entity_type` (`descriptor_ids`, the rest \
        after by name)",
    )
    .answers(Models("MetadataDescriptor"))
    .status(200)
    .role(Manager),
    get(
        "/data/projects/{project}/metadata-descriptors/{descriptor}",
        PROJECTS,
        "One metadata column (clients: those shown to clients; vendors: their departments')",
    )
    .answers(Model("MetadataDescriptor")),
    put(
        "/data/projects/{project}/metadata-descriptors/{descriptor}",
        PROJECTS,
        "Changes a metadata column; a new name moves the values stored under it",
    )
    .answers(Model("MetadataDescriptor"))
    .role(Supervisor),
    delete(
        "/data/projects/{project}/metadata-descriptors/{descriptor}",
        PROJECTS,
        "Removes a metadata column and the values stored under it",
    )
    .role(Supervisor),
    post(
        "/data/metadata-descriptors/all-projects",
        PROJECTS,
        "Adds a metadata column to every open production the person manages that has none \
        of that field",
    )
    .answers(Models("MetadataDescriptor"))
    .role(Manager),
    put(
        "/data/metadata-descriptors/all-projects/{field}",
        PROJECTS,
        "Changes a metadata column (by `field` and `entity_type`) on every open production \
        the person manages",
    )
    .answers(Models("MetadataDescriptor"))
    .role(Manager),
    delete(
        "/data/metadata-descriptors/all-projects/{field}",
        PROJECTS,
        "Removes a metadata column (`?entity_type=`) and its values from every open \
        production the person manages; answers the ids removed",
    )
    .answers(List)
    .status(200)
    .role(Manager),
    post(
        "/actions/metadata-descriptors/all-projects/reorder",
        PROJECTS,
        "Orders the columns of one `entity_type` by `field_order` on every open production \
        the person manages",
    )
    .answers(Models("MetadataDescriptor"))
    .status(200)
    .role(Manager),
    // Task type and status links.
    post(
        "/data/task-type-links",
        PROJECTS,
        "Links a task type to a production with a priority (`project_id`, `task_type_id`, \
        `priority`)",
    )
    .role(Manager),
    post(
        "/data/task-status-links",
        PROJECTS,
        "Links a task status to a production (`project_id`, `task_status_id`, `priority`, \
        `roles_for_board`)",
    )
    .role(Manager),
    post(
        "/actions/projects/{project}/task-type-links/reorder",
        PROJECTS,
        "Orders a production's task types (`task_type_ids`)",
    )
    .answers(List)
    .status(200)
    .role(Manager),
    post(
        "/actions/projects/{project}/task-status-links/reorder",
        PROJECTS,
        "Orders a production's task statuses (`task_status_ids`)",
    )
    .answers(List)
    .status(200)
    .role(Manager),
    post(
        "/actions/task-types/reorder",
        PEOPLE,
        "Orders the studio's task types (`task_type_ids`)",
    )
    .answers(Models("TaskType"))
    .status(200)
    .role(Admin),
    // Salary scales and departments.
    get(
        "/data/salary-scales",
        PEOPLE,
        "Every salary scale: one daily salary per department, position and seniority, the \
        missing ones made at 0",
    )
    .answers(Models("SalaryScale"))
    .role(Admin),
    post(
        "/data/salary-scales",
        PEOPLE,
        "Refused: salary scales are made by the list",
    )
    .answers(Empty)
    .status(400)
    .role(Admin),
    get(
        "/data/departments/hardware-items",
        PEOPLE,
        "The hardware items each department uses, by department id",
    )
    .answers(Object)
    .role(Admin),
    get(
        "/data/departments/software-licenses",
        PEOPLE,
        "The software each department uses, by department id",
    )
    .answers(Object)
    .role(Admin),
    post(
        "/data/departments/{department}/hardware-items",
        PEOPLE,
        "A department uses a hardware item (`hardware_item_id`)",
    )
    .role(Admin),
    post(
        "/data/departments/{department}/software-licenses",
        PEOPLE,
        "A department uses a software (`software_id`)",
    )
    .role(Admin),
    delete(
        "/data/departments/{department}/hardware-items/{item}",
        PEOPLE,
        "A department no longer uses a hardware item",
    )
    .role(Admin),
    delete(
        "/data/departments/{department}/software-licenses/{item}",
        PEOPLE,
        "A department no longer uses a software",
    )
    .role(Admin),
    // What productions and templates use.
    get(
        "/data/projects/{project}/settings/status-automations",
        PROJECTS,
        "The status automations a production uses",
    )
    .answers(Models("StatusAutomation"))
    .role(Manager),
    post(
        "/data/projects/{project}/settings/status-automations",
        PROJECTS,
        "A production uses a status automation (`status_automation_id`); answers it",
    )
    .answers(Model("Project"))
    .role(Manager),
    delete(
        "/data/projects/{project}/settings/status-automations/{id}",
        PROJECTS,
        "A production no longer uses a status automation",
    )
    .role(Manager),
    get(
        "/data/projects/{project}/settings/preview-background-files",
        PROJECTS,
        "The preview backgrounds a production uses",
    )
    .answers(Models("PreviewBackgroundFile")),
    post(
        "/data/projects/{project}/settings/preview-background-files",
        PROJECTS,
        "A production uses a preview background (`preview_background_file_id`); answers it",
    )
    .answers(Model("Project"))
    .role(Manager),
    delete(
        "/data/projects/{project}/settings/preview-background-files/{id}",
        PROJECTS,
        "A production no longer uses a preview background",
    )
    .role(Manager),
    get(
        "/data/project-templates/{template}/status-automations",
        PROJECTS,
        "The status automations a template lists",
    )
    .answers(Models("StatusAutomation"))
    .role(Manager),
    post(
        "/data/project-templates/{template}/status-automations",
        PROJECTS,
        "Adds a status automation (`status_automation_id`) to a template; answers it",
    )
    .answers(Model("StatusAutomation"))
    .role(Admin),
    delete(
        "/data/project-templates/{template}/status-automations/{id}",
        PROJECTS,
        "Takes a status automation off a template",
    )
    .role(Admin),
    get(
        "/data/project-templates/{template}/preview-background-files",
        PROJECTS,
        "The preview backgrounds a template lists",
    )
    .answers(Models("PreviewBackgroundFile"))
    .role(Manager),
    post(
        "/data/project-templates/{template}/preview-background-files",
        PROJECTS,
        "Adds a preview background (`preview_background_file_id`) to a template; answers it",
    )
    .answers(Model("PreviewBackgroundFile"))
    .role(Admin),
    delete(
        "/data/project-templates/{template}/preview-background-files/{id}",
        PROJECTS,
        "Takes a preview background off a template (and off its default)",
    )
    .role(Admin),
    post(
        "/actions/project-templates/{template}/task-types/reorder",
        PROJECTS,
        "Orders a template's task types (`task_type_ids`), adding those it lacks",
    )
    .answers(Models("TaskType"))
    .status(200)
    .role(Admin),
    post(
        "/actions/project-templates/{template}/task-statuses/reorder",
        PROJECTS,
        "Orders a template's task statuses (`task_status_ids`), adding those it lacks",
    )
    .answers(Models("TaskStatus"))
    .status(200)
    .role(Admin),
    put(
        "/actions/project-templates/{template}/default-preview-background-file",
        PROJECTS,
        "Sets a template's default background (`default_preview_background_file_id`, one \
        it lists, or null)",
    )
    .answers(Model("ProjectTemplate"))
    .role(Admin),
    put(
        "/actions/project-templates/{template}/metadata-descriptors",
        PROJECTS,
        "Replaces a template's metadata columns (`metadata_descriptors`)",
    )
    .answers(Model("ProjectTemplate"))
    .role(Admin),
    // Preview background pictures.
    post(
        "/pictures/preview-background-files/{file}",
        PROJECTS,
        "Uploads a preview background's picture (PNG or JPEG, stored as PNG with a \
        thumbnail)",
    )
    .body(Body::Multipart)
    .answers(Model("PreviewBackgroundFile"))
    .role(Admin),
    get(
        "/pictures/preview-background-files/{file}",
        PROJECTS,
        "A preview background's picture (`{id}.png`)",
    )
    .answers(File("image/png")),
    get(
        "/pictures/thumbnails/preview-background-files/{file}",
        PROJECTS,
        "A preview background's 150×100 thumbnail (`{id}.png`)",
    )
    .answers(File("image/png")),
];
