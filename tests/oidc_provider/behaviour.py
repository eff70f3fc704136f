"""What the provider does that a test chose: a JSON file in its state folder, read at every
token, so a change takes effect at the next sign-in without a restart."""

import json
import os
import threading

from django.conf import settings

_lock = threading.Lock()


def _path():
    return settings.STATE_DIR / "behaviour.json"


def read() -> dict:
    try:
        return json.loads(_path().read_text())
    except FileNotFoundError:
        return {}


def update(**changes) -> dict:
    with _lock:
        data = read()
        data.update(changes)
        temporary = _path().with_suffix(".tmp")
        temporary.write_text(json.dumps(data))
        os.replace(temporary, _path())
        return data
