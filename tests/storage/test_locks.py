"""One crawl of a portal at a time: a second taker is refused and told who holds the lock."""

from __future__ import annotations

import pytest

from storage.locks import PortalLocked, portal_lock, portal_locks


def test_a_held_portal_is_refused_the_others_are_taken(database_url: str) -> None:
    with portal_lock(database_url, "henan"):
        refused = pytest.raises(PortalLocked, match="another run of portal henan holds its lock")
        with refused, portal_lock(database_url, "henan"):
            pass
        with portal_locks(database_url, ["henan", "zhengzhou"]) as held:
            assert [locked.portal for locked in held] == ["henan"]
            # zhengzhou is held by the portal_locks above
            with pytest.raises(PortalLocked), portal_lock(database_url, "zhengzhou"):
                pass
    with portal_lock(database_url, "henan"):  # released with its holder
        pass
