-- Finboard schema version 10: the SQL page's saved queries.

-- A named query and the chart drawn from its result. `chart` holds the chart as URL query
-- parameters (e.g. chart=bar&x=category_primary&y=spent), '' when none; the same parameters as
-- a shared link, so opening a saved query and opening its link give the same page.
CREATE TABLE saved_queries (
    name                   VARCHAR PRIMARY KEY CHECK (length(trim(name)) > 0),
    sql                    VARCHAR NOT NULL CHECK (length(trim(sql)) > 0),
    chart                  VARCHAR NOT NULL DEFAULT '',
    saved_at               TIMESTAMP NOT NULL DEFAULT current_timestamp   -- UTC
);
