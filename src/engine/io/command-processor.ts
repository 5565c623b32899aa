import { KNOWN_COMMANDS, parseCommand } from "./commands.js";
import { errorMessage } from "../../contract/index.js";
import { StepOutputs } from "./output-limits.js";
import { logError } from "./log-lines.js";

/** What a step's commands and file commands produce for the step itself. */
export interface StepEffects {
  outputs: Record<string, string>;
  state: Record<string, string>;
  /** Set when a command failed the step (CMD-10, CMD-11). */
  failure?: string;
}

/**
 * What a step changes in its job, collected while its process runs and applied by the job's
 * state once the process ended (`JobState.apply`): nothing reads them in between.
 */
export interface JobEffects {
  /** GITHUB_ENV and `set-env`: the last value written of each name. */
  env: Record<string, string>;
  /** GITHUB_PATH and `add-path`, in the order added. */
  path: string[];
  /** GITHUB_STEP_SUMMARY, as the step wrote it (the job masks it). */
  summary?: string;
}

/**
 * Handles the workflow commands in a step's output lines (CMD-01..12) and logs everything else.
 * One per process: stop-commands and echo state do not outlive the step.
 */
export class CommandProcessor {
  private stopToken: string | undefined;
  private echo = false;
  private readonly outputs: StepOutputs;
  private maskRefused = false;

  constructor(
    private readonly effects: StepEffects,
    private readonly changes: JobEffects,
    /** Masks a value in the job's log from now on: a mask takes effect at once, for the step's next line. */
    private readonly addMask: (value: string) => string | undefined,
    /** Logs one line (masked by the callee). */
    private readonly log: (line: string) => void,
    private readonly options: { allowUnsecure: boolean; debug: boolean },
  ) {
    this.outputs = new StepOutputs(effects.outputs, (message) => {
      logError(this.log, message);
      this.effects.failure ??= "The step's outputs exceed stax's limit";
    });
  }

  line(raw: string): void {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (this.stopToken !== undefined) {
      if (text.trim() === `::${this.stopToken}::`) {
        this.stopToken = undefined;
        return;
      }
      this.log(text);
      return;
    }
    const cmd = parseCommand(text);
    if (!cmd || !KNOWN_COMMANDS.has(cmd.name)) {
      this.log(text);
      return;
    }
    if (this.echo) this.log(text);
    try {
      this.handle(cmd.name, cmd.props, cmd.data);
    } catch (err) {
      logError(this.log, `Unable to process command '${text}' successfully.`);
      logError(this.log, errorMessage(err));
      this.effects.failure ??= `Unable to process command '${cmd.name}'`;
    }
  }

  private handle(name: string, props: Record<string, string>, data: string): void {
    switch (name) {
      case "set-output":
        if (!props.name) throw new Error("set-output requires a 'name'");
        this.setOutput(props.name, data);
        return;
      case "save-state":
        if (!props.name) throw new Error("save-state requires a 'name'");
        this.effects.state[props.name] = data;
        return;
      case "set-env":
      case "add-path":
        if (!this.options.allowUnsecure) {
          logError(
            this.log,
            `The \`${name}\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`.`,
          );
          this.effects.failure ??= `The '${name}' command is disabled`;
          return;
        }
        if (name === "add-path") this.addPath(data);
        else {
          if (!props.name) throw new Error("set-env requires a 'name'");
          this.setEnv(props.name, data);
        }
        return;
      case "add-mask":
        if (!data.trim()) this.log("##[warning]Can't add secret mask for empty string in ##[add-mask] command.");
        else this.mask(data);
        return;
      case "debug":
        if (this.options.debug) this.log(`##[debug]${data}`);
        return;
      case "notice":
      case "warning":
      case "error":
        this.log(`##[${name}]${annotationPrefix(props)}${data}`);
        return;
      case "group":
        this.log(`##[group]${data}`);
        return;
      case "endgroup":
        this.log("##[endgroup]");
        return;
      case "echo":
        this.echo = data.trim().toLowerCase() === "on";
        return;
      case "stop-commands":
        if (!data || data === "pause-logging" || KNOWN_COMMANDS.has(data.toLowerCase())) {
          throw new Error(`Invalid stop-commands token '${data}'`);
        }
        if (data.length > 6) this.mask(data);
        this.stopToken = data;
        return;
      default:
        // add-matcher / remove-matcher: problem matchers are not implemented; the line is dropped as on GitHub.
        return;
    }
  }

  /** A mask the job refuses (too many) fails the step: the value will show in its log. */
  private mask(value: string): void {
    const refused = this.addMask(value);
    if (!refused || this.maskRefused) return;
    this.maskRefused = true; // said once per step: a million refusals must not become a million lines
    logError(this.log, refused);
    this.effects.failure ??= "Too many masks";
  }

  /** `::set-output` and GITHUB_OUTPUT: the step's outputs, within the step limits (output-limits.ts). */
  setOutput(name: string, value: string): void {
    this.outputs.set(name, value);
  }

  /** GITHUB_ENV semantics (FILE-04): later steps see it; NODE_OPTIONS is refused (CMD-12). */
  setEnv(name: string, value: string): void {
    if (name === "NODE_OPTIONS") {
      logError(this.log, "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.");
      return;
    }
    this.changes.env[name] = value;
  }

  /** GITHUB_PATH semantics (FILE-05); the job puts the newest first. */
  addPath(dir: string): void {
    if (dir) this.changes.path.push(dir);
  }
}

function annotationPrefix(props: Record<string, string>): string {
  if (!props.file) return props.title ? `${props.title}: ` : "";
  const at = props.line ? `#L${props.line}${props.col ? `:${props.col}` : ""}` : "";
  return `${props.title ? `${props.title} ` : ""}(${props.file}${at}) `;
}
