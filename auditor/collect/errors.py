"""Why a collection stops: a mistake the user can fix (exit 2), or a failing service (exit 3)."""

from __future__ import annotations

from auditor.errors import UserError


class CollectError(UserError):
    """Sign-in, permissions, a query Resource Graph refused, a page truncated without a way on."""


class ServiceError(Exception):
    """Resource Graph could not be reached, or kept failing after every retry."""
