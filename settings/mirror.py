"""The offline mirror portals (tests, `nianbao demo`): still polite, with delays scaled down."""

from settings.base import *  # noqa: F403

DOWNLOAD_DELAY = 0.0
AUTOTHROTTLE_START_DELAY = 0.0
AUTOTHROTTLE_MAX_DELAY = 1.0
DOWNLOAD_TIMEOUT = 5
NIANBAO_RETRY_BACKOFF_BASE = 0.1
NIANBAO_RETRY_BACKOFF_MAX = 1.0
LOG_LEVEL = "WARNING"
