"""`pollwatch api_token create|list|revoke`: bearer tokens for API clients."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from pollwatch.accounts.models import ApiToken, User
from pollwatch.accounts.services import create_api_token, revoke_api_token


def _user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(_("No user named %(username)s.") % {"username": username}) from None


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Make a token; its key is shown only once.")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="What the token is for, e.g. 'laptop'.")
        listing = actions.add_parser("list", help="List a user's tokens.")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="Revoke a token by the prefix `list` shows.")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_create(self, *, username: str, name: str, **options):
        token, raw = create_api_token(_user(username), name)
        self.stdout.write(raw)
        # The key goes alone on stdout so that scripts can capture it; advice goes to stderr.
        self.stderr.write(
            _("Token %(prefix)s for %(username)s: store it now, it cannot be shown again.")
            % {"prefix": token.prefix, "username": username}
        )

    def handle_list(self, *, username: str, **options):
        tokens = _user(username).api_tokens.order_by("created_at")
        if not tokens:
            self.stdout.write(_("%(username)s has no API tokens.") % {"username": username})
        for token in tokens:
            state = _("revoked") if token.revoked_at else _("active")
            self.stdout.write(
                f"{token.prefix}  {state:8}  {_when(token.created_at)}  "
                f"{_('last used')} {_when(token.last_used_at)}  {token.name}"
            )

    def handle_revoke(self, *, prefix: str, **options):
        tokens = list(ApiToken.objects.filter(prefix=prefix, revoked_at=None)[:2])
        if not tokens:
            raise CommandError(_("No active token starts with %(prefix)s.") % {"prefix": prefix})
        if len(tokens) > 1:
            raise CommandError(
                _("Several active tokens start with %(prefix)s: revoke them in the admin.")
                % {"prefix": prefix}
            )
        revoke_api_token(tokens[0])
        self.stdout.write(
            _("Revoked token %(prefix)s (%(name)s) of %(username)s.")
            % {"prefix": prefix, "name": tokens[0].name, "username": tokens[0].user.username}
        )
