import functools
import logging

import psycopg2
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from odoo import http, models
from odoo.exceptions import AccessDenied, AccessError
from odoo.http import RegistryError, request
from odoo.modules.registry import Registry
from odoo.service import db as odoo_db

from ..contract import (
    DATABASE_UNAVAILABLE_MESSAGE,
    DATABASE_UNAVAILABLE_RETRY_SECONDS,
    ERROR_CODES,
    FORBIDDEN_MESSAGE,
    INTERNAL_ERROR_MESSAGE,
    UNAUTHORIZED_MESSAGE,
    VALIDATION_MESSAGE,
    is_api_path,
    translated,
)
from ..exceptions import (
    InvalidSignature,
    QuotationValidationError,
    SubmissionLimited,
)
from ..series import SERIES

_logger = logging.getLogger(__name__)


def json_error(status, message, **extra):
    """``{"error": <the status's code>, "message": message, ...}`` as a response.

    The code stays English; the messages are read in the API key's user's
    language once the key is checked, in English before.
    """
    body = {"error": ERROR_CODES[status], "message": message, **extra}
    env = request.env
    if env and env.uid and env.uid not in env["ir.http"]._get_public_users():
        body = translated(body, env._)
    return request.make_json_response(body, status=status)


def database_unavailable():
    """The 503 of a request the database could not serve, with Retry-After;
    built without the database."""
    response = request.make_json_response(
        {"error": ERROR_CODES[503], "message": DATABASE_UNAVAILABLE_MESSAGE},
        status=503,
    )
    response.headers["Retry-After"] = str(DATABASE_UNAVAILABLE_RETRY_SECONDS)
    return response


# Odoo answers a request the database cannot serve before (or after) ir.http
# can: the registry's cursor fails -> "trying without" the database -> an HTML
# 404; no database chosen because PostgreSQL could not list them -> the same;
# the request's cursor failing to close -> an HTML 500. On the API's paths,
# these two wrappers of odoo.http.Request answer the contract's 503 instead
# (18.0 and 19.0 alike); every other path is served as Odoo serves it.
DATABASE_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)


def _unreachable(error, db):
    """Whether ``error`` says a database this server serves is out of reach."""
    if isinstance(error, RegistryError):
        # A database never loaded here may not exist at all: Odoo's own answer.
        return (
            isinstance(error.__cause__, DATABASE_ERRORS) and db in Registry.registries
        )
    # Answered already by ir.http._handle_error, inside the transaction.
    return not hasattr(error, "error_response")


def _database_failure(exception):
    """The database error behind ``exception``, or None: the error itself, one
    it was raised while handling, or the request's connection found broken
    (Odoo answers a failed authentication with a bare AccessDenied)."""
    while exception is not None:
        if isinstance(exception, DATABASE_ERRORS):
            return exception
        exception = exception.__cause__ or exception.__context__
    cr = request.env.cr if request.env else None
    if cr is not None and cr.closed:
        return psycopg2.InterfaceError("the request's connection was lost")
    return None


def _database_was_away(httprequest):
    """Whether no database was chosen because PostgreSQL could not list them:
    it still cannot, or it now lists the one database this server serves. A
    request naming its database (X-Odoo-Database, read from 19.0 on) chose
    none by listing."""
    if SERIES >= 19 and "X-Odoo-Database" in httprequest.headers:
        return False
    try:
        names = odoo_db.list_dbs(True)
    except DATABASE_ERRORS:
        return True
    return len(http.db_filter(names, host=httprequest.environ.get("HTTP_HOST"))) == 1


def _guard_serve_db(serve_db):
    @functools.wraps(serve_db)
    def guarded(self):
        try:
            return serve_db(self)
        except (RegistryError, *DATABASE_ERRORS) as error:
            if not (
                is_api_path(self.httprequest.path) and _unreachable(error, self.db)
            ):
                raise
            _logger.warning(
                "Quotation API: database %s unavailable: %s", self.db, error
            )
            return database_unavailable()

    return guarded


def _guard_serve_nodb(serve_nodb):
    @functools.wraps(serve_nodb)
    def guarded(self):
        try:
            return serve_nodb(self)
        except NotFound:
            # No database was chosen: on a server that lists them (--db-filter),
            # because PostgreSQL did not answer the listing?
            path = self.httprequest.path
            if not is_api_path(path) or not _database_was_away(self.httprequest):
                raise
            _logger.warning("Quotation API: no database listed, PostgreSQL away")
            return database_unavailable()

    return guarded


http.Request._serve_db = _guard_serve_db(http.Request._serve_db)
http.Request._serve_nodb = _guard_serve_nodb(http.Request._serve_nodb)


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _auth_method_bearer(cls):
        """On the quotation API, speak the API key's user's language."""
        result = super()._auth_method_bearer()
        if is_api_path(request.httprequest.path):
            # A stateless call's context has the Accept-Language, not the
            # user's: the messages a voice agent reads and what the request
            # writes at once follow the user's language instead. Read as
            # Odoo's own sessions read it, from the user's context, cached per
            # user (and cleared when a user's language changes): reading the
            # user would cost every call a user and a partner fetch.
            lang = request.env["res.users"].context_get()["lang"]
            request.update_context(lang=lang)
        return result

    @classmethod
    def _handle_error(cls, exception):
        """Answer every error on the quotation API in its JSON shape, no traceback."""
        if not is_api_path(request.httprequest.path):
            return super()._handle_error(exception)
        if failure := _database_failure(exception):
            # PostgreSQL restarting or away, or a concurrency failure past
            # Odoo's retries: nothing was stored, and trying again will do.
            _logger.warning(
                "Quotation API: database unavailable on %s: %s",
                request.httprequest.path,
                failure,
            )
            return database_unavailable()
        code = getattr(exception, "code", None)
        if isinstance(exception, InvalidSignature):
            # Signed by its sender, not an Odoo API key: no Bearer challenge.
            return json_error(401, exception.description)
        if isinstance(exception, HTTPException) and code == 401:
            response = json_error(401, UNAUTHORIZED_MESSAGE)
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        if isinstance(exception, HTTPException) and code in ERROR_CODES:
            response = json_error(code, exception.description)
            if isinstance(exception, MethodNotAllowed) and exception.valid_methods:
                response.headers["Allow"] = ", ".join(exception.valid_methods)
            if isinstance(exception, SubmissionLimited):
                response.headers["Retry-After"] = str(exception.retry_after)
            return response
        if isinstance(exception, QuotationValidationError):
            message = getattr(exception, "api_message", VALIDATION_MESSAGE)
            return json_error(422, message, errors=exception.errors)
        if isinstance(exception, (AccessDenied, AccessError)):
            return json_error(403, FORBIDDEN_MESSAGE)
        _logger.exception("Quotation API error on %s", request.httprequest.path)
        return json_error(500, INTERNAL_ERROR_MESSAGE)
