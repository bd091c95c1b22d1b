-- A render node's history per month, beside its days: a year by node reads 12 rows per node
-- and the days of the months it only partly covers, where 365 day rows per node made the
-- year's query take 40-70 ms with 200 nodes. Rolled up with the days (`stats::roll_up`).
CREATE TABLE farm_month_worker_stats (
    month      TEXT NOT NULL,
    worker_id  INTEGER NOT NULL,
    completed  INTEGER NOT NULL,
    failed     INTEGER NOT NULL,
    stopped    INTEGER NOT NULL,
    ms         INTEGER NOT NULL,
    wh         REAL NOT NULL,
    core_ms    INTEGER NOT NULL,
    PRIMARY KEY (month, worker_id)
) STRICT, WITHOUT ROWID;

INSERT INTO farm_month_worker_stats
       (month, worker_id, completed, failed, stopped, ms, wh, core_ms)
SELECT substr(day, 1, 7), worker_id, sum(completed), sum(failed), sum(stopped), sum(ms),
       sum(wh), sum(core_ms)
FROM farm_day_worker_stats
GROUP BY substr(day, 1, 7), worker_id;
