/**
 * One run as the detail page shows it: the REST snapshot (the stored status, whatever it is),
 * then only the events committed after it (`since=lastEventId`): a finished run is not replayed.
 * On a job's page the stream leaves out the other jobs' step events; log lines go to the job's
 * log (`log/job-logs.ts`), which fetches the rest by range.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { upsertJob, type StoredEvent, type WorkflowRun } from "../../src/contract/index.js";
import { api } from "./api.js";
import { subscribe, useReconnects } from "./events.js";

export interface RunState {
  run?: WorkflowRun;
  error?: string;
  /** Bumped on every change, so components re-render. */
  version: number;
}

/** Where a job page's log takes its live events. */
/** Where a shown job's log gets the stream: each event, and each (re)start of the stream at `since`. */
export interface LogSink {
  live(e: StoredEvent): void;
  /** The stream starts again after `since`: what was counted as of an earlier event must be read again. */
  resync(since: number): void;
}

export function applyEvent(s: RunState, e: StoredEvent, log?: LogSink): void {
  switch (e.type) {
    case "run.started":
      // A run seen completed stays so (an event older than the snapshot can arrive after it).
      if (s.run?.status !== "completed") s.run = e.data.run;
      break;
    case "run.completed":
      s.run = e.data.run;
      break;
    case "job.started":
    case "job.completed":
      if (s.run) upsertJob(s.run, e.data.job);
      break;
    case "step.started":
    case "step.completed": {
      const job = s.run?.jobs.find((j) => j.id === e.data.jobId);
      if (!job) break;
      const i = job.steps.findIndex((x) => x.number === e.data.stepNumber);
      if (i >= 0) job.steps[i] = e.data.step;
      else job.steps.push(e.data.step);
      if (e.type === "step.started" && job.status === "queued") job.status = "in_progress";
      log?.live(e);
      break;
    }
    case "step.log":
      log?.live(e);
      break;
  }
}

/**
 * Loads a run and keeps it live: the snapshot first (ids, numbers and prefixes all work), then
 * the events after it, of the whole run or (with `jobId`) of that job and the run's run and job events.
 */
export function useRun(ref: string, jobId: string | undefined, log: { current: LogSink | undefined }): RunState {
  const [state, setState] = useState<RunState>({ version: 0 });
  const reconnects = useReconnects();
  // A run that failed to load is read again when the connection comes back (and only then).
  const retry = useRef(0);
  if (state.error) retry.current = reconnects;
  useEffect(() => {
    // A new job of the same run keeps showing the run while its snapshot is read again.
    const s: RunState = {
      run: state.run && (state.run.id === ref || String(state.run.number) === ref) ? state.run : undefined,
      version: state.version,
    };
    const bump = () => setState({ ...s, version: ++s.version });
    let stop: (() => void) | undefined;
    let gone = false;
    api.run(ref).then(
      ({ lastEventId, ...run }) => {
        if (gone) return;
        s.run = run;
        bump();
        // Events up to lastEventId come with the snapshot, not the stream: a log counted before must catch up.
        log.current?.resync(lastEventId);
        stop = subscribe({ runId: run.id, jobId, since: lastEventId }, (events) => {
          for (const e of events) applyEvent(s, e, log.current);
          bump();
        });
      },
      (err: Error) => {
        s.error = err.message;
        bump();
      },
    );
    return () => {
      gone = true;
      stop?.();
    };
  }, [ref, jobId, retry.current]);
  return state;
}
