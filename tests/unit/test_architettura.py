"""The import-linter contracts (.importlinter) hold on the code, and really break on a violation.

Each violation is written into a temporary copy of apps/, so the check runs on exactly our contracts
and the repository is never touched."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own lint-imports, fixed arguments
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def copia(tmp_path) -> Path:
    shutil.copytree(ROOT / "apps", tmp_path / "apps", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_the_code_keeps_every_contract(copia):
    result = lint(copia)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("modulo", "riga", "contratto"),
    [
        # A domain app reaching into a portal.
        ("codici/services.py", "from apps.portale_professionista import views", "Domain apps never import"),
        # Against the order: core imports nothing, codici never imports sedute.
        ("core/services.py", "from apps.accounts import models", "One-way dependencies"),
        ("codici/models.py", "import apps.sedute.models", "One-way dependencies"),
        # Siblings in one layer: professionisti and codici ignore each other.
        ("professionisti/models.py", "import apps.codici.models", "One-way dependencies"),
        # Narrower than the layers: professionisti → accounts only.
        ("professionisti/services.py", "import apps.domande.models", "professionisti imports only"),
    ],
)
def test_a_violation_breaks_its_contract(copia, modulo, riga, contratto):
    path = copia / "apps" / modulo
    path.write_text(path.read_text() + f"\n{riga}  # noqa\n")
    result = lint(copia)
    assert result.returncode == 1, result.stdout + result.stderr
    rotti = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contratto) for line in rotti), result.stdout


def test_fatture_may_not_import_graduatorie(copia):
    (copia / "apps" / "fatture" / "services.py").write_text("import apps.graduatorie.services  # noqa\n")
    result = lint(copia)
    assert result.returncode == 1, result.stdout
    assert "One-way dependencies" in result.stdout and "BROKEN" in result.stdout


def test_the_api_is_a_portal_like_the_others(copia):
    """The API sits beside the portals: it may not import demo (a sink) nor a portal's views."""
    api = copia / "apps" / "api"
    (api / "fuori_posto.py").write_text(
        "import apps.demo.services  # noqa\nimport apps.portale_professionista.views  # noqa\n"
    )
    result = lint(copia)
    assert result.returncode == 1, result.stdout
    assert "One-way dependencies" in result.stdout and "BROKEN" in result.stdout
