import pc from "picocolors";
import type { EventSink, Job, SSEEvent, WorkflowRun } from "../contract/index.js";
import { duration, mark } from "./format.js";

/**
 * Shows a run's events on a terminal or a pipe. On a pipe (or with `live: false`): one line
 * per log line prefixed with the job, plus step headers and results. On a terminal: the same
 * log lines scroll above a live tree of jobs and steps, redrawn at most every 100 ms.
 */
export class RunRenderer implements EventSink {
  private run: WorkflowRun | undefined;
  private readonly jobs = new Map<string, Job>();
  private treeLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private pending: string[] = [];

  constructor(
    private readonly out: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number },
    private readonly live = !!out.isTTY,
    /** Put before each job id when several workflows print at once (`stax run` by event). */
    private readonly label?: string,
  ) {}

  emit(e: SSEEvent): void {
    switch (e.type) {
      case "run.started":
      case "run.completed":
        this.run = e.data.run;
        if (e.type === "run.started")
          this.print(
            pc.bold(
              `▶ ${e.data.run.workflow} — run ${e.data.run.number} (${e.data.run.id}) on ${e.data.run.trigger.event}`,
            ),
          );
        break;
      case "job.started":
      case "job.completed": {
        this.jobs.set(e.data.jobId, e.data.job);
        const j = e.data.job;
        if (e.type === "job.completed" && j.reusedFrom)
          this.print(
            `${this.prefix(e.data.jobId)}${mark(j.status, j.conclusion)} job ${j.conclusion}, reused from run ${j.reusedFrom.runNumber} (not run again)`,
          );
        else if (e.type === "job.completed" && j.conclusion !== "skipped")
          this.print(
            `${this.prefix(e.data.jobId)}${mark(j.status, j.conclusion)} job ${j.conclusion} ${pc.dim(duration(j.startedAt, j.completedAt))}`,
          );
        else if (e.type === "job.completed" && j.conclusion === "skipped")
          this.print(`${this.prefix(e.data.jobId)}${mark(j.status, j.conclusion)} job skipped`);
        break;
      }
      case "step.started":
      case "step.completed": {
        const job = this.jobs.get(e.data.jobId);
        if (job) {
          const i = job.steps.findIndex((s) => s.number === e.stepNumber);
          if (i >= 0) job.steps[i] = e.data.step;
          else job.steps.push(e.data.step);
        }
        const s = e.data.step;
        if (e.type === "step.started") this.print(`${this.prefix(e.data.jobId)}${pc.cyan("▶")} ${s.name}`);
        else if (s.conclusion !== "skipped")
          this.print(
            `${this.prefix(e.data.jobId)}${mark(s.status, s.conclusion)} ${s.name} ${pc.dim(duration(s.startedAt, s.completedAt))}`,
          );
        break;
      }
      case "step.log":
        if (e.data.line.startsWith("##[endgroup]")) break;
        this.print(`${this.prefix(e.data.jobId)}  ${colourLine(e.data.line.replace(/\n$/, ""))}`);
        break;
    }
    if (this.live) this.schedule();
  }

  /** Removes the live tree (call before printing the summary). */
  finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush(false);
  }

  private prefix(jobId: string): string {
    return pc.dim(`[${this.label ? `${this.label} / ` : ""}${jobId}] `);
  }

  private print(line: string): void {
    if (this.live) this.pending.push(line);
    else this.out.write(`${line}\n`);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush(true);
    }, 100);
  }

  private flush(drawTree: boolean): void {
    let text = this.treeLines ? `\x1b[${this.treeLines}A\x1b[J` : "";
    text += this.pending.map((l) => `${l}\n`).join("");
    this.pending = [];
    this.treeLines = 0;
    if (drawTree && this.run) {
      const tree = this.tree();
      this.treeLines = tree.length;
      text += tree.map((l) => `${l}\n`).join("");
    }
    this.out.write(text);
  }

  private tree(): string[] {
    const columns = (this.out as { columns?: number }).columns || 100;
    // Cut names on their plain text, so a long name never wraps (the redraw counts lines).
    const fit = (text: string, indent: number) =>
      text.length > columns - indent - 14 ? `${text.slice(0, Math.max(8, columns - indent - 17))}...` : text;
    const lines: string[] = [];
    for (const job of this.jobs.values()) {
      if (job.status === "completed" && job.conclusion !== "failure") continue;
      lines.push(
        `${mark(job.status, job.conclusion)} ${pc.bold(fit(job.name, 2))} ${pc.dim(duration(job.startedAt, job.completedAt))}`,
      );
      for (const s of job.steps) {
        if (s.status === "queued") continue;
        lines.push(
          `   ${mark(s.status, s.conclusion)} ${fit(s.name, 5)} ${pc.dim(duration(s.startedAt, s.completedAt))}`,
        );
      }
    }
    return lines.slice(-20);
  }
}

/** Highlights the runner's own annotations in log lines. */
function colourLine(line: string): string {
  if (line.startsWith("##[error]")) return pc.red(`Error: ${line.slice(9)}`);
  if (line.startsWith("##[warning]")) return pc.yellow(`Warning: ${line.slice(11)}`);
  if (line.startsWith("##[notice]")) return pc.blue(`Notice: ${line.slice(10)}`);
  if (line.startsWith("##[group]")) return pc.bold(`▸ ${line.slice(9)}`);
  if (line.startsWith("##[endgroup]")) return "";
  if (line.startsWith("##[debug]")) return pc.dim(`Debug: ${line.slice(9)}`);
  return line;
}
