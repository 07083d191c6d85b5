"""The server database's migrations: an Alembic environment configured in code.

``kiosk-server init-db`` (:func:`server.db.migrate`) runs them; there is no ``alembic.ini``.
``versions/`` holds the revisions, oldest first: ``0001`` the initial schema, then one revision
per change. A revision is frozen history: it spells out its own tables and columns with literal
types and never imports ``server.db`` or ``common`` (Alembic's advice, "don't import your models
in migrations"), so it creates the same schema whatever the tables in ``server/db.py`` say later.
``tests/server/test_db.py`` checks that the migrated database equals those tables.

To change the schema: change the tables in ``server/db.py`` and add the next revision from a
Python prompt in the checkout::

    >>> from alembic import command
    >>> from server.db import alembic_config
    >>> command.revision(alembic_config(), "what changes", rev_id="0003")

then write its ``upgrade()`` (and ``downgrade()``) by hand with ``op`` and literal types
(``render_as_batch`` is on for SQLite: use ``op.batch_alter_table`` to alter a table).

:mod:`server.migrations.legacy` adopts databases made by the migrations that came before
Alembic (a ``schema_migrations`` table at version 1 or 2).
"""
