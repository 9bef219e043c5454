"""State changes for accounts: sign-in links and API tokens."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pollwatch.accounts.models import ApiToken, SignInLink, User, hash_secret


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


def authenticate_api_token(raw: str) -> User | None:
    """The active user behind a bearer token, or None."""
    try:
        # One lookup by the unique hash; get() orders nothing (first() would sort by pk).
        token = ApiToken.objects.select_related("user").get(
            key_hash=hash_secret(raw), revoked_at=None, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    # Write at most once a minute: a busy client must not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
