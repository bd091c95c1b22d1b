//! Timesheets, days off, the open task lists and filter groups.

use super::Answer::{File, List, Models, Object};
use super::{Op, PEOPLE, PROJECTS, delete, get, post, put};
use drover_shared::Role::{Admin, Manager, Supervisor};

pub(super) static OPS: &[Op] = &[
    get(
        "/data/persons/{person}/time-spents/year/{year}",
        PEOPLE,
        "A person's time in a year, summed by task with its production, entity, sequence \
        and episode names (`project_id` keeps one); the person's own, or for supervisors and \
        managers the people of their productions (supervisors: their departments' task types)",
    )
    .answers(List),
    get(
        "/data/persons/{person}/time-spents/month/{year}/{month}",
        PEOPLE,
        "A person's time in a month",
    )
    .answers(List),
    get(
        "/data/persons/{person}/time-spents/month/all/{year}/{month}",
        PEOPLE,
        "Every time spent entry of a person in a month (the person's own, or an admin)",
    )
    .answers(Models("TimeSpent")),
    get(
        "/data/persons/{person}/time-spents/week/{year}/{week}",
        PEOPLE,
        "A person's time in an ISO week",
    )
    .answers(List),
    get(
        "/data/persons/{person}/time-spents/day/{year}/{month}/{day}",
        PEOPLE,
        "A person's time on a day",
    )
    .answers(List),
    get(
        "/data/persons/{person}/day-offs/year/{year}",
        PEOPLE,
        "A person's day offs overlapping a year, read as `/data/persons/{person}/day-offs`",
    )
    .answers(Models("DayOff")),
    get(
        "/data/persons/{person}/day-offs/month/{year}/{month}",
        PEOPLE,
        "A person's day offs overlapping a month",
    )
    .answers(Models("DayOff")),
    get(
        "/data/persons/{person}/day-offs/week/{year}/{week}",
        PEOPLE,
        "A person's day offs overlapping an ISO week",
    )
    .answers(Models("DayOff")),
    get(
        "/data/persons/day-offs/{year}",
        PEOPLE,
        "The day offs overlapping a year of everyone the person may read: their own, \
        everyone's for managers and admins, team mates' dates for supervisors",
    )
    .answers(Models("DayOff")),
    get(
        "/data/persons/day-offs/{year}/{month}",
        PEOPLE,
        "The day offs overlapping a month of everyone the person may read",
    )
    .answers(Models("DayOff")),
    get(
        "/data/persons/presence-logs/{month}",
        PEOPLE,
        "The presence log of a month (`YYYY-MM`) as CSV: a line per active person, `X` on \
        the days they logged in from the desktop",
    )
    .answers(File("text/csv"))
    .role(Admin),
    get(
        "/data/persons/time-spents/day-table/{year}/{month}",
        PEOPLE,
        "The time logged per day of a month and person, `{unit: {person_id: minutes}}` \
        (`project_id`, `department_id`, `studio_id`); admins read everyone, managers and \
        supervisors their productions (supervisors their departments), others their own",
    ),
    get(
        "/data/persons/time-spents/week-table/{year}",
        PEOPLE,
        "The time logged per ISO week of a year and person",
    ),
    get(
        "/data/persons/time-spents/month-table/{year}",
        PEOPLE,
        "The time logged per month of a year and person",
    ),
    get(
        "/data/persons/time-spents/year-table",
        PEOPLE,
        "The time logged per year and person",
    ),
    get(
        "/data/entities/{entity}/time-spents",
        PROJECTS,
        "The time logged on an entity's tasks, newest first (not for vendors and clients)",
    )
    .answers(Models("TimeSpent")),
    get(
        "/data/projects/{project}/task-types/{task_type}/time-spents",
        PROJECTS,
        "The time logged on a production's tasks of a type between `start_date` and \
        `end_date`, by person (supervisors and above)",
    )
    .role(Supervisor),
    get(
        "/export/csv/time-spents.csv",
        PROJECTS,
        "The time logged in the open productions as Kitsu's CSV",
    )
    .answers(File("text/csv"))
    .role(Manager),
    get(
        "/data/persons/task-dates",
        PEOPLE,
        "Per person, the first start and last due date of their tasks in the person's open \
        productions (or `project_id`), other productions as anonymous `busy_periods`",
    )
    .answers(List)
    .role(Supervisor),
    get(
        "/data/persons/{person}/related-tasks/{task_type}",
        PEOPLE,
        "The tasks of a type on the entities of open productions where the person has a task",
    )
    .answers(Models("Task")),
    get(
        "/data/projects/{project}/quotas/{task_type}",
        PROJECTS,
        "The shots a production's people delivered on a task type, per person and `total`, \
        by day, ISO week, month and year (`count_mode`: weighted, weighteddone, feedback, \
        done; `studio_id`); not for clients",
    ),
    get(
        "/data/projects/{project}/quotas/persons/{person}",
        PROJECTS,
        "The shots a person delivered in a production, per task type and `total` (the \
        person, the production's supervisors and managers, admins; not clients)",
    ),
    get(
        "/data/tasks/open-tasks",
        PROJECTS,
        "A page (`page`, `limit` up to 200) of the open tasks of the person's productions: \
        `{data, stats, limit, page, is_more}`, filtered by `project_id`, `task_type_id`, \
        `task_status_id`, `person_id` (ids or `unassigned`), `episode_id`, `studio_id`, \
        `department_id`, `start_date`, `due_date`, `priority`",
    ),
    get(
        "/data/tasks/open-tasks/stats",
        PROJECTS,
        "Per open production of the person's, the number of tasks, done tasks, their time \
        and estimation, and the same per task type and status",
    ),
    get(
        "/data/user/filter-groups",
        PEOPLE,
        "The person's filter groups and those shared with them, by list type and production",
    ),
    post(
        "/data/user/filter-groups",
        PEOPLE,
        "Makes a filter group (`name`, `color`, `list_type`, `project_id`, `entity_type`, \
        `is_shared`, `department_id`); shared only by a manager of its production",
    )
    .answers(Object),
    put(
        "/data/user/filter-groups/{id}",
        PEOPLE,
        "Changes one of the person's filter groups",
    )
    .answers(Object),
    delete(
        "/data/user/filter-groups/{id}",
        PEOPLE,
        "Removes one of the person's filter groups with its filters",
    ),
];
