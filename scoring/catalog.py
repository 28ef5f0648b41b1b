"""The model versions a process scores with: the current file, and each version older rounds were opened on.

A round keeps the version it was opened on, so its answers are always scored with their own questions and
levels. Each version is parsed once per process, the first time a round on it is scored; where its text comes
from (storage) is given to the catalog, which stays free of I/O of its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from scoring.model import MaturityModel, ModelFileError, parse_model

log = logging.getLogger("maturity_bot.models")

Load = Callable[[str], str | None]  # version -> the model file's text, None when it is not stored


class ModelCatalog:
    """``dialogs.ports.ModelVersions``: the current model, and any stored version by its version string."""

    def __init__(self, current: MaturityModel, load: Load | None = None) -> None:
        self.current = current
        self._load = load or (lambda _version: None)
        self._known: dict[str, MaturityModel] = {current.version: current}
        self._lock = threading.Lock()

    def get(self, version: str) -> MaturityModel:
        """The model of ``version``; the current one (logged) for a version whose text was never stored, so an
        answer set can always be scored."""
        found = self._known.get(version)
        if found is not None:
            return found
        with self._lock:
            found = self._known.get(version)
            if found is None:
                found = self._parse(version)
                self._known[version] = found
        return found

    def is_stored(self, version: str) -> bool:
        """Whether rounds on ``version`` are scored with their own model (not the current one as a stand-in)."""
        return self.get(version).version == version

    def _parse(self, version: str) -> MaturityModel:
        text = self._load(version)
        if text is None:
            log.warning("model version %s is not stored; its rounds are scored with %s", version, self.current.version)
            return self.current
        try:
            model = parse_model(text, f"stored model version {version}")
        except ModelFileError:
            log.exception("stored model version %s cannot be read; scoring with %s", version, self.current.version)
            return self.current
        if model.version != version:
            log.warning("stored model version %s says it is %s; scoring with %s", version, model.version, version)
        return model
