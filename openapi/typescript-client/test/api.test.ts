// Runs against the local APIs `infra/scripts/client-test.sh` starts (the same handlers the Lambdas
// run, behind `market serve-apis`), with a Supabase-style HS256 access token. Every route is
// called through the generated types, so this file also fails to compile when the document and
// the client disagree.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createMarketClient, minorToMajor } from "../src/index.js";

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run infra/scripts/client-test.sh)`);
  return v;
}

const token = env("API_TOKEN");
const styleCode = env("STYLE_CODE");
const userId = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).sub;
const api = createMarketClient({
  marketApiUrl: env("MARKET_API_URL"),
  inventoryApiUrl: env("INVENTORY_API_URL"),
  getAccessToken: () => token,
});
const anonymous = createMarketClient({
  marketApiUrl: env("MARKET_API_URL"),
  inventoryApiUrl: env("INVENTORY_API_URL"),
});

test("minor units become major-unit strings by the currency's digits (ISO 4217)", () => {
  assert.equal(minorToMajor(12345, 2), "123.45"); // GBP, EUR, USD: 2 digits
  assert.equal(minorToMajor(5, 2), "0.05");
  assert.equal(minorToMajor(-1999, 2), "-19.99");
  assert.equal(minorToMajor(150000, 0), "150000"); // KRW: 0 digits
  assert.throws(() => minorToMajor(1.5, 2), RangeError);
});

test("GET /v1/status: public liveness", async () => {
  const { data, response } = await anonymous.inventory.GET("/v1/status");
  assert.equal(response.status, 200);
  assert.equal(data?.status, "ok");
});

test("GET /v1/products: search finds the style in any spelling", async () => {
  const loose = styleCode.toLowerCase().replace("-", " ");
  const { data, response } = await api.market.GET("/v1/products", {
    params: { query: { q: loose, limit: 5 } },
  });
  assert.equal(response.status, 200);
  assert.equal(data?.items[0]?.style_code, styleCode);
});

test("GET /v1/products/{style_code}: the page, then 304 with its ETag", async () => {
  const path = { style_code: styleCode };
  const first = await api.market.GET("/v1/products/{style_code}", { params: { path } });
  assert.equal(first.response.status, 200);
  assert.equal(first.data?.style_code, styleCode);
  assert.ok((first.data?.sizes.length ?? 0) > 0, "a size run");
  const etag = first.response.headers.get("etag");
  assert.ok(etag, "an ETag");
  const again = await api.market.GET("/v1/products/{style_code}", {
    params: { path },
    headers: { "If-None-Match": etag },
  });
  assert.equal(again.response.status, 304);
});

test("GET /v1/products/{style_code}/history: daily points", async () => {
  const { data, response } = await api.market.GET("/v1/products/{style_code}/history", {
    params: { path: { style_code: styleCode }, query: { days: 30 } },
  });
  assert.equal(response.status, 200);
  assert.equal(data?.history.days, 30);
  assert.equal(data?.history.scope, "product");
  assert.ok((data?.history.points.length ?? 0) > 0, "the seeded days have points");
});

test("GET /v1/products/{style_code}: an unknown style is a 404 problem", async () => {
  const { error, response } = await api.market.GET("/v1/products/{style_code}", {
    params: { path: { style_code: "ZZ0000-000" } },
  });
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal(error?.status, 404);
});

test("GET /v1/inventory: a page of valued pairs with totals over all of them", async () => {
  const { data, response } = await api.inventory.GET("/v1/inventory", {
    params: { query: { limit: 50 } },
  });
  assert.equal(response.status, 200);
  assert.ok(data);
  assert.equal(data.page.limit, 50);
  assert.ok(data.items.length <= 50);
  assert.equal(data.totals.items, data.page.total_items);
  assert.equal(data.minor_digits, 2);
  for (const item of data.items) {
    // Every pair has a value or says why not.
    assert.ok(item.market_value_minor !== null || item.reason !== null, item.id);
  }
  if (data.page.next_cursor) {
    const next = await api.inventory.GET("/v1/inventory", {
      params: { query: { limit: 50, cursor: data.page.next_cursor } },
    });
    assert.equal(next.response.status, 200);
    assert.notEqual(next.data?.items[0]?.id, data.items[0]?.id);
  }
});

test("GET /v1/inventory without a token: 401 problem naming the cause", async () => {
  const { error, response } = await anonymous.inventory.GET("/v1/inventory");
  assert.equal(response.status, 401);
  assert.equal(error?.code, "missing_token");
  assert.ok(response.headers.get("www-authenticate"));
});

test("GET /v1/inventory with a bad parameter: 400 naming it", async () => {
  const { error, response } = await api.inventory.GET("/v1/inventory", {
    params: { query: { limit: 5000 } },
  });
  assert.equal(response.status, 400);
  assert.deepEqual(
    error?.invalid_params?.map((p) => p.name),
    ["limit"],
  );
});

test("GET /v1/me: the rollout decision for this user and their settings", async () => {
  const { data, response } = await api.inventory.GET("/v1/me");
  assert.equal(response.status, 200);
  assert.equal(data?.user_id, userId);
  assert.ok(data && ["market", "legacy"].includes(data.rollout.backend));
  assert.ok(data && data.rollout.bucket >= 0 && data.rollout.bucket <= 99);
});

test("GET /v1/ops/status: the operator view for an operator", async () => {
  const { data, response } = await api.inventory.GET("/v1/ops/status");
  assert.equal(response.status, 200, "the script makes the token's user an operator");
  assert.equal(data?.tiers.length, 3);
  const denied = await anonymous.inventory.GET("/v1/ops/status");
  assert.equal(denied.response.status, 401);
});
