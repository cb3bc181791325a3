"""What every ``ceguan`` command that acts for a person needs: that person, checked."""

from __future__ import annotations

from django.core.management.base import CommandError

from ceguan.core.jurisdiction import scope_of
from ceguan.core.models import User


def command_user(username: str, *, must_edit: bool = False) -> User:
    """The active user ``username`` (whose jurisdiction the command works in).

    ``must_edit`` also requires a role that may change records; either failure is a
    :class:`CommandError` naming the user.
    """
    try:
        user = User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"no active user {username!r}") from None
    if must_edit and not scope_of(user).can_edit:
        raise CommandError(f"user {username!r} may not change records")
    return user
