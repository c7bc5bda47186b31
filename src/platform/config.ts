import { ConnectorConfig } from "../../schemas/config.ts";
import type { Env } from "./env.ts";

export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}

const parsed = new WeakMap<object, ConnectorConfig>();

/** Validates the environment once per isolate (env is the same object for its lifetime). */
export function loadConfig(env: Env): ConnectorConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const config = parseConfig(env);
  parsed.set(env, config);
  return config;
}

/** Validates settings; the error names each bad setting, never its value (ADMIN_TOKEN is a secret). */
export function parseConfig(values: object): ConnectorConfig {
  const result = ConnectorConfig.safeParse(values);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  throw new ConfigurationError(`invalid configuration: ${fields.join("; ")}`);
}
