"""The garbage collector's settings for a stream: raised within the block, restored after it."""

from __future__ import annotations

import gc

import pytest

from fsmkit import collector


def test_streaming_collects_less_often_and_restores_the_settings() -> None:
    before = gc.get_threshold()
    loaded = [[] for _ in range(100)]  # reference data loaded before the stream
    with collector.streaming():
        assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() >= len(loaded)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_streaming_restores_the_settings_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collector.streaming():
        raise RuntimeError("bad record")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
