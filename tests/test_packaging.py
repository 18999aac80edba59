"""What a package index and pip see: the wheels' metadata, built here as a release would be.

The library and each plugin in plugins/ are built with hatchling (the build backend
pyproject.toml names) into a temporary folder, in process (well under a second each), and
their METADATA is read back: the version, the dependency ranges, the long description.
"""

from __future__ import annotations

import contextlib
import re
import tarfile
import zipfile
from collections.abc import Iterator
from email.message import Message
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from hatchling.build import build_sdist, build_wheel
from packaging.requirements import Requirement
from packaging.version import Version

import dialogue_flow

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))
#: The only runtime dependencies the core may have (everything else is an extra or a plugin).
CORE_DEPENDENCIES = {"transitions", "attrs", "cattrs", "pluggy", "holidays", "click"}
#: A Markdown link or image: ``[text](target)``.
LINK = re.compile(r"\]\(([^)\s]+)")


def _build(project: Path, out: Path) -> Path:
    """The wheel of ``project``, built into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(project):
        return out / build_wheel(str(out))


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode("utf-8"))


def _requirements(meta: Message) -> Iterator[Requirement]:
    for line in meta.get_all("Requires-Dist") or []:
        yield Requirement(line)


def _bounds(req: Requirement) -> tuple[set[str], set[str]]:
    """The lower and the upper bounds of a requirement's specifier, by operator."""
    lower = {s.operator for s in req.specifier if s.operator in {">=", ">", "==", "~="}}
    upper = {s.operator for s in req.specifier if s.operator in {"<", "<=", "==", "~="}}
    return lower, upper


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every distribution's wheel, by distribution name."""
    out = tmp_path_factory.mktemp("wheels")
    built = {}
    for project in [ROOT, *PLUGINS]:
        wheel = _build(project, out / project.name)
        built[_metadata(wheel)["Name"]] = wheel
    return built


class TestLibraryWheel:
    def test_version_is_the_package_version(self, wheels: dict[str, Path]) -> None:
        meta = _metadata(wheels["dialogue-flow"])
        assert dialogue_flow.__version__ == meta["Version"]
        assert meta["Requires-Python"] == ">=3.11"

    def test_every_runtime_dependency_has_a_range(self, wheels: dict[str, Path]) -> None:
        """Each runtime dependency has a lower and an upper bound, so a new major release of
        one cannot break an installed host; the core depends on nothing else."""
        core = [r for r in _requirements(_metadata(wheels["dialogue-flow"])) if not r.marker]
        assert {r.name for r in core} == CORE_DEPENDENCIES
        for req in core:
            lower, upper = _bounds(req)
            assert lower, f"{req}: no lower bound"
            assert upper, f"{req}: no upper bound"

    def test_holidays_is_pinned_to_the_checked_minor(self, wheels: dict[str, Path]) -> None:
        """A new `holidays` minor may change Vietnam's days off: the wheel admits only the
        minor release the day-off snapshot was checked against."""
        holidays = next(r for r in _requirements(_metadata(wheels["dialogue-flow"]))
                        if r.name == "holidays")
        installed = Version(metadata.version("holidays"))
        assert holidays.specifier.contains(installed)
        next_minor = Version(f"{installed.major}.{installed.minor + 1}")
        assert not holidays.specifier.contains(next_minor)

    def test_the_tested_environment_is_within_the_ranges(self, wheels: dict[str, Path]) -> None:
        """The versions these tests run on are ones the metadata admits."""
        for req in _requirements(_metadata(wheels["dialogue-flow"])):
            if req.marker and not req.marker.evaluate({"extra": "ics"}):
                continue
            installed = Version(metadata.version(req.name))
            assert req.specifier.contains(installed, prereleases=True), (req, installed)

    def test_the_ics_extra(self, wheels: dict[str, Path]) -> None:
        meta = _metadata(wheels["dialogue-flow"])
        assert "ics" in (meta.get_all("Provides-Extra") or [])
        ics = [r for r in _requirements(meta)
               if r.marker and r.marker.evaluate({"extra": "ics"})
               and not r.marker.evaluate({"extra": ""})]
        assert [r.name for r in ics] == ["icalendar"]
        assert all(_bounds(r)[1] for r in ics)

    def test_long_description_installs_the_wheel_and_links_absolutely(
            self, wheels: dict[str, Path]) -> None:
        """The README, as a package index shows it: how to install the built wheel with pip,
        and no link relative to a source tree the reader does not have."""
        meta = _metadata(wheels["dialogue-flow"])
        assert meta["Description-Content-Type"] == "text/markdown"
        description = meta.get_payload()
        assert isinstance(description, str)
        assert "pip install dist/dialogue_flow-*.whl" in description
        assert "[ics]" in description
        for target in LINK.findall(description):
            assert re.match(r"https?://", target), f"relative link in the description: {target}"

    def test_wheel_ships_the_data_files(self, wheels: dict[str, Path]) -> None:
        """The calendar and policy data, py.typed: every non-Python file of the package."""
        package = ROOT / "src" / "dialogue_flow"
        data = {f"dialogue_flow/{p.relative_to(package).as_posix()}"
                for p in package.rglob("*")
                if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts}
        assert "dialogue_flow/py.typed" in data
        assert "dialogue_flow/calendars/vietnam.toml" in data
        with zipfile.ZipFile(wheels["dialogue-flow"]) as archive:
            assert data <= set(archive.namelist())

    def test_source_distribution_holds_the_docs(self, tmp_path: Path) -> None:
        """The README sends readers to docs/ "in the source distribution": it is there, with
        the site's configuration and the licence."""
        with contextlib.chdir(ROOT):
            sdist = tmp_path / build_sdist(str(tmp_path))
        with tarfile.open(sdist) as archive:
            names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
        assert {"docs/index.md", "docs/api.md", "mkdocs.yml", "LICENSE", "README.md"} <= names


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.name)
class TestPluginWheels:
    def test_depends_on_a_compatible_range_of_the_library(
            self, plugin: Path, wheels: dict[str, Path]) -> None:
        """A plugin names the library releases it works with: from this one (a pre-release
        included) up to the next minor, which may change the hooks or the storage contract."""
        meta = _metadata(wheels[plugin.name])
        [core] = [r for r in _requirements(meta) if r.name == "dialogue-flow"]
        lower, upper = _bounds(core)
        assert lower
        assert upper
        current = Version(dialogue_flow.__version__)
        assert core.specifier.contains(current, prereleases=True)
        assert not core.specifier.contains(Version(f"{current.major}.{current.minor + 1}"))

    def test_wheel_ships_the_plugins_data_files(
            self, plugin: Path, wheels: dict[str, Path]) -> None:
        """Every non-Python file of the plugin's package (the web host's templates and
        stylesheet, the Word templates, py.typed) is in its wheel: a pip install serves."""
        [package] = (plugin / "src").glob("dialogue_flow_*")
        data = {f"{package.name}/{p.relative_to(package).as_posix()}"
                for p in package.rglob("*")
                if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts}
        with zipfile.ZipFile(wheels[plugin.name]) as archive:
            assert data <= set(archive.namelist())
        if plugin.name == "dialogue-flow-web":
            assert {"dialogue_flow_web/templates/matter.html",
                    "dialogue_flow_web/static/style.css"} <= data

    def test_long_description_links_absolutely(
            self, plugin: Path, wheels: dict[str, Path]) -> None:
        description = _metadata(wheels[plugin.name]).get_payload()
        assert isinstance(description, str)
        assert description.strip()
        for target in LINK.findall(description):
            assert re.match(r"https?://", target), f"{plugin.name}: relative link {target}"
