/** Search over a job's steps on the runner (`…/steps/:n/search`): no line has to be in the page. */
import { useEffect, useState } from "preact/hooks";
import type { Job } from "../../../src/contract/index.js";
import { api } from "../api.js";

/** Matches fetched per step (the total counts every one). */
const PER_STEP = 1000;

export interface Match {
  step: number;
  n: number;
}

export interface SearchResult {
  query: string;
  matches: Match[];
  total: number;
  busy: boolean;
}

const EMPTY: SearchResult = { query: "", matches: [], total: 0, busy: false };

/** The matches of `query` in every step of the job, in order; asked again when a step finishes. */
export function useLogSearch(runId: string, job: Job, query: string): SearchResult {
  const [result, setResult] = useState<SearchResult>(EMPTY);
  const finished = job.steps.filter((s) => s.status === "completed").length;
  useEffect(() => {
    if (!query) {
      setResult(EMPTY);
      return;
    }
    let gone = false;
    setResult((r) => ({ ...r, query, busy: true }));
    // Typing settles before asking the runner.
    const timer = setTimeout(async () => {
      const matches: Match[] = [];
      let total = 0;
      for (const s of job.steps) {
        if (s.status === "queued") continue;
        try {
          const res = await api.stepSearch(runId, job.id, s.number, query, PER_STEP);
          for (const m of res.matches) matches.push({ step: s.number, n: m.n });
          total += res.total;
        } catch {
          // A step the runner does not know yet has nothing to find.
        }
        if (gone) return;
      }
      setResult({ query, matches, total, busy: false });
    }, 150);
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, [runId, job.id, query, finished]);
  return result;
}
