"""The shared expression table (pollwatch/checklists/tests/expression_table.json) in the browser.

The server engine runs the same table in checklists/tests/test_expression_table.py.
Here each case's instance is built by the entry page's own code
(window.PollwatchInstance in static/reports/entry.js) and evaluated by the vendored
openrosa-xpath-evaluator in Debian's Chromium, with today() fixed at the date the
server test uses.
"""

import json
import math
from pathlib import Path

import pytest
from django.conf import settings

from pollwatch.testing.browser import chromium

TABLE_PATH = Path(settings.BASE_DIR) / "pollwatch/checklists/tests/expression_table.json"
STATIC = Path(settings.BASE_DIR) / "static"
TODAY = "2024-03-01T12:00:00Z"  # the server test fixes today() at 2024-03-01
# Cases the browser's evaluator cannot run, each with the reason; an entry here is a
# defect to fix in the table or the subset (checklists/expressions.py), not a pass.
KNOWN_DISAGREEMENTS: dict[str, str] = {}

EVALUATE_ALL = """
([spec, cases]) => {
  const evaluator = window.OpenRosaXPath();
  const types = {boolean: XPathResult.BOOLEAN_TYPE, number: XPathResult.NUMBER_TYPE,
                 string: XPathResult.STRING_TYPE};
  return cases.map((item) => {
    const texts = {};
    for (const [name, value] of Object.entries(item.answers)) {
      texts[name] = PollwatchInstance.text(value);
    }
    const instance = PollwatchInstance.build(spec, texts);
    try {
      const result = PollwatchInstance.evaluate(
        evaluator, instance, item.expression, item.context, types[item.type]);
      const value = item.type === "boolean" ? result.booleanValue
        : item.type === "number" ? result.numberValue : result.stringValue;
      // JSON has no NaN: say so in words.
      return {value: Number.isNaN(value) ? "NaN" : value};
    } catch (error) {
      return {error: String(error)};
    }
  });
}
"""


def load_table():
    if not TABLE_PATH.exists():
        pytest.fail(f"The shared expression table is missing: {TABLE_PATH}")
    return json.loads(TABLE_PATH.read_text(encoding="utf-8"))


def expected_type(expected):
    if isinstance(expected, bool):
        return "boolean"
    return "number" if isinstance(expected, int | float) else "string"


def browser_spec(table_spec):
    """The table's spec with its group elements, as the server engine lays them out."""
    groups = sorted({q["group"] for q in table_spec["questions"] if q.get("group")})
    return {
        "root": table_spec["root"],
        "groups": [{"name": name, "path": f"/{table_spec['root']}/{name}"} for name in groups],
        "questions": table_spec["questions"],
    }


@pytest.fixture(scope="module")
def results():
    """Every case evaluated in one page; the browser is closed before the asserts run."""
    table = load_table()
    cases = [{**case, "type": expected_type(case["expected"])} for case in table["cases"]]
    with chromium() as browser:
        page = browser.new_page()
        page.clock.set_fixed_time(TODAY)
        page.set_content("<!doctype html><html><body></body></html>")
        page.add_script_tag(path=STATIC / "vendor/openrosa-xpath-evaluator-3.1.0.js")
        page.add_script_tag(path=STATIC / "reports/entry.js")
        values = page.evaluate(EVALUATE_ALL, [browser_spec(table["spec"]), cases])
    return list(zip(table["cases"], values, strict=True))


def case_ids():
    if not TABLE_PATH.exists():
        return ["table-missing"]
    return [f"{i}: {case['expression']}" for i, case in enumerate(load_table()["cases"])]


@pytest.mark.parametrize("index", range(len(case_ids())), ids=case_ids())
def test_case_in_the_browser(results, index):
    case, outcome = results[index]
    if case["expression"] in KNOWN_DISAGREEMENTS and "error" in outcome:
        pytest.xfail(KNOWN_DISAGREEMENTS[case["expression"]])
    assert "error" not in outcome, outcome["error"]
    expected, value = case["expected"], outcome["value"]
    if isinstance(expected, float) and math.isnan(expected):
        assert value == "NaN"
    elif isinstance(expected, float):
        assert math.isclose(value, expected), (value, expected)
    else:
        assert value == expected
