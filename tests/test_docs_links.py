"""Every relative link in README.md and docs/*.md reaches a file, and a heading of it when it names one
(GitHub's anchors: lowercase, punctuation dropped, spaces to '-', a repeated heading gets -1, -2, ...).
Standard library only, no network: links to other sites are not followed."""
import re
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
CODE_SPAN = re.compile(r"(`+).*?\1", re.DOTALL)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def documents():
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _prose(text):
    """The lines of text outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def anchor(heading):
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text only
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path):
    seen, found = {}, set()
    for line in _prose(path.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if match:
            base = anchor(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path):
    prose = CODE_SPAN.sub("", "\n".join(_prose(path.read_text(encoding="utf-8"))))
    return [target for target in LINK.findall(prose) if not SCHEME.match(target)]


def broken_links(paths, root=ROOT):
    broken = []
    for path in paths:
        for target in links(path):
            file_part, _, fragment = target.partition("#")
            dest = (path.parent / unquote(file_part)).resolve() if file_part else path
            name = f"{path.relative_to(root)}: ({target})"
            if not dest.exists():
                broken.append(f"{name}: no file {dest.relative_to(root) if dest.is_relative_to(root) else dest}")
            elif fragment and dest.suffix == ".md" and unquote(fragment) not in anchors(dest):
                broken.append(f"{name}: {dest.relative_to(root)} has no heading #{fragment}")
    return broken


def test_anchor_follows_github():
    assert anchor("The `rnn_forward` assignment") == "the-rnn_forward-assignment"
    assert anchor("Roster, due dates, late penalties and LMS export") == (
        "roster-due-dates-late-penalties-and-lms-export"
    )
    assert anchor("A class larger than one machine") == "a-class-larger-than-one-machine"


def test_every_relative_link_resolves():
    assert broken_links(documents()) == []


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\n## Two words\n", encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "[ok](docs/a.md#two-words) [gone](docs/b.md) [heading](docs/a.md#three-words) `[code](docs/c.md)`\n"
        "```\n[fenced](docs/d.md)\n```\n[site](https://example.org/x.md)\n",
        encoding="utf-8",
    )
    assert broken_links([tmp_path / "README.md"], root=tmp_path) == [
        "README.md: (docs/b.md): no file docs/b.md",
        "README.md: (docs/a.md#three-words): docs/a.md has no heading #three-words",
    ]


def test_the_readme_maps_every_guide():
    mapped = {target.partition("#")[0] for target in links(ROOT / "README.md")}
    assert [p.name for p in sorted((ROOT / "docs").glob("*.md")) if f"docs/{p.name}" not in mapped] == []
