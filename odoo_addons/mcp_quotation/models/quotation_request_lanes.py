"""The queue's lanes: one ``ir.cron`` record per request processed at once.

Odoo runs one ``ir.cron`` record on one cron thread at a time, so the queue
has one record per lane: the processing cron (lane 1), which also does the
queue's housekeeping, and ``parallel_workers - 1`` lane crons that only
process requests, created and removed here to match the setting. Every cron
thread of every Odoo server on the database can run a lane.
"""

import logging

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import config, ormcache

from ..lib.settings import read_setting
from ..xml_ids import PROCESSING_CRON, processing_cron

_logger = logging.getLogger(__name__)

# The lane crons' xml ids: this prefix and the lane's number (the processing
# cron is lane 1).
LANE_PREFIX = f"{PROCESSING_CRON}_lane_"


class QuotationRequestLanes(models.Model):
    _inherit = "quotation.request"

    @api.model
    @ormcache()
    def _lane_ids(self):
        """``(number, cron id)`` of each lane beyond the processing cron, by
        lane number.

        Cached, as every submission wakes the lanes; the cache is cleared on
        every server when a lane is created (``_sync_lanes``) or removed (the
        removal of its xml id clears it).
        """
        # Sudo: submissions, made by API users, trigger every lane.
        xml_ids = (
            self.env["ir.model.data"]
            .sudo()
            .search(
                [
                    ("module", "=", "mcp_quotation"),
                    ("model", "=", "ir.cron"),
                    ("name", "=like", f"{LANE_PREFIX}%"),
                ]
            )
        )
        return tuple(
            sorted(
                (int(xml_id.name[len(LANE_PREFIX) :]), xml_id.res_id)
                for xml_id in xml_ids
            )
        )

    @api.model
    def _numbered_lanes(self):
        """The lane crons beyond the processing cron, by lane number."""
        Cron = self.env["ir.cron"]
        return [(number, Cron.browse(cron_id)) for number, cron_id in self._lane_ids()]

    @api.model
    def _lanes(self):
        """The lane crons beyond the processing cron, in lane order."""
        return self.env["ir.cron"].union(*(lane for _, lane in self._numbered_lanes()))

    @api.model
    def _parallel_workers(self):
        """How many lanes run: the setting, else this server's cron threads."""
        return max(
            read_setting(self.env, "parallel_workers") or config["max_cron_threads"], 1
        )

    @api.model
    def _sync_lanes(self):
        """Create or remove lane crons until there are ``_parallel_workers``
        lanes; a lane running right now is removed by a later call."""
        main = processing_cron(self.env)
        numbered = self._numbered_lanes()
        wanted = self._parallel_workers() - 1
        next_number = max((number for number, _ in numbered), default=1) + 1
        for number in range(next_number, next_number + wanted - len(numbered)):
            lane = self.env["ir.cron"].create(
                {
                    "name": f"{main.name} (lane {number})",
                    "model_id": main.model_id.id,
                    "state": "code",
                    "code": "model._cron_process_lane()",
                    "user_id": main.user_id.id,
                    "interval_number": main.interval_number,
                    "interval_type": main.interval_type,
                    "priority": main.priority,
                }
            )
            # Owned by the addon, so uninstalling it removes the lanes;
            # noupdate, so that updating it does not.
            self.env["ir.model.data"]._update_xmlids(
                [
                    {
                        "xml_id": f"mcp_quotation.{LANE_PREFIX}{number}",
                        "record": lane,
                        "noupdate": True,
                    }
                ]
            )
            lane._trigger()
        if wanted > len(numbered):
            self.env.registry.clear_cache()  # _lane_ids, on every server
        for _, lane in numbered[wanted:]:
            try:
                with self.env.cr.savepoint():
                    lane.unlink()
            except UserError:
                _logger.info("Lane cron %s is running; removed later", lane.id)

    @api.model
    def _cron_process_lane(self):
        """Cron of a lane beyond the first: process due requests."""
        self.env["ir.cron"]._commit_progress(remaining=self._process_due())
