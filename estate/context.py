"""Who is acting, and under which request or job id: read by the audit history.

Every create/update/delete is recorded by django-auditlog with the actor and a correlation id: the request id
for web and API requests, "job:<id>" for background jobs, "import:<uuid>" for imports.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from auditlog.context import auditlog_value, set_extra_data

_request_id: ContextVar[str | None] = ContextVar("estate_request_id", default=None)


def get_request_id() -> str | None:
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def audit_context(*, actor: Any = None, request_id: str | None = None, remote_addr: str | None = None) -> Iterator[str]:
    """Attribute every change made inside the block to `actor` under `request_id`."""
    rid = request_id or new_request_id()
    token = _request_id.set(rid)
    try:
        with set_extra_data(context_data={"actor": actor, "remote_addr": remote_addr, "cid": rid}):
            yield rid
    finally:
        _request_id.reset(token)


def audit_set_actor(user: Any) -> None:
    """Late-bind the actor: API token authentication happens after middleware has opened the context."""
    with contextlib.suppress(LookupError):
        auditlog_value.get()["actor"] = user
