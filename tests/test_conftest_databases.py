import psycopg
from sqlalchemy.engine import make_url


def test_database_url_is_a_fresh_database(database_url: str) -> None:
    url = make_url(database_url)
    assert url.drivername in {"sqlite+aiosqlite", "postgresql+psycopg"}
    if url.drivername.startswith("postgresql"):
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema='public'"
            ).fetchone()
        assert tables == (0,)
    else:
        assert url.database is not None
        assert url.database.endswith("openelements.db")
