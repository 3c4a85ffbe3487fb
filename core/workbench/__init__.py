"""The analyst's workbench: SQL over a private, locked-down copy of the read model.

DuckDB lets one process hold the database file at a time (DESIGN.md section 4), and its
`enable_external_access`, `lock_configuration` and `memory_limit` switches are per instance:
setting them on the instance the dashboard, sync and exports share would break those. So an
analyst's SQL never runs on the file. `readmodel` copies the public read model out of the file
in one short unit of work (Arrow tables, kept per data version); `session` runs queries on a
fresh in-memory DuckDB instance that reads those tables and is locked down with DuckDB's own
switches before any query runs; `chart`, `saved` and `output` turn results into charts, saved
queries and files. The SQL page and `finboard sql` are both built on these.
"""
