import { answerDisplayValues } from '../answers/answer-display';
import type { VersionRecord, WorkItemRecord } from '../work-item-model';

export interface InterviewField {
  name: string;
  value: string;
}

/** What the interview page and interview.js show for one session. */
export interface InterviewSession {
  workItemId: string;
  versionId: string;
  coreSessionId: string;
  workItemName: string;
  fields: InterviewField[];
  /** The configured finish URL with ids filled in; null when none is configured. */
  finishUrl: string | null;
  /** The standalone page, used by interview.js when it cannot tell where it was loaded from. */
  pageUrl: string;
}

export function interviewSession(input: {
  item: WorkItemRecord;
  version: VersionRecord;
  finishUrl: string | null;
  pageUrl: string;
}): InterviewSession {
  return {
    workItemId: input.item.id,
    versionId: input.version.versionId,
    coreSessionId: input.version.session.coreSessionId,
    workItemName: input.item.name,
    fields: withExtraField(answerDisplayValues(input.version.answers)),
    finishUrl: input.finishUrl,
    pageUrl: input.pageUrl,
  };
}

/** One empty extra field, so even an empty answer set leaves something to fill in. */
function withExtraField(fields: InterviewField[]): InterviewField[] {
  const taken = new Set(fields.map((field) => field.name));
  let name = 'Notes';
  for (let n = 2; taken.has(name); n += 1) name = `Notes ${n}`;
  return [...fields, { name, value: '' }];
}
