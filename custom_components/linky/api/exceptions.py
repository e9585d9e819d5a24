"""Errors raised by the Linky data clients, all under `LinkyError`."""

from datetime import datetime


class LinkyError(Exception):
    """Base error: `.status` (HTTP status), `.code` (API error code), `.message`."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class AuthenticationError(LinkyError):
    """The credentials were refused (HTTP 401)."""


class InvalidAccess(AuthenticationError):  # noqa: N818 - public name from the spec
    """Enedis refused the client id and secret when asked for a token."""


class AccessDeniedError(LinkyError):
    """The API answered 403: no consent, not the owner, or API not subscribed."""


class BadRequestError(LinkyError):
    """The request was refused as invalid (HTTP 400 and other 4xx)."""


class NoDataError(LinkyError):
    """No data for that meter and range (HTTP 404)."""


class RateLimitError(LinkyError):
    """A quota was exceeded (HTTP 429); `.retry_after` is when to try again, if known."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        code: str | None = None,
        retry_after: datetime | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class AccessBlockedError(LinkyError):
    """The server answered with an HTML 403 page: this IP address is banned for a while."""


class ServerError(LinkyError):
    """The server failed (HTTP 5xx) or answered something that is not usable data."""


class UpstreamError(ServerError):
    """The server failed on its side although the status says otherwise (401, 404): retry later.

    The Conso API relays every Enedis answer with its status: a 401 when Enedis refuses the
    server's own Enedis token, a 404 when the Enedis gateway has no such path. Neither is about
    the user's token or data.
    """


class LinkyConnectionError(LinkyError):
    """The server could not be reached, timed out, or sent a truncated or garbled body."""


class InvalidTokenError(LinkyError):
    """The Conso API token is not a JWT listing the PRMs it may read."""


class PRMAccessError(LinkyError):
    """The requested PRM (`.prm`) is not one the token may read."""

    def __init__(self, message: str, *, prm: str | None) -> None:
        super().__init__(message)
        self.prm = prm
