"""What 19.0 added to the ORM and the addon uses, backported for 18.0.

On 19.0 this module defines nothing: Odoo's own methods are used. The
addon's code and tests call 19.0's API; only this file knows 18.0 lacks it.
"""

from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL

from ..series import SERIES, Index

# 19.0 lets a cron job run its batches for 10 s (ir_cron.MIN_TIME_PER_JOB);
# 18.0 runs a job's callback up to 10 times with no time budget of its own.
CRON_BATCH_SECONDS = 10

if SERIES < 19:

    class Base(models.AbstractModel):
        _inherit = "base"

        def try_lock_for_update(self):
            """19.0's ``BaseModel.try_lock_for_update()``: the records of
            ``self`` this transaction could lock, skipping those another one
            holds (as 18.0's cron runner locks its jobs)."""
            if not self.ids:
                return self
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s FOR UPDATE SKIP LOCKED",
                    SQL.identifier(self._table),
                    tuple(self.ids),
                )
            )
            locked = {row[0] for row in self.env.cr.fetchall()}
            return self.browse(id_ for id_ in self.ids if id_ in locked)

        def _auto_init(self):
            """Create the indexes declared with ``series.Index`` (19.0's
            ``models.Index``), which 18.0 cannot declare."""
            result = super()._auto_init()
            if self._auto and not self._abstract:
                for cls in type(self).__mro__:
                    for value in vars(cls).values():
                        if isinstance(value, Index):
                            value.apply(self)
            return result

    class IrCron(models.Model):
        _inherit = "ir.cron"

        def _commit_progress(self, processed=0, *, remaining=None, deactivate=False):
            """19.0's ``ir.cron._commit_progress()`` on 18.0's
            ``_notify_progress()``: add ``processed`` to the job's done count,
            commit, and return the seconds left to the batch (0 when out of
            time; infinite outside a cron job)."""
            progress = (
                self.env["ir.cron.progress"]
                .sudo()
                .browse(self.env.context.get("ir_cron_progress_id"))
            )
            if not progress:
                self.env.cr.commit()  # pylint: disable=invalid-commit
                return float("inf")
            if remaining is None:
                remaining = max(progress.remaining - processed, 0)
            self._notify_progress(
                done=progress.done + processed,
                remaining=remaining,
                deactivate=deactivate,
            )
            self.env.cr.commit()  # pylint: disable=invalid-commit
            deadline = progress.create_date + timedelta(seconds=CRON_BATCH_SECONDS)
            return max((deadline - fields.Datetime.now()).total_seconds(), 0)
