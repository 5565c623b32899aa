import type { ActionDef, StepDef } from "../workflow/index.js";
import type { JobEffects } from "./io/command-processor.js";
import type { Masker } from "./io/mask.js";
import type { PostEntry } from "./runtime.js";

/** The job status the status functions read (STEP-04). */
export type JobStatus = "success" | "failure" | "cancelled";

/**
 * What changes while one job (or matrix leg) runs, and the only code that changes it: every
 * change is a named method here, so reading this file tells all a job's steps can do to it.
 * What the job was started with is its context (`JobContext` in runtime.ts), which never changes.
 */
export class JobState {
  private currentEnv: Record<string, string>;
  private pathEntries: string[] = [];
  private jobStatus: JobStatus = "success";
  private timedOut = false;
  private readonly summaries: string[] = [];
  private readonly masker: Masker;
  private readonly preStates = new Map<StepDef, Record<string, string>>();
  private readonly actions = new Map<string, ActionDef>();
  private readonly postEntries: PostEntry[] = [];
  private stop: ((hard: boolean) => void) | undefined;
  private condition: (() => boolean) | undefined;

  /** `env` is what the leg starts from (ACT, `stax run --env`; job.ts adds the workflow's and the job's); `masker` the job's own, started from the run's secrets. */
  constructor(env: Record<string, string>, masker: Masker) {
    this.currentEnv = { ...env };
    this.masker = masker;
  }

  /**
   * Job-wide env context: workflow env + job env + GITHUB_ENV writes so far (ENV-04). A new
   * object on every change, never changed in place: evaluation caches context objects by identity.
   */
  get env(): Record<string, string> {
    return this.currentEnv;
  }

  /** GITHUB_PATH entries, newest first (FILE-05). */
  get path(): readonly string[] {
    return this.pathEntries;
  }

  get status(): JobStatus {
    return this.jobStatus;
  }

  get cancelled(): boolean {
    return this.jobStatus === "cancelled";
  }

  /** How the job concludes: a job cancelled by its timeout concludes as failure (JOB-08). */
  get conclusion(): JobStatus {
    return this.timedOut ? "failure" : this.jobStatus;
  }

  /** The step summaries written so far, joined (GITHUB_STEP_SUMMARY), or undefined for none. */
  get summary(): string | undefined {
    return this.summaries.length ? this.summaries.join("\n") : undefined;
  }

  /** A text with every secret and mask of the job replaced by `***` (MASK-01). */
  mask(text: string): string {
    return this.masker.mask(text);
  }

  /**
   * `::add-mask::` and long stop-commands tokens: hidden from this job's log from now on; past
   * the job's limit (MAX_MASKS in io/mask.ts) nothing is added and the reason is returned.
   */
  addMask(value: string): string | undefined {
    return this.masker.addMask(value);
  }

  /** Sets env values for the steps that follow (the job's `env:`, GITHUB_ENV, setup-python's pythonLocation). */
  setEnv(values: Record<string, string>): void {
    this.currentEnv = { ...this.currentEnv, ...values };
  }

  /** GITHUB_PATH semantics (FILE-05): newest first, a re-added directory moves to the front. */
  prependPath(dir: string): void {
    if (!dir) return;
    this.pathEntries = [dir, ...this.pathEntries.filter((p) => p !== dir)];
  }

  /** A step summary (GITHUB_STEP_SUMMARY), masked as the job's log is. */
  addSummary(text: string): void {
    this.summaries.push(
      text
        .split("\n")
        .map((l) => this.mask(l))
        .join("\n"),
    );
  }

  /** Applies what a step changed in its job: env first, then PATH entries in the order added, then its summary. */
  apply(effects: JobEffects): void {
    if (Object.keys(effects.env).length) this.setEnv(effects.env);
    for (const dir of effects.path) this.prependPath(dir);
    if (effects.summary !== undefined) this.addSummary(effects.summary);
  }

  /** A step or post step failed: the job fails, unless it was cancelled (a cancel stays what `cancelled()` sees). */
  stepFailed(): void {
    if (this.jobStatus !== "cancelled") this.jobStatus = "failure";
  }

  /** The job fails whatever its status was: it could not set up, a pre step failed, its outputs could not be evaluated. */
  fail(): void {
    this.jobStatus = "failure";
  }

  /** JOB-15/STEP-20: the job is cancelled; the running step stops unless its `if` still holds under cancellation. */
  cancel(hard: boolean): void {
    this.jobStatus = "cancelled";
    if (hard) return this.stop?.(true);
    let keep = false;
    try {
      keep = this.condition?.() ?? false;
    } catch {
      keep = false;
    }
    if (!keep) this.stop?.(false);
  }

  /** JOB-08: the job's timeout passed: it is cancelled (and concludes as failure), the running step stopped. */
  markTimedOut(): void {
    this.timedOut = true;
    this.jobStatus = "cancelled";
    this.stop?.(false);
  }

  /** A step process started: `stop` ends it (gracefully, or at once when hard) until `processEnded`. */
  processStarted(stop: (hard: boolean) => void): void {
    this.stop = stop;
  }

  processEnded(): void {
    this.stop = undefined;
  }

  /** Stops the running step process, if any, gracefully (a step's own timeout, STEP-08). */
  stopProcess(): void {
    this.stop?.(false);
  }

  /** The running top-level step's `if`, re-evaluated under cancellation (STEP-20); undefined between steps. */
  watchCondition(condition: (() => boolean) | undefined): void {
    this.condition = condition;
  }

  /** A post step an action registered (ACT-06); they run after the job's steps, last-registered first (JOB-16). */
  addPost(entry: PostEntry): void {
    this.postEntries.push(entry);
  }

  /** The post steps registered so far, in the order registered. */
  get posts(): readonly PostEntry[] {
    return this.postEntries;
  }

  /** ACT-05: the state a `pre` step saved, for its action's main and post. */
  savePreState(def: StepDef, state: Record<string, string>): void {
    this.preStates.set(def, state);
  }

  preStateOf(def: StepDef): Record<string, string> | undefined {
    return this.preStates.get(def);
  }

  /**
   * Remote actions loaded in this job, by folder: the pre steps and the main steps see the same
   * step objects, so the state a pre step of an action inside a composite saves reaches its main.
   */
  rememberAction(dir: string, action: ActionDef): void {
    this.actions.set(dir, action);
  }

  knownAction(dir: string): ActionDef | undefined {
    return this.actions.get(dir);
  }
}
