import type { GatewayApiKey, Permission } from '../config';
import type { Problem } from './errors';

/**
 * What an API key may do: its permissions, and the lifecycles in its scope (tenancies and
 * business-key prefixes). An unscoped key (a bare `name:sha256hex`) may do everything.
 */

/** What a lifecycle is judged by: its tenancy and business key (search attributes or start input). */
export interface LifecycleOwnership {
  /** Undefined: started without one (the worker's default tenancy, which the gateway cannot name). */
  tenancy?: string;
  businessKey?: string;
}

export function hasPermission(key: GatewayApiKey, permission: Permission): boolean {
  if (key.scope === undefined) return true;
  return key.scope.permissions.includes('admin') || key.scope.permissions.includes(permission);
}

/**
 * True when the key reaches the lifecycle. A lifecycle started without a tenancy is reached only
 * by keys for every tenancy (`tenancies=*`): which tenancy the worker chose is not the gateway's
 * to know.
 */
export function coversLifecycle(key: GatewayApiKey, lifecycle: LifecycleOwnership): boolean {
  return startProblems(key, lifecycle).length === 0;
}

/** True when no lifecycle could be outside the key's scope: no need to look the lifecycle up. */
export function coversEverything(key: GatewayApiKey): boolean {
  return (
    key.scope === undefined || (key.scope.tenancies === '*' && key.scope.businessKeyPrefixes === undefined)
  );
}

/** Why the key may not start (or reach) a lifecycle with this tenancy and business key; [] when it may. */
export function startProblems(key: GatewayApiKey, { tenancy, businessKey }: LifecycleOwnership): Problem[] {
  const scope = key.scope;
  if (scope === undefined) return [];
  const problems: Problem[] = [];
  if (scope.tenancies !== '*' && (tenancy === undefined || !scope.tenancies.includes(tenancy))) {
    problems.push({
      path: 'tenancy',
      message:
        tenancy === undefined
          ? `this API key must name the tenancy: one of ${scope.tenancies.join(', ')}`
          : `this API key may not use tenancy "${tenancy}" (only ${scope.tenancies.join(', ')})`,
    });
  }
  const prefixes = scope.businessKeyPrefixes;
  if (
    prefixes !== undefined &&
    (businessKey === undefined || !prefixes.some((p) => businessKey.startsWith(p)))
  ) {
    problems.push({
      path: 'businessKey',
      message: `this API key may only use business keys starting with ${prefixes.map((p) => `"${p}"`).join(', ')}`,
    });
  }
  return problems;
}
