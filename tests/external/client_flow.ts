// A portal's first calls, typed by what openapi-typescript generates from
// openapi/openapi.json (./perfeval.ts beside this file once generated) and checked by
// `tsc --strict` with no cast of an answer: log in, read the unit list and the comparison,
// and download the comparison as CSV text. Usage: node client_flow.js BASE_URL ADMIN_PASSWORD
import type { components, paths } from "./perfeval";

type Token = paths["/api/v1/auth/token"]["post"]["responses"][200]["content"]["application/json"];
type Login = components["schemas"]["Login"];
type Comparison =
  paths["/api/v1/comparisons/departments"]["get"]["responses"][200]["content"]["application/json"];
type ComparisonCsv =
  paths["/api/v1/comparisons/departments"]["get"]["responses"][200]["content"]["text/csv"];
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
    await ok(await fetch(`${base}/api/v1/comparisons/departments?year=2021&format=csv`, { headers: auth }))
  ).text();
  const rows = csv.replace(/^\uFEFF/, "").trim().split("\r\n");
  if (rows.length !== table.total + 1) {
    throw new Error(`the CSV has ${rows.length - 1} rows, the table ${table.total}`);
  }
  console.log(`TypeScript client: logged in, ${table.total} unit(s) in the table and its CSV`);
}

main().catch((error: unknown) => {
  console.error(error);
  (globalThis as unknown as { process: { exitCode: number } }).process.exitCode = 1;
});
