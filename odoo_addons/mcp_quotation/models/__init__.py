# The mixin first: crm_lead and sale_order inherit it.
from . import quotation_request_result  # isort: skip
from . import (
    crm_lead,
    ir_http,
    ir_websocket,
    product_product,
    quotation_call_event,
    quotation_request,
    quotation_request_actions,
    quotation_request_audit,
    quotation_request_lanes,
    quotation_request_line,
    quotation_request_queue,
    quotation_request_submission,
    res_company,
    res_config_settings,
    res_groups,
    sale_order,
    series_backports,
)
