/** Test helpers for the operator API (key rotation, merchant status). */
import type { ApiKey, ApiKeyCreated, ApiKeyList } from "../../schemas/admin-api.ts";
import { call } from "./api.ts";
import { TEST_ADMIN_TOKEN } from "./constants.ts";

export function adminCall(path: string, init: RequestInit = {}, token: string | null = TEST_ADMIN_TOKEN): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  return call(path, { ...init, headers });
}

export async function createKey(merchantId: string): Promise<Response> {
  return adminCall(`/admin/v1/merchants/${merchantId}/keys`, { method: "POST" });
}

export async function createKeyOk(merchantId: string): Promise<ApiKeyCreated> {
  const response = await createKey(merchantId);
  if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as ApiKeyCreated;
}

export async function revokeKey(merchantId: string, keyId: string): Promise<Response> {
  return adminCall(`/admin/v1/merchants/${merchantId}/keys/${keyId}`, { method: "DELETE" });
}

export async function listKeys(merchantId: string): Promise<ApiKey[]> {
  const response = await adminCall(`/admin/v1/merchants/${merchantId}/keys`);
  return ((await response.json()) as ApiKeyList).data;
}

export async function setMerchantStatus(merchantId: string, status: "active" | "disabled"): Promise<Response> {
  return adminCall(`/admin/v1/merchants/${merchantId}`, { method: "PATCH", body: JSON.stringify({ status }) });
}
