"""Model versions in the database: each version's full text and content hash, stored once."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select

from scoring.catalog import ModelCatalog
from scoring.model import MaturityModel, ModelFileError, content_hash, parse_model
from storage.database import Database
from storage.errors import StorageError
from storage.models import ModelVersion, utcnow
from storage.queries import insert_for


class ModelVersionConflict(StorageError):
    """The same version string is already stored with different content."""


def model_catalog(db: Database, text: str, model: MaturityModel, *, source: str, preload: bool = True) -> ModelCatalog:
    """The current model (stored first, so rounds opened on it can always be scored with it) and every stored
    version. ``preload`` (the server): parse them all now, so no turn waits on a second connection inside its
    transaction; otherwise (a command line run) each is read the first time a round on it is met."""
    register(db, text, model, source=source)
    stored: list[tuple[str, str]] = []
    if preload:
        with db.reading() as session:
            rows = session.execute(select(ModelVersion.version, ModelVersion.content).order_by(ModelVersion.id))
            stored = [(version, content) for version, content in rows if version != model.version]
    return ModelCatalog(model, load=partial(stored_text, db), stored=stored)


def register(db: Database, text: str, model: MaturityModel, *, source: str) -> bool:
    """Store the model file's text under its version, once; True when it was new. A version already stored with
    other content is refused: a changed file needs a new version, or rounds on the old one would change their
    scoring. A change that leaves the model itself as it was (comments, layout) is not a change."""
    digest = content_hash(text)
    with db.reading() as session:  # the usual start: already stored, and no write (SQLite's lock) is needed
        known = session.scalar(select(ModelVersion.content_hash).where(ModelVersion.version == model.version))
    if known == digest:
        return False
    with db.transaction() as session:
        inserted = session.execute(
            insert_for(session, ModelVersion)
            .values(version=model.version, content_hash=digest, content=text, stored_at=utcnow())
            .on_conflict_do_nothing(index_elements=["version"])
            .returning(ModelVersion.id)
        ).scalar()  # a row comes back only if this call inserted it (rowcount is -1 on PostgreSQL here)
        stored = session.execute(
            select(ModelVersion.content_hash, ModelVersion.content, ModelVersion.stored_at).where(
                ModelVersion.version == model.version
            )
        ).one()
    if stored.content_hash != digest and not _same_model(stored.content, model):
        raise ModelVersionConflict(
            f"{source}: model version {model.version!r} is already stored with different content (stored "
            f"{stored.stored_at:%Y-%m-%d}); give the changed file a new version, e.g. {model.version}-1"
        )
    return inserted is not None


def _same_model(text: str, model: MaturityModel) -> bool:
    try:
        return parse_model(text, "the stored model").model_dump() == model.model_dump()
    except ModelFileError:
        return False


def stored_text(db: Database, version: str) -> str | None:
    """The text of a stored version, None when it was never stored."""
    with db.reading() as session:
        return session.scalar(select(ModelVersion.content).where(ModelVersion.version == version))


def stored_versions(db: Database) -> list[tuple[str, str]]:
    """(version, content hash) of every stored version, oldest first."""
    with db.reading() as session:
        rows = session.execute(select(ModelVersion.version, ModelVersion.content_hash).order_by(ModelVersion.id))
        return [(version, digest) for version, digest in rows]
