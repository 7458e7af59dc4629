"""A portal's first session, written against the client that openapi-python-client generates
from openapi/openapi.json, with no model of its own: log in, register the unit, post the seed
report, read it back equal, list evaluations, read findings, score and a comparison table, and
download the table as CSV. Usage: client_flow.py BASE_URL ADMIN_PASSWORD FIXTURE_DIR"""

import json
import pathlib
import sys

from perfeval_client import AuthenticatedClient, Client
from perfeval_client.api.auth import login
from perfeval_client.api.comparisons import compare_departments as comparison
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
        sys.exit(f"expected {status} {model.__name__}, got {response.status_code}: {response.content[:500]!r}")
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

    csv = client.get_httpx_client().get("/api/v1/comparisons/departments", params={"year": 2021, "format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv"), csv
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith(code), lines

    print(f"generated client: logged in, posted and read back the seed, {len(codes)} finding rules, CSV of {len(lines) - 1} row")


if __name__ == "__main__":
    main(*sys.argv[1:4])
