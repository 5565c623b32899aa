/**
 * One run as the detail page shows it: the REST snapshot, then every event of the run applied in
 * order (the stream replays the run from its start, so logs arrive exactly once).
 */
import { useEffect, useState } from "preact/hooks";
import type { Job, StoredEvent, WorkflowRun } from "../../src/contract/index.js";
import { api } from "./api.js";
import { subscribe } from "./events.js";
import { appendLine, newJobLog, type JobLog } from "./log/model.js";

export interface RunState {
  run?: WorkflowRun;
  error?: string;
  logs: Map<string, JobLog>;
  /** Bumped on every change, so components re-render. */
  version: number;
}

function upsertJob(run: WorkflowRun, job: Job): void {
  const i = run.jobs.findIndex((j) => j.id === job.id);
  if (i >= 0) run.jobs[i] = job;
  else run.jobs.push(job);
}

export function applyEvent(s: RunState, e: StoredEvent): void {
  switch (e.type) {
    case "run.started":
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
      break;
    }
    case "step.log": {
      let log = s.logs.get(e.data.jobId);
      if (!log) s.logs.set(e.data.jobId, (log = newJobLog()));
      appendLine(log, e.data.stepNumber, e.data.line);
      break;
    }
  }
}

/** Loads a run and keeps it live: the snapshot first (ids, numbers and prefixes all work), then its events from the start. */
export function useRun(ref: string): RunState {
  const [state, setState] = useState<RunState>({ logs: new Map(), version: 0 });
  useEffect(() => {
    const s: RunState = { logs: new Map(), version: 0 };
    const bump = () => setState({ ...s, version: ++s.version });
    let stop: (() => void) | undefined;
    let gone = false;
    api.run(ref).then(
      (run) => {
        if (gone) return;
        s.run = run;
        bump();
        stop = subscribe({ runId: run.id }, (events) => {
          for (const e of events) applyEvent(s, e);
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
  }, [ref]);
  return state;
}
