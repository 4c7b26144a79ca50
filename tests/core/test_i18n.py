"""The zh_Hans catalog is complete: every msgid in the source is translated and none is fuzzy."""

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings

import medspa

pytestmark = pytest.mark.req("PLT-10")

SOURCE = Path(medspa.__file__).resolve().parent
CATALOG = SOURCE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def problems(po: polib.POFile) -> list[str]:
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
        elif not entry.translated():
            found.append(f"untranslated: {entry.msgid!r}")
    return found


def test_checked_in_catalog_has_no_untranslated_or_fuzzy_entries():
    assert problems(polib.pofile(str(CATALOG))) == []


def test_every_source_string_is_in_the_catalog(tmp_path, monkeypatch):
    """Re-extract the messages from a copy of the source and check the merged catalog."""
    assert shutil.which("xgettext"), "GNU gettext is missing: `make install` installs it"
    copy = tmp_path / "medspa"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            no_location=True,
            ignore_patterns=["migrations/*"],
            verbosity=0,
        )
    merged = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert problems(merged) == [], "run `make messages` and translate the new entries"


def test_plural_forms_are_chinese():
    assert polib.pofile(str(CATALOG)).metadata["Plural-Forms"] == "nplurals=1; plural=0;"
