"""Schools, users, passwords and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from app.accounts.models import ROLES, ApiToken, School, User
from app.core.errors import Invalid, NotFound
from app.core.uow import current_session

_hasher = PasswordHasher()
#: a hash to verify against when the e-mail is unknown, so timing does not reveal accounts
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def create_school(urn: str, name: str, laestab: str | None = None) -> School:
    """Create a school or update its name (idempotent)."""
    if not (urn.isdigit() and len(urn) == 6):
        raise Invalid("A school URN is six digits.", {"urn": ["A school URN is six digits"]})
    session = current_session()
    school = session.get(School, urn)
    if school is None:
        school = School(urn=urn, name=name, laestab=laestab)
        session.add(school)
    else:
        school.name, school.laestab = name, laestab or school.laestab
    session.flush()
    return school


def create_user(
    email: str,
    *,
    role: str,
    name: str | None = None,
    school_urn: str | None = None,
    password: str | None = None,
) -> User:
    """Create a user, or update role/school/password of an existing one (idempotent)."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if "@" not in email:
        errors["email"] = ["Enter an email address"]
    if role not in ROLES:
        errors["role"] = [f"Role must be one of {', '.join(ROLES)}"]
    if role == "school" and not school_urn:
        errors["school"] = ["A school user needs --school URN"]
    if role != "school" and school_urn:
        errors["school"] = ["Only school users belong to a school"]
    if password is not None and len(password) < 8:
        errors["password"] = ["Use at least 8 characters"]
    session = current_session()
    if school_urn and session.get(School, school_urn) is None:
        errors["school"] = [f"No school with URN {school_urn}; create it first"]
    if errors:
        raise Invalid("The user cannot be created.", errors)
    user = session.scalars(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, name=name or email.split("@")[0], role=role)
        session.add(user)
    user.role, user.school_urn = role, school_urn
    if name:
        user.name = name
    if password is not None:
        user.password_hash = _hasher.hash(password)
    session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = (
        current_session().scalars(select(User).where(User.email == email.strip().lower())).first()
    )
    try:
        _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or not user.password_hash:
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(email: str) -> str:
    """Issue a bearer token for the user; only its hash is stored."""
    user = (
        current_session().scalars(select(User).where(User.email == email.strip().lower())).first()
    )
    if user is None:
        raise NotFound(f"No user {email}.")
    token = "apt_" + secrets.token_urlsafe(32)
    current_session().add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    current_session().flush()
    return token


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    row = (
        current_session()
        .scalars(
            select(ApiToken).where(
                ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None)
            )
        )
        .first()
    )
    if row is None or not row.user.active:
        return None
    return row.user


def get_user(user_id: int) -> User | None:
    """The active user with this id (for the web session)."""
    user = current_session().get(User, user_id)
    return user if user is not None and user.active else None
