"""This addon's own records, found by xml id.

``ir.model.data`` caches the look-up, and unlike ``env.ref()`` no query checks
that the record exists: these run on every webhook call.
"""

PROCESSING_CRON = "ir_cron_process_quotation_requests"
SHIPPING_CRON = "ir_cron_ship_audit_documents"
REQUEST_SEQUENCE = "seq_quotation_request"


def addon_record(env, name):
    """The record this addon's data files declare as ``name``."""
    model, res_id = env["ir.model.data"]._xmlid_to_res_model_res_id(
        f"mcp_quotation.{name}", raise_if_not_found=True
    )
    return env[model].browse(res_id)


def processing_cron(env):
    return addon_record(env, PROCESSING_CRON)


def shipping_cron(env):
    return addon_record(env, SHIPPING_CRON)


def request_sequence(env):
    return addon_record(env, REQUEST_SEQUENCE)
