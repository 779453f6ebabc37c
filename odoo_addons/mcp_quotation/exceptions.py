import logging

from odoo.exceptions import ValidationError


class QuotationValidationError(ValidationError):
    """Bad input: carries the ``{field, message}`` list for API callers."""

    # Odoo's HTTP layer logs an error at its ``loglevel``: a caller's bad input
    # is no warning about the server.
    loglevel = logging.INFO

    def __init__(self, errors):
        self.errors = errors
        message = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
        super().__init__(f"Invalid quotation request: {message}")
        # JSON-2 callers receive ``args`` as the error's ``arguments``.
        self.args = (self.args[0], errors)
