"""What differs between the Odoo series the addon runs on (18.0 and 19.0).

Every Python-level difference lives here or in ``models/series_backports.py``
(the two methods 19.0 added to the ORM, backported for 18.0); the rest of the
addon is written once, in 19.0's idioms. docs/odoo-series.md maps each
difference to the series' sources.
"""

from psycopg2 import errorcodes, errors

from odoo import Command, release
from odoo.tools import SQL

# 18 or 19: the series this Odoo is.
SERIES = release.version_info[0]
# The series the addon is tested on. The manifest's version names none (Odoo
# prefixes the running one), so an untested series is refused here, by name.
SUPPORTED_SERIES = (18, 19)
if SERIES not in SUPPORTED_SERIES:
    raise ImportError(
        f"mcp_quotation runs on Odoo 18.0 and 19.0, not {release.major_version}: "
        "see docs/odoo-series.md for what another series needs"
    )


# A literal `%` (pg_trgm's operators) in SQL(): a `%%` in the code of an SQL()
# with arguments stays `%%` on 19.0 but becomes `%` on 18.0, which psycopg2
# then reads as a placeholder. Given as an argument, this stays `%%` on both.
PERCENT = SQL("%%")

if SERIES >= 19:
    from odoo.exceptions import ConcurrencyError
    from odoo.models import Constraint, Index
else:

    class ConcurrencyError(errors.SerializationFailure):
        """18.0 has no ``odoo.exceptions.ConcurrencyError``: its request and
        RPC retry loop (``odoo.service.model.retrying``) retries a
        serialization failure, so the same error is raised as one."""

        pgcode = errorcodes.SERIALIZATION_FAILURE

    class _TableObject:
        """19.0's ``models.Constraint``/``models.Index`` as 18.0 can read them:
        named like 19.0's (``<table>_<attribute without its underscore>``)."""

        def __init__(self, definition, message=None):
            self.definition = definition
            self.message = message
            self.name = None

        def __set_name__(self, owner, name):
            self.name = name[1:]

    class Constraint(_TableObject):
        """A table constraint, declared to 18.0 as ``_sql_constraints``."""

        def __set_name__(self, owner, name):
            self.name = name[1:]
            # 18.0 reads the class's own _sql_constraints when it builds the
            # registry, after the class body has run.
            owner._sql_constraints = [
                *owner.__dict__.get("_sql_constraints", []),
                (self.name, self.definition, self.message or ""),
            ]

    class Index(_TableObject):
        """An index, created by ``models/series_backports.py`` on 18.0, which
        has no declarative indexes. ``definition`` is what follows
        ``CREATE INDEX <name> ON <table>``, or a function of the registry
        returning it (empty: no index), as for 19.0's ``models.Index``."""

        def apply(self, model):
            definition = self.definition
            if callable(definition):
                definition = definition(model.pool)
            if definition:
                model.env.cr.execute(
                    SQL(
                        "CREATE INDEX IF NOT EXISTS %s ON %s %s",
                        SQL.identifier(f"{model._table}_{self.name}"),
                        SQL.identifier(model._table),
                        SQL(definition),
                    )
                )


def place_groups(env):
    """Put the addon's two groups under "Quotation Requests" in the user form,
    each series its own way, and make the superuser and admin its managers.

    19.0 files groups under a ``res.groups.privilege`` (and orders them by
    ``sequence``); 18.0 has no privileges: groups belong to an
    ``ir.module.category``, whose group names must be unique (Sales already has
    an "Administrator"), so it gets a category of its own under Sales. Members
    are ``user_ids`` on 19.0, ``users`` on 18.0. Called by
    ``security/mcp_quotation_groups.xml`` on every install and update; the
    records are loaded with their XML ids, as the data file would.
    """
    user = env.ref("mcp_quotation.mcp_quotation_group_user")
    manager = env.ref("mcp_quotation.mcp_quotation_group_manager")
    admins = [
        Command.link(env.ref(xml_id).id)
        for xml_id in ("base.user_root", "base.user_admin")
    ]
    filed_under = {
        "name": "Quotation Requests",
        "sequence": 40,
    }
    sales = env.ref("base.module_category_sales").id
    if SERIES >= 19:
        privilege = env["res.groups.privilege"]._load_records(
            [
                {
                    "xml_id": "mcp_quotation.res_groups_privilege_mcp_quotation",
                    "values": {**filed_under, "category_id": sales},
                }
            ],
            update=True,
        )
        user.write({"privilege_id": privilege.id, "sequence": 10})
        manager.write(
            {"privilege_id": privilege.id, "sequence": 20, "user_ids": admins}
        )
    else:
        category = env["ir.module.category"]._load_records(
            [
                {
                    "xml_id": "mcp_quotation.module_category_mcp_quotation",
                    "values": {**filed_under, "parent_id": sales},
                }
            ],
            update=True,
        )
        user.write({"category_id": category.id})
        manager.write({"category_id": category.id, "users": admins})


__all__ = [
    "PERCENT",
    "SERIES",
    "ConcurrencyError",
    "Constraint",
    "Index",
    "place_groups",
]
