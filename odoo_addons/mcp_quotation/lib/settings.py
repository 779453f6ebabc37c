"""The addon's settings: their ``ir.config_parameter`` keys and one set of defaults.

The settings form (``res.config.settings``) and the code that reads the
parameters both take their defaults from here.
"""

PARAM_PREFIX = "mcp_quotation."
DEFAULTS = {
    "batch_size": 20,
    "max_attempts": 3,
    "retry_delay_seconds": 30,
    "s3_prefix": "mcp-odoo-logs",
    "elevenlabs_tools_lang": "en_US",
    # Flood control: 0 turns a limit off.
    "rate_limit_per_minute": 60,
    "max_queue_depth": 1000,
    # 0: as many as the cron threads of the server that runs the queue.
    "parallel_workers": 0,
}


def param_key(name):
    """The ``ir.config_parameter`` key of setting ``name``."""
    return f"{PARAM_PREFIX}{name}"


def read_setting(env, name):
    """Setting ``name``: its parameter, else its default (also for a bad integer)."""
    value = env["ir.config_parameter"].sudo().get_param(param_key(name))
    default = DEFAULTS.get(name)
    if not isinstance(default, int):
        return value or default
    try:
        return int(value) if value else default
    except ValueError:
        return default
