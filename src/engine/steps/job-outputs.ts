import { JOB_OUTPUTS_LIMIT, outputsSize, RUN_OUTPUTS_LIMIT, size } from "../io/output-limits.js";
import type { JobContext } from "../runtime.js";
import { logError } from "../io/log-lines.js";

/**
 * GitHub's limits on job outputs: 1 MB per job, 50 MB for all the jobs of a run. Outputs over
 * either fail the job with an error naming the limit, and none of them reach the jobs that need it.
 */
export function withinLimits(
  rt: JobContext,
  outputs: Record<string, string>,
  log: (line: string) => void,
): Record<string, string> {
  const bytes = outputsSize(outputs);
  if (bytes > JOB_OUTPUTS_LIMIT) {
    logError(
      log,
      `The job's outputs are ${size(bytes)}, over GitHub's limit of ${size(JOB_OUTPUTS_LIMIT)} per job (sized as GitHub sizes outputs, 2 bytes per UTF-16 code unit); none are passed on.`,
    );
    rt.state.fail();
    return {};
  }
  if (rt.run.outputBytes + bytes > RUN_OUTPUTS_LIMIT) {
    logError(
      log,
      `The run's job outputs would reach ${size(rt.run.outputBytes + bytes)}, over GitHub's limit of ${size(RUN_OUTPUTS_LIMIT)} per workflow run; this job's are not passed on.`,
    );
    rt.state.fail();
    return {};
  }
  rt.run.outputBytes += bytes;
  return outputs;
}
