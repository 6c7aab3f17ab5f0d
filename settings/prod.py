"""Production: the real portals, polite defaults from base."""

from settings.base import *  # noqa: F403
