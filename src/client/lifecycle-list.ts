import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { LIFECYCLE_WORKFLOW_TYPE } from '../workflows/messages';
import { LIFECYCLE_STAGES, type LifecycleStage } from '../workflows/message-rules';
import { PATTERNS } from '../workflows/input-rules';
import {
  BUSINESS_KEY,
  OWNER,
  STAGE,
  TENANCY,
  WAITING_SINCE,
  WORK_ITEM_ID,
} from '../workflows/search-attributes';
import { invalidArgumentOf, LifecycleInputError } from './errors';

/**
 * Finding lifecycles through Temporal visibility: a query built from a stage, a tenancy and an
 * operator's own clauses, read page by page. What `hotdocs-temporal lifecycles list`, bulk repair
 * and `POST /v1/repairs` select with.
 */

/** A lifecycle as visibility lists it: its search attributes, no workflow task needed. */
export interface ListedLifecycle {
  lifecycleId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, ... */
  status: string;
  stage?: LifecycleStage;
  tenancy?: string;
  businessKey?: string;
  workItemId?: string;
  owner?: string;
  startedAt: string;
  closedAt?: string;
  /** Set while it waits for an interview. */
  waitingSince?: string;
}

export interface LifecycleFilter {
  /**
   * Only lifecycles started on this task queue: a namespace may hold several deployments'
   * lifecycles (staging beside production, each on its own queue). @default any
   */
  taskQueue?: string;
  stage?: string;
  tenancy?: string;
  /** More clauses in Temporal's visibility query language, e.g. `HotDocsOwner = 'crm'`. */
  query?: string;
  /** Ended lifecycles too. @default false: running ones only */
  includeEnded?: boolean;
}

export interface ListOptions {
  /** At most this many. @default 100 */
  limit?: number;
  /** Executions per visibility call. @default 100 */
  pageSize?: number;
}

export interface LifecycleListing {
  /** The visibility query that was run. */
  query: string;
  lifecycles: ListedLifecycle[];
  /** More matched than `limit`. */
  truncated: boolean;
}

/** Longest operator query taken: a visibility query is a line, not a document. */
const MAX_QUERY_LENGTH = 2000;

/**
 * The visibility query for a filter: always lifecycles (our workflow type), running unless
 * `includeEnded`, on the task queue when one is given, and the operator's own clauses in
 * parentheses. Bad values are refused by name.
 */
export function lifecycleQuery(filter: LifecycleFilter): string {
  const problems: string[] = [];
  const clauses = [`WorkflowType = '${LIFECYCLE_WORKFLOW_TYPE}'`];
  if (filter.includeEnded !== true) clauses.push(`ExecutionStatus = 'Running'`);
  if (filter.taskQueue !== undefined) {
    if (/^[^'"\\`]{1,1000}$/.test(filter.taskQueue)) clauses.push(`TaskQueue = '${filter.taskQueue}'`);
    else problems.push('taskQueue: must be 1 to 1000 characters without quotes or backslashes');
  }
  if (filter.stage !== undefined) {
    if ((LIFECYCLE_STAGES as readonly string[]).includes(filter.stage))
      clauses.push(`${STAGE.name} = '${filter.stage}'`);
    else problems.push(`stage: must be one of ${LIFECYCLE_STAGES.join(', ')}`);
  }
  if (filter.tenancy !== undefined) {
    if (PATTERNS.tenancy.test(filter.tenancy)) clauses.push(`${TENANCY.name} = '${filter.tenancy}'`);
    else problems.push('tenancy: must be a tenancy name (letters, digits, . : -)');
  }
  if (filter.query !== undefined) {
    const problem = operatorQueryProblem(filter.query);
    if (problem === undefined) clauses.push(`(${filter.query.trim()})`);
    else problems.push(problem);
  }
  if (problems.length > 0) throw new LifecycleInputError(problems, 'lifecycle filter');
  return clauses.join(' AND ');
}

/**
 * Why an operator's clauses cannot be put in parentheses beside ours; undefined when they can.
 * Parentheses must balance outside quoted strings: `x) OR (y` would otherwise escape the clauses
 * ANDed in front of it (a key's tenancy scope, the stage).
 */
export function operatorQueryProblem(query: string): string | undefined {
  const text = query.trim();
  if (text === '') return 'query: must not be empty';
  if (text.length > MAX_QUERY_LENGTH) return `query: must be at most ${MAX_QUERY_LENGTH} characters`;
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')' && --depth < 0) return 'query: a ")" without its "("';
  }
  if (quote !== undefined) return 'query: a string is not closed';
  if (depth !== 0) return 'query: a "(" without its ")"';
  return undefined;
}

/**
 * The running lifecycles of a work item (`HotDocsWorkItemId`), in the spellings Advance may use
 * for an id we sent lower-case; `workItemId` must be a GUID (checked by the caller).
 */
export function workItemQuery(workItemId: string): string {
  const spellings = [...new Set([workItemId, workItemId.toLowerCase(), workItemId.toUpperCase()])];
  return lifecycleQuery({
    query: `${WORK_ITEM_ID.name} IN (${spellings.map((id) => `'${id}'`).join(', ')})`,
  });
}

/**
 * Lists the lifecycles a visibility query matches, fetching pages of `pageSize` only as far as
 * `limit` needs. A query Temporal rejects is reported as invalid input, with Temporal's reason.
 */
export async function listLifecycles(
  temporal: Client,
  query: string,
  { limit = 100, pageSize = 100 }: ListOptions = {},
): Promise<LifecycleListing> {
  const lifecycles: ListedLifecycle[] = [];
  let truncated = false;
  try {
    for await (const execution of temporal.workflow.list({
      query,
      pageSize: Math.min(pageSize, limit + 1),
    })) {
      if (lifecycles.length >= limit) {
        truncated = true;
        break;
      }
      lifecycles.push(listedLifecycle(execution));
    }
  } catch (error) {
    throw invalidQuery(error) ?? error;
  }
  return { query, lifecycles, truncated };
}

/** How many lifecycles a query matches (one visibility call). */
export async function countLifecycles(temporal: Client, query: string): Promise<number> {
  try {
    return (await temporal.workflow.count(query)).count;
  } catch (error) {
    throw invalidQuery(error) ?? error;
  }
}

function invalidQuery(error: unknown): LifecycleInputError | undefined {
  const grpc = invalidArgumentOf(error);
  if (grpc === undefined) return undefined;
  return new LifecycleInputError([`query: Temporal refused it (${grpc.details || grpc.message})`], 'query');
}

function listedLifecycle(execution: WorkflowExecutionInfo): ListedLifecycle {
  const attributes = execution.typedSearchAttributes;
  const stage = attributes.get(STAGE);
  const optional = <K extends keyof ListedLifecycle>(key: K, value: ListedLifecycle[K] | undefined) =>
    value === undefined ? {} : { [key]: value };
  return {
    lifecycleId: execution.workflowId,
    status: execution.status.name,
    ...optional(
      'stage',
      (LIFECYCLE_STAGES as readonly string[]).includes(stage ?? '') ? (stage as LifecycleStage) : undefined,
    ),
    ...optional('tenancy', attributes.get(TENANCY)),
    ...optional('businessKey', attributes.get(BUSINESS_KEY)),
    ...optional('workItemId', attributes.get(WORK_ITEM_ID)),
    ...optional('owner', attributes.get(OWNER)),
    startedAt: execution.startTime.toISOString(),
    ...optional('closedAt', execution.closeTime?.toISOString()),
    ...optional('waitingSince', attributes.get(WAITING_SINCE)?.toISOString()),
  };
}
