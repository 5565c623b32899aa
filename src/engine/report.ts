import {
  applyStepEvent,
  makeEvent,
  MAX_ANNOTATIONS_PER_JOB,
  parseAnnotation,
  type EventSink,
  type SSEEvent,
  type Job,
  type JobConclusion,
  type RunConclusion,
  type Step,
  type StepConclusion,
  type WorkflowRun,
} from "../contract/index.js";

const copyJob = (j: Job): Job => ({
  ...j,
  needs: [...j.needs],
  outputs: { ...j.outputs },
  steps: j.steps.map((s) => ({ ...s })),
  ...(j.annotations ? { annotations: j.annotations.map((a) => ({ ...a })) } : {}),
});
const copyRun = (r: WorkflowRun): WorkflowRun => ({
  ...r,
  trigger: { ...r.trigger },
  inputs: { ...r.inputs },
  jobs: r.jobs.map(copyJob),
});

/**
 * The only place that changes the run object and emits events, so the object a client fetches
 * and the events it received always agree. Payloads are copies: a consumer may keep them.
 */
export class Reporter {
  /** A run taken over: its jobs as the event log last showed them, by id. */
  private readonly prior: Map<string, Job> | undefined;
  /** Jobs restored from `prior` that were over: nothing about them is reported again. */
  private readonly settled = new WeakSet<Job>();
  /** Lines logged per step so far: an annotation names the line of the step's log that holds it. */
  private readonly lineCounts = new WeakMap<Step, number>();

  /**
   * `prior`: the run is taken over from a coordinator that died, and planned again from the
   * start. Each job the plan makes again takes the state it had; what already happened (a job
   * started or completed, a step run) is not reported twice, so the event log reads as one run.
   */
  constructor(
    readonly run: WorkflowRun,
    private readonly sink: EventSink,
    private readonly now: () => Date,
    prior?: WorkflowRun,
  ) {
    if (prior) this.prior = new Map(prior.jobs.map((j) => [j.id, copyJob(j)]));
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  runStarted(): void {
    if (this.prior && this.run.status === "in_progress") return;
    this.run.status = "in_progress";
    this.run.startedAt = this.stamp();
    this.sink.emit(makeEvent("run.started", { runId: this.run.id, run: copyRun(this.run) }));
  }

  runCompleted(conclusion: RunConclusion): void {
    this.run.status = "completed";
    this.run.conclusion = conclusion;
    this.run.completedAt = this.stamp();
    this.sink.emit(makeEvent("run.completed", { runId: this.run.id, run: copyRun(this.run) }));
  }

  /** Adds jobs (a placeholder per job at start, matrix legs when they are known) after `replace` if given. */
  addJobs(jobs: Job[], replace?: Job): void {
    for (const job of jobs) this.restore(job);
    const at = replace ? this.run.jobs.indexOf(replace) : -1;
    if (at >= 0) this.run.jobs.splice(at, 1, ...jobs);
    else this.run.jobs.push(...jobs);
  }

  /** A job of a run taken over takes the state it had in the event log. */
  private restore(job: Job): void {
    const was = this.prior?.get(job.id);
    if (!was || was.status === "queued") return;
    Object.assign(job, copyJob(was));
    if (was.status === "completed") this.settled.add(job);
  }

  jobStarted(job: Job): void {
    if (this.settled.has(job) || (this.prior && job.status === "in_progress")) return;
    job.status = "in_progress";
    job.startedAt = this.stamp();
    this.sink.emit(makeEvent("job.started", { runId: this.run.id, jobId: job.id, job: copyJob(job) }));
  }

  /**
   * The steps a job shows before it starts: its own, after set-up steps (containers, Pre steps),
   * or none when it cannot start (its one "Set up job" step comes with `addStep`).
   */
  planSteps(job: Job, setUp: string[], own: boolean): void {
    if (this.settled.has(job) || (this.prior && job.status !== "queued")) return;
    job.steps = [
      ...setUp.map((name) => ({ number: 0, name, status: "queued" as const })),
      ...(own ? job.steps : []),
    ].map((s, i) => ({ ...s, number: i + 1 }));
  }

  /** `what`: the job's outputs and summary, or (a re-run's reused job) those of an earlier run, which it names. */
  jobCompleted(
    job: Job,
    conclusion: JobConclusion,
    what: Partial<Pick<Job, "outputs" | "summary" | "reusedFrom">> = {},
  ): void {
    if (this.settled.has(job)) return;
    if (what.outputs) job.outputs = what.outputs;
    if (what.summary !== undefined) job.summary = what.summary;
    if (what.reusedFrom) job.reusedFrom = what.reusedFrom;
    if (job.status === "queued") job.startedAt = undefined;
    job.status = "completed";
    job.conclusion = conclusion;
    job.completedAt = this.stamp();
    this.sink.emit(makeEvent("job.completed", { runId: this.run.id, jobId: job.id, job: copyJob(job) }));
  }

  /** Appends a step to a job (post steps, set-up steps) and returns it, queued. */
  addStep(job: Job, name: string): Step {
    // A job taken over mid-way keeps the steps it had: the same step is not added twice.
    const had = this.prior && job.steps.find((s) => s.name === name && s.status !== "completed");
    if (had) return had;
    if (this.settled.has(job)) return { number: job.steps.length + 1, name, status: "completed" };
    const step: Step = { number: job.steps.length + 1, name, status: "queued" };
    job.steps.push(step);
    return step;
  }

  stepStarted(job: Job, step: Step): void {
    if (this.settled.has(job) || (this.prior && step.status !== "queued")) return;
    step.status = "in_progress";
    step.startedAt = this.stamp();
    this.sink.emit(
      makeEvent("step.started", { runId: this.run.id, jobId: job.id, stepNumber: step.number, step: { ...step } }),
    );
  }

  stepCompleted(job: Job, step: Step, outcome: StepConclusion, conclusion: StepConclusion): void {
    if (this.settled.has(job) || (this.prior && step.status === "completed")) return;
    if (step.status === "queued") step.startedAt = step.startedAt ?? this.stamp();
    step.status = "completed";
    step.outcome = outcome;
    step.conclusion = conclusion;
    step.completedAt = this.stamp();
    this.sink.emit(
      makeEvent("step.completed", { runId: this.run.id, jobId: job.id, stepNumber: step.number, step: { ...step } }),
    );
  }

  /**
   * A job or step event a worker stored for `job` (a leg run elsewhere): the run object follows it
   * and the sink updates its views; nothing is emitted again.
   */
  applyRemote(job: Job, e: SSEEvent): void {
    if (e.type === "job.started" || e.type === "job.completed") Object.assign(job, copyJob(e.data.job));
    else if (e.type === "step.started" || e.type === "step.completed") applyStepEvent(job, e);
    else return;
    this.sink.applyStored?.(e);
  }

  /** One log line; `line` must already be masked and end with a newline. */
  log(job: Job, step: Step, line: string): void {
    if (this.settled.has(job)) return;
    const n = (this.lineCounts.get(step) ?? 0) + 1;
    this.lineCounts.set(step, n);
    const a = parseAnnotation(line);
    // The job event that follows carries it: the run page lists it without reading the logs.
    if (a && (job.annotations?.length ?? 0) < MAX_ANNOTATIONS_PER_JOB)
      (job.annotations ??= []).push({ ...a, step: step.number, logLine: n });
    this.sink.emit({
      type: "step.log",
      runId: this.run.id,
      jobId: job.id,
      stepNumber: step.number,
      data: { runId: this.run.id, jobId: job.id, stepNumber: step.number, line },
    });
  }
}
