// An integrator's first session, through openapi-fetch typed by the types
// openapi-typescript generated from the served /openapi.json (`./schema.d.ts`):
// register parties, sign an agreement, record an exchange with a command_id and
// retry it, read the agreement at two dates, read the report, and get the
// problem of a refused command.
//
//   node scenario.js BASE_URL TOKEN
//
// Exits non-zero, naming the step, on anything unexpected.

import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Command = components["schemas"]["CommandRequest"];

const [baseUrl, token] = process.argv.slice(2);
const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });

function expect(condition: unknown, step: string): asserts condition {
  if (!condition) {
    console.error(`typescript scenario: ${step}`);
    process.exit(1);
  }
}

async function submit(body: Command, status: number, step: string) {
  const { data, error, response } = await client.POST("/v1/commands", { body });
  expect(response.status === status, `${step}: ${response.status} ${JSON.stringify(error ?? data)}`);
  return { data, error };
}

const suffix = crypto.randomUUID().slice(0, 8);
const parties = [`dong-nai-${suffix}`, `lam-dong-${suffix}`];
const names = ["Ban quản lý các KCN Đồng Nai", "Ban quản lý các KCN Lâm Đồng"];
for (const [i, party_id] of parties.entries()) {
  const { data } = await submit(
    { type: "RegisterParty", data: { party_id, name: names[i], kind: "industrial_zone_authority" } },
    201,
    `register ${party_id}`,
  );
  expect(data?.stream === `party:${party_id}`, "register: the stream");
}

const agreementId = crypto.randomUUID();
const title = "Chương trình hợp tác xúc tiến đầu tư";
const { data: signed } = await submit(
  {
    type: "SignAgreement",
    data: {
      agreement_id: agreementId,
      title,
      parties,
      signed_on: "2013-07-04",
      term: { start: "2013-07-04", end: "2018-07-03" },
      areas: ["investment_promotion"],
    },
  },
  201,
  "sign",
);
expect(signed?.stream === `agreement:${agreementId}`, `sign: the stream ${signed?.stream}`);

const exchange = (occurred_on: string, command_id: string = crypto.randomUUID()): Command => ({
  type: "RecordExchange",
  command_id,
  data: {
    agreement_id: agreementId,
    occurred_on,
    area: "investment_promotion",
    kind: "meeting",
    parties,
    summary: "Hội nghị xúc tiến đầu tư tại Đà Lạt",
  },
});

const commandId = crypto.randomUUID();
const { data: first } = await submit(exchange("2014-03-10", commandId), 201, "record");
const { data: again } = await submit(exchange("2014-03-10", commandId), 200, "record again");
expect(again?.position === first?.position, "the retry answers the original result");
expect(again?.command_id === commandId, "the retry names its command_id");

async function agreementOn(at: string) {
  const { data, response } = await client.GET("/v1/agreements/{id}", {
    params: { path: { id: agreementId }, query: { at } },
  });
  expect(response.status === 200 && data, `read on ${at}: ${response.status}`);
  return data;
}
const before = await agreementOn("2014-01-01");
const after = await agreementOn("2015-01-01");
expect(before.exchanges.total === 0, `no exchange by 2014-01-01: ${before.exchanges.total}`);
expect(after.exchanges.total === 1, `one exchange by 2015-01-01: ${after.exchanges.total}`);
expect(after.title === title, "the title as given");

const report = await client.GET("/v1/reports/cooperation", {
  params: { query: { from: "2013-01-01", to: "2015-12-31", party: parties[0] } },
  parseAs: "json",
});
expect(report.response.status === 200 && report.data, "report");
const json = report.data as components["schemas"]["Report"];
const rows = json.agreements.filter((row) => row.agreement_id === agreementId);
expect(rows.length === 1 && rows[0].exchanges === 1, "the report counts the exchange");

const { error: refused } = await submit(exchange("2020-01-01"), 422, "refused");
expect(refused?.rule === "exchange_outside_term", `the rule: ${refused?.rule}`);
console.log("typescript scenario: ok");
