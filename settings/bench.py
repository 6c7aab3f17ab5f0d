"""`make bench`: politeness off against a local generated mirror (never use on a real portal)."""

from settings.mirror import *  # noqa: F403

AUTOTHROTTLE_ENABLED = False
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 32
ROBOTSTXT_OBEY = False
