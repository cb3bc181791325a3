"""``ceguan token create <username> <name>``: issue a REST API key (shown once), list, revoke.

Only the key's SHA-256 is stored (:class:`ceguan.core.models.ApiToken`), so a lost key cannot be
shown again: revoke it and create another.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ceguan.core.models import ApiToken, User


class Command(BaseCommand):
    help = "Manage REST API tokens: create (prints the key once), list, revoke."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="issue a token and print its key once")
        create.add_argument("username")
        create.add_argument("name", help="what the token is for, e.g. the client's host")
        listing = actions.add_parser("list", help="list tokens (never their keys)")
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="delete a token by its id")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self.create(options["username"], options["name"])
        elif action == "list":
            self.list(options.get("username"))
        else:
            self.revoke(options["token_id"])

    def create(self, username: str, name: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive")
        token, key = ApiToken.issue(user, name)
        self.stderr.write(f"token {token.pk} for {username} ({name}); the key is shown only once:")
        self.stdout.write(key)

    def list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "pk")
        if username:
            tokens = tokens.filter(user__username=username)
        for token in tokens:
            used = token.last_used.isoformat() if token.last_used else "never"
            self.stdout.write(f"{token.pk}\t{token.user.username}\t{token.name}\tlast used {used}")

    def revoke(self, token_id: int) -> None:
        deleted, _ = ApiToken.objects.filter(pk=token_id).delete()
        if not deleted:
            raise CommandError(f"no token with id {token_id}")
        self.stdout.write(f"token {token_id} revoked")
