import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes of the assembly lifecycle. They are Keyword attributes so that SQL
 * visibility (docker compose) and the dev server both accept them. They are not encrypted by
 * payload codecs: keep personal data out of them.
 */
export const BUSINESS_KEY = defineSearchAttributeKey('HotDocsBusinessKey', SearchAttributeType.KEYWORD);
export const WORK_ITEM_ID = defineSearchAttributeKey('HotDocsWorkItemId', SearchAttributeType.KEYWORD);
export const TENANCY = defineSearchAttributeKey('HotDocsTenancy', SearchAttributeType.KEYWORD);
export const STAGE = defineSearchAttributeKey('HotDocsStage', SearchAttributeType.KEYWORD);

/** Name → type, for registering the attributes on a server (dev server flags, operator CLI). */
export const LIFECYCLE_SEARCH_ATTRIBUTES: ReadonlyArray<{ name: string; type: 'Keyword' }> = [
  BUSINESS_KEY,
  WORK_ITEM_ID,
  TENANCY,
  STAGE,
].map((key) => ({ name: key.name, type: 'Keyword' as const }));
