from . import (
    test_api_examples,
    test_audit,
    test_elevenlabs_tools,
    test_payload,
    test_post_call,
    test_processing,
    test_product_lookup,
    test_recovery,
    test_routes,
    test_send_quotation,
    test_submit,
    test_wait_estimate,
)
