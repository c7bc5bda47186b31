import { ConnectorConfig } from "../schemas/config.ts";
import type { Env } from "./env.ts";

export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}

const parsed = new WeakMap<object, ConnectorConfig>();

/** Validates the environment once per isolate (env is the same object for its lifetime). */
export function loadConfig(env: Env): ConnectorConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = ConnectorConfig.safeParse(env);
  if (!result.success) {
    // Names the settings, never their values: ADMIN_TOKEN is a secret.
    const fields = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigurationError(`invalid configuration: ${fields.join("; ")}`);
  }
  parsed.set(env, result.data);
  return result.data;
}
