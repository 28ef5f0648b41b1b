"""The Teams app package: what Teams checks on upload (files, manifest, icons) and that builds are reproducible."""

from __future__ import annotations

import io
import json
import subprocess
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.app.replies import COMMANDS
from bot.teams.package import PackageError, build_manifest, package_bytes, parse_app_id, write_package
from scoring.model import default_model
from tests import teams_validators
from tests.test_cli import run

APP_ID = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
FILES = {"manifest.json", "color.png", "outline.png"}


def contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def manifest_of(path: Path) -> dict[str, Any]:
    return json.loads(contents(path)["manifest.json"])


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("teams-package", *args, url=f"sqlite:///{tmp_path}/unused.db")


def test_the_package_has_exactly_three_files_at_its_root(tmp_path: Path) -> None:
    out = write_package(APP_ID, tmp_path / "teams.zip")
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == sorted(FILES)


def test_manifest_fields(tmp_path: Path) -> None:
    manifest = manifest_of(write_package(APP_ID, tmp_path / "teams.zip"))
    assert manifest["$schema"] == (
        "https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/MicrosoftTeams.schema.json"
    )
    assert manifest["manifestVersion"] == "1.19"
    assert len(manifest["version"].split(".")) == 3 and all(p.isdigit() for p in manifest["version"].split("."))
    assert str(uuid.UUID(manifest["id"])) == manifest["id"] != APP_ID
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["accentColor"].startswith("#") and len(manifest["accentColor"]) == 7
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["description"]["full"]) <= 4000
    assert f"up to {default_model().most_questions} multiple-choice questions" in manifest["description"]["full"]
    assert all(url.startswith("https://") for key, url in manifest["developer"].items() if key != "name")
    assert manifest["permissions"] == ["identity", "messageTeamMembers"] and manifest["validDomains"] == []
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert bot["supportsFiles"] is False and bot["isNotificationOnly"] is False
    [command_list] = bot["commandLists"]
    assert command_list["scopes"] == bot["scopes"]
    commands = command_list["commands"]
    assert [c["title"] for c in commands] == ["start", "status", "summary", "plan", "schedule", "org", "help"]
    assert [(c["title"], c["description"]) for c in commands] == list(COMMANDS)
    assert all(len(c["title"]) <= 32 and 0 < len(c["description"]) <= 128 for c in commands)


def test_the_teams_app_id_is_stable_and_follows_the_bot(tmp_path: Path) -> None:
    first = build_manifest(APP_ID)["id"]
    assert build_manifest(APP_ID.upper())["id"] == first  # same bot, same Teams app
    assert build_manifest(" " + APP_ID + " ")["bots"][0]["botId"] == APP_ID
    assert build_manifest(str(uuid.uuid4()))["id"] != first
    assert manifest_of(write_package(APP_ID, tmp_path / "a.zip"))["id"] == first


def test_urls_can_be_chosen_and_must_be_https() -> None:
    manifest = build_manifest(APP_ID, website="https://ml.example.com", privacy_url="https://ml.example.com/p")
    assert manifest["developer"]["websiteUrl"] == "https://ml.example.com"
    assert manifest["developer"]["privacyUrl"] == "https://ml.example.com/p"
    for bad in ("http://ml.example.com", "ml.example.com", "", "https://", "https://a b.example"):
        with pytest.raises(PackageError, match="https URL"):
            build_manifest(APP_ID, website=bad)


def test_the_colour_icon_is_a_192_pixel_png(tmp_path: Path) -> None:
    data = contents(write_package(APP_ID, tmp_path / "teams.zip"))["color.png"]
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.size == (192, 192)
        assert image.mode in ("RGB", "RGBA")
        assert len(image.convert("RGB").getcolors(192 * 192) or ()) > 2  # a picture, not a blank square


def test_the_outline_icon_is_white_on_transparent(tmp_path: Path) -> None:
    data = contents(write_package(APP_ID, tmp_path / "teams.zip"))["outline.png"]
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert (image.size, image.mode) == ((32, 32), "RGBA")
        raw = image.tobytes()
    pixels = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4)]
    white = [p for p in pixels if p == (255, 255, 255, 255)]
    assert all(p[3] == 0 or p == (255, 255, 255, 255) for p in pixels)
    assert 0 < len(white) < len(pixels)


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    first = write_package(APP_ID, tmp_path / "one.zip").read_bytes()
    second = write_package(APP_ID, tmp_path / "two.zip").read_bytes()
    assert first == second == package_bytes(APP_ID)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize(
    "bad", ["", "not-a-guid", "9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d", "{9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d}", "x" * 36]
)
def test_an_app_id_must_be_a_guid(bad: str) -> None:
    with pytest.raises(PackageError, match="not a GUID"):
        parse_app_id(bad)


def test_an_existing_file_is_only_replaced_with_force(tmp_path: Path) -> None:
    out = tmp_path / "teams.zip"
    out.write_bytes(b"keep me")
    with pytest.raises(PackageError, match="already exists"):
        write_package(APP_ID, out)
    assert out.read_bytes() == b"keep me"
    write_package(APP_ID, out, force=True)
    assert sorted(contents(out)) == sorted(FILES)
    with pytest.raises(PackageError, match="does not exist"):
        write_package(APP_ID, tmp_path / "missing" / "teams.zip")
    with pytest.raises(PackageError, match="is a directory"):
        write_package(APP_ID, tmp_path, force=True)


def test_cli_writes_the_package(tmp_path: Path) -> None:
    out = tmp_path / "teams.zip"
    done = cli(tmp_path, "--app-id", APP_ID.upper(), "--out", str(out), "--website", "https://ml.example.com")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0] and "Upload an app" in lines[0]
    assert sorted(contents(out)) == sorted(FILES)
    manifest = manifest_of(out)
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["developer"]["websiteUrl"] == "https://ml.example.com"
    assert manifest["id"] == build_manifest(APP_ID)["id"]
    assert out.read_bytes() == package_bytes(APP_ID, website="https://ml.example.com")


def one_line_usage_error(done: subprocess.CompletedProcess[str], starts: str) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(starts), lines[0]
    assert "Traceback" not in done.stderr
    return lines[0]


def test_cli_refuses_a_bad_app_id_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "teams.zip"
    line = one_line_usage_error(cli(tmp_path, "--app-id", "my-bot", "--out", str(out)), "error: --app-id:")
    assert "GUID" in line
    assert not out.exists()


def test_cli_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "teams.zip"
    out.write_bytes(b"keep me")
    line = one_line_usage_error(cli(tmp_path, "--app-id", APP_ID, "--out", str(out)), "error: --out:")
    assert "--force" in line
    assert out.read_bytes() == b"keep me"
    forced = cli(tmp_path, "--app-id", APP_ID, "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes() == package_bytes(APP_ID)


def test_cli_refuses_a_missing_directory_and_a_plain_http_website(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere" / "teams.zip")
    one_line_usage_error(cli(tmp_path, "--app-id", APP_ID, "--out", missing), "error: --out:")
    out = str(tmp_path / "teams.zip")
    one_line_usage_error(
        cli(tmp_path, "--app-id", APP_ID, "--out", out, "--website", "http://ml.example.com"), "error: --website:"
    )


def test_the_manifest_is_valid_by_microsofts_own_validator_and_schema() -> None:
    """@microsoft/app-manifest checks it against the schema of its manifestVersion (bundled: no download)."""
    manifest = build_manifest("00000000-0000-0000-0000-000000000001")
    assert teams_validators.run("manifest.js", manifest) == []
    broken = {**manifest, "name": {"full": manifest["name"]["full"]}}  # the short name is required
    assert any("short" in error for error in teams_validators.run("manifest.js", broken))
