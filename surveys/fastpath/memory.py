"""A process's own memory of what never changes: the entries of frozen questionnaires (plans,
items, rules and compiled forms, surveys.respondent.plan) and the tickets it has checked
(surveys.fastpath.tickets).

The Django cache shares these between processes; this memory spares each request the cache's
round trip and the unpickling. It needs no expiry because every key names what it was made from
(a questionnaire's id and freeze time, a ticket's own text), and it is bounded: the least recently
used entries leave first. Its plain twin is the Django cache alone.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping

ENTRIES = 6000  # a few questionnaires' items, rules, plans and forms, and the tickets of a deadline hour


class LocalEntries:
    """Entries kept by this process, least recently used out first; safe across threads (the
    embedded server runs requests in threads)."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[str, object] = OrderedDict()
        self.lock = threading.Lock()

    def get_many(self, keys: Iterable[str]) -> dict[str, object]:
        found = {}
        with self.lock:
            for key in keys:
                if key in self.entries:
                    self.entries.move_to_end(key)
                    found[key] = self.entries[key]
        return found

    def set_many(self, entries: Mapping[str, object]) -> None:
        with self.lock:
            for key, value in entries.items():
                self.entries[key] = value
                self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


memory = LocalEntries(ENTRIES)


def memory_forget() -> None:
    """Empties this process's memory (tests start from nothing)."""
    memory.clear()
