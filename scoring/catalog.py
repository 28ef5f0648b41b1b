"""The model versions a process scores with: the current file, and each version older rounds were opened on.

A round keeps the version it was opened on, so its answers are always scored with their own questions and
levels. Each version is parsed once per process; where its text comes from (storage) is given to the catalog,
which does no I/O of its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from scoring.model import MaturityModel, ModelFileError, parse_model

log = logging.getLogger("maturity_bot.models")

Load = Callable[[str], str | None]  # version -> the model file's text, None when it is not stored


class ModelVersionMissing(LookupError):
    """A round's model version is neither stored nor readable: its answers cannot be scored as they were given."""


class ModelCatalog:
    """``dialogs.ports.ModelVersions``: the current model, and any stored version by its version string."""

    def __init__(
        self, current: MaturityModel, load: Load | None = None, *, stored: Iterable[tuple[str, str]] = ()
    ) -> None:
        """``stored``: (version, text) pairs to parse now, so turns never wait on a read; ``load`` fetches a
        version stored later (by another process of a rolling deploy)."""
        self.current = current
        self._load = load or (lambda _version: None)
        self._known: dict[str, MaturityModel] = {current.version: current}
        self._missing: set[str] = set()
        self._lock = threading.Lock()
        for version, text in stored:
            if version not in self._known:
                self._parse(version, text)

    def exact(self, version: str) -> MaturityModel:
        """The model of ``version``; ModelVersionMissing when it cannot be had (a turn must then not run on
        another version, or answers would be recorded against the wrong questions)."""
        found = self._known.get(version)
        if found is not None:
            return found
        with self._lock:
            found = self._known.get(version)
            if found is None and version not in self._missing:
                found = self._parse(version, self._load(version))
        if found is None:
            raise ModelVersionMissing(version)
        return found

    def get(self, version: str) -> MaturityModel:
        """The model of ``version`` for reading and reporting; the current one (logged) when the version cannot
        be had, so a report can always be made. Turns use ``exact``."""
        try:
            return self.exact(version)
        except ModelVersionMissing:
            log.warning("model version %s is not available; scoring its round with %s", version, self.current.version)
            return self.current

    def has(self, version: str) -> bool:
        """Whether rounds on ``version`` are scored with their own model (not the current one as a stand-in)."""
        try:
            self.exact(version)
        except ModelVersionMissing:
            return False
        return True

    def _parse(self, version: str, text: str | None) -> MaturityModel | None:
        if text is None:
            self._missing.add(version)
            return None
        try:
            model = parse_model(text, f"stored model version {version}")
        except ModelFileError:
            log.exception("stored model version %s cannot be read", version)
            self._missing.add(version)
            return None
        if model.version != version:
            log.warning("stored model version %s says it is %s", version, model.version)
        self._known[version] = model
        return model
