"""`python -m bot eligibility` with input a person (or a script) might really send: every
mistake is a JSON error naming the field, exit code 2, never a traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.eligibility.models import field_reference

ROOT = Path(__file__).resolve().parent.parent
ORDER = {"paid_through_alibaba": True, "payment_method": "tt", "problem": "late_shipment"}
FINANCING = {"country": "China", "years_in_business": 3, "orders_last_6_months": 4, "export_value_last_6_months_usd": 150000,
             "export_value_last_12_months_usd": 300000, "uses_export_services": True}


def eligibility(check: str, payload: str, tmp_path, *extra: str):
    env = {"DATA_DIR": str(tmp_path / "data"), "KNOWLEDGE_DIR": str(ROOT / "knowledge"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "bot", "eligibility", check, "--json", payload, *extra],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_deeply_nested_json_is_a_json_error(tmp_path):
    result = eligibility("order", "[" * 1100 + "]" * 1100, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert json.loads(result.stderr)["error"].startswith("invalid JSON")


@pytest.mark.parametrize("field, raw, message", [
    ("years_in_business", "NaN", "finite number"),
    ("export_value_last_6_months_usd", "Infinity", "finite number"),
    ("years_in_business", "true", "valid number"),        # true is not the number 1
    ("orders_last_6_months", '"12"', "valid integer"),     # "12" is not an integer
    ("uses_export_services", "1", "valid boolean"),        # 1 is not yes
])
def test_strict_types_and_non_finite_numbers_are_refused_naming_the_field(tmp_path, field, raw, message):
    payload = json.dumps(FINANCING)[:-1] + f', "{field}": {raw}' + "}"
    payload = payload.replace(f'"{field}": {json.dumps(FINANCING.get(field))}, ', "", 1) if field in FINANCING else payload
    result = eligibility("financing", payload, tmp_path)
    assert result.returncode == 2, result.stdout
    fields = json.loads(result.stderr)["fields"]
    assert message in fields[field]


def test_help_documents_every_field_and_its_allowed_values():
    result = subprocess.run([sys.executable, "-m", "bot", "eligibility", "--help"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0
    for check, name, allowed, _ in field_reference():
        assert name in result.stdout
    assert '"never_arrived"' in result.stdout and "null (not sure)" in result.stdout
