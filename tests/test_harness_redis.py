"""Real Redis locks under a pause (checker.harness.redis_lock), judged by specs/mutex.py: a paused holder's
stale write lands without fencing tokens and is refused with them, on one server (redis-py's Lock) and on
three (pottery's Redlock). Each run takes about 3 s; every process it starts is gone afterwards."""

from __future__ import annotations

import subprocess

import pytest

from checker.harness import redis_lock


def leftovers() -> str:
    """Processes a run may have left: its redis-servers (their --dir is the run's directory) and clients."""
    p = subprocess.run(["pgrep", "-af", "concord-redis-|checker.harness.lock_client"], capture_output=True, text=True)
    return p.stdout


@pytest.mark.parametrize("servers", [1, 3])
def test_without_fencing_the_paused_holders_stale_write_lands(servers):
    r = redis_lock.run(servers=servers, fencing=False)
    assert r.verdicts == {"SafeWrites": False, "MutualExclusion": True}
    assert [(w["client"], w["token"], w["accepted"]) for w in r.writes] == [("c2", 2, True), ("c1", 1, True)]
    timeline = r.timeline()
    assert timeline.index("pauses c1") < timeline.index("c2       granted") < timeline.index("resumes c1")
    assert leftovers() == ""


@pytest.mark.parametrize("servers", [1, 3])
def test_with_fencing_tokens_the_storage_refuses_it(servers):
    r = redis_lock.run(servers=servers, fencing=True)
    assert r.ok
    assert [(w["client"], w["token"], w["accepted"]) for w in r.writes] == [("c2", 2, True), ("c1", 1, False)]
    assert "refused (a newer token was accepted): c1's write, token 1" in r.timeline()
    assert leftovers() == ""


def test_a_bad_number_of_servers_is_refused():
    with pytest.raises(ValueError, match="servers"):
        redis_lock.run(servers=2)


def test_the_command_line_runs_it_and_exits_1_on_the_stale_write():
    import sys

    p = subprocess.run([sys.executable, "-m", "checker", "harness", "redis-lock"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 1 and "SafeWrites: VIOLATED" in p.stdout and "accepted: c1's write, token 1" in p.stdout
    assert leftovers() == ""
