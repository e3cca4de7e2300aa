/**
 * The floor's activities: the lifecycle's activity names and arguments, doing nothing. What a
 * lifecycle costs on top of these is the cost of our own code (Advance calls, document storage,
 * workflow bookkeeping); what these cost is Temporal's share, which no change of ours can remove.
 */
export interface FloorWorkItemArgs {
  tenancy?: string;
  workItem: { id: string; name: string; workGroupId: string; templatePackageId: string };
  answerXml?: string;
}

export interface FloorSessionArgs {
  tenancy?: string;
  workItemId: string;
  versionId: string;
  answerXml?: string;
  runAssembly?: boolean;
}

export function createFloorActivities() {
  return {
    async acquireToken(_args: { tenancy?: string }): Promise<Record<string, never>> {
      return {};
    },
    async createWorkItem(args: FloorWorkItemArgs): Promise<{ workItemId: string; outcome: string }> {
      return { workItemId: args.workItem.id, outcome: 'created' };
    },
    async beginSession(args: FloorSessionArgs): Promise<{ versionId: string; outcome: string }> {
      return { versionId: args.versionId, outcome: 'begun' };
    },
    async completeSession(_args: FloorSessionArgs): Promise<{ outcome: string }> {
      return { outcome: 'completed' };
    },
    async listDocuments(_args: FloorSessionArgs): Promise<never[]> {
      return [];
    },
    async storeDocuments(_args: FloorSessionArgs): Promise<never[]> {
      return [];
    },
  };
}

export type FloorActivities = ReturnType<typeof createFloorActivities>;
