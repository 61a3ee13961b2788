"""`read_ahead`: records produced on a thread of their own, errors and early stops handled."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from works.importers.reading import read_ahead


def test_read_ahead_yields_every_item_in_order_from_another_thread():
    producers: set[str] = set()

    def items() -> Iterator[int]:
        for number in range(2500):
            producers.add(threading.current_thread().name)
            yield number

    assert list(read_ahead(items(), depth=10)) == list(range(2500))
    assert producers == {"import-read-ahead"}


def test_an_error_while_producing_is_raised_in_the_caller_after_the_items_before_it():
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("bad archive")

    seen = []
    with pytest.raises(ValueError, match="bad archive"):
        for item in read_ahead(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_a_caller_stopping_early_stops_and_closes_the_producer():
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            number = 0
            while True:
                number += 1
                yield number
        finally:
            closed.set()

    reader = read_ahead(items(), depth=5)
    assert next(reader) == 1
    reader.close()

    assert closed.wait(timeout=5)
    assert not any(t.name == "import-read-ahead" for t in threading.enumerate())
