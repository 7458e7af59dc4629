"""A portal's first session, written against the client that openapi-python-client generates
from openapi/openapi.json, with no model of its own: log in, register the unit, post the seed
report, read it back equal, list evaluations, read findings, score and a comparison table, and
download the table as CSV and the grade distribution as XLSX through their own operations. Usage: client_flow.py BASE_URL ADMIN_PASSWORD FIXTURE_DIR"""

import json
import pathlib
import sys

from perfeval_client import AuthenticatedClient, Client
from perfeval_client.api.auth import login
from perfeval_client.api.comparisons import compare_departments as comparison
from perfeval_client.api.comparisons import compare_departments_csv as comparison_csv
from perfeval_client.api.comparisons import compare_grades_xlsx as grades_xlsx
from perfeval_client.api.departments import create_department
from perfeval_client.api.evaluations import form_xlsx, get_evaluation, list_evaluations, put_evaluation
from perfeval_client.api.review import evaluation_findings as findings, evaluation_score as score
from perfeval_client.models import (
    Department,
    DepartmentComparison,
    DepartmentView,
    EvaluationList,
    EvaluationReport,
    EvaluationView,
    FindingsView,
    Login,
    ScoreView,
    TokenAnswer,
)
from perfeval_client.types import File


def expect(response, status, model):
    if response.status_code != status or not isinstance(response.parsed, model):
        sys.exit(f"expected {status} {model!r}, got {response.status_code} {type(response.parsed)}: {response.content[:500]!r}")
    return response.parsed


def main(base_url, password, fixtures):
    fixtures = pathlib.Path(fixtures)
    department = json.loads((fixtures / "department.json").read_text())
    report = json.loads((fixtures / "report.json").read_text())

    token = expect(
        login.sync_detailed(client=Client(base_url=base_url), body=Login(username="admin", password=password)),
        200,
        TokenAnswer,
    )
    client = AuthenticatedClient(base_url=base_url, token=token.access_token)

    created = expect(
        create_department.sync_detailed(client=client, body=Department.from_dict(department)),
        201,
        DepartmentView,
    )
    code = created.code
    put = expect(
        put_evaluation.sync_detailed(code, 2021, client=client, body=EvaluationReport.from_dict(report)),
        201,
        EvaluationView,
    )
    assert put.version == 1, put.version

    read = expect(get_evaluation.sync_detailed(code, 2021, client=client), 200, EvaluationView)
    if read.report.to_dict() != report:
        sys.exit("the report read back through the client differs from the one posted")

    listed = expect(list_evaluations.sync_detailed(client=client, year=2021), 200, EvaluationList)
    assert [item.department_code for item in listed.items] == [code], listed.items

    found = expect(findings.sync_detailed(code, 2021, client=client), 200, FindingsView)
    codes = {finding.rule for finding in found.findings}
    assert "breakdown_exceeds_total" in codes, codes

    expect(score.sync_detailed(code, 2021, client=client), 200, ScoreView)

    table = expect(comparison.sync_detailed(client=client, year=2021), 200, DepartmentComparison)
    assert [row.department_code for row in table.items] == [code], table.items

    workbook = expect(form_xlsx.sync_detailed(code, 2021, client=client), 200, File)
    assert workbook.payload.read(2) == b"PK", "the self-evaluation table is an XLSX (zip) workbook"

    # The tables' files are operations of their own, answered as bytes, not read as the JSON table.
    csv = expect(comparison_csv.sync_detailed(client=client, year=2021), 200, (File, bytes, str))
    if isinstance(csv, File):
        csv = csv.payload.read()
    text = csv.decode("utf-8") if isinstance(csv, bytes) else csv
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Unit code,"), lines[:1]
    assert len(lines) == 2 and lines[1].startswith(code), lines
    grades = expect(grades_xlsx.sync_detailed(client=client, year=2021), 200, (File, bytes))
    grades = grades.payload.read() if isinstance(grades, File) else grades
    assert grades[:4] == b"PK\x03\x04", "the grade distribution is an XLSX (zip) workbook"

    print(f"generated client: logged in, posted and read back the seed, {len(codes)} finding rules, CSV of {len(lines) - 1} row and an XLSX")


if __name__ == "__main__":
    main(*sys.argv[1:4])
