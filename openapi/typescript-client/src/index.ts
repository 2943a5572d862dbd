// A small typed client for the two Function URLs. Every type comes from `./schema.js`, which
// `npm run generate` writes from ../openapi.yaml (openapi-typescript); nothing here restates a
// response shape, so a change to the document is a compile error in the app, not a runtime one.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

export interface MarketClientOptions {
  /** market-api's Function URL (public market data). */
  marketApiUrl: string;
  /** inventory-api's Function URL (the signed-in user's data). */
  inventoryApiUrl: string;
  /**
   * The user's Supabase access token (`supabase.auth.getSession()`), sent as `Authorization:
   * Bearer`. Asked for on every request so a refreshed token is used at once.
   */
  getAccessToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof globalThis.fetch;
}

export interface MarketClient {
  /** `/v1/products`, `/v1/products/{style_code}`, `/v1/products/{style_code}/history`. */
  market: Client<paths>;
  /** `/v1/inventory`, `/v1/me`, `/v1/status`, `/v1/ops/status`. */
  inventory: Client<paths>;
}

export function createMarketClient(options: MarketClientOptions): MarketClient {
  const auth: Middleware = {
    async onRequest({ request }) {
      const token = await options.getAccessToken?.();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  };
  const make = (baseUrl: string) => {
    const client = createClient<paths>({
      baseUrl: baseUrl.replace(/\/+$/, ""),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    client.use(auth);
    return client;
  };
  return { market: make(options.marketApiUrl), inventory: make(options.inventoryApiUrl) };
}

/**
 * An amount in minor units as a decimal string in major units (`12345`, 2 digits -> `"123.45"`).
 * Every amount in a response is an integer of minor units; the response's `minor_digits` says
 * how many decimals its currency has. Formatting for display (symbol, grouping) is the app's.
 */
export function minorToMajor(minor: number, minorDigits: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not an integer amount: ${minor}`);
  if (minorDigits === 0) return String(minor);
  const sign = minor < 0 ? "-" : "";
  const digits = String(Math.abs(minor)).padStart(minorDigits + 1, "0");
  return `${sign}${digits.slice(0, -minorDigits)}.${digits.slice(-minorDigits)}`;
}
