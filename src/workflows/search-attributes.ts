import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes of the assembly lifecycle: Keyword attributes (and one Datetime) that
 * SQL visibility (docker compose) and the dev server both accept. They are not encrypted by
 * payload codecs: keep personal data out of them.
 */
export const BUSINESS_KEY = defineSearchAttributeKey('HotDocsBusinessKey', SearchAttributeType.KEYWORD);
export const WORK_ITEM_ID = defineSearchAttributeKey('HotDocsWorkItemId', SearchAttributeType.KEYWORD);
export const TENANCY = defineSearchAttributeKey('HotDocsTenancy', SearchAttributeType.KEYWORD);
export const STAGE = defineSearchAttributeKey('HotDocsStage', SearchAttributeType.KEYWORD);
/** The name of the gateway API key (or the `owner` a client gave) that started the lifecycle. */
export const OWNER = defineSearchAttributeKey('HotDocsOwner', SearchAttributeType.KEYWORD);
/** Since when the lifecycle waits for an interview; unset when it is not waiting. */
export const WAITING_SINCE = defineSearchAttributeKey('HotDocsWaitingSince', SearchAttributeType.DATETIME);

/** Name → type, for registering the attributes on a server (dev server flags, operator CLI). */
export const LIFECYCLE_SEARCH_ATTRIBUTES: ReadonlyArray<{ name: string; type: 'Keyword' | 'Datetime' }> = [
  ...[BUSINESS_KEY, WORK_ITEM_ID, TENANCY, STAGE, OWNER].map((key) => ({
    name: key.name,
    type: 'Keyword' as const,
  })),
  { name: WAITING_SINCE.name, type: 'Datetime' as const },
];
