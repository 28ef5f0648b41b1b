"""The Microsoft Teams app package (``maturity-bot teams-package``): manifest.json and two icons in one zip.

A Teams app is installed by uploading this zip ("Upload a custom app"). The icons are drawn here at build time
rather than committed as binaries, and every byte is deterministic (fixed zip timestamps, no PNG metadata), so
the same bot app id and options always give the same package: repackaging is reproducible and reviewable.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

from bot.app.replies import COMMANDS  # the command menu lists the commands the help text describes
from bot.version import installed_version

MANIFEST_SCHEMA: Final = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/MicrosoftTeams.schema.json"
MANIFEST_VERSION: Final = "1.19"

# Never change this: the Teams app id is uuid5(APP_NAMESPACE, bot app id), and Teams treats a new id as a new app.
APP_NAMESPACE: Final = uuid.UUID("73ed5f68-f38e-40a6-aaec-a8b37f566f53")

DEFAULT_WEBSITE: Final = "https://github.com/mlops-maturity-bot/mlops-maturity-bot"
DEFAULT_PRIVACY_URL: Final = f"{DEFAULT_WEBSITE}/blob/main/docs/teams.md#privacy"
DEFAULT_TERMS_URL: Final = f"{DEFAULT_WEBSITE}#license"
DEVELOPER_NAME: Final = "MLOps maturity bot"

ACCENT_COLOR: Final = "#2B5797"
SHORT_NAME: Final = "Maturity"
FULL_NAME: Final = "MLOps maturity assessment"
SHORT_DESCRIPTION: Final = "Find out how mature your team's MLOps is, and what to improve next."
FULL_DESCRIPTION: Final = (
    "A self-assessment of how your team builds, ships and monitors machine-learning models. In a chat, the bot "
    "asks each member up to 26 multiple-choice questions, the first about what the team runs (models served "
    "online, batch scoring, an LLM application or research) so that only questions that fit it follow: how data "
    "is versioned, how models are trained, tested, deployed and monitored, and who owns them. A question that "
    'does not apply can be answered "not applicable". Answers are saved as you go, so you can stop and resume '
    "at any time. The bot scores every dimension and the team as a whole from 0 (manual, notebook era) to 4 "
    "(fully automated and governed), shows where members disagree, and suggests the few investments that would "
    "move the team to the next level."
)

SCOPES: Final = ("personal", "team", "groupChat")

COLOR_ICON: Final = "color.png"
OUTLINE_ICON: Final = "outline.png"
COLOR_SIZE: Final = 192
OUTLINE_SIZE: Final = 32

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ZIP_TIME: Final = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry: nothing of the build leaks in
_WHITE: Final = (255, 255, 255, 255)


class PackageError(ValueError):
    """A bad input to the package builder; the message is one line, fit to show the user as it is."""


def parse_app_id(value: str) -> str:
    """The bot's Microsoft App ID in canonical form (lower case); Teams only accepts a GUID there."""
    text = value.strip()
    if not _GUID.fullmatch(text):
        raise PackageError(
            f"{value!r} is not a GUID; give the Microsoft App ID of the Azure Bot registration, "
            "like 00000000-0000-0000-0000-000000000000"
        )
    return text.lower()


def teams_app_id(app_id: str) -> str:
    """The Teams app's own id: derived from the bot app id, so repackaging updates the same app, not a new one."""
    return str(uuid.uuid5(APP_NAMESPACE, parse_app_id(app_id)))


def https_url(value: str) -> str:
    """The URL if Teams will take it (absolute https, no spaces, at most 2048 characters); PackageError if not."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        _ = parts.port  # ValueError for a port that is not a number or out of range
    except ValueError as exc:
        raise PackageError(f"{value!r} is not a valid URL: {exc}") from None
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in text) or len(text) > 2048:
        raise PackageError(f"{value!r} is not an absolute https URL; Teams needs one like https://example.com/about")
    return text


def package_version() -> str:
    """This project's version as Teams wants it (MAJOR.MINOR.PATCH, nothing else); 0.0.0 when not installed."""
    match = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", installed_version() or "0.0.0")
    if match is None:
        return "0.0.0"
    return ".".join(str(int(part or 0)) for part in match.groups())


def build_manifest(
    app_id: str,
    *,
    website: str = DEFAULT_WEBSITE,
    privacy_url: str = DEFAULT_PRIVACY_URL,
    terms_url: str = DEFAULT_TERMS_URL,
) -> dict[str, Any]:
    """The Teams app manifest for the bot registered as ``app_id``; PackageError for a bad id or URL."""
    bot_id = parse_app_id(app_id)
    commands = [{"title": title, "description": description} for title, description in COMMANDS]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": package_version(),
        "id": teams_app_id(bot_id),
        "developer": {
            "name": DEVELOPER_NAME,
            "websiteUrl": https_url(website),
            "privacyUrl": https_url(privacy_url),
            "termsOfUseUrl": https_url(terms_url),
        },
        "name": {"short": SHORT_NAME, "full": FULL_NAME},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": bot_id,
                "scopes": list(SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": list(SCOPES), "commands": commands}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def _bars(*, left: int, bottom: int, width: int, gap: int, base: int, step: int) -> list[tuple[int, int, int, int]]:
    """Five rising bars, one per maturity level 0-4, as inclusive (x0, y0, x1, y1) boxes: the level is the height."""
    boxes = []
    for level in range(5):
        x0 = left + level * (width + gap)
        boxes.append((x0, bottom - (base + level * step) + 1, x0 + width - 1, bottom))
    return boxes


def _png(image: Image.Image) -> bytes:
    """PNG bytes with no metadata (no time, no text chunks), so the same drawing always gives the same bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=9)
    return buffer.getvalue()


def color_icon() -> bytes:
    """The 192x192 full-colour icon: white rising bars (levels 0-4) on a rounded square in the accent colour.

    Drawn four times larger and scaled down, so the rounded corners are smooth.
    """
    scale = 4
    size = COLOR_SIZE * scale
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=36 * scale, fill=ACCENT_COLOR)
    # The bars fill the middle 112x112, leaving a wide margin of accent colour around the symbol.
    for box in _bars(
        left=40 * scale, bottom=148 * scale - 1, width=16 * scale, gap=8 * scale, base=16 * scale, step=22 * scale
    ):
        draw.rounded_rectangle(box, radius=3 * scale, fill=_WHITE)
    return _png(image.resize((COLOR_SIZE, COLOR_SIZE), Image.Resampling.LANCZOS))


def outline_icon() -> bytes:
    """The 32x32 outline icon: the same bars in pure white on full transparency, as Teams requires.

    Drawn pixel for pixel without anti-aliasing, so no pixel is partly transparent or off-white.
    """
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for box in _bars(left=2, bottom=28, width=4, gap=2, base=4, step=5):
        draw.rectangle(box, fill=_WHITE)
    return _png(image)


def package_bytes(
    app_id: str,
    *,
    website: str = DEFAULT_WEBSITE,
    privacy_url: str = DEFAULT_PRIVACY_URL,
    terms_url: str = DEFAULT_TERMS_URL,
) -> bytes:
    """The app package as zip bytes: manifest.json, color.png and outline.png at its root, nothing else."""
    manifest = build_manifest(app_id, website=website, privacy_url=privacy_url, terms_url=terms_url)
    entries = (
        ("manifest.json", (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")),
        (COLOR_ICON, color_icon()),
        (OUTLINE_ICON, outline_icon()),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever system builds it
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def write_package(
    app_id: str,
    out: Path,
    *,
    force: bool = False,
    website: str = DEFAULT_WEBSITE,
    privacy_url: str = DEFAULT_PRIVACY_URL,
    terms_url: str = DEFAULT_TERMS_URL,
) -> Path:
    """Build the package and write it to ``out``; PackageError for bad input or an existing file without force.

    The package is built before anything touches the disk, so a bad option never leaves a half-written file.
    """
    data = package_bytes(app_id, website=website, privacy_url=privacy_url, terms_url=terms_url)
    if not out.parent.is_dir():
        raise PackageError(f"{out}: the directory {out.parent} does not exist")
    if out.is_dir():
        raise PackageError(f"{out}: is a directory; give a file name such as maturity-teams.zip")
    try:
        with out.open("wb" if force else "xb") as file:
            file.write(data)
    except FileExistsError:
        raise PackageError(f"{out}: already exists; add --force to replace it") from None
    except OSError as exc:
        raise PackageError(f"{out}: cannot write: {exc.strerror}") from None
    return out
