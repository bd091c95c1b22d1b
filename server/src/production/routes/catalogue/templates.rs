//! Project templates: what they list, a template from a production, a template applied.

use super::Answer::{Empty, Model, Models};
use super::{Op, PROJECTS, delete, get, post};
use crate::production::routes::templates::LINKS;
use drover_shared::Role::{Admin, Manager};

pub(super) static OPS: &[Op] = &[
    get(
        "/data/project-templates/{template}/{link}",
        PROJECTS,
        "The task types, task statuses or asset types a project template lists (types and \
        statuses with their `priority`)",
    )
    .answers(Models("Entity"))
    .only("link", LINKS),
    post(
        "/data/project-templates/{template}/{link}",
        PROJECTS,
        "Adds a task type (`task_type_id`, `priority`), task status (`task_status_id`, \
        `priority`, `roles_for_board`) or asset type (`asset_type_id`) to a template; \
        answers its list",
    )
    .role(Admin)
    .only("link", LINKS),
    delete(
        "/data/project-templates/{template}/{link}/{id}",
        PROJECTS,
        "Takes a task type, task status or asset type off a template",
    )
    .answers(Empty)
    .role(Admin)
    .only("link", LINKS),
    post(
        "/data/project-templates/from-project/{project}",
        PROJECTS,
        "A new template with a production's settings, task types, task statuses, asset \
        types and metadata columns (`name`, `description`)",
    )
    .answers(Model("ProjectTemplate"))
    .role(Admin),
    post(
        "/data/projects/{project}/apply-template/{template}",
        PROJECTS,
        "Applies a template to a production: its settings, task types, task statuses, asset \
        types and metadata columns; answers the production",
    )
    .answers(Model("Project"))
    .status(200)
    .role(Manager),
];
