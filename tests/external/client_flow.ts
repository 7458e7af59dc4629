// A portal's first calls, typed by what openapi-typescript generates from
// openapi/openapi.json (./perfeval.ts beside this file once generated) and checked by
// `tsc --strict` with no cast of an answer: log in, read the unit list and the comparison,
// and download the comparison as CSV text and the grades as XLSX, each by its own path.
// Usage: node client_flow.js BASE_URL ADMIN_PASSWORD
import type { components, paths } from "./perfeval";

type Token = paths["/api/v1/auth/token"]["post"]["responses"][200]["content"]["application/json"];
type Login = components["schemas"]["Login"];
type Comparison =
  paths["/api/v1/comparisons/departments"]["get"]["responses"][200]["content"]["application/json"];
type ComparisonCsv =
  paths["/api/v1/comparisons/departments.csv"]["get"]["responses"][200]["content"]["text/csv"];
type GradesQuery = NonNullable<paths["/api/v1/comparisons/grades.xlsx"]["get"]["parameters"]["query"]>;
type Problem = components["schemas"]["ProblemDetails"];

const [base, password] = (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);

async function ok(answer: Response): Promise<Response> {
  if (!answer.ok) {
    const problem: Problem = await answer.json();
    throw new Error(`${answer.status} ${problem.code}: ${problem.detail}`);
  }
  return answer;
}

async function main(): Promise<void> {
  const login: Login = { username: "admin", password };
  const token: Token = await (
    await ok(
      await fetch(`${base}/api/v1/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(login),
      }),
    )
  ).json();
  const auth = { authorization: `Bearer ${token.access_token}` };
  const table: Comparison = await (
    await ok(await fetch(`${base}/api/v1/comparisons/departments?year=2021`, { headers: auth }))
  ).json();
  const csv: ComparisonCsv = await (
    await ok(await fetch(`${base}/api/v1/comparisons/departments.csv?year=2021`, { headers: auth }))
  ).text();
  const rows = csv.replace(/^\uFEFF/, "").trim().split("\r\n");
  if (rows.length !== table.total + 1 || !rows[0].startsWith("Unit code,")) {
    throw new Error(`the CSV has ${rows.length - 1} rows, the table ${table.total}`);
  }
  const grades: GradesQuery = { year: 2021 };
  const workbook = new Uint8Array(
    await (
      await ok(await fetch(`${base}/api/v1/comparisons/grades.xlsx?year=${grades.year}`, { headers: auth }))
    ).arrayBuffer(),
  );
  if (workbook[0] !== 0x50 || workbook[1] !== 0x4b) {
    throw new Error("the grade distribution is not an XLSX (zip) workbook");
  }
  console.log(`TypeScript client: logged in, ${table.total} unit(s) in the table, its CSV and an XLSX`);
}

main().catch((error: unknown) => {
  console.error(error);
  (globalThis as unknown as { process: { exitCode: number } }).process.exitCode = 1;
});
