import { TEMPORAL_SETTINGS, variablesOf, type Product } from '../../src/config';
import { deployments, type RenderedObject } from './kubernetes-tools';

/**
 * What each process of the chart reads from its environment, and the check that a rendered
 * manifest sets nothing else on a pod. `variablesRead` is the one place that says where that
 * comes from: the configuration tables each product reads (src/config/tables.ts).
 */

export type ChartComponent = 'worker' | 'gateway' | 'codec';

const PRODUCTS: Record<ChartComponent, Product> = {
  worker: 'worker',
  gateway: 'gateway',
  codec: 'codec-server',
};

/** Every variable each process reads: the tables of its configuration loader, and nothing else. */
export function variablesRead(component: ChartComponent): ReadonlySet<string> {
  return new Set(variablesOf(PRODUCTS[component]));
}

/** The Temporal connection's variables, which the chart sets from `temporal.*` values only. */
const TEMPORAL_CONNECTION: ReadonlySet<string> = new Set(Object.values(TEMPORAL_SETTINGS).map((s) => s.name));

/** The variables of each process's own settings: `variablesRead` without the Temporal connection's. */
export function ownVariables(component: ChartComponent): string[] {
  return [...variablesRead(component)].filter((name) => !TEMPORAL_CONNECTION.has(name));
}

export interface UnknownVariable {
  deployment: string;
  container: string;
  variable: string;
}

/** Every variable a rendered Deployment sets on a container that its process does not read. */
export function unknownVariables(objects: RenderedObject[]): UnknownVariable[] {
  const unknown: UnknownVariable[] = [];
  for (const { name, component, pod } of deployments(objects)) {
    if (component !== 'worker' && component !== 'gateway' && component !== 'codec')
      throw new Error(`Deployment ${name} has no known component label (${component})`);
    const known = variablesRead(component);
    for (const container of pod.containers) {
      for (const variable of container.env ?? []) {
        if (!known.has(variable.name))
          unknown.push({ deployment: name, container: container.name, variable: variable.name });
      }
    }
  }
  return unknown;
}
