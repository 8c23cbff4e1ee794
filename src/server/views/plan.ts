// Flink's /jars/:jarid/plan for a job module: one node per operator (this runtime chains nothing), its id
// Flink's operator id of the uid, so a snapshot's operator ids compare directly (the restore pre-flight).
import type { JobPlan } from '../../coordinator/job-record.js';
import { operatorIdForUid } from '../../domain/operator-id.js';
import type { JobPlanInfo } from '../../rest-api/types.js';

export function jarPlanView(plan: JobPlan, jobId: string): JobPlanInfo {
  const ids = plan.operators.map((op) => operatorIdForUid(op.uid));
  return {
    plan: {
      jid: jobId,
      name: plan.jobName,
      type: 'STREAMING',
      nodes: plan.operators.map((op, i) => ({
        id: ids[i],
        parallelism: op.parallelism,
        operator: op.kind,
        operator_strategy: 'none',
        description: op.name,
        ...(op.inputs.length > 0
          ? {
              inputs: op.inputs.map((e, num) => ({
                num,
                id: ids[e.from],
                ship_strategy: e.partitioning === 'hash' ? 'HASH' : 'FORWARD',
                exchange: 'pipelined_bounded',
              })),
            }
          : {}),
        optimizer_properties: {},
      })),
    },
  };
}
