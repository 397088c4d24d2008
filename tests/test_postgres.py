"""The ledger on a real PostgreSQL gives the same answers as on SQLite."""

from __future__ import annotations

import json

from tests.support.paths import SAMPLES


def test_same_report_and_codes_as_sqlite(run_cli, postgres, tmp_path):
    on_sqlite = run_cli("import", "--json", str(SAMPLES))
    on_postgres = run_cli("import", "--json", str(SAMPLES), db=postgres.url)
    assert on_postgres.exit_code == 0, on_postgres.stderr
    assert json.loads(on_postgres.stdout) == json.loads(on_sqlite.stdout)

    again = json.loads(run_cli("import", "--json", str(SAMPLES), db=postgres.url).stdout)
    assert again["new"] == 0

    for args in (
        ("report", "--json"),
        ("stats", "--json"),
        ("code", "--include-expired", "--json"),
        ("events", "--json"),
    ):
        sqlite_out = run_cli(*args).stdout
        postgres_out = run_cli(*args, db=postgres.url).stdout
        if args[0] == "stats":  # "waiting" depends on the moment each ran
            sqlite_out, postgres_out = (
                {k: v for k, v in json.loads(o).items() if k != "waiting_longer_than_usual"}
                for o in (sqlite_out, postgres_out)
            )
        assert postgres_out == sqlite_out, args


def test_unreachable_postgres_is_one_line_error(run_cli):
    result = run_cli("report", db="postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1 and "secret" not in result.stderr
