"""API tokens from the command line.

``mehvar token create --workspace SLUG --email EMAIL [--name NAME]`` and ``mehvar token revoke --prefix P``.

For operators and scripts: make an API token for a member without the web interface (the secret is printed
once, only its hash is kept), or revoke one by the prefix shown in the token lists.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mehvar.accounts.models import ApiToken
from mehvar.accounts.services import api_token_create, api_token_revoke
from mehvar.core.models import Membership, Workspace


class Command(BaseCommand):
    help = "Create or revoke an API token of a workspace member."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,revoke}")
        create = actions.add_parser("create", help="Create a token and print its secret once.")
        create.add_argument("--workspace", required=True, help="The workspace's address (slug).")
        create.add_argument("--email", required=True, help="The member's e-mail address.")
        create.add_argument("--name", default="CLI", help="A name to recognise the token by.")
        revoke = actions.add_parser("revoke", help="Revoke the active token with this prefix.")
        revoke.add_argument("--prefix", required=True, help="The token's prefix, e.g. mhv_AbCdEf.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self._create(options["workspace"], options["email"], options["name"])
        else:
            self._revoke(options["prefix"])

    def _create(self, slug: str, email: str, name: str) -> None:
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(_("There is no workspace with the address “%(slug)s”.") % {"slug": slug})
        membership = (
            Membership.objects.select_related("user", "workspace")
            .filter(workspace=workspace, user__email__iexact=email.strip())
            .first()
        )
        if membership is None:
            raise CommandError(
                _("%(email)s is not a member of the workspace “%(slug)s”.") % {"email": email, "slug": slug}
            )
        if not membership.user.is_active:
            raise CommandError(_("The account %(email)s is deactivated.") % {"email": email})
        token, secret = api_token_create(membership=membership, name=name[:100], via="system")
        self.stderr.write(
            _("Token “%(name)s” (%(prefix)s…) for %(email)s in %(slug)s; its secret is shown only now:")
            % {"name": token.name, "prefix": token.prefix, "email": membership.user.email, "slug": slug}
        )
        self.stdout.write(secret)

    def _revoke(self, prefix: str) -> None:
        tokens = list(
            ApiToken.objects.select_related("membership__user", "membership__workspace").filter(
                prefix=prefix.strip(), revoked_at=None
            )[:2]
        )
        if not tokens:
            raise CommandError(_("No active token has the prefix “%(prefix)s”.") % {"prefix": prefix})
        if len(tokens) > 1:
            raise CommandError(
                _("Several active tokens have the prefix “%(prefix)s”; revoke it on the web page instead.")
                % {"prefix": prefix}
            )
        token = tokens[0]
        api_token_revoke(membership=token.membership, token=token, via="system")
        self.stdout.write(
            _("Revoked token “%(name)s” (%(prefix)s…).") % {"name": token.name, "prefix": token.prefix}
        )
