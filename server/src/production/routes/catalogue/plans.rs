//! Budgets, production schedule versions and the broken-down task type schedule. The gate
//! holds budgets to managers (time by month to admins) and the schedule versions' reads to
//! the studio's own people; the handlers add Zou's team checks.

use super::Answer::{Empty, List};
use super::{Op, PROJECTS, delete, get, post, put};
use crate::production::db::schedule_items::Breakdown;
use drover_shared::Role::{Admin, Artist, Manager};

const SCHEDULE: &str = "kitsu: production schedule";

pub(super) static OPS: &[Op] = &[
    get(
        "/data/projects/{project}/budgets",
        PROJECTS,
        "A production's budgets, by revision (admins and the production's managers)",
    )
    .answers(List)
    .role(Manager),
    post(
        "/data/projects/{project}/budgets",
        PROJECTS,
        "A new budget (`name`, `currency`, USD unless given), numbered the production's next \
        revision",
    )
    .status(200)
    .role(Manager),
    get(
        "/data/projects/{project}/budgets/time-spents",
        PROJECTS,
        "The time logged on the production, by department, person and month, with totals \
        (admins)",
    )
    .role(Admin),
    get(
        "/data/projects/{project}/budgets/{budget}",
        PROJECTS,
        "One budget",
    )
    .role(Manager),
    put(
        "/data/projects/{project}/budgets/{budget}",
        PROJECTS,
        "A budget's `name` or `currency` changed; its revision stays",
    )
    .role(Manager),
    delete(
        "/data/projects/{project}/budgets/{budget}",
        PROJECTS,
        "A budget removed with its entries",
    )
    .answers(Empty)
    .role(Manager),
    get(
        "/data/projects/{project}/budgets/{budget}/entries",
        PROJECTS,
        "A budget's entries",
    )
    .answers(List)
    .role(Manager),
    post(
        "/data/projects/{project}/budgets/{budget}/entries",
        PROJECTS,
        "A new entry (`department_id`, `person_id`, `start_date`, `months_duration`, \
        `daily_salary`, `position`, `seniority`)",
    )
    .status(200)
    .role(Manager),
    get(
        "/data/projects/{project}/budgets/{budget}/entries/{entry}",
        PROJECTS,
        "One budget entry",
    )
    .role(Manager),
    put(
        "/data/projects/{project}/budgets/{budget}/entries/{entry}",
        PROJECTS,
        "A budget entry's fields changed, its month `exceptions` too",
    )
    .role(Manager),
    delete(
        "/data/projects/{project}/budgets/{budget}/entries/{entry}",
        PROJECTS,
        "A budget entry removed",
    )
    .answers(Empty)
    .role(Manager),
    get(
        "/data/projects/{project}/schedule-items/{task_type}/{kind}",
        SCHEDULE,
        "A task type's schedule items for each asset type, sequence, episode or edit of the \
        production (`episode_id` narrows), the missing ones made, each with its `name`",
    )
    .answers(List)
    .only("kind", Breakdown::ROUTES),
    get(
        "/data/production-schedule-versions",
        SCHEDULE,
        "A production's schedule versions (`project_id`; without it, admins read every one)",
    )
    .answers(List)
    .role(Artist),
    post(
        "/data/production-schedule-versions",
        SCHEDULE,
        "A new schedule version (`project_id`, `name`, `production_schedule_from`)",
    )
    .role(Manager),
    get(
        "/data/production-schedule-versions/{version}",
        SCHEDULE,
        "One schedule version",
    )
    .role(Artist),
    put(
        "/data/production-schedule-versions/{version}",
        SCHEDULE,
        "A schedule version renamed, canceled, locked or unlocked",
    )
    .role(Manager),
    delete(
        "/data/production-schedule-versions/{version}",
        SCHEDULE,
        "A schedule version removed with its task links",
    )
    .answers(Empty)
    .role(Manager),
    get(
        "/data/production-schedule-versions/{version}/task-links",
        SCHEDULE,
        "A schedule version's task links with their assignees (`task_type_id` narrows)",
    )
    .answers(List)
    .role(Artist),
    post(
        "/data/production-schedule-version-task-links",
        SCHEDULE,
        "A task's link in an unlocked version (`task_id`, `production_schedule_version_id`, \
        `start_date`, `due_date`, `estimation`, `assignees`)",
    )
    .role(Manager),
    get(
        "/data/production-schedule-version-task-links/{link}",
        SCHEDULE,
        "One task link with its assignees",
    )
    .role(Artist),
    put(
        "/data/production-schedule-version-task-links/{link}",
        SCHEDULE,
        "A task link's dates, estimation or assignees changed (its version unlocked)",
    )
    .role(Manager),
    delete(
        "/data/production-schedule-version-task-links/{link}",
        SCHEDULE,
        "A task link removed (its version unlocked)",
    )
    .answers(Empty)
    .role(Manager),
    post(
        "/actions/production-schedule-versions/{version}/set-task-links-from-production",
        SCHEDULE,
        "Every task's dates, estimation and assignees copied into an unlocked version; \
        answers `{success, task_link_count}`",
    )
    .status(200)
    .role(Manager),
    post(
        "/actions/production-schedule-versions/{version}/set-task-links-from-production-schedule-version",
        SCHEDULE,
        "Another version's task links (`production_schedule_version_id`, same production) \
        copied into an unlocked version; answers `{success, task_link_count}`",
    )
    .status(200)
    .role(Manager),
    post(
        "/actions/production-schedule-versions/{version}/apply-to-production",
        SCHEDULE,
        "A version's dates and estimations written onto the production's tasks in one write, \
        the version then locked; answers `{success, task_count}`",
    )
    .status(200)
    .role(Manager),
];
