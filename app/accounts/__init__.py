"""Accounts: schools, users (roles), passwords and API tokens; permissions."""

from app.accounts import permissions
from app.accounts.models import ROLES, ApiToken, School, User
from app.accounts.services import (
    authenticate,
    create_school,
    create_token,
    create_user,
    get_user,
    user_for_token,
)

__all__ = [
    "ROLES",
    "ApiToken",
    "School",
    "User",
    "authenticate",
    "create_school",
    "create_token",
    "create_user",
    "get_user",
    "permissions",
    "user_for_token",
]
