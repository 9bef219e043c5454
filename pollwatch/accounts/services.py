"""State changes for accounts: sign-in links and API tokens."""

import datetime as dt
import functools
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pollwatch import prepared
from pollwatch.accounts.models import ApiToken, SignInLink, User, hash_secret
from pollwatch.rawsql import columns, converted, loaded


@transaction.atomic
def create_signin_link(user: User, *, created_by: User | None = None) -> tuple[SignInLink, str]:
    """Revoke the user's open links and make a new one.

    Returns the link and its raw token; the token is not stored, so this is the only
    moment it can be shown or printed.
    """
    now = timezone.now()
    SignInLink.objects.filter(user=user, used_at=None, revoked_at=None).update(revoked_at=now)
    raw = secrets.token_urlsafe(24)
    link = SignInLink.objects.create(
        user=user,
        token_hash=hash_secret(raw),
        created_by=created_by,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.SIGNIN_LINK_DAYS),
    )
    return link, raw


@transaction.atomic
def redeem_signin_link(raw_token: str) -> User | None:
    """Mark the link used and return its user, or None if it is unknown or spent.

    The row is locked so that two taps on the same link sign in only once.
    """
    link = (
        SignInLink.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=hash_secret(raw_token))
        .first()
    )
    if link is None or not link.is_usable() or not link.user.is_active:
        return None
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return link.user


@transaction.atomic
def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make an API token; the raw key is returned once and only its hash is kept."""
    raw = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=hash_secret(raw), prefix=raw[3:11]
    )
    return token, raw


@transaction.atomic
def revoke_api_token(token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


@functools.cache
def _token_sql() -> str:
    """The token's id and last use, and every column of its active user, by the key's hash."""
    return (
        f"SELECT t.id, t.last_used_at, {columns(User, 'u')} "  # noqa: S608
        "FROM accounts_apitoken t INNER JOIN accounts_user u ON u.id = t.user_id "
        "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s"
    )


def authenticate_api_token(raw: str) -> User | None:
    """The active user behind a bearer token, or None.

    Every API request asks this first: one hand-written query (the ORM would take
    longer to build it than the database to answer it).
    """
    with prepared.cursor() as cursor:
        cursor.execute(_token_sql(), [hash_secret(raw), True])
        row = cursor.fetchone()
    if row is None:
        return None
    token_id = row[0]
    last_used_at = converted(ApiToken._meta.get_field("last_used_at"), row[1])
    (user,) = loaded(row[2:], User)
    now = timezone.now()
    # Write at most once a minute: a busy client must not turn every read into a write.
    if last_used_at is None or now - last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user
