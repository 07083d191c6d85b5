"""Server keys are made once, by whichever process is first, and shared by all."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, select

from server.db import make_engine, server_keys
from server.web_channel import keys


def test_every_key_is_made_once_and_read_back(db: Engine) -> None:
    made = keys.web_keys(db)
    assert len(made.form) == len(made.code) == len(made.pow) == 32
    assert len({made.form, made.code, made.pow}) == 3
    again = keys.web_keys(db)
    assert (again.form, again.code, again.pow) == (made.form, made.code, made.pow)
    assert again.public_key == made.public_key
    with db.connect() as conn:
        names = set(conn.execute(select(server_keys.c.name)).scalars())
    assert names == {keys.SIGNING_KEY, keys.CODE_KEY, keys.FORM_KEY, keys.POW_KEY}


def test_processes_racing_to_make_a_key_all_get_the_winners(db: Engine) -> None:
    url = db.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(6)]  # one per "process": no shared cache
    start = threading.Barrier(len(engines))
    got: list[str] = []

    def make(engine: Engine) -> None:
        start.wait()
        got.append(keys.key(engine, keys.CODE_KEY))

    threads = [threading.Thread(target=make, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    assert len(got) == 6 and len(set(got)) == 1
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(server_keys)).scalar() == 1
        stored = conn.execute(select(server_keys.c.value)).scalar_one()
    assert got[0] == stored
