from . import (
    test_api_examples,
    test_audit,
    test_payload,
    test_processing,
    test_recovery,
    test_routes,
    test_sales_screens,
    test_submit,
    test_tour,
    test_wait_estimate,
)
