/**
 * Steps that run in a container of their own (ACT docker actions, `uses: docker://image`): the
 * image pulled or built, the workspace at /github/workspace, RUNNER_TEMP (with the file-command
 * files) at /github/runner_temp, the event at /github/workflow/event.json (DOCK-03), a home at
 * /github/home, as GitHub lays them out.
 */
import { mkdirSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { StepDef } from "../../workflow/index.js";
import { failStep, runProcess, type ProcessOutcome } from "../steps/run-process.js";
import type { StepScope } from "../steps/scope.js";
import { runContainer } from "../docker/container-process.js";
import { containerEnv, dockerFor, type Mount } from "../docker/context.js";
import { actionImage } from "../docker/action-image.js";
import { ownedLabels } from "../docker/labels.js";
import { errorMessage } from "../../contract/index.js";

export interface ContainerStep {
  /** `docker://image`, or a Dockerfile path in `actionDir`. */
  image: string;
  actionDir?: string;
  entrypoint?: string;
  args: string[];
  /** INPUT_* and the action's `runs.env`. */
  extraEnv: Record<string, string>;
  label: string;
}

/**
 * Which action an image is built for, the same for every leg and run: a folder of the workspace
 * by the repository and its path there (each leg has its own checkout), one elsewhere (the action
 * cache, `--action DIR`) by its path without the `@ref` (a new ref replaces the old one's image).
 */
function actionSource(workspace: string, repository: string, dir: string): string {
  const rel = relative(workspace, dir);
  return !rel.startsWith("..") && !isAbsolute(rel) ? `${repository}:./${rel}` : dir.replace(/@[^/]+/, "");
}

export async function runContainerStep(
  def: StepDef,
  scope: StepScope,
  env: Record<string, string>,
  step: ContainerStep,
): Promise<ProcessOutcome> {
  const rt = scope.rt;
  const docker = await dockerFor(rt.services, step.label);
  if (!docker.ok) {
    return failStep(scope, docker.error);
  }
  const engine = docker.value;
  let image: string;
  try {
    if (step.image.startsWith("docker://")) {
      image = step.image.slice("docker://".length);
      await engine.ensureImage(image, scope.log);
    } else {
      const dir = step.actionDir!;
      image = await actionImage(
        engine,
        {
          dir,
          dockerfile: step.image,
          source: actionSource(rt.workspace, String(rt.run.github.repository ?? ""), dir),
          what: step.label,
        },
        scope.log,
      );
    }
  } catch (err) {
    return failStep(scope, errorMessage(err));
  }
  const workspace = rt.workspace;
  const home = join(rt.temp, "_github_home");
  mkdirSync(home, { recursive: true });
  const mounts: Mount[] = [
    { host: workspace, container: "/github/workspace" },
    { host: rt.temp, container: "/github/runner_temp" },
    { host: dirname(rt.eventPath), container: "/github/workflow" },
    { host: resolve(home), container: "/github/home" },
  ];
  const spec = (procEnv: Record<string, string>) => ({
    Image: image,
    ...(step.entrypoint ? { Entrypoint: [step.entrypoint] } : {}),
    ...(step.args.length ? { Cmd: step.args } : {}),
    Env: containerEnv(procEnv, rt.run.hostEnv, mounts, { HOME: home }),
    WorkingDir: "/github/workspace",
    Labels: ownedLabels(rt.services.runId, rt.job.id),
    HostConfig: {
      Binds: mounts.map((m) => `${m.host}:${m.container}`),
      ...(rt.jobNetwork ? { NetworkMode: rt.jobNetwork.network } : {}),
    },
  });
  return runProcess(scope, def.id, env, {
    command: image,
    args: step.args,
    cwd: workspace,
    extraEnv: step.extraEnv,
    start: (procEnv, onLine) => runContainer(engine, spec(procEnv), onLine),
  });
}
