"""Speed work must not change judgement: every verdict of the labeled sets and the corpus pairs is
the one recorded in tests/verdicts.snapshot (issue 13 item 5).

After an intended change of the rules or the classifier, record the new verdicts with
``.venv/bin/python -m tests.verdict_snapshot --write`` and review the snapshot's diff: it is the
list of verdicts the change moved.
"""

from __future__ import annotations

from tests.verdict_snapshot import SNAPSHOT, differences, snapshot


def test_every_verdict_is_the_recorded_one():
    recorded = SNAPSHOT.read_text("utf-8").splitlines()
    assert len(recorded) > 300
    diff = differences(recorded, snapshot())
    assert not diff, "verdicts moved (regenerate with `python -m tests.verdict_snapshot --write` only if " \
                     "the change of judgement is intended):\n" + "\n".join(diff[:20])


def test_a_moved_verdict_is_named():
    recorded = ["seed:a none [] whitespace/none/- #1", "seed:b minor [x] text_changed/minor/x #2"]
    now = ["seed:a none [] whitespace/none/- #1", "seed:b material [x] new_recipient/material/x #3",
           "seed:c none [] #4"]
    assert differences(recorded, now) == ["- seed:b minor [x] text_changed/minor/x #2\n"
                                          "+ seed:b material [x] new_recipient/material/x #3",
                                          "not recorded: seed:c"]
