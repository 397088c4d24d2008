"""One watcher over many folders: IDLE wakes less often and reconnects spread wider."""

from __future__ import annotations

import random

from tracker.daemon import WatchOptions, backoff_delay, options_for


def test_one_folder_keeps_the_defaults() -> None:
    scaled = options_for(WatchOptions(), 1)
    assert scaled.idle_check_seconds == WatchOptions().stop_check_seconds
    assert scaled.backoff_initial_seconds == WatchOptions().backoff_initial_seconds


def test_a_thousand_folders_wake_less_and_reconnect_spread_out() -> None:
    scaled = options_for(WatchOptions(), 1000)
    assert scaled.idle_check_seconds == 5.0  # 200 wake-ups a second in all, not 2,000
    first_retries = [
        backoff_delay(1, initial=scaled.backoff_initial_seconds, cap=300, rng=random.Random(n))
        for n in range(1000)
    ]
    # After a server restart the 1,000 logins spread over 5 to 10 s, not half a second.
    assert min(first_retries) >= 5.0 and max(first_retries) <= 10.0
    assert max(first_retries) - min(first_retries) > 4.0


def test_explicit_idle_check_is_kept() -> None:
    assert options_for(WatchOptions(idle_check_seconds=0.1), 1000).idle_check_seconds == 0.1
