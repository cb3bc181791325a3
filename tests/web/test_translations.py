"""The English catalogue: complete, in step with the sources and the .mo, and used by the pages.

The UI's source strings are Chinese (``zh-hans``); English comes from
``ceguan/locale/en/LC_MESSAGES/django.po``, which is regenerated with::

    cd ceguan && ../.venv/bin/python -m django makemessages -l en --no-obsolete \\
        --settings=ceguan.settings --ignore "hj212/*"

The catalogue is read with the small parser below (no extra dependency).
"""

from __future__ import annotations

import gettext
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

import ceguan
from tests.conftest import make_enterprise, make_facility

PACKAGE = Path(ceguan.__file__).resolve().parent
LOCALE = PACKAGE / "locale"
CATALOGUE = LOCALE / "en" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
#: The ``--ignore`` patterns of the documented makemessages command; vendored bundles (minified
#: third-party JavaScript) only yield false positives for the ``djangojs`` domain.
IGNORE = ["hj212/*", "web/static/vendor/*"]
#: CJK ideographs, radicals, CJK and full-width punctuation (，。：（）〔〕).
CJK = re.compile(
    r"[\u2e80-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
#: Python-format placeholders: ``%(name)s`` and bare ``%s`` / ``%d``.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx]")


# --- a small .po reader ---------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0
    references: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid

    def __str__(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        where = ", ".join(self.references[:3]) or f"line {self.line}"
        return f"{context}{self.msgid!r} ({where})"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(quoted: str) -> str:
    body = quoted.strip()
    assert body.startswith('"') and body.endswith('"'), quoted
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), body[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Every entry of a gettext catalogue, the header (``msgid ""``) included."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal entry, target, started
        if started:
            entries.append(entry)
        entry, target, started = Entry(), None, False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
            if not line or line.startswith("#"):
                continue
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        elif line.startswith("#:"):
            entry.references += line[2:].split()
            continue
        elif line.startswith("#"):
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            if keyword.group(1) in ("msgid", "msgctxt") and target and target[0] == "msgstr":
                finish()  # entries not separated by a blank line
            if not started:
                entry.line, started = number, True
            name, index, text = keyword.group(1), keyword.group(2), _unquote(keyword.group(3))
            if name.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = text
            else:
                target = (name, 0)
                setattr(entry, name, text)
        elif line.startswith('"') and target is not None:
            text = _unquote(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += text
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + text)
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return entries


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


# --- (a) complete ---------------------------------------------------------------------------


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    entries = parse_po(CATALOGUE)
    header = [entry for entry in entries if entry.msgid == "" and entry.msgctxt is None]
    assert len(header) == 1, "the catalogue has no header entry"
    assert "fuzzy" not in header[0].flags, "the header is still marked fuzzy"
    assert "nplurals=2" in header[0].msgstr[0], "English needs Plural-Forms: nplurals=2"
    messages = [entry for entry in entries if entry.msgid]
    assert messages, "the catalogue is empty"

    problems = []
    for entry in messages:
        forms = 2 if entry.msgid_plural is not None else 1
        if entry.obsolete:
            problems.append(f"obsolete (#~) entry, re-run makemessages --no-obsolete: {entry}")
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry}")
        if sorted(entry.msgstr) != list(range(forms)):
            problems.append(
                f"expected {forms} msgstr form(s), found {sorted(entry.msgstr)}: {entry}"
            )
        if any(not entry.msgstr.get(i, "").strip() for i in range(forms)):
            problems.append(f"untranslated: {entry}")
        if "python-format" in entry.flags:
            expected = _placeholders(entry.msgid)
            for index, text in entry.msgstr.items():
                if _placeholders(text) != expected:
                    problems.append(f"placeholders of msgstr[{index}] differ: {entry}")
    assert not problems, "\n".join(problems)


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    """A stale .mo serves old or no English: run ``compilemessages`` after editing the .po."""
    assert COMPILED.is_file(), f"{COMPILED} is missing: run compilemessages"
    with COMPILED.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in parse_po(CATALOGUE):
        if not entry.msgid or entry.obsolete or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural is not None:
            served = [
                compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                if entry.msgctxt is not None
                else compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                for n in (1, 2)
            ]
            wanted = [entry.msgstr.get(0), entry.msgstr.get(1)]
        else:
            served = [
                compiled.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt is not None
                else compiled.gettext(entry.msgid)
            ]
            wanted = [entry.msgstr.get(0)]
        if served != wanted:
            stale.append(str(entry))
    assert not stale, "django.mo is out of date, run compilemessages:\n" + "\n".join(stale)


# --- (b) up to date -------------------------------------------------------------------------


def _only_sources(directory: str, names: list[str]) -> set[str]:
    """For copytree: keep what makemessages reads (.py, .html, .txt, .js), skip the rest."""
    keep = (".py", ".html", ".txt", ".js")
    ignored = {"__pycache__", "locale", "vendor", "node_modules"}
    return {
        name
        for name in names
        if name in ignored
        or name.startswith(".")
        or (not Path(directory, name).is_dir() and not name.endswith(keep))
    }


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msguniq") is None,
    reason="GNU gettext (xgettext, msguniq) is not installed",
)
def test_the_catalogue_is_up_to_date_with_the_sources(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run makemessages on a copy of the package and compare its msgids with the catalogue."""
    copy = tmp_path / "ceguan"
    shutil.copytree(PACKAGE, copy, ignore=_only_sources)
    (copy / "locale").mkdir()
    # Only the copy's ./locale: makemessages must not touch the real catalogue.
    settings.LOCALE_PATHS = []
    monkeypatch.chdir(copy)

    problems = []
    for domain in ("django", "djangojs"):
        call_command(
            "makemessages",
            locale=["en"],
            domain=domain,
            ignore_patterns=IGNORE,
            no_obsolete=True,
            verbosity=0,
        )
        fresh_po = copy / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
        committed_po = LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po"
        fresh = {e.key: e for e in parse_po(fresh_po) if e.msgid} if fresh_po.exists() else {}
        committed = (
            {e.key: e for e in parse_po(committed_po) if e.msgid and not e.obsolete}
            if committed_po.exists()
            else {}
        )
        new = [str(fresh[key]) for key in fresh if key not in committed]
        gone = [str(committed[key]) for key in committed if key not in fresh]
        plural = [
            str(fresh[key])
            for key in fresh
            if key in committed and fresh[key].msgid_plural != committed[key].msgid_plural
        ]
        if new:
            problems.append(f"{domain}: strings missing from {committed_po.name}:")
            problems += [f"  {item}" for item in new]
        if gone:
            problems.append(f"{domain}: strings no longer in the sources:")
            problems += [f"  {item}" for item in gone]
        if plural:
            problems.append(f"{domain}: plural form changed:")
            problems += [f"  {item}" for item in plural]
    assert not problems, (
        "The catalogue is out of date: re-run makemessages (see this module's docstring), "
        "translate, then compilemessages.\n" + "\n".join(problems)
    )


# --- (c) used -------------------------------------------------------------------------------


class _Chrome(HTMLParser):
    """The text of a page's chrome: title, navigation, headings, table headers, labels.

    Data (enterprise, city and county names) lives in table cells, list items and options, which
    are left out; so are the language names of the language switcher.
    """

    TAGS = frozenset({"title", "nav", "h1", "h2", "h3", "th", "button", "label", "legend"})
    CLASSES = frozenset({"brand", "who", "label"})
    ATTRIBUTES = ("aria-label", "placeholder", "title")
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.texts += [attributes[name] or "" for name in self.ATTRIBUTES if name in attributes]
        if tag in self.VOID:
            return
        classes = set((attributes.get("class") or "").split())
        self.stack.append((tag, tag in self.TAGS or bool(classes & self.CLASSES)))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and any(watched for _tag, watched in self.stack):
            self.texts.append(data.strip())


def _chrome(page: str) -> list[str]:
    parser = _Chrome()
    parser.feed(page)
    parser.close()
    return parser.texts


@pytest.mark.django_db
def test_pages_speak_english_on_request(client: Any, alice: Any, lanzhou: Any) -> None:
    enterprise = make_enterprise(lanzhou, name="兰州测试热电")
    make_facility(enterprise)
    client.force_login(alice)
    assert "排污单位" in _chrome(client.get("/r/enterprises/").content.decode())  # default

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    expected = {
        "/r/enterprises/": ["Enterprises", "Unified social credit code", "Export to Excel"],
        "/survey/": ["Baseline survey", "Facilities", "Networked", "Total", "City/prefecture"],
    }
    for url, words in expected.items():
        page = client.get(url).content.decode()
        assert 'lang="en"' in page, url
        chrome = _chrome(page)
        assert "Enterprises" in chrome, f"{url}: the navigation is not in English"
        for word in words:
            assert word in page, f"{url}: {word!r} missing"
        chinese = [text for text in chrome if CJK.search(text)]
        assert not chinese, f"{url}: untranslated navigation or headings: {chinese}"
    # Data stays as entered.
    assert "兰州测试热电" in client.get("/r/enterprises/").content.decode()
