-- Budgets, as Kitsu's budget page keeps them: numbered quotes of a production (its revisions),
-- each a list of entries, one per position to pay (a department, maybe a person, from a
-- start date for some months at a daily salary, with months worked differently kept in
-- `exceptions`).
CREATE TABLE prod_budget (
    id         UUID PRIMARY KEY,
    project_id UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    revision   INTEGER NOT NULL CHECK (revision > 0),
    name       TEXT NOT NULL CHECK (name <> ''),
    currency   TEXT,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (project_id, revision)
);

CREATE TABLE prod_budget_entry (
    id              UUID PRIMARY KEY,
    budget_id       UUID NOT NULL REFERENCES prod_budget (id) ON DELETE CASCADE,
    department_id   UUID NOT NULL REFERENCES prod_department (id),
    person_id       UUID REFERENCES users (id) ON DELETE SET NULL,
    start_date      DATE NOT NULL,
    months_duration INTEGER NOT NULL CHECK (months_duration >= 0),
    daily_salary    REAL NOT NULL CHECK (daily_salary >= 0),
    position        TEXT NOT NULL DEFAULT 'artist'
                    CHECK (position IN ('supervisor', 'lead', 'artist')),
    seniority       TEXT NOT NULL DEFAULT 'mid' CHECK (seniority IN ('senior', 'mid', 'junior')),
    exceptions      JSON NOT NULL DEFAULT '{}',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX prod_budget_entry_budget ON prod_budget_entry (budget_id);

-- Production schedule versions: named drafts of a production's task dates, each holding one
-- link per task (its dates, estimation and assignees in that draft), copied from the
-- production or from another version and applied back onto the tasks. The links are plain
-- rowid tables, so the writer's update hook sees their changes.
CREATE TABLE prod_production_schedule_version (
    id                       UUID PRIMARY KEY,
    name                     TEXT NOT NULL CHECK (name <> ''),
    project_id               UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    production_schedule_from UUID
                             REFERENCES prod_production_schedule_version (id) ON DELETE SET NULL,
    locked                   BOOLEAN NOT NULL DEFAULT 0,
    canceled                 BOOLEAN NOT NULL DEFAULT 0,
    created_at               DATETIME NOT NULL,
    updated_at               DATETIME NOT NULL,
    UNIQUE (name, project_id)
);
CREATE INDEX prod_production_schedule_version_project
    ON prod_production_schedule_version (project_id);

CREATE TABLE prod_production_schedule_version_task_link (
    id                             UUID PRIMARY KEY,
    production_schedule_version_id UUID NOT NULL
                                   REFERENCES prod_production_schedule_version (id)
                                   ON DELETE CASCADE,
    task_id                        UUID NOT NULL REFERENCES prod_task (id) ON DELETE CASCADE,
    start_date                     DATETIME,
    due_date                       DATETIME,
    estimation                     REAL NOT NULL DEFAULT 0,
    created_at                     DATETIME NOT NULL,
    updated_at                     DATETIME NOT NULL,
    UNIQUE (production_schedule_version_id, task_id)
);
CREATE INDEX prod_production_schedule_version_task_link_task
    ON prod_production_schedule_version_task_link (task_id);

CREATE TABLE prod_production_schedule_version_task_link_person_link (
    task_link_id UUID NOT NULL
                 REFERENCES prod_production_schedule_version_task_link (id) ON DELETE CASCADE,
    person_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (task_link_id, person_id)
);
